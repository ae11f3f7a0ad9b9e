//! `[feed.podcast]`: the channel-level settings of a podcast feed. Values are kept as written
//! where a rule may reject them, so that `feedwright check` can report every violated rule at
//! once (see `verify::podcast`) instead of stopping at the first type error.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use url::Url;

use super::Person;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodcast {
    pub image: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub explicit: Option<toml::Value>,
    pub author: Option<String>,
    pub owner: Option<Person>,
    #[serde(rename = "type")]
    pub show_type: Option<String>,
    pub media_base_url: Option<String>,
    pub locked: Option<bool>,
    #[serde(default)]
    pub funding: Vec<Funding>,
    pub guid: Option<String>,
    pub missing_audio: Option<MissingAudio>,
    #[serde(default)]
    pub resolve_lengths: bool,
    pub medium: Option<String>,
    #[serde(default)]
    pub txt: Vec<Txt>,
    pub update_frequency: Option<UpdateFrequency>,
    pub new_feed_url: Option<String>,
    /// A date (`2026-12-31`, quoted or not) after which `itunes:owner` loses its e-mail.
    pub owner_email_until: Option<toml::Value>,
    pub chapters_in_description: Option<bool>,
}

/// `txt = [{ purpose = "applepodcastsverify", value = "…" }]`: `podcast:txt` (ownership
/// proofs and other free text a service asks for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Txt {
    pub purpose: Option<String>,
    pub value: String,
}

/// `update_frequency = { text = "Every other Monday", rrule = "FREQ=WEEKLY;INTERVAL=2" }`:
/// `podcast:updateFrequency`, how often new episodes come (`complete = true`: no more will).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateFrequency {
    pub text: String,
    pub rrule: Option<String>,
    pub complete: Option<bool>,
    pub dtstart: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub url: String,
    pub text: Option<String>,
}

/// What to do with an episode that has no audio, in the podcast feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MissingAudio {
    /// Leave it out of the podcast feed with a warning (it stays in the notes feeds).
    #[default]
    Skip,
    /// Fail the build.
    Error,
}

/// Where the cover art lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Artwork {
    Remote(Url),
    /// A local file (checked for size and type) published at `url`.
    Local {
        path: PathBuf,
        url: Option<Url>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodcastConfig {
    pub image: Option<Artwork>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    /// As written: a rule requires `true` or `false`.
    pub explicit: Option<toml::Value>,
    pub author: Option<String>,
    pub owner: Option<Person>,
    pub show_type: Option<String>,
    pub media_base_url: Option<Url>,
    pub locked: Option<bool>,
    pub funding: Vec<Funding>,
    pub guid: Option<String>,
    pub missing_audio: MissingAudio,
    /// Resolve unknown remote audio lengths with an HTTP HEAD request.
    pub resolve_lengths: bool,
    /// `podcast:medium` as written (checked by `verify::podcast_tags`); `None`: "podcast".
    pub medium: Option<String>,
    pub txt: Vec<Txt>,
    pub update_frequency: Option<UpdateFrequency>,
    /// `itunes:new-feed-url` as written (checked by `verify::podcast_tags`).
    pub new_feed_url: Option<String>,
    /// The last day (in the site's timezone) on which `itunes:owner` shows its e-mail.
    pub owner_email_until: Option<NaiveDate>,
    /// Whether inline chapters are also written as timestamp lines in the show notes.
    pub chapters_in_description: bool,
}

impl PodcastConfig {
    pub fn explicit_bool(&self) -> Option<bool> {
        self.explicit.as_ref().and_then(toml::Value::as_bool)
    }
}

/// A URL the feed shows must not carry a user name or password: every reader would see them.
/// The key a `[feed.podcast]` message names (`[feed.podcast] image …` gives `image`), so that
/// the error points at its line; `media_base_url` when it names none.
pub fn key_named(message: &str) -> String {
    let key: String = message
        .strip_prefix("[feed.podcast] ")
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if key.is_empty() {
        "media_base_url".into()
    } else {
        key
    }
}

fn credentials(key: &str, u: &Url) -> String {
    format!(
        "[feed.podcast] {key} `{}` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)",
        crate::net::redact(u.as_str())
    )
}

/// The mediums of a feed of items (`podcast:medium`, R74). Each also has a list form
/// (`musicL`…), and `mixed` is one too; those are refused (see [`check_medium`]). The feed
/// check (`verify::podcast_tags`) uses this list.
pub const ITEM_MEDIUMS: &[&str] = &[
    "podcast",
    "music",
    "video",
    "film",
    "audiobook",
    "newsletter",
    "blog",
    "publisher",
    "course",
];

/// A list medium says the feed holds only `podcast:remoteItem`s pointing into other feeds,
/// never items of its own (the namespace's `podcast:medium`, "List Mediums"); feedwright
/// writes items, so apps would meet a feed that contradicts itself.
fn check_medium(medium: &str) -> Result<(), String> {
    let list = medium == "mixed"
        || medium
            .strip_suffix('L')
            .is_some_and(|base| ITEM_MEDIUMS.contains(&base));
    if !list {
        return Ok(());
    }
    Err(format!(
        "[feed.podcast] medium `{medium}` is a list medium: a list feed holds only podcast:remoteItem entries pointing into other feeds, never items of its own, and feedwright writes items: set medium to one of {} (or remove it: the default is podcast)",
        ITEM_MEDIUMS.join(", ")
    ))
}

/// `podcast:guid` is compared as text by apps and indexes, so the namespace asks for the one
/// canonical form, 36 characters: 8-4-4-4-12 hex digits. `{…}`, `urn:uuid:…` or the digits
/// without hyphens name the same UUID but would be another show to them.
fn check_guid(guid: &str) -> Result<(), String> {
    let canonical = guid.len() == 36
        && guid.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if canonical {
        return Ok(());
    }
    let fix = match canonical_guid(guid) {
        Some(c) => format!("write it as guid = \"{c}\""),
        None => "write the UUID as 8-4-4-4-12 hex digits, e.g. \"917393e3-1b1e-5cef-ace4-edaa54e1f810\", or remove guid to have feedwright compute it from the feed URL".into(),
    };
    Err(format!(
        "[feed.podcast] guid `{guid}` is not a UUID in its canonical form (36 characters, 8-4-4-4-12 hex digits with 4 hyphens), which podcast:guid requires: {fix}"
    ))
}

/// The canonical form of a UUID written another way: without `urn:uuid:`, braces, spaces or
/// misplaced hyphens; `None` unless 32 hex digits remain. Their case is kept: an old feed's
/// guid must stay the same text.
fn canonical_guid(guid: &str) -> Option<String> {
    let t = guid.trim();
    let t = match t.get(..9) {
        Some(p) if p.eq_ignore_ascii_case("urn:uuid:") => &t[9..],
        _ => t,
    };
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    let hex: String = t.chars().filter(|&c| c != '-').collect();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let parts = [
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..],
    ];
    Some(parts.join("-"))
}

impl RawPodcast {
    /// The values written into the feed as a fixed form the namespace defines.
    fn check_tags(&self) -> Result<(), String> {
        if let Some(g) = &self.guid {
            check_guid(g)?;
        }
        self.medium.as_deref().map_or(Ok(()), check_medium)
    }

    pub fn resolve(self, root: &Path) -> Result<PodcastConfig, String> {
        self.check_tags()?;
        // Written into the feed as they are: a user name or password there is everyone's.
        let shown_urls = self
            .funding
            .iter()
            .map(|f| ("funding", f.url.as_str()))
            .chain(self.new_feed_url.as_deref().map(|u| ("new_feed_url", u)));
        for (key, text) in shown_urls {
            if let Ok(u) = Url::parse(text.trim())
                && (!u.username().is_empty() || u.password().is_some())
            {
                return Err(credentials(key, &u));
            }
        }
        let media_base_url = match &self.media_base_url {
            Some(s) => {
                let mut u = Url::parse(s)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                    .ok_or_else(|| {
                        format!(
                            "[feed.podcast] media_base_url `{}` is not an absolute http(s) URL",
                            super::publish::shown_url(s)
                        )
                    })?;
                if !u.username().is_empty() || u.password().is_some() {
                    return Err(credentials("media_base_url", &u));
                }
                if !u.path().ends_with('/') {
                    let p = format!("{}/", u.path());
                    u.set_path(&p);
                }
                Some(u)
            }
            None => None,
        };
        let image = self.image.as_deref().map(|img| match Url::parse(img) {
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                Err(credentials("image", &u))
            }
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(Artwork::Remote(u)),
            // One letter is a Windows drive (`C:\…`), a path.
            Ok(u) if u.scheme().len() > 1 => Err(format!(
                "[feed.podcast] image `{img}` is not an http(s) URL: write an https URL or a path to the file, relative to the config"
            )),
            _ => {
                let path = root.join(img);
                let url = media_base_url.as_ref().and_then(|base| {
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| crate::media::file_url(base, n))
                });
                Ok(Artwork::Local { path, url })
            }
        });
        let image = image.transpose()?;
        if let Some(owner) = &self.owner {
            super::fields::check_person("[feed.podcast] owner", owner)?;
        }
        let owner_email_until = self
            .owner_email_until
            .as_ref()
            .map(|v| {
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Datetime(d) => d.to_string(),
                    other => other.to_string(),
                };
                NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                    format!("[feed.podcast] owner_email_until `{text}` is not a date: write it as 2026-12-31")
                })
            })
            .transpose()?;
        Ok(PodcastConfig {
            image,
            category: self.category,
            subcategory: self.subcategory,
            explicit: self.explicit,
            author: self.author,
            owner: self.owner,
            show_type: self.show_type,
            media_base_url,
            locked: self.locked,
            funding: self.funding,
            guid: self.guid,
            missing_audio: self.missing_audio.unwrap_or_default(),
            resolve_lengths: self.resolve_lengths,
            medium: self.medium,
            txt: self.txt,
            update_frequency: self.update_frequency,
            new_feed_url: self.new_feed_url,
            owner_email_until,
            chapters_in_description: self.chapters_in_description.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_its_key_for_the_line() {
        assert_eq!(key_named("[feed.podcast] guid `x` is not a UUID"), "guid");
        assert_eq!(key_named("[feed.podcast] owner.email `a` is not"), "owner");
        assert_eq!(
            key_named("[feed.podcast] owner_email_until `x`"),
            "owner_email_until"
        );
        assert_eq!(key_named("something else"), "media_base_url");
    }

    fn resolved(keys: &str) -> Result<PodcastConfig, String> {
        let raw: RawPodcast = toml::from_str(keys).unwrap();
        raw.resolve(Path::new("."))
    }

    /// Audit: `{…}`, `urn:uuid:…` and unhyphenated guids were accepted and written as they
    /// were, so apps took the show for another one.
    #[test]
    fn a_guid_must_be_canonical_and_the_message_shows_the_fix() {
        let good = "917393e3-1b1e-5cef-ace4-edaa54e1f810";
        assert!(resolved(&format!("guid = \"{good}\"")).is_ok());
        assert!(resolved(&format!("guid = \"{}\"", good.to_uppercase())).is_ok());
        let cases = [
            format!("{{{good}}}"),
            format!("urn:uuid:{good}"),
            format!("URN:UUID:{{{good}}}"),
            good.replace('-', ""),
        ];
        for guid in cases {
            assert_eq!(
                resolved(&format!("guid = \"{guid}\"")).unwrap_err(),
                format!(
                    "[feed.podcast] guid `{guid}` is not a UUID in its canonical form (36 characters, 8-4-4-4-12 hex digits with 4 hyphens), which podcast:guid requires: write it as guid = \"{good}\""
                )
            );
        }
        assert_eq!(
            canonical_guid("917393E3-1B1E5CEF-ACE4-EDAA54E1F810").as_deref(),
            Some("917393E3-1B1E-5CEF-ACE4-EDAA54E1F810")
        );
        assert_eq!(
            resolved("guid = \"my-show\"").unwrap_err(),
            "[feed.podcast] guid `my-show` is not a UUID in its canonical form (36 characters, 8-4-4-4-12 hex digits with 4 hyphens), which podcast:guid requires: write the UUID as 8-4-4-4-12 hex digits, e.g. \"917393e3-1b1e-5cef-ace4-edaa54e1f810\", or remove guid to have feedwright compute it from the feed URL"
        );
        assert!(resolved("guid = \"917393e3-1b1e-5cef-ace4-edaa54e1f81é\"").is_err());
    }

    /// Audit: list mediums were accepted, yet a list feed holds only `podcast:remoteItem`s
    /// and feedwright writes items.
    #[test]
    fn list_mediums_are_refused() {
        for medium in [
            "musicL",
            "podcastL",
            "videoL",
            "filmL",
            "audiobookL",
            "newsletterL",
            "blogL",
            "mixed",
        ] {
            assert_eq!(
                resolved(&format!("medium = \"{medium}\"")).unwrap_err(),
                format!(
                    "[feed.podcast] medium `{medium}` is a list medium: a list feed holds only podcast:remoteItem entries pointing into other feeds, never items of its own, and feedwright writes items: set medium to one of podcast, music, video, film, audiobook, newsletter, blog, publisher, course (or remove it: the default is podcast)"
                )
            );
        }
        for medium in ITEM_MEDIUMS {
            assert!(
                resolved(&format!("medium = \"{medium}\"")).is_ok(),
                "{medium}"
            );
        }
        // Not a medium at all: left to `verify::podcast_tags`, which reports it with the rest.
        assert!(resolved("medium = \"radio\"").is_ok());
    }
}
