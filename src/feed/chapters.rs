//! An episode's inline chapters in each form apps read them: a Podcasting 2.0 JSON chapters
//! file published beside the feeds (R71), Podlove Simple Chapters in the item, and timestamp
//! lines in the show notes (the form Spotify reads).

use std::collections::BTreeMap;

use rss::extension::Extension;
use serde::Serialize;
use url::Url;

use super::FeedDoc;
use crate::content::chapters::{Chapter, timestamp};
use crate::content::render::escape_html;

/// The JSON chapters format's version written.
pub const JSON_VERSION: &str = "1.2.0";
/// The Podlove Simple Chapters namespace.
pub const PSC_NS: &str = "http://podlove.org/simple-chapters";
/// The folder of the output folder that holds the chapters files.
const FOLDER: &str = crate::media_types::CHAPTERS_FOLDER;

/// The output file name of an episode's chapters, relative to the output folder.
pub fn file_name(slug: &str) -> String {
    format!("{FOLDER}{slug}.json")
}

/// The public URL of an episode's chapters file.
pub fn json_url(feeds_url: &Url, slug: &str) -> Url {
    feeds_url
        .join(&file_name(slug))
        .unwrap_or_else(|_| feeds_url.clone())
}

#[derive(Serialize)]
struct JsonChapters<'a> {
    version: &'static str,
    chapters: Vec<JsonChapter<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonChapter<'a> {
    start_time: u64,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    img: Option<&'a str>,
}

/// The JSON chapters file of `chapters` (their URLs already absolute).
pub fn json(chapters: &[Chapter]) -> String {
    let doc = JsonChapters {
        version: JSON_VERSION,
        chapters: chapters
            .iter()
            .map(|c| JsonChapter {
                start_time: c.start,
                title: &c.title,
                url: c.url.as_deref(),
                img: c.image.as_deref(),
            })
            .collect(),
    };
    // Plain data of strings and numbers: serializing it cannot fail.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Every chapters file the documents' episodes need, by output name: one per episode with
/// inline chapters, however many feeds or pages it is in. Named by the episode's slug, two
/// episodes of two podcast feeds may claim one file: each such name is in the second list, with
/// the ids of the two episodes (the first would keep the file, the second lose its chapters).
#[expect(
    clippy::type_complexity,
    reason = "the files, and the names two episodes claim"
)]
pub fn files<'a>(
    feeds_url: &Url,
    docs: impl IntoIterator<Item = &'a FeedDoc>,
) -> (BTreeMap<String, String>, Vec<(String, String, String)>) {
    let mut out: BTreeMap<String, (String, &str)> = BTreeMap::new();
    let mut clashes = Vec::new();
    for doc in docs {
        for item in &doc.items {
            let Some(ep) = item.episode.as_deref() else {
                continue;
            };
            let Some(url) = ep
                .chapters
                .as_deref()
                .filter(|_| !ep.chapter_list.is_empty())
            else {
                continue;
            };
            let Some(name) = url.strip_prefix(feeds_url.as_str()) else {
                continue;
            };
            match out.get(name) {
                None => {
                    out.insert(name.to_string(), (json(&ep.chapter_list), &item.id));
                }
                Some((_, first)) if *first != item.id => {
                    let clash = (name.to_string(), first.to_string(), item.id.clone());
                    if !clashes.contains(&clash) {
                        clashes.push(clash);
                    }
                }
                Some(_) => {}
            }
        }
    }
    let files = out
        .into_iter()
        .map(|(name, (text, _))| (name, text))
        .collect();
    (files, clashes)
}

/// `HH:MM:SS`, the normal play time Podlove Simple Chapters write.
fn psc_time(seconds: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `<psc:chapters version="1.2">` with one `psc:chapter` per chapter.
pub fn psc(chapters: &[Chapter]) -> Extension {
    let list = chapters
        .iter()
        .map(|c| {
            let mut attrs = BTreeMap::new();
            attrs.insert("start".to_string(), psc_time(c.start));
            attrs.insert("title".to_string(), c.title.clone());
            if let Some(u) = &c.url {
                attrs.insert("href".to_string(), u.clone());
            }
            if let Some(i) = &c.image {
                attrs.insert("image".to_string(), i.clone());
            }
            Extension {
                name: "psc:chapter".into(),
                value: None,
                attrs,
                children: BTreeMap::new(),
            }
        })
        .collect();
    Extension {
        name: "psc:chapters".into(),
        value: None,
        attrs: BTreeMap::from([("version".to_string(), "1.2".to_string())]),
        children: BTreeMap::from([("chapter".to_string(), list)]),
    }
}

/// The chapters as show-notes HTML: one `<p>` per chapter, `0:00 Intro`, so that each is a
/// line of its own wherever the notes are shown (tags Apple allows in a description, R61).
pub fn notes_html(chapters: &[Chapter]) -> String {
    note_lines(chapters).collect()
}

/// Each chapter's line of [`notes_html`].
pub fn note_lines(chapters: &[Chapter]) -> impl Iterator<Item = String> {
    chapters
        .iter()
        .map(|c| format!("<p>{} {}</p>", timestamp(c.start), escape_html(&c.title)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<Chapter> {
        vec![
            Chapter {
                start: 0,
                title: "Intro".into(),
                url: None,
                image: None,
            },
            Chapter {
                start: 3930,
                title: "Q & A".into(),
                url: Some("https://x.example/".into()),
                image: Some("https://cdn.example/a.jpg".into()),
            },
        ]
    }

    #[test]
    fn json_has_the_format_names() {
        let v: serde_json::Value = serde_json::from_str(&json(&list())).unwrap();
        assert_eq!(v["version"], "1.2.0");
        assert_eq!(v["chapters"][1]["startTime"], 3930);
        assert_eq!(v["chapters"][1]["img"], "https://cdn.example/a.jpg");
        assert!(v["chapters"][0].get("url").is_none());
    }

    #[test]
    fn psc_and_notes() {
        let e = psc(&list());
        let ch = &e.children["chapter"];
        assert_eq!(ch[1].attrs["start"], "01:05:30");
        assert_eq!(ch[1].attrs["href"], "https://x.example/");
        assert_eq!(
            notes_html(&list()),
            "<p>0:00 Intro</p><p>1:05:30 Q &amp; A</p>"
        );
    }

    #[test]
    fn names_and_urls() {
        let base = Url::parse("https://x.example/feeds/").unwrap();
        assert_eq!(
            json_url(&base, "ep-3").as_str(),
            "https://x.example/feeds/chapters/ep-3.json"
        );
    }
}
