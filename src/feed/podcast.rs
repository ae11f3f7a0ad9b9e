//! The podcast RSS renderer: the RSS channel plus Apple's itunes tags (R45-R61) and the
//! Podcasting 2.0 namespace (R64-R76). Episodes without an enclosure never reach it: the
//! pipeline skips or rejects them first.

use std::collections::BTreeMap;

use rss::extension::Extension;
use rss::extension::itunes::{
    ITunesCategory, ITunesChannelExtension, ITunesItemExtension, ITunesOwner,
};
use uuid::Uuid;

use super::{FeedDoc, FeedItem, PodcastChannel, chapters, rss as plain_rss};
use crate::content::episode::Episode;
use crate::content::render::{cut_at_word, escape_html};

pub const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
/// The namespace UUID the Podcasting 2.0 `guid` tag specifies.
const GUID_NAMESPACE: Uuid = Uuid::from_u128(0xead4c236_bf58_58c6_a2c6_a6b28d128cb6);
/// Apple's limit on description length, in bytes (R46, R61).
const DESCRIPTION_MAX: usize = 4000;

/// `podcast:guid` for a feed URL: UUIDv5 of the URL without scheme and trailing slashes (R66).
pub fn podcast_guid(feed_url: &str) -> String {
    let trimmed = feed_url
        .split_once("://")
        .map_or(feed_url, |(_, rest)| rest)
        .trim_end_matches('/');
    Uuid::new_v5(&GUID_NAMESPACE, trimmed.as_bytes()).to_string()
}

fn ext(name: &str, value: Option<&str>, attrs: &[(&str, Option<&str>)]) -> Extension {
    Extension {
        name: format!("podcast:{name}"),
        value: value.map(str::to_string),
        attrs: attrs
            .iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
            .collect(),
        children: BTreeMap::new(),
    }
}

fn add(map: &mut rss::extension::ExtensionMap, prefix: &str, e: Extension) {
    let local = e
        .name
        .split_once(':')
        .map_or(e.name.as_str(), |(_, l)| l)
        .to_string();
    map.entry(prefix.to_string())
        .or_default()
        .entry(local)
        .or_default()
        .push(e);
}

/// `text` as `write` writes it (as it is, or escaped as HTML), within Apple's byte limit: cut
/// at a word boundary until the written text fits.
fn fit_description(text: &str, write: impl Fn(&str) -> String) -> String {
    let mut written = write(text);
    let mut chars = text.chars().count();
    // Stops at nothing left to cut: what `write` adds may be over the limit on its own.
    while written.len() > DESCRIPTION_MAX && chars > 0 {
        chars = chars * 9 / 10;
        written = write(&cut_at_word(text, chars));
    }
    written
}

/// A plain-text summary as an item's description, which RSS readers read as HTML (see
/// [`plain_rss::item`]).
fn html_description(text: &str) -> String {
    fit_description(text, escape_html)
}

/// The podcast channel of `doc` without its items.
fn head(doc: &FeedDoc) -> rss::Channel {
    let mut channel = plain_rss::head(doc);
    let Some(pod) = &doc.podcast else {
        return channel;
    };
    let cfg = &pod.config;
    // Plain text, as in the RSS channel (see [`plain_rss::head`]).
    channel.description = fit_description(&doc.description, str::to_string);
    channel
        .namespaces
        .insert("podcast".into(), PODCAST_NS.into());

    // Apple asks for it (R51): without an author anywhere, the show's owner, then its title,
    // as Atom names a feed's author by its title.
    let author = cfg
        .author
        .clone()
        .or_else(|| doc.author.as_ref().map(|a| a.name.clone()))
        .or_else(|| cfg.owner.as_ref().map(|o| o.name.clone()))
        .or_else(|| Some(doc.title.clone()));
    channel.itunes_ext = Some(ITunesChannelExtension {
        author,
        categories: cfg
            .category
            .iter()
            .map(|c| ITunesCategory {
                text: c.clone(),
                subcategory: cfg.subcategory.as_ref().map(|s| {
                    Box::new(ITunesCategory {
                        text: s.clone(),
                        subcategory: None,
                    })
                }),
            })
            .collect(),
        image: pod.image_url.as_ref().map(|u| u.to_string()),
        explicit: cfg.explicit_bool().map(|b| b.to_string()),
        owner: cfg.owner.as_ref().map(|o| ITunesOwner {
            name: Some(o.name.clone()),
            email: o.email.clone(),
        }),
        // No `itunes:summary`: Apple no longer reads it, and the description says the same.
        r#type: cfg.show_type.clone(),
        new_feed_url: cfg.new_feed_url.clone(),
        ..Default::default()
    });
    if doc.items.iter().any(has_chapter_list) {
        channel
            .namespaces
            .insert("psc".into(), chapters::PSC_NS.into());
    }

    let mut exts = rss::extension::ExtensionMap::new();
    add(&mut exts, "podcast", ext("guid", Some(&pod.guid), &[]));
    // Said either way (PSP-1 asks every feed to): without `locked`, `no`, which is what a
    // host assumes of a feed that says nothing.
    let locked = cfg.locked.unwrap_or(false);
    let owner = cfg.owner.as_ref().and_then(|o| o.email.as_deref());
    let value = if locked { "yes" } else { "no" };
    add(
        &mut exts,
        "podcast",
        ext("locked", Some(value), &[("owner", owner)]),
    );
    for f in &cfg.funding {
        let text = f.text.as_deref().unwrap_or("Support the show");
        add(
            &mut exts,
            "podcast",
            ext("funding", Some(text), &[("url", Some(&f.url))]),
        );
    }
    new_channel_tags(cfg, &mut exts);
    channel.extensions = exts;
    channel
}

fn has_chapter_list(item: &FeedItem) -> bool {
    item.episode
        .as_ref()
        .is_some_and(|e| !e.chapter_list.is_empty())
}

/// `podcast:medium` (always: "podcast" unless configured), `podcast:txt` and
/// `podcast:updateFrequency`.
fn new_channel_tags(cfg: &crate::config::PodcastConfig, exts: &mut rss::extension::ExtensionMap) {
    let medium = cfg.medium.as_deref().unwrap_or("podcast");
    add(exts, "podcast", ext("medium", Some(medium), &[]));
    for t in &cfg.txt {
        add(
            exts,
            "podcast",
            ext("txt", Some(&t.value), &[("purpose", t.purpose.as_deref())]),
        );
    }
    if let Some(u) = &cfg.update_frequency {
        let complete = u.complete.map(|c| c.to_string());
        add(
            exts,
            "podcast",
            ext(
                "updateFrequency",
                Some(&u.text),
                &[
                    ("rrule", u.rrule.as_deref()),
                    ("complete", complete.as_deref()),
                    ("dtstart", u.dtstart.as_deref()),
                ],
            ),
        );
    }
}

/// Leaves the e-mail out of `itunes:owner` (and `podcast:locked`) once `owner_email_until`
/// has passed on `today`; the note to show when it did. Only the date decides, so a build is
/// as reproducible as before until that day, and after it.
pub fn hide_expired_owner_email(
    feed: &str,
    channel: &mut PodcastChannel,
    today: chrono::NaiveDate,
) -> Option<String> {
    let until = channel.config.owner_email_until?;
    let owner = channel.config.owner.as_mut()?;
    if today <= until || owner.email.is_none() {
        return None;
    }
    owner.email = None;
    Some(format!(
        "feed `{feed}`: owner_email_until {until} has passed, so itunes:owner is written without its e-mail"
    ))
}

/// The inline chapters as timestamp lines at the end of `item`'s description and show notes,
/// unless the feed turns that off.
fn add_chapter_notes(doc: &FeedDoc, source: &FeedItem, ep: &Episode, item: &mut rss::Item) {
    let config = doc.podcast.as_ref().map(|p| &p.config);
    if !ep.chapter_list.is_empty() && config.is_some_and(|c| c.chapters_in_description) {
        item.description = Some(description_with_chapters(&source.summary, &ep.chapter_list));
        let lines = chapters::notes_html(&ep.chapter_list);
        item.content = item.content.take().map(|html| html + &lines);
    }
}

/// The summary, then a line per chapter, within [`DESCRIPTION_MAX`]: the summary is kept
/// (cut only when it is too long on its own) and the chapters that do not fit after it are
/// left to the show notes and the chapters file, with `…` where they stop. (A long chapter
/// list cut the summary down to `…` and still went over the limit.)
fn description_with_chapters(summary: &str, list: &[crate::content::chapters::Chapter]) -> String {
    const MORE: &str = "<p>…</p>";
    let mut out = fit_description(summary, |t| {
        if t.is_empty() {
            String::new()
        } else {
            format!("<p>{}</p>", escape_html(t))
        }
    });
    let mut lines = chapters::note_lines(list).peekable();
    while let Some(line) = lines.next() {
        let room = if lines.peek().is_some() {
            MORE.len()
        } else {
            0
        };
        if out.len() + line.len() + room > DESCRIPTION_MAX {
            if out.len() + MORE.len() <= DESCRIPTION_MAX {
                out.push_str(MORE);
            }
            break;
        }
        out.push_str(&line);
    }
    out
}

/// One podcast item of `doc`.
fn item(doc: &FeedDoc, source: &FeedItem) -> rss::Item {
    let mut item = plain_rss::item(doc, source);
    if doc.podcast.is_none() {
        return item;
    }
    // An empty description says nothing (the build warns of it; see `verify::podcast_tags`).
    item.description = (!crate::content::text_boundary::is_blank(&source.summary))
        .then(|| html_description(&source.summary));
    let Some(ep) = &source.episode else {
        return item;
    };
    add_chapter_notes(doc, source, ep, &mut item);
    item.itunes_ext = Some(ITunesItemExtension {
        duration: ep.duration.map(|d| d.to_string()),
        explicit: ep.explicit.map(|b| b.to_string()),
        episode: ep.number.map(|n| n.to_string()),
        season: ep.season.map(|n| n.to_string()),
        episode_type: ep.episode_type.clone(),
        image: ep.image.clone(),
        ..Default::default()
    });
    let mut exts = rss::extension::ExtensionMap::new();
    add(
        &mut exts,
        "itunes",
        Extension {
            name: "itunes:title".into(),
            value: Some(source.title.clone()),
            ..Default::default()
        },
    );
    if let Some(s) = ep.season {
        add(
            &mut exts,
            "podcast",
            ext("season", Some(&s.to_string()), &[]),
        );
    }
    if let Some(n) = ep.number {
        add(
            &mut exts,
            "podcast",
            ext("episode", Some(&n.to_string()), &[]),
        );
    }
    for t in &ep.transcripts {
        add(
            &mut exts,
            "podcast",
            ext(
                "transcript",
                Some(""),
                &[
                    ("url", Some(&t.url)),
                    ("type", Some(&t.mime)),
                    ("language", t.language.as_deref()),
                    ("rel", t.rel.as_deref()),
                ],
            ),
        );
    }
    if let Some(c) = &ep.chapters {
        add(
            &mut exts,
            "podcast",
            ext(
                "chapters",
                Some(""),
                &[
                    ("url", Some(c)),
                    ("type", Some("application/json+chapters")),
                ],
            ),
        );
    }
    if !ep.chapter_list.is_empty() {
        add(&mut exts, "psc", chapters::psc(&ep.chapter_list));
    }
    for p in &ep.persons {
        add(
            &mut exts,
            "podcast",
            ext(
                "person",
                Some(&p.name),
                &[
                    ("role", p.role.as_deref()),
                    ("group", p.group.as_deref()),
                    ("href", p.href.as_deref()),
                    ("img", p.img.as_deref()),
                ],
            ),
        );
    }
    item.extensions = exts;
    item
}

pub fn render(doc: &FeedDoc) -> String {
    plain_rss::write_items(&head(doc), &doc.items, |it| item(doc, it))
}

/// How `doc` is written in pieces (see [`plain_rss::layout`]).
pub(crate) fn doc_layout(doc: &FeedDoc) -> Option<super::pieces::Layout<'_, FeedItem>> {
    plain_rss::layout(&head(doc), &doc.items, move |it| item(doc, it))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_matches_the_namespace_examples() {
        // docs/tags/guid.md examples (R67).
        assert_eq!(
            podcast_guid("https://podnews.net/rss"),
            "9b024349-ccf0-5f69-a609-6b82873eab3c"
        );
        assert_eq!(
            podcast_guid("podnews.net/rss/"),
            "9b024349-ccf0-5f69-a609-6b82873eab3c"
        );
        assert_eq!(
            podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml"),
            "917393e3-1b1e-5cef-ace4-edaa54e1f810"
        );
    }

    /// Audit: 52 chapters of 70 characters cut the summary down to `…`, and the description
    /// was 4,074 bytes all the same.
    #[test]
    fn a_long_chapter_list_keeps_the_summary_and_the_limit() {
        let list: Vec<_> = (0..52)
            .map(|i| crate::content::chapters::Chapter {
                start: i * 180,
                title: format!(
                    "Listener question {i:02}: what makes a great long take in a thriller"
                ),
                url: None,
                image: None,
            })
            .collect();
        let d = description_with_chapters("Fifty of your questions, answered.", &list);
        assert!(d.len() <= DESCRIPTION_MAX, "{}", d.len());
        assert!(
            d.starts_with("<p>Fifty of your questions, answered.</p><p>0:00 Listener question 00"),
            "{d}"
        );
        assert!(d.ends_with("<p>…</p>"), "{d}");
        // Room for all: every line, no `…`.
        let d = description_with_chapters("Short.", &list[..3]);
        assert_eq!(d.matches("<p>").count(), 4);
        assert!(!d.contains('…'));
    }

    #[test]
    fn long_descriptions_fit_apple_limit() {
        let long = "word ".repeat(2000);
        let fitted = fit_description(&long, str::to_string);
        assert!(fitted.len() <= DESCRIPTION_MAX);
        assert!(fitted.ends_with('…'));
    }
}
