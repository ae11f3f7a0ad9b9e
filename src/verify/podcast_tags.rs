//! The podcast rules of late 2026 beyond those of [`super::podcast`]: the Podcasting 2.0 tags
//! `podcast:medium`, `podcast:txt` and `podcast:updateFrequency` (R74), moving a feed with
//! `itunes:new-feed-url`, the chapters an episode lists (R71) and the JSON chapters file
//! written from them. Apple no longer reads `itunes:summary`, `itunes:subtitle` or
//! `itunes:keywords`, so no rule asks for them and feedwright writes none.

use crate::config::FeedConfig;
use crate::feed::FeedItem;

/// `podcast:medium` values of a feed of items (R74); the config refuses the list forms.
pub const MEDIUMS: &[&str] = crate::config::podcast::ITEM_MEDIUMS;

/// The namespace's limits on `podcast:txt` (value and purpose) and `podcast:updateFrequency`.
const TXT_MAX: usize = 4000;
const SHORT_MAX: usize = 128;
/// Spotify turns description timestamps into chapters only from this many.
pub const SPOTIFY_MIN_CHAPTERS: usize = 3;

fn medium_ok(m: &str) -> bool {
    MEDIUMS.contains(&m)
}

/// The channel rules of the new tags; every message names the feed.
pub fn channel(feed: &FeedConfig) -> Vec<String> {
    let mut v = Vec::new();
    let Some(cfg) = &feed.podcast else {
        return v;
    };
    let name = &feed.name;
    if let Some(m) = &cfg.medium
        && !medium_ok(m)
    {
        v.push(format!(
            "feed `{name}`: medium `{m}` is not one of {}",
            MEDIUMS.join(", ")
        ));
    }
    for t in &cfg.txt {
        if t.value.trim().is_empty() || t.value.chars().count() > TXT_MAX {
            v.push(format!(
                "feed `{name}`: txt value must be 1 to {TXT_MAX} characters: copy it as the service gave it"
            ));
        }
        if let Some(p) = &t.purpose
            && (p.trim().is_empty() || p.chars().count() > SHORT_MAX)
        {
            v.push(format!(
                "feed `{name}`: txt purpose `{p}` must be 1 to {SHORT_MAX} characters, e.g. \"applepodcastsverify\""
            ));
        }
    }
    if let Some(u) = &cfg.update_frequency {
        v.extend(update_frequency(name, u));
    }
    if let Some(u) = &cfg.new_feed_url {
        if !url::Url::parse(u).is_ok_and(|u| u.scheme() == "https" && u.has_host()) {
            v.push(format!(
                "feed `{name}`: new_feed_url `{u}` must be the new feed's absolute https URL"
            ));
        }
        if cfg.locked == Some(true) {
            v.push(format!(
                "feed `{name}`: new_feed_url is set while locked = true: set locked = false for the move, or the new host cannot import the show"
            ));
        }
    }
    v
}

/// R65: URLs of pages in `podcast:` tags are https. A funding page given relative to the site
/// is made absolute against `base_url`, so an http site gives an http funding link.
pub fn https_pages(feed: &FeedConfig, base_url: &url::Url) -> Vec<String> {
    let Some(cfg) = &feed.podcast else {
        return Vec::new();
    };
    // The cover is no podcast: tag, but apps and directories load it over https pages (an http
    // picture is blocked as mixed content, or refused).
    let cover = match &cfg.image {
        Some(crate::config::podcast::Artwork::Remote(u)) if u.scheme() != "https" => Some(format!(
            "feed `{}`: [feed.podcast] image `{u}` is not https: podcast apps and directories load covers over https; give its https address",
            feed.name
        )),
        _ => None,
    };
    // Every local file's enclosure and art go out under it (R78), as `audio = "http://…"`.
    let media = (cfg.media_base_url.as_ref()).filter(|u| u.scheme() == "http").map(|u| {
        format!(
            "feed `{}`: [feed.podcast] media_base_url `{u}` is not https: the audio and art published under it would go out over http, which podcast directories want over https and players on https pages refuse; give its https address",
            feed.name
        )
    });
    cfg.funding
        .iter()
        .filter_map(|f| {
            let url = base_url.join(&f.url).ok()?;
            (url.scheme() != "https").then(|| {
                format!(
                    "feed `{}`: funding url `{url}` is not https, which podcast:funding requires (Podcasting 2.0): give the page's https address",
                    feed.name
                )
            })
        })
        .chain(cover)
        .chain(media)
        .collect()
}

/// R65 for an episode's tags: its transcripts, chapters and people's pages and pictures, when
/// written as absolute URLs, are https.
fn http_pages(ep: &crate::content::episode::Episode) -> Vec<String> {
    let transcripts = ep.transcripts.iter().map(|t| ("transcript", Some(&t.url)));
    let persons = ep.persons.iter().flat_map(|p| {
        [
            ("person href", p.href.as_ref()),
            ("person img", p.img.as_ref()),
        ]
    });
    let mut said: Vec<String> = transcripts
        .chain(std::iter::once(("chapters", ep.chapters.as_ref())))
        .chain(persons)
        .filter_map(|(what, url)| {
            let url = url?;
            url.starts_with("http:").then(|| {
                format!("{what} `{url}` is not https, which podcast: tags require (Podcasting 2.0): give its https address")
            })
        })
        .collect();
    // Directories ask for one protocol, https, for the feed and every enclosure (R78); web
    // players on https pages refuse http audio.
    if let Some(crate::content::episode::AudioSource::Remote(url)) = &ep.audio
        && url.scheme() == "http"
    {
        said.push(format!(
            "audio `{url}` is not https: podcast directories want the feed and its media over https, and players on https pages refuse http audio; give its https address"
        ));
    }
    // No podcast: tag, but loaded by apps over https pages, as the show's cover is.
    if let Some(image) = ep.image.as_ref().filter(|i| i.starts_with("http:")) {
        said.push(format!(
            "image `{image}` is not https: podcast apps load episode art over https; give its https address"
        ));
    }
    said
}

/// Values the namespace defines narrowly, said when an episode's are outside them: a person's
/// name over 128 characters (R72), a transcript `rel` other than `captions` (R70), a duration
/// of 0 (apps show the episode as 0:00 long).
fn odd_values(ep: &crate::content::episode::Episode) -> Vec<String> {
    let mut said = Vec::new();
    for p in ep
        .persons
        .iter()
        .filter(|p| p.name.chars().count() > SHORT_MAX)
    {
        said.push(format!(
            "person `{}…` is more than {SHORT_MAX} characters, more than podcast:person should hold: shorten the name",
            p.name.chars().take(40).collect::<String>()
        ));
    }
    for t in &ep.transcripts {
        if let Some(rel) = t.rel.as_deref().filter(|r| *r != "captions") {
            said.push(format!(
                "transcript `{}` has rel = \"{rel}\": podcast:transcript defines only \"captions\" (leave rel out for a plain transcript)",
                t.url
            ));
        }
    }
    if ep.duration == Some(0) {
        said.push("duration is 0: apps show the episode as 0:00 long; give its length (\"1:02:03\"), or leave `duration` out".into());
    }
    said
}

fn update_frequency(name: &str, u: &crate::config::podcast::UpdateFrequency) -> Vec<String> {
    let mut v = Vec::new();
    if u.text.trim().is_empty() || u.text.chars().count() > SHORT_MAX {
        v.push(format!(
            "feed `{name}`: update_frequency text must be 1 to {SHORT_MAX} characters, e.g. \"Every other Monday\""
        ));
    }
    if let Some(r) = &u.rrule
        && !r.split(';').any(|part| part.starts_with("FREQ="))
    {
        v.push(format!(
            "feed `{name}`: update_frequency rrule `{r}` needs a FREQ part, e.g. \"FREQ=WEEKLY;INTERVAL=2\" (RFC 5545)"
        ));
    }
    if let Some(d) = &u.dtstart
        && chrono::DateTime::parse_from_rfc3339(d).is_err()
    {
        v.push(format!(
            "feed `{name}`: update_frequency dtstart `{d}` is not a date-time such as 2026-01-05T09:00:00Z"
        ));
    }
    v
}

/// `(source, message)` pairs: what [`episodes`] found.
pub type Found = Vec<(String, String)>;

/// The episode rules of chapters, on the items of a podcast feed: `(source, message)` errors
/// (a chapter after the end of the episode's final duration, which the notes may not have
/// known) and warnings (too few chapters for Spotify to show the description's timestamps).
/// What to say of a podcast item whose summary is blank (notes of only a picture: R61, the
/// description is what podcast apps show under the title), unless its chapters are listed in
/// the description. Asked once its body is rendered, which gives the summary.
pub fn blank_description(
    feed: &FeedConfig,
    summary: &str,
    episode: Option<&crate::content::episode::Episode>,
) -> Option<&'static str> {
    let in_notes = feed
        .podcast
        .as_ref()
        .is_some_and(|p| p.chapters_in_description);
    let chapters_listed = in_notes && episode.is_some_and(|e| !e.chapter_list.is_empty());
    let blank = crate::content::text_boundary::is_blank(summary);
    (feed.kind == crate::config::FeedKind::Podcast && blank && !chapters_listed).then_some(
        "has no text for its podcast description (its notes are empty, or only pictures): \
         podcast apps would show it blank; write a sentence, or set `summary`",
    )
}

pub fn episodes<'a>(
    feed: &FeedConfig,
    items: impl IntoIterator<Item = (&'a str, &'a FeedItem)>,
) -> (Found, Found) {
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let in_notes = feed
        .podcast
        .as_ref()
        .is_some_and(|p| p.chapters_in_description);
    for (source, item) in items {
        let Some(ep) = item.episode.as_deref() else {
            continue;
        };
        // A MUST of the namespace (R65), but apps fetch http: said, not refused.
        warnings.extend(http_pages(ep).into_iter().map(|m| (source.to_string(), m)));
        warnings.extend(odd_values(ep).into_iter().map(|m| (source.to_string(), m)));
        let list = &ep.chapter_list;
        if let (Some(d), Some(last)) = (ep.duration, list.last())
            && last.start >= d
        {
            errors.push((
                source.to_string(),
                format!(
                    "chapter `{}` starts at {}, at or after the end of the episode ({}): fix its start",
                    last.title,
                    crate::content::chapters::timestamp(last.start),
                    crate::content::chapters::timestamp(d)
                ),
            ));
        }
        // R61: Apple's other tag values are at most 255 characters; a longer title is cut.
        let title = item.title.chars().count();
        if title > 255 {
            warnings.push((
                source.to_string(),
                format!(
                    "title is {title} characters; Apple Podcasts shows at most 255: shorten it"
                ),
            ));
        }
        if in_notes && !list.is_empty() && list.len() < SPOTIFY_MIN_CHAPTERS {
            warnings.push((
                source.to_string(),
                format!(
                    "has {} chapters; Spotify shows the description's timestamps as chapters only from {SPOTIFY_MIN_CHAPTERS}, the first at 0:00",
                    list.len()
                ),
            ));
        }
    }
    (errors, warnings)
}

/// Verifies a JSON chapters file (R71): JSON, a `version` string, and `chapters` whose
/// `startTime`s are numbers in ascending order.
pub fn chapters_json(text: &str) -> Vec<String> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("is not valid JSON: {e}")],
    };
    let mut v = Vec::new();
    if !value["version"].is_string() {
        v.push("has no `version` string".to_string());
    }
    let Some(list) = value["chapters"].as_array() else {
        v.push("has no `chapters` list".to_string());
        return v;
    };
    let starts: Vec<Option<f64>> = list.iter().map(|c| c["startTime"].as_f64()).collect();
    if starts.iter().any(Option::is_none) {
        v.push("has a chapter without a numeric `startTime`".to_string());
    } else if starts.windows(2).any(|w| w[1] < w[0]) {
        v.push("has chapters out of order: `startTime` must ascend".to_string());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mediums() {
        assert!(medium_ok("podcast"));
        assert!(medium_ok("course"));
        // List forms are refused by the config (see `config::podcast::check_medium`).
        assert!(!medium_ok("musicL"));
        assert!(!medium_ok("mixed"));
        assert!(!medium_ok("Podcast"));
    }

    #[test]
    fn chapters_files() {
        assert_eq!(
            chapters_json(r#"{"version":"1.2.0","chapters":[{"startTime":0},{"startTime":5.5}]}"#),
            Vec::<String>::new()
        );
        assert_eq!(
            chapters_json(r#"{"chapters":[{"startTime":9},{"startTime":5}]}"#),
            [
                "has no `version` string",
                "has chapters out of order: `startTime` must ascend"
            ]
        );
        assert_eq!(chapters_json("{").len(), 1);
    }
}
