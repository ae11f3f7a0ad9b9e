//! Enclosures: turning an episode's `audio` key into a URL, a byte length and a type. A local
//! file is measured on disk; a remote URL without `audio_length` is measured with an HTTP HEAD
//! request when the feed opts in, and the answer is cached in the state file. A length of 0 is
//! never written (R20, R21).

use std::collections::BTreeMap;
use std::path::Path;

use url::Url;

use crate::content::episode::{AudioSource, Episode, media_type_of};
use crate::feed::Enclosure;

/// Asks a server how long a remote file is. The build passes an HTTP HEAD prober
/// ([`crate::net::HeadProbe`]); this stage never opens a connection of its own.
pub trait Probe: Sync {
    fn length(&self, url: &Url) -> Result<u64, String>;
    /// The `Content-Type` a server gives for `url`, if any.
    fn content_type(&self, url: &Url) -> Result<Option<String>, String>;
    /// The first bytes of the picture at `url` ([`crate::measure::remote::prefix`]); `None`
    /// when they cannot be had.
    fn image_prefix(&self, _url: &Url) -> Option<Vec<u8>> {
        None
    }
}

/// Whether `url`'s extension says JPEG or PNG; `None` when it has no extension.
fn art_by_extension(url: &Url) -> Option<bool> {
    let name = url.path_segments()?.next_back()?;
    let (_, ext) = name.rsplit_once('.')?;
    Some(matches!(
        ext.to_ascii_lowercase().as_str(),
        "jpg" | "jpeg" | "png"
    ))
}

/// Checks that remote art (`what`, e.g. "episode image") is a JPEG or PNG, the only types
/// Apple accepts (R47): by its extension, else by the server's `Content-Type` when `probe`
/// may ask.
pub fn check_art(what: &str, url: &str, probe: Option<&dyn Probe>) -> Result<(), String> {
    let parsed = Url::parse(url).map_err(|e| format!("{what} `{url}` is not a URL: {e}"))?;
    // With the network allowed, the picture's own header is judged as a local file's is.
    let prefix = probe.and_then(|p| p.image_prefix(&parsed));
    if let Some(prefix) = &prefix {
        let named = art_by_extension(&parsed)
            .filter(|&fits| fits)
            .and_then(|_| parsed.path_segments()?.next_back());
        crate::measure::art::check_prefix(prefix, named)
            .map_err(|problem| format!("{what} `{url}`: {problem}"))?;
    }
    if art_by_extension(&parsed) == Some(true) {
        return Ok(());
    }
    let refused = |why: String| {
        format!("{what} `{url}` {why}; Apple accepts only JPEG and PNG: use a .jpg or .png file")
    };
    let Some(probe) = probe else {
        return Err(refused(
            "is not a JPEG or PNG by its extension (set resolve_lengths = true under [feed.podcast] to ask the server instead)".into(),
        ));
    };
    let mime = probe
        .content_type(&parsed)
        .map_err(|e| format!("{what}: {e}"))?;
    let essence = mime.as_deref().map(|m| {
        m.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    // Without an extension the type is the server's word: it must be the bytes' too.
    use crate::measure::art::{Kind, kind_of};
    let bytes_say = prefix.as_deref().and_then(kind_of).map(|k| match k {
        Kind::Png => "image/png",
        Kind::Jpeg => "image/jpeg",
    });
    match essence.as_deref() {
        Some(said @ ("image/jpeg" | "image/png")) if bytes_say.is_some_and(|b| b != said) => {
            Err(format!(
                "{what} `{url}` is served as `{said}` but its bytes are {}: fix the file or its type on the server",
                bytes_say.unwrap_or_default()
            ))
        }
        Some("image/jpeg" | "image/png") => Ok(()),
        Some(other) => Err(refused(format!("is served as `{other}`"))),
        None => Err(refused("is served without a Content-Type".into())),
    }
}

/// How to resolve enclosures for one feed.
#[derive(Clone, Copy)]
pub struct MediaRules<'a> {
    /// Where local media files are published (`[feed.podcast] media_base_url`).
    pub base_url: Option<&'a Url>,
    /// Asks for a remote file's length when its `audio_length` is not written; `None`: never.
    pub probe: Option<&'a dyn Probe>,
}

/// An enclosure, and what was wrong with its keys but did not stop it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub enclosure: Enclosure,
    /// What to write as `itunes:duration`: a local file's measured playing time, else the
    /// hand-written `duration`.
    pub duration: Option<u64>,
    /// A hand-written `audio_length` that is not the local file's size, a hand-written
    /// `duration` far from the measured one, a file that cannot be measured.
    pub warnings: Vec<String>,
}

/// The URL of the file called `name` published at `base`, as `base.join(name)` would place it
/// but with the name escaped as one path segment: a `?`, `#` or `%` in a file name is part of
/// the name, not the start of a query, a fragment or an escape.
pub fn file_url(base: &Url, name: &str) -> Option<Url> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut segments = url.path_segments_mut().ok()?;
        segments.pop();
        segments.push(name);
    }
    Some(url)
}

/// The enclosure of `episode`, `Ok(None)` when it has no audio. `lengths` caches remote
/// lengths by URL across builds.
pub fn enclosure(
    episode: &Episode,
    rules: &MediaRules,
    lengths: &mut BTreeMap<String, u64>,
) -> Result<Option<Found>, String> {
    let Some(audio) = &episode.audio else {
        return Ok(None);
    };
    match audio {
        AudioSource::Local(path) => {
            let meta = std::fs::metadata(path)
                .map_err(|e| format!("audio file {} cannot be read: {e}", path.display()))?;
            // A folder has a size too: it is no enclosure (and a FIFO would block a reader).
            if !meta.is_file() {
                return Err(format!(
                    "audio file {} is not a regular file: point `audio` at the audio file itself",
                    path.display()
                ));
            }
            if meta.len() == 0 {
                return Err(format!("audio file {} is empty", path.display()));
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let base = rules.base_url.ok_or_else(|| {
                format!("audio file {name} is local: set [feed.podcast] media_base_url to where it is published")
            })?;
            let url = file_url(base, name)
                .ok_or_else(|| format!("audio URL for {name}: {base} cannot hold a file name"))?;
            let mime = mime_for(episode, name)?;
            if episode.audio_type.is_none() {
                extension_fits(path, &mime)?;
            }
            let named_otherwise = type_against_name(&mime, name);
            // The file on disk is what listeners download: its size is the true length.
            let mut warnings: Vec<String> = episode.audio_length.filter(|&n| n != meta.len()).map(|n| {
                format!(
                    "audio_length = {n} is not the size of audio file {} ({} bytes); the file's size is used: remove `audio_length`",
                    path.display(),
                    meta.len()
                )
            }).into_iter().chain(named_otherwise).collect();
            let (duration, measured) = crate::measure::audio::settle(path, episode.duration);
            warnings.extend(measured);
            Ok(Some(Found {
                enclosure: Enclosure {
                    url: url.to_string(),
                    length: meta.len(),
                    mime,
                },
                duration,
                warnings,
            }))
        }
        AudioSource::Remote(url) => {
            let mime = mime_for(episode, url.path())?;
            let named_otherwise = type_against_name(&mime, url.path());
            let length = match (episode.audio_length, lengths.get(url.as_str())) {
                (Some(n), _) => n,
                (None, Some(&n)) => n,
                (None, None) if let Some(probe) = rules.probe => {
                    let n = probe.length(url)?;
                    lengths.insert(url.to_string(), n);
                    n
                }
                (None, None) => {
                    return Err(format!(
                        "enclosure {url} has no length: add `audio_length` (bytes), or set resolve_lengths = true under [feed.podcast] to ask the server"
                    ));
                }
            };
            Ok(Some(Found {
                enclosure: Enclosure {
                    url: url.to_string(),
                    length,
                    mime,
                },
                duration: episode.duration,
                warnings: named_otherwise.into_iter().collect(),
            }))
        }
    }
}

/// An `audio_type` that another kind of file would have than the one its name says (a `.m4a`
/// said to be `audio/mpeg`): players choose how to decode by the type, and Apple pairs each
/// type with its extensions (R54). A name without a known extension says nothing.
fn type_against_name(mime: &str, name: &str) -> Option<String> {
    // Kinds, not spellings: `audio/mp4` and `audio/x-m4a` are both MPEG-4 files.
    let kind = |t: &str| {
        let t = t
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match t.as_str() {
            "audio/mpeg" | "audio/mp3" | "audio/mpeg3" | "audio/x-mpeg" | "audio/x-mp3" => {
                "mp3".to_string()
            }
            "audio/x-m4a" | "audio/m4a" | "audio/mp4" | "video/mp4" | "video/x-m4v"
            | "video/quicktime" => "mp4".to_string(),
            // Opus and Vorbis audio live in Ogg files: `audio/ogg` is an `.opus` file's type.
            "audio/ogg" | "audio/opus" | "audio/vorbis" | "application/ogg" | "audio/x-ogg" => {
                "ogg".to_string()
            }
            "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "wav".to_string(),
            "audio/flac" | "audio/x-flac" => "flac".to_string(),
            "audio/aac" | "audio/x-aac" | "audio/aacp" => "aac".to_string(),
            _ => t,
        }
    };
    let by_name = crate::content::episode::media_type_of(name)?;
    (kind(mime) != kind(by_name)).then(|| {
        let file = name.rsplit('/').next().unwrap_or(name);
        format!(
            "audio_type = \"{mime}\", but {file} is named as {by_name}: players choose how to decode by the type, and Apple Podcasts pairs each type with its extension; fix `audio_type`, or give the file its own extension"
        )
    })
}

/// A local file's type is taken from its extension: an M4A file named `.mp3` would go out as
/// `audio/mpeg`, and players that trust the type fail to play it.
fn extension_fits(path: &std::path::Path, mime: &str) -> Result<(), String> {
    use crate::measure::audio::{Container, container};
    let named_mp4 = matches!(
        mime,
        "audio/x-m4a" | "video/mp4" | "video/x-m4v" | "video/quicktime"
    );
    let (holds, rename) = match container(path) {
        Some(Container::Mp4) if mime == "audio/mpeg" => ("MP4 (M4A) audio", ".m4a"),
        Some(Container::Mp3) if named_mp4 => ("MP3 audio", ".mp3"),
        _ => return Ok(()),
    };
    Err(format!(
        "audio file {} holds {holds}, but its name gives the enclosure type {mime}: rename it to {rename} (players choose how to decode by the type)",
        path.display()
    ))
}

fn mime_for(episode: &Episode, name: &str) -> Result<String, String> {
    episode
        .audio_type
        .clone()
        .or_else(|| media_type_of(name).map(str::to_string))
        .ok_or_else(|| format!("cannot tell the type of `{name}` from its extension: add `audio_type`, e.g. \"audio/mpeg\""))
}

/// `episode` with its podcast URLs (image, transcripts, chapters, each inline chapter's url
/// and image, person href and img) made absolute: a value naming a file beside the notes is
/// published under `base_url`, as local audio is; any other relative value is read against
/// the item's `link`, as a browser would. Inline chapters are published at `chapters_json`
/// (the JSON chapters file the build writes for the episode).
pub fn episode_urls(
    episode: &Episode,
    link: &Url,
    base_url: Option<&Url>,
    chapters_json: &Url,
) -> Result<Episode, String> {
    let one = |what: &str, v: &str| resolve_url(what, v, &episode.dir, link, base_url);
    let mut out = episode.clone();
    if let Some(v) = &episode.image {
        out.image = Some(one("image", v)?);
    }
    if let Some(v) = &episode.chapters {
        out.chapters = Some(one("chapters url", v)?);
    }
    if !out.chapter_list.is_empty() {
        out.chapters = Some(chapters_json.to_string());
    }
    for c in &mut out.chapter_list {
        if let Some(v) = &c.url {
            c.url = Some(one("chapter url", v)?);
        }
        if let Some(v) = &c.image {
            c.image = Some(one("chapter image", v)?);
        }
    }
    for t in &mut out.transcripts {
        t.url = one("transcript url", &t.url)?;
    }
    for p in &mut out.persons {
        if let Some(v) = &p.href {
            p.href = Some(one("person href", v)?);
        }
        if let Some(v) = &p.img {
            p.img = Some(one("person img", v)?);
        }
    }
    Ok(out)
}

fn resolve_url(
    what: &str,
    value: &str,
    dir: &Path,
    link: &Url,
    base_url: Option<&Url>,
) -> Result<String, String> {
    if let Ok(parsed) = Url::parse(value) {
        // Absolute values are written as given (their scheme was checked with the notes),
        // unless a character in them is not allowed in a URI (a space, `é`, `"`): then
        // percent-encoded, as the enclosure's is, or apps fail to load them (RFC 3986).
        let raw = |b: u8| !b.is_ascii_graphic() || br#""<>\^`{|}"#.contains(&b);
        if value.bytes().any(raw) {
            return Ok(parsed.to_string());
        }
        return Ok(value.to_string());
    }
    let local = dir.join(value);
    let joined = if local.is_file() {
        let name = local
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let base = base_url.ok_or_else(|| {
            format!("{what} file {} is local: set [feed.podcast] media_base_url to where it is published", local.display())
        })?;
        file_url(base, name).ok_or(url::ParseError::RelativeUrlWithCannotBeABaseBase)
    } else {
        link.join(value)
    };
    match joined {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(format!(
            "{what} `{value}` is not an http(s) URL after resolving it against {link}: write an https URL, or a path relative to the episode file or its link"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that says one picture type and sends the other.
    struct Served(&'static str, Vec<u8>);

    impl Probe for Served {
        fn length(&self, _url: &Url) -> Result<u64, String> {
            Ok(1)
        }
        fn content_type(&self, _url: &Url) -> Result<Option<String>, String> {
            Ok(Some(self.0.to_string()))
        }
        fn image_prefix(&self, _url: &Url) -> Option<Vec<u8>> {
            Some(self.1.clone())
        }
    }

    /// Regression hunt: without an extension, PNG bytes served as `image/jpeg` were taken.
    #[test]
    fn a_picture_without_extension_is_the_type_its_bytes_say() {
        let png = crate::measure::art::tests::png_bytes(1400, 1400, 2, false);
        let url = "https://img.example/cover?id=3";
        let wrong = Served("image/jpeg", png.clone());
        assert_eq!(
            check_art("image", url, Some(&wrong)),
            Err("image `https://img.example/cover?id=3` is served as `image/jpeg` but its bytes are image/png: fix the file or its type on the server".into())
        );
        assert_eq!(
            check_art("image", url, Some(&Served("image/png", png))),
            Ok(())
        );
    }

    /// Audit: an episode image, transcript, person or chapter URL with a space was written
    /// raw (no URI), where the enclosure's was percent-encoded.
    #[test]
    fn an_absolute_url_is_written_as_given_unless_a_uri_cannot_hold_it() {
        let link = Url::parse("https://show.example/ep/1/").unwrap();
        let dir = Path::new("/nonexistent");
        let url = |v: &str| resolve_url("image", v, dir, &link, None).unwrap();
        assert_eq!(
            url("https://img.example/ep art.png"),
            "https://img.example/ep%20art.png"
        );
        assert_eq!(
            url("https://img.example/café.png"),
            "https://img.example/caf%C3%A9.png"
        );
        // Nothing to encode: the text is kept, host case and all.
        assert_eq!(
            url("https://IMG.example/a.png?x=1"),
            "https://IMG.example/a.png?x=1"
        );
        assert_eq!(url("art.png"), "https://show.example/ep/1/art.png");
    }
}
