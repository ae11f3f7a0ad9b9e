//! Episode keys of a podcast episode's notes, checked and typed: numbers are positive (R57),
//! the type is full/trailer/bonus (R58), durations are `HH:MM:SS`, `MM:SS` or seconds (R56),
//! `explicit` is a boolean (R50), transcripts have a known type (R70).

use std::path::{Path, PathBuf};

use url::Url;

use super::chapters::{Chapter, chapters_of};
use super::meta::{Meta, Scalar, TranscriptItemMeta, TranscriptMeta};
use super::transcript_check;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioSource {
    /// A file beside the notes (absolute or relative to the working directory).
    Local(PathBuf),
    Remote(Url),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub url: String,
    pub mime: String,
    pub language: Option<String>,
    pub rel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub name: String,
    pub role: Option<String>,
    pub group: Option<String>,
    pub href: Option<String>,
    pub img: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Episode {
    pub number: Option<u32>,
    pub season: Option<u32>,
    pub episode_type: Option<String>,
    pub audio: Option<AudioSource>,
    pub audio_length: Option<u64>,
    pub audio_type: Option<String>,
    pub duration: Option<u64>,
    pub explicit: Option<bool>,
    pub image: Option<String>,
    pub transcripts: Vec<Transcript>,
    /// The URL of the episode's JSON chapters file: an external one as written, or the one the
    /// build writes from `chapter_list` (set when the feed is resolved).
    pub chapters: Option<String>,
    /// Chapters written inline in the front matter, in order (empty without).
    pub chapter_list: Vec<Chapter>,
    pub persons: Vec<PersonRef>,
    /// The notes file's folder: `image`, `transcript`, `chapters` and person `img`/`href`
    /// values naming a file there are published under `media_base_url`, like local audio.
    pub dir: PathBuf,
}

/// Transcript types the podcast namespace lists.
pub const TRANSCRIPT_TYPES: &[&str] = &[
    "text/plain",
    "text/html",
    "text/vtt",
    "application/json",
    "application/x-subrip",
    "application/srt",
];

/// MIME type implied by a media file's extension.
pub fn media_type_of(name: &str) -> Option<&'static str> {
    let ext = name
        .rsplit_once('.')?
        .1
        .split(['?', '#'])
        .next()?
        .to_ascii_lowercase();
    Some(match ext.as_str() {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/x-m4a",
        "aac" => "audio/aac",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "mp4" => "video/mp4",
        "m4v" => "video/x-m4v",
        "mov" => "video/quicktime",
        "pdf" => "application/pdf",
        "vtt" => "text/vtt",
        "srt" => "application/x-subrip",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        _ => return None,
    })
}

/// Parses `HH:MM:SS`, `MM:SS` or plain seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if nums.len() > 1 && nums[1..].iter().any(|&n| n >= 60) {
        return None;
    }
    // Each part fits a u64 but the whole may not (`999999999999999999:00:00`).
    nums.iter()
        .try_fold(0u64, |acc, &n| acc.checked_mul(60)?.checked_add(n))
}

/// A problem with one key: the key (for its line) and the message.
pub type KeyError = (&'static str, String);

/// A podcast URL value as written, or `None` with an error under `key` when it cannot become
/// an http(s) URL: an absolute URL of another scheme, or nothing at all. Relative values are
/// kept: they are resolved once the item's link is known (see `media::episode_urls`).
fn url_value(
    key: &'static str,
    what: &str,
    value: Option<&str>,
    errors: &mut Vec<KeyError>,
) -> Option<String> {
    let v = value?.trim();
    let problem = match Url::parse(v) {
        _ if v.is_empty() => format!("{what} is empty: give a URL or remove it"),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => format!(
            "{what} `{v}` is not an http(s) URL: write an https URL, a path relative to the episode file, or one relative to the episode's link"
        ),
        Ok(u) if has_credentials(&u) => credentials_problem(what, &u),
        _ => return Some(v.to_string()),
    };
    errors.push((key, problem));
    None
}

/// A URL written into a public feed must not carry a user name or password: anyone who reads
/// the feed would read them.
fn has_credentials(u: &Url) -> bool {
    !u.username().is_empty() || u.password().is_some()
}

fn credentials_problem(what: &str, u: &Url) -> String {
    format!(
        "{what} `{}` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)",
        crate::net::redact(u.as_str())
    )
}

/// Whether the front matter has any episode key at all.
fn has_episode_keys(meta: &Meta) -> bool {
    meta.episode.is_some()
        || meta.season.is_some()
        || meta.episode_type.is_some()
        || meta.audio.is_some()
        || meta.audio_length.is_some()
        || meta.audio_type.is_some()
        || meta.duration.is_some()
        || meta.explicit.is_some()
        || meta.image.is_some()
        || meta.transcript.is_some()
        || !meta.transcripts.is_empty()
        || meta.chapters.is_some()
        || meta.chapters_url.is_some()
        || !meta.persons.is_empty()
}

/// The `audio` key (a URL, or a path beside the notes file) and `audio_length`.
fn audio_of(
    meta: &Meta,
    dir: &Path,
    errors: &mut Vec<KeyError>,
) -> (Option<AudioSource>, Option<u64>) {
    let audio = meta.audio.as_ref().and_then(|a| {
        let a = a.trim();
        match Url::parse(a) {
            Ok(u) if has_credentials(&u) => {
                errors.push(("audio", credentials_problem("audio URL", &u)));
                None
            }
            Ok(u) if matches!(u.scheme(), "http" | "https") => Some(AudioSource::Remote(u)),
            Ok(u) => {
                errors.push((
                    "audio",
                    format!(
                        "audio URL scheme `{}` is not http or https: give the file's https address, or a path to it beside the notes",
                        u.scheme()
                    ),
                ));
                None
            }
            Err(_) if a.is_empty() => None,
            Err(_) => Some(AudioSource::Local(dir.join(a))),
        }
    });

    let audio_length = meta
        .audio_length
        .as_ref()
        .and_then(|s| match s.0.trim().parse::<u64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push((
                    "audio_length",
                    format!(
                        "audio_length `{}` must be the file's size in bytes, above 0",
                        s.0
                    ),
                ));
                None
            }
        });

    (audio, audio_length)
}

/// Types the episode keys of `meta`; `None` when it has none. `dir` is the notes file's folder,
/// against which a local `audio` path is resolved.
pub fn episode_from_meta(meta: &Meta, dir: &Path) -> Result<Option<Episode>, Vec<KeyError>> {
    let has_any = has_episode_keys(meta);
    if !has_any {
        return Ok(None);
    }
    let mut errors: Vec<KeyError> = Vec::new();
    let positive = |key: &'static str, v: &Option<Scalar>, errors: &mut Vec<KeyError>| {
        v.as_ref().and_then(|s| match s.0.trim().parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push((
                    key,
                    format!(
                        "{key} `{}` must be a whole number from 1 to {}",
                        s.0,
                        u32::MAX
                    ),
                ));
                None
            }
        })
    };
    let number = positive("episode", &meta.episode, &mut errors);
    let season = positive("season", &meta.season, &mut errors);

    let episode_type = meta.episode_type.as_ref().and_then(|t| {
        let t = t.trim().to_ascii_lowercase();
        if matches!(t.as_str(), "full" | "trailer" | "bonus") {
            Some(t)
        } else {
            errors.push((
                "episode_type",
                format!("episode_type `{t}` must be full, trailer or bonus"),
            ));
            None
        }
    });

    let (audio, audio_length) = audio_of(meta, dir, &mut errors);

    let duration = meta.duration.as_ref().and_then(|s| {
        let parsed = parse_duration(&s.0);
        if parsed.is_none() {
            errors.push((
                "duration",
                format!(
                    "duration `{}` must be HH:MM:SS, MM:SS or a number of seconds",
                    s.0
                ),
            ));
        }
        parsed
    });

    let explicit = meta.explicit.as_ref().and_then(|s| match s.0.trim() {
        "true" => Some(true),
        "false" => Some(false),
        other => {
            errors.push((
                "explicit",
                format!("explicit `{other}` is not a boolean: write true or false"),
            ));
            None
        }
    });

    let transcripts = transcripts_of(meta, dir, &mut errors);
    let persons = persons_of(meta, &mut errors);

    let image = url_value("image", "image", meta.image.as_deref(), &mut errors);
    // A local file's measured playing time replaces the hand-written one (see `media`): the
    // chapters are not held to a duration the feed will not say.
    let stated = duration.filter(|_| !matches!(audio, Some(AudioSource::Local(_))));
    let (external, mut chapter_list) = chapters_of(meta, stated, &mut errors);
    let key = if meta.chapters_url.is_some() {
        "chapters_url"
    } else {
        "chapters"
    };
    let chapters = url_value(key, "chapters url", external.as_deref(), &mut errors);
    for c in &mut chapter_list {
        c.url = url_value("chapters", "chapter url", c.url.as_deref(), &mut errors);
        c.image = url_value("chapters", "chapter image", c.image.as_deref(), &mut errors);
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(Episode {
        number,
        season,
        episode_type,
        audio,
        audio_length,
        audio_type: meta.audio_type.clone(),
        duration,
        explicit,
        image,
        transcripts,
        chapters,
        chapter_list,
        persons,
        dir: dir.to_path_buf(),
    }))
}

/// The `transcript` and `transcripts` keys typed (R70), each local VTT or SRT file checked;
/// errors go to `errors`.
fn transcripts_of(meta: &Meta, dir: &Path, errors: &mut Vec<KeyError>) -> Vec<Transcript> {
    let single = meta.transcript.iter().map(|t| match t {
        TranscriptMeta::Url(u) => (
            "transcript",
            TranscriptItemMeta {
                url: Some(u.clone()),
                file: None,
                mime: None,
                language: None,
                rel: None,
            },
        ),
        TranscriptMeta::Full(f) => (
            "transcript",
            TranscriptItemMeta {
                url: Some(f.url.clone()),
                file: None,
                mime: f.mime.clone(),
                language: f.language.clone(),
                rel: f.rel.clone(),
            },
        ),
    });
    let listed = meta.transcripts.iter().map(|t| ("transcripts", t.clone()));
    single
        .chain(listed)
        .filter_map(|(key, t)| transcript_of(key, t, dir, errors))
        .collect()
}

/// One transcript: its URL (a `file` is a path beside the notes, published under
/// `media_base_url`), its type, and, for a local VTT or SRT file, its syntax checked.
fn transcript_of(
    key: &'static str,
    t: TranscriptItemMeta,
    dir: &Path,
    errors: &mut Vec<KeyError>,
) -> Option<Transcript> {
    let (url, file) = match (t.url, t.file) {
        (Some(u), None) => (url_value(key, "transcript url", Some(&u), errors)?, None),
        (None, Some(f)) if !f.trim().is_empty() => (f.trim().to_string(), Some(dir.join(f.trim()))),
        _ => {
            errors.push((key, "a transcript needs either `file` (a path beside the episode file) or `url`, not both".into()));
            return None;
        }
    };
    if let Some(lang) = &t.language
        && let Err(message) = crate::config::check_language(&format!("{key}:"), lang)
    {
        errors.push((key, message));
        return None;
    }
    let mime = t.mime.or_else(|| media_type_of(&url).map(str::to_string));
    let mime = match mime {
        Some(m) if TRANSCRIPT_TYPES.contains(&m.as_str()) => m,
        Some(m) => {
            errors.push((
                key,
                format!(
                    "transcript type `{m}` is not one of {}",
                    TRANSCRIPT_TYPES.join(", ")
                ),
            ));
            return None;
        }
        None => {
            errors.push((
                key,
                format!(
                    "transcript `{url}` needs a type: add type = \"text/vtt\" (or another of {})",
                    TRANSCRIPT_TYPES.join(", ")
                ),
            ));
            return None;
        }
    };
    // A relative `url` naming a file beside the notes is published like a `file`.
    let local = file
        .or_else(|| Some(dir.join(&url)).filter(|p| url::Url::parse(&url).is_err() && p.is_file()));
    if let Some(path) = local {
        if !path.is_file() {
            errors.push((key, format!("transcript file {} is not there: fix the path (it is relative to the episode file)", path.display())));
            return None;
        }
        if let Some(syntax) = transcript_check::Syntax::of_type(&mime) {
            let problems = transcript_check::check_file(&path, syntax);
            let bad = !problems.is_empty();
            errors.extend(
                problems
                    .into_iter()
                    .map(|p| (key, format!("transcript {p}"))),
            );
            if bad {
                return None;
            }
        }
    }
    Some(Transcript {
        url,
        mime,
        language: t.language,
        rel: t.rel,
    })
}

/// The `persons` key typed (R72); its errors go to `errors`.
fn persons_of(meta: &Meta, errors: &mut Vec<KeyError>) -> Vec<PersonRef> {
    meta.persons
        .iter()
        .filter_map(|p| {
            if p.name.trim().is_empty() {
                errors.push(("persons", "a person needs a non-empty name".into()));
                return None;
            }
            Some(PersonRef {
                name: p.name.trim().to_string(),
                role: p.role.clone(),
                group: p.group.clone(),
                href: url_value("persons", "person href", p.href.as_deref(), errors),
                img: url_value("persons", "person img", p.img.as_deref(), errors),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1:02:03"), Some(3723));
        assert_eq!(parse_duration("62:03"), Some(3723));
        assert_eq!(parse_duration("3723"), Some(3723));
        assert_eq!(parse_duration("1:60:00"), None);
        assert_eq!(parse_duration("1h"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("1:2:3:4"), None);
    }

    #[test]
    fn every_bad_key_is_reported() {
        let meta = Meta {
            episode: Some(Scalar("0".into())),
            episode_type: Some("special".into()),
            duration: Some(Scalar("1h".into())),
            explicit: Some(Scalar("yes".into())),
            audio_length: Some(Scalar("0".into())),
            ..Meta::default()
        };
        let errors = episode_from_meta(&meta, Path::new("/x")).unwrap_err();
        let keys: Vec<_> = errors.iter().map(|e| e.0).collect();
        assert_eq!(
            keys,
            [
                "episode",
                "episode_type",
                "audio_length",
                "duration",
                "explicit"
            ]
        );
    }

    #[test]
    fn local_and_remote_audio() {
        let meta = Meta {
            audio: Some("media/ep1.mp3".into()),
            transcript: Some(TranscriptMeta::Url("https://x/ep1.vtt".into())),
            ..Meta::default()
        };
        let e = episode_from_meta(&meta, Path::new("/site/episodes"))
            .unwrap()
            .unwrap();
        assert_eq!(
            e.audio,
            Some(AudioSource::Local("/site/episodes/media/ep1.mp3".into()))
        );
        assert_eq!(e.transcripts[0].mime, "text/vtt");
        let meta = Meta {
            audio: Some("https://cdn.example/ep1.mp3".into()),
            ..Meta::default()
        };
        let e = episode_from_meta(&meta, Path::new("/")).unwrap().unwrap();
        assert!(matches!(e.audio, Some(AudioSource::Remote(_))));
        assert_eq!(
            episode_from_meta(&Meta::default(), Path::new("/")).unwrap(),
            None
        );
    }

    #[test]
    fn transcripts_from_both_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.vtt"),
            "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n",
        )
        .unwrap();
        let item = |file: Option<&str>, url: Option<&str>| TranscriptItemMeta {
            file: file.map(Into::into),
            url: url.map(Into::into),
            mime: None,
            language: None,
            rel: None,
        };
        let meta = Meta {
            transcript: Some(TranscriptMeta::Url("https://x/one.txt".into())),
            transcripts: vec![
                item(Some("a.vtt"), None),
                item(None, Some("https://x/b.srt")),
            ],
            ..Meta::default()
        };
        let e = episode_from_meta(&meta, dir.path()).unwrap().unwrap();
        let types: Vec<_> = e.transcripts.iter().map(|t| t.mime.as_str()).collect();
        assert_eq!(types, ["text/plain", "text/vtt", "application/x-subrip"]);
        assert_eq!(e.transcripts[1].url, "a.vtt");
        let meta = Meta {
            transcripts: vec![
                item(Some("a.vtt"), Some("https://x/b.srt")),
                item(None, Some("https://x/b")),
            ],
            ..Meta::default()
        };
        let errors = episode_from_meta(&meta, dir.path()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].1.starts_with("a transcript needs either `file`"));
        assert!(
            errors[1]
                .1
                .starts_with("transcript `https://x/b` needs a type")
        );
    }
}
