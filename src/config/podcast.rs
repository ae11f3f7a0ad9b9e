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
fn credentials(key: &str, u: &Url) -> String {
    format!(
        "[feed.podcast] {key} `{}` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)",
        crate::net::redact(u.as_str())
    )
}

impl RawPodcast {
    pub fn resolve(self, root: &Path) -> Result<PodcastConfig, String> {
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
