//! An episode's chapters: either an external JSON chapters file (`chapters = "https://…"` or
//! `chapters_url`) or a list written in the front matter, from which the build writes a JSON
//! chapters file, Podlove Simple Chapters and timestamp lines in the show notes (R71).

use serde::{Deserialize, Serialize};

use super::episode::{KeyError, parse_duration};
use super::meta::{ChapterMeta, ChaptersMeta, Meta};

/// One chapter as written inline, typed: `start` in whole seconds. `url` and `image` are as
/// written until `media::episode_urls` makes them absolute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chapter {
    pub start: u64,
    pub title: String,
    pub url: Option<String>,
    pub image: Option<String>,
}

/// A number of seconds as a show-notes timestamp: `M:SS` under an hour, else `H:MM:SS` (the
/// form Spotify reads from a description).
pub fn timestamp(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The `chapters` and `chapters_url` keys typed: the external chapters URL as written (checked
/// by the caller like other URLs), and the inline chapters. `duration` is the episode's, when
/// known: no chapter may start at or after its end.
pub fn chapters_of(
    meta: &Meta,
    duration: Option<u64>,
    errors: &mut Vec<KeyError>,
) -> (Option<String>, Vec<Chapter>) {
    let (external, list) = match (&meta.chapters, &meta.chapters_url) {
        (Some(ChaptersMeta::Url(_)), Some(_)) => {
            errors.push((
                "chapters_url",
                "both `chapters` and `chapters_url` name a chapters URL: keep one".into(),
            ));
            return (None, Vec::new());
        }
        (Some(ChaptersMeta::List(_)), Some(_)) => {
            errors.push((
                "chapters_url",
                "`chapters` lists the chapters and `chapters_url` names a chapters file: keep one (feedwright writes the file from the list)".into(),
            ));
            return (None, Vec::new());
        }
        (Some(ChaptersMeta::Url(u)), None) | (None, Some(u)) => (Some(u.clone()), &[][..]),
        (Some(ChaptersMeta::List(l)), None) => (None, &l[..]),
        (None, None) => (None, &[][..]),
    };
    (external, typed(list, duration, errors))
}

/// Each chapter typed, then the list's order checked: the first at 0, each later than the one
/// before, all before the end.
fn typed(list: &[ChapterMeta], duration: Option<u64>, errors: &mut Vec<KeyError>) -> Vec<Chapter> {
    let before = errors.len();
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let n = i + 1;
        let title = one_line(&c.title);
        let title = title.trim();
        if title.is_empty() {
            errors.push(("chapters", format!("chapter {n} needs a non-empty title")));
        }
        let Some(start) = parse_duration(&c.start.0) else {
            errors.push((
                "chapters",
                format!(
                    "chapter {n} (`{title}`): start `{}` must be H:MM:SS, MM:SS or a number of seconds",
                    c.start.0
                ),
            ));
            continue;
        };
        out.push(Chapter {
            start,
            title: title.to_string(),
            url: blank_to_none(c.url.as_deref()),
            image: blank_to_none(c.image.as_deref()),
        });
    }
    if errors.len() > before {
        return Vec::new();
    }
    order(&out, duration, errors);
    out
}

/// A chapter title is one line wherever it is shown: in an XML attribute a tab or line break
/// reads back as a space (attribute-value normalisation) while the JSON file would keep it,
/// so each run of them becomes one space in every form.
fn one_line(title: &str) -> String {
    let breaks = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}');
    title
        .split(breaks)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn blank_to_none(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn order(chapters: &[Chapter], duration: Option<u64>, errors: &mut Vec<KeyError>) {
    if let Some(first) = chapters.first()
        && first.start != 0
    {
        errors.push((
            "chapters",
            format!(
                "the first chapter (`{}`) starts at {}, not 0:00: add a chapter at start = \"0:00\" or move this one there",
                first.title,
                timestamp(first.start)
            ),
        ));
    }
    for (i, pair) in chapters.windows(2).enumerate() {
        if pair[1].start <= pair[0].start {
            errors.push((
                "chapters",
                format!(
                    "chapter {} (`{}`) starts at {}, not after chapter {} (`{}`) at {}: list the chapters in order, each starting later than the one before",
                    i + 2,
                    pair[1].title,
                    timestamp(pair[1].start),
                    i + 1,
                    pair[0].title,
                    timestamp(pair[0].start)
                ),
            ));
        }
    }
    if let Some(d) = duration {
        for (i, c) in chapters.iter().enumerate().filter(|(_, c)| c.start >= d) {
            errors.push((
                "chapters",
                format!(
                    "chapter {} (`{}`) starts at {}, at or after the episode's end ({}): fix its start or the duration",
                    i + 1,
                    c.title,
                    timestamp(c.start),
                    timestamp(d)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::meta::Scalar;

    fn meta(starts: &[&str]) -> Meta {
        let list = starts
            .iter()
            .enumerate()
            .map(|(i, s)| ChapterMeta {
                start: Scalar((*s).into()),
                title: format!("Part {}", i + 1),
                url: None,
                image: Some(" ".into()),
            })
            .collect();
        Meta {
            chapters: Some(ChaptersMeta::List(list)),
            ..Meta::default()
        }
    }

    fn messages(starts: &[&str], duration: Option<u64>) -> Vec<String> {
        let mut errors = Vec::new();
        chapters_of(&meta(starts), duration, &mut errors);
        errors.into_iter().map(|e| e.1).collect()
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "0:00");
        assert_eq!(timestamp(330), "5:30");
        assert_eq!(timestamp(3723), "1:02:03");
    }

    #[test]
    fn a_good_list_is_typed() {
        let mut errors = Vec::new();
        let (ext, list) = chapters_of(&meta(&["0", "5:30", "1:00:00"]), Some(4000), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(ext, None);
        assert_eq!(
            list.iter().map(|c| c.start).collect::<Vec<_>>(),
            [0, 330, 3600]
        );
        assert_eq!(list[0].image, None);
    }

    #[test]
    fn bad_lists_are_explained() {
        assert_eq!(
            messages(&["0:10", "0:05"], None),
            [
                "the first chapter (`Part 1`) starts at 0:10, not 0:00: add a chapter at start = \"0:00\" or move this one there",
                "chapter 2 (`Part 2`) starts at 0:05, not after chapter 1 (`Part 1`) at 0:10: list the chapters in order, each starting later than the one before",
            ]
        );
        assert_eq!(
            messages(&["0", "5:3x"], None),
            ["chapter 2 (`Part 2`): start `5:3x` must be H:MM:SS, MM:SS or a number of seconds"]
        );
        assert_eq!(
            messages(&["0", "2:00"], Some(120)),
            [
                "chapter 2 (`Part 2`) starts at 2:00, at or after the episode's end (2:00): fix its start or the duration"
            ]
        );
    }

    #[test]
    fn titles_become_one_line() {
        assert_eq!(one_line("tab\tand\r\nbreak"), "tab and break");
        assert_eq!(
            one_line("line\u{2028}sep\u{2029}\u{2029}para"),
            "line sep para"
        );
        assert_eq!(one_line("\n\n"), "");
        assert_eq!(one_line("plain  two spaces"), "plain  two spaces");
    }

    #[test]
    fn external_url_either_key() {
        let mut errors = Vec::new();
        let m = Meta {
            chapters_url: Some("https://x/c.json".into()),
            ..Meta::default()
        };
        assert_eq!(
            chapters_of(&m, None, &mut errors).0.as_deref(),
            Some("https://x/c.json")
        );
        let m = Meta {
            chapters: Some(ChaptersMeta::Url("https://x/c.json".into())),
            ..m
        };
        chapters_of(&m, None, &mut errors);
        assert_eq!(errors[0].0, "chapters_url");
    }
}
