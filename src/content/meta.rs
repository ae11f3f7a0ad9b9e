//! Front matter: the keys an entry may carry, read from TOML (`+++`), YAML (`---`) or the header
//! lines of a plain-text column. Unknown keys are errors so that a typo never silently drops data.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Every key an entry's front matter may have, in the order the README lists them.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "author",
    "summary",
    "tags",
    "id",
    "slug",
    "link",
    "draft",
    "episode",
    "season",
    "episode_type",
    "audio",
    "audio_length",
    "audio_type",
    "duration",
    "explicit",
    "image",
    "transcript",
    "transcripts",
    "chapters",
    "chapters_url",
    "persons",
];

#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub title: Option<String>,
    pub date: Option<DateText>,
    pub updated: Option<DateText>,
    pub author: Option<String>,
    pub summary: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub id: Option<String>,
    pub slug: Option<String>,
    pub link: Option<String>,
    #[serde(default)]
    pub draft: bool,
    // Episode keys (podcast feeds); validated into `content::episode::Episode`.
    pub episode: Option<Scalar>,
    pub season: Option<Scalar>,
    pub episode_type: Option<String>,
    pub audio: Option<String>,
    pub audio_length: Option<Scalar>,
    pub audio_type: Option<String>,
    pub duration: Option<Scalar>,
    pub explicit: Option<Scalar>,
    pub image: Option<String>,
    pub transcript: Option<TranscriptMeta>,
    #[serde(default)]
    pub transcripts: Vec<TranscriptItemMeta>,
    pub chapters: Option<ChaptersMeta>,
    pub chapters_url: Option<String>,
    #[serde(default)]
    pub persons: Vec<PersonMeta>,
}

/// A number, string or boolean kept as its text, so that a rule can say what was wrong with it
/// (`explicit = "yes"`, `duration = "1h"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a string or true/false")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `transcript = "https://…/ep1.vtt"` or `transcript = { url = "…", type = "text/vtt" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum TranscriptMeta {
    Url(String),
    Full(TranscriptFull),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptFull {
    pub url: String,
    #[serde(rename = "type")]
    pub mime: Option<String>,
    pub language: Option<String>,
    pub rel: Option<String>,
}

/// One entry of `transcripts = [{ file = "transcripts/ep3.vtt", language = "en" }, { url = "…" }]`:
/// a local file beside the notes (`file`) or a URL (`url`), exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptItemMeta {
    pub file: Option<String>,
    pub url: Option<String>,
    #[serde(rename = "type")]
    pub mime: Option<String>,
    pub language: Option<String>,
    pub rel: Option<String>,
}

/// `chapters = "https://…/chapters.json"` (an external JSON chapters file, as `chapters_url`)
/// or `chapters = [{ start = "0:00", title = "Intro" }, …]` (chapters written inline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ChaptersMeta {
    Url(String),
    List(Vec<ChapterMeta>),
}

/// One inline chapter; `start` is kept as written so that its rule can quote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterMeta {
    pub start: Scalar,
    pub title: String,
    pub url: Option<String>,
    pub image: Option<String>,
}

// By hand rather than `untagged`: a typo inside a chapter (`titel = …`) is then reported as
// the unknown key it is, not as "did not match any variant".
impl<'de> Deserialize<'de> for ChaptersMeta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChaptersMeta;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a chapters URL, or a list of { start, title } chapters")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChaptersMeta, E> {
                Ok(ChaptersMeta::Url(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ChaptersMeta, A::Error> {
                Vec::<ChapterMeta>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(ChaptersMeta::List)
            }
        }
        d.deserialize_any(V)
    }
}

/// `persons = [{ name = "…", role = "host", href = "…" }]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonMeta {
    pub name: String,
    pub role: Option<String>,
    pub group: Option<String>,
    pub href: Option<String>,
    pub img: Option<String>,
}

/// The key under which the `toml` crate hands over one of TOML's own date-times.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

/// A date as written: a string, or a TOML date-time value (`date = 2024-05-01`), kept as text
/// and parsed later against the site timezone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateText(pub String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DateText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date such as 2024-05-01 or 2024-05-01T20:30:00+02:00")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateText, E> {
                Ok(DateText(v.to_string()))
            }
            // TOML hands its native date-times over as a one-entry map under a private key;
            // any other map is a table written where a date goes (`date = { a = 1 }`).
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateText, A::Error> {
                let native = map.next_key::<String>()?.filter(|k| k == TOML_DATETIME_KEY);
                if native.is_none() {
                    return Err(de::Error::custom(
                        "a table is not a date: write a date such as `2024-05-01` or `\"2024-05-01 20:30\"`",
                    ));
                }
                Ok(DateText(map.next_value()?))
            }
        }
        d.deserialize_any(V)
    }
}

/// Which syntax the front matter was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Toml,
    Yaml,
}

/// A front-matter error with a line relative to the front matter's first line.
#[derive(Debug)]
pub struct MetaError {
    pub line: Option<usize>,
    pub message: String,
}

pub fn parse_front_matter(text: &str, syntax: Syntax) -> Result<Meta, MetaError> {
    match syntax {
        Syntax::Toml => toml::from_str::<Meta>(text).map_err(|e| {
            let line = e.span().map(|s| crate::config::line_of(text, s.start));
            let message = e.message().trim();
            // A value of the wrong type, or a key given twice: the parser's words do not name
            // the key, its line does.
            let key = line
                .filter(|_| {
                    ["invalid type", "duplicate key"]
                        .iter()
                        .any(|w| message.contains(w))
                })
                .and_then(|l| text.lines().nth(l - 1))
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim().trim_matches(['"', '\'']))
                .filter(|k| !k.is_empty() && !k.contains(char::is_whitespace));
            let message = match key {
                Some(k) => format!("`{k}`: {message}"),
                None => message.to_string(),
            };
            MetaError {
                line,
                message: explain(&message, Syntax::Toml),
            }
        }),
        Syntax::Yaml => {
            if text.trim().is_empty() {
                return Ok(Meta::default());
            }
            serde_saphyr::from_str::<Meta>(text).map_err(|e| {
                let full = e.to_string();
                MetaError {
                    line: yaml_error_line(&full),
                    message: explain(
                        clean_yaml_message(full.lines().next().unwrap_or("invalid YAML")),
                        Syntax::Yaml,
                    ),
                }
            })
        }
    }
}

/// Drops the `error: line N column M:` prefix (the line is reported separately) and the
/// parser's advice to its programmer (`set DuplicateKeyPolicy…`, `use Option<String>`).
fn clean_yaml_message(message: &str) -> &str {
    if message.contains("budget breached") {
        return "invalid value: the front matter expands past what an entry may hold (anchors and aliases repeating a value?); write each value once";
    }
    let m = message.trim().trim_start_matches("error:").trim_start();
    let m = match m.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map_or(m, |(_, r)| r),
        None => m,
    };
    [", set DuplicateKeyPolicy", "; use Option<"]
        .iter()
        .find_map(|advice| m.find(advice))
        .map_or(m, |at| &m[..at])
}

/// Words of the errors about a key or value (the front matter itself parsed): any other error
/// is one of syntax, and gets a hint on how that syntax is written.
const DATA_ERRORS: [&str; 5] = [
    "unknown field",
    "invalid type",
    "missing field",
    "invalid value",
    "duplicate",
];

/// Adds to a parser's message what helps fix it: the closest known key for an unknown one (and
/// the list of keys), or how the syntax is written for a syntax error.
fn explain(message: &str, syntax: Syntax) -> String {
    let hint = match crate::config::hint::unknown_key(message, KNOWN_KEYS) {
        Some(h) => format!("; {h}"),
        // `title = 1984`: a number or a date where text is meant.
        None if message.contains("invalid type") && message.contains("expected a string") => {
            "; text goes in quotes: `title = \"1984\"`".into()
        }
        // `draft = "no"`: a word in quotes where true or false is meant.
        None if message.contains("invalid type") && message.contains("expected a boolean") => {
            match syntax {
                Syntax::Toml => "; write true or false, without quotes: `draft = true`".into(),
                Syntax::Yaml => "; write true or false, without quotes: `draft: true`".into(),
            }
        }
        None if DATA_ERRORS.iter().any(|d| message.contains(d)) => String::new(),
        None => match syntax {
            Syntax::Toml => "; check this line's quotes and brackets: TOML front matter is `key = \"value\"` lines between `+++` lines".into(),
            Syntax::Yaml => "; check this line's quotes, brackets and indentation: YAML front matter is `key: value` lines between `---` lines".into(),
        },
    };
    if message.contains("unknown field") && !message.contains("expected one of") {
        format!(
            "{message}{hint} (the keys an entry may have are: {})",
            KNOWN_KEYS.join(", ")
        )
    } else {
        format!("{message}{hint}")
    }
}

fn yaml_error_line(message: &str) -> Option<usize> {
    let at = message.find("line ")?;
    let digits: String = message[at + 5..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Parses the plain-text header lines (`Title: …`) into the same [`Meta`]. `lines` are
/// `(line number, text)` pairs; keys are case-insensitive.
pub fn parse_header(lines: &[(usize, &str)]) -> Result<Meta, Vec<MetaError>> {
    let mut meta = Meta::default();
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, &(line, text)) in lines.iter().enumerate() {
        // Past this many problems the "header" is text, not read further.
        if errors.len() + 1 == crate::content::source::MAX_PROBLEMS_PER_FILE {
            errors.push(MetaError {
                line: Some(line),
                message: format!("{} more header line(s) not read: a header is a few `Key: value` lines; end it with a blank line before the text", lines.len() - i),
            });
            break;
        }
        let Some((key, value)) = text.split_once(':') else {
            errors.push(MetaError {
                line: Some(line),
                message: format!(
                    "header line `{text}` is not `Key: value`; end the header with a blank line before the text"
                ),
            });
            continue;
        };
        let key = key.trim().to_lowercase();
        let value = value.trim().to_string();
        let bad = |message: String| MetaError {
            line: Some(line),
            message,
        };
        // The last of two would win silently, as TOML and YAML refuse to let it.
        if seen.contains(&key) {
            errors.push(bad(format!(
                "a second `{}:` line; keep one",
                text.split_once(':').map_or("", |(k, _)| k.trim())
            )));
            continue;
        }
        seen.push(key.clone());
        match key.as_str() {
            "title" => meta.title = Some(value),
            "date" => meta.date = Some(DateText(value)),
            "updated" => meta.updated = Some(DateText(value)),
            "author" => meta.author = Some(value),
            "summary" => meta.summary = Some(value),
            "tags" => {
                meta.tags = value
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            }
            "id" => meta.id = Some(value),
            "slug" => meta.slug = Some(value),
            "link" => meta.link = Some(value),
            "episode" => meta.episode = Some(Scalar(value)),
            "season" => meta.season = Some(Scalar(value)),
            "episode_type" => meta.episode_type = Some(value),
            "audio" => meta.audio = Some(value),
            "audio_length" => meta.audio_length = Some(Scalar(value)),
            "audio_type" => meta.audio_type = Some(value),
            "duration" => meta.duration = Some(Scalar(value)),
            "explicit" => meta.explicit = Some(Scalar(value)),
            "image" => meta.image = Some(value),
            "transcript" => meta.transcript = Some(TranscriptMeta::Url(value)),
            "chapters" => meta.chapters = Some(ChaptersMeta::Url(value)),
            "chapters_url" => meta.chapters_url = Some(value),
            "transcripts" => errors.push(bad(
                "Transcripts: cannot be given in a plain-text header; use a Markdown file with front matter, or one `Transcript:` line".into(),
            )),
            "persons" => errors.push(bad(
                "Persons: cannot be given in a plain-text header; use a Markdown file with front matter".into(),
            )),
            "draft" => match value.to_lowercase().as_str() {
                "true" | "yes" => meta.draft = true,
                "false" | "no" => meta.draft = false,
                _ => errors.push(bad(format!("Draft: `{value}` must be true or false"))),
            },
            _ => errors.push(bad(format!(
                "unknown header key `{key}`; the keys an entry may have are: {}",
                KNOWN_KEYS.join(", ")
            ))),
        }
    }
    if errors.is_empty() {
        Ok(meta)
    } else {
        Err(errors)
    }
}

/// True when `line` looks like a header line with a known key, which is how a plain-text file
/// signals that it has a header at all.
pub fn is_header_line(line: &str) -> bool {
    line.split_once(':').is_some_and(|(k, _)| {
        let k = k.trim().to_lowercase();
        KNOWN_KEYS.contains(&k.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_with_native_date() {
        let m = parse_front_matter(
            "title = \"A\"\ndate = 2024-05-01\ntags = [\"x\"]\n",
            Syntax::Toml,
        )
        .unwrap();
        assert_eq!(m.date, Some(DateText("2024-05-01".into())));
        assert_eq!(m.tags, vec!["x"]);
    }

    #[test]
    fn toml_with_native_datetime_keeps_offset() {
        let m = parse_front_matter(
            "title = \"A\"\ndate = 2024-05-01T10:00:00+02:00\n",
            Syntax::Toml,
        )
        .unwrap();
        assert_eq!(m.date, Some(DateText("2024-05-01T10:00:00+02:00".into())));
    }

    /// Audit: `date = { a = 1 }` was told to put text in quotes like `title = "1984"`.
    #[test]
    fn a_table_for_a_date_is_named_a_table() {
        for (text, syntax) in [
            ("title = \"A\"\ndate = { a = 1 }\n", Syntax::Toml),
            ("title: A\ndate: {a: 1}\n", Syntax::Yaml),
        ] {
            let e = parse_front_matter(text, syntax).unwrap_err();
            assert_eq!(e.line, Some(2), "{text}");
            assert!(
                e.message.contains(
                    "a table is not a date: write a date such as `2024-05-01` or `\"2024-05-01 20:30\"`"
                ),
                "{}",
                e.message
            );
            assert!(!e.message.contains("1984"), "{}", e.message);
        }
    }

    #[test]
    fn yaml_keys_and_unknown_key_line() {
        let m = parse_front_matter(
            "title: \"A: b\"\ndate: 2024-05-01\ndraft: true\n",
            Syntax::Yaml,
        )
        .unwrap();
        assert_eq!(m.title.as_deref(), Some("A: b"));
        assert!(m.draft);
        let e = parse_front_matter("title: A\ntitel: B\n", Syntax::Yaml).unwrap_err();
        assert!(e.message.contains("titel"), "{}", e.message);
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn toml_unknown_key_line() {
        let e = parse_front_matter("title = \"A\"\n\nsumary = \"x\"\n", Syntax::Toml).unwrap_err();
        assert!(e.message.contains("sumary"));
        assert!(e.message.contains("summary"));
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn the_yaml_parser_s_advice_to_programmers_is_left_out() {
        assert_eq!(
            clean_yaml_message(
                "error: line 3 column 1: duplicate mapping key: title, set DuplicateKeyPolicy in Options if acceptable"
            ),
            "duplicate mapping key: title"
        );
        assert_eq!(
            clean_yaml_message("cannot deserialize null into string; use Option<String>"),
            "cannot deserialize null into string"
        );
    }

    #[test]
    fn header_lines_are_given_once() {
        let e = parse_header(&[(1, "Title: a"), (2, "title: b")]).unwrap_err();
        assert_eq!(e[0].line, Some(2));
        assert_eq!(e[0].message, "a second `title:` line; keep one");
    }

    #[test]
    fn header_lines() {
        let m = parse_header(&[
            (1, "TITLE: Heat"),
            (2, "date: 2024-05-01"),
            (3, "Tags: a, b"),
        ])
        .unwrap();
        assert_eq!(m.title.as_deref(), Some("Heat"));
        assert_eq!(m.tags, vec!["a", "b"]);
        let e = parse_header(&[(1, "Title: x"), (2, "Rating: 5")]).unwrap_err();
        assert_eq!(e[0].line, Some(2));
        assert!(is_header_line("Title: x"));
        assert!(!is_header_line("Verdict: a triumph"));
    }

    #[test]
    fn chapters_as_a_url_or_a_list_in_toml_and_yaml() {
        let m = parse_front_matter("chapters = \"https://x/c.json\"\n", Syntax::Toml).unwrap();
        assert_eq!(
            m.chapters,
            Some(ChaptersMeta::Url("https://x/c.json".into()))
        );
        let toml = "chapters = [{ start = \"0:00\", title = \"Intro\" }, { start = 330, title = \"B\", image = \"a.jpg\" }]\n";
        let yaml = "chapters:\n  - { start: \"0:00\", title: Intro }\n  - { start: 330, title: B, image: a.jpg }\n";
        for (text, syntax) in [(toml, Syntax::Toml), (yaml, Syntax::Yaml)] {
            let m = parse_front_matter(text, syntax).unwrap();
            let Some(ChaptersMeta::List(list)) = m.chapters else {
                panic!("{syntax:?}: {:?}", m.chapters)
            };
            assert_eq!(list[1].start, Scalar("330".into()));
            assert_eq!(list[1].image.as_deref(), Some("a.jpg"));
        }
        let e = parse_front_matter(
            "chapters = [{ start = \"0\", titel = \"x\" }]\n",
            Syntax::Toml,
        )
        .unwrap_err();
        assert!(e.message.contains("titel"), "{}", e.message);
        assert_eq!(e.line, Some(1));
    }

    /// Audit: `title = 1984` failed with the parser's words only.
    #[test]
    fn a_number_where_text_is_meant_says_to_quote_it() {
        let e = parse_front_matter("title = 1984\n", Syntax::Toml).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(
            e.message
                .ends_with("; text goes in quotes: `title = \"1984\"`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn transcripts_list() {
        let m = parse_front_matter(
            "transcripts = [{ file = \"t/a.vtt\", language = \"en\" }, { url = \"https://x/a.srt\", rel = \"captions\" }]\n",
            Syntax::Toml,
        )
        .unwrap();
        assert_eq!(m.transcripts[0].file.as_deref(), Some("t/a.vtt"));
        assert_eq!(m.transcripts[1].rel.as_deref(), Some("captions"));
    }
}
