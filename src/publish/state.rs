//! The push state file (`feedwright-push.toml` beside the config by default): for every file
//! uploaded, where it went, the blake3 hash of its bytes and the server's ETag, plus hub pings
//! still owed. It is rewritten atomically after every upload, so whatever reached the server is
//! recorded even when a later file fails, and the next run sends only what is missing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error, Result};

/// The largest push state read: a line or two per file pushed, a few hundred bytes each.
pub const MAX_PUSH_STATE: u64 = 64 << 20;

const HEADER: &str = "# Written by `feedwright push`: what was uploaded where, so an unchanged run\n\
# uploads nothing. Deleting it makes the next push re-send everything (use --take-over if\n\
# the files already exist remotely).\n";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushState {
    /// By file name (relative to the output folder).
    #[serde(default)]
    pub files: BTreeMap<String, PushedFile>,
    /// Hub pings that failed after their upload; the next run sends them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_pings: Vec<PendingPing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedFile {
    /// Where it was uploaded (no credentials); another URL means another copy.
    pub url: String,
    /// blake3 of the uploaded bytes, hex.
    pub blake3: String,
    pub size: u64,
    /// The server's strong ETag after the upload, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The server's `Last-Modified` after the upload, when it gave one: the next update's
    /// guard (`If-Unmodified-Since`) when there is no ETag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// RFC 3339.
    pub pushed_at: String,
    /// A media file's modification time (ns since 1970) when it was hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
    /// A podcast's media file rather than a built file: `--prune` removes it only while
    /// `[publish] media` is on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub media: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingPing {
    pub hub: String,
    pub topic: String,
}

impl PushState {
    pub fn parse(text: &str, path: &Path) -> Result<PushState> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| crate::config::line_of(text, s.start));
            Error::State(Diagnostic::new(
                path,
                line,
                format!(
                    "the push state is not valid ({}): fix it, or delete it so that the next push re-sends everything",
                    e.message().trim()
                ),
            ))
        })
    }

    /// The state at `path`; empty when the file does not exist yet. Refused when it is no
    /// regular file of at most [`MAX_PUSH_STATE`] bytes (a link to `/dev/zero` in a cloned
    /// site was read until memory ran out).
    pub fn load(path: &Path) -> Result<PushState> {
        use crate::small_file::Refusal;
        let refused = |why: String| {
            let e = std::io::Error::other(format!("{why}: move it away, and push again"));
            Err(Error::io(path, "reading the push state", e))
        };
        match crate::small_file::read(path, MAX_PUSH_STATE) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => PushState::parse(&text, path),
                Err(_) => refused("it is not UTF-8 text".into()),
            },
            Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(PushState::default())
            }
            Err(Refusal::Io(e)) => Err(Error::io(path, "reading the push state", e)),
            Err(Refusal::NotRegular(what)) => refused(format!("it is {what}, not a file")),
            Err(Refusal::TooBig(n)) => refused(format!(
                "it is {n} bytes, more than the {MAX_PUSH_STATE} a push state may be"
            )),
        }
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("the push state always serializes");
        format!("{HEADER}\n{body}")
    }

    /// Writes atomically, and only when something changed.
    pub fn save(&self, path: &Path) -> Result<bool> {
        crate::output::write_if_changed(path, self.to_toml().as_bytes())
    }
}

/// Hex blake3 of `bytes`.
pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_its_line_when_corrupt() {
        let mut s = PushState::default();
        s.files.insert(
            "reviews.rss".into(),
            PushedFile {
                url: "https://dav.example/feeds/reviews.rss".into(),
                blake3: hash(b"x"),
                size: 1,
                etag: Some("\"abc\"".into()),
                last_modified: Some("Fri, 20 Nov 2026 09:00:00 GMT".into()),
                pushed_at: "2026-11-20T09:00:00+00:00".into(),
                mtime: Some(7),
                media: true,
            },
        );
        s.pending_pings.push(PendingPing {
            hub: "https://hub.example/".into(),
            topic: "https://films.example/feeds/reviews.rss".into(),
        });
        let text = s.to_toml();
        assert_eq!(PushState::parse(&text, Path::new("p.toml")).unwrap(), s);
        let bad = text.replace("blake3 =", "blake = ");
        let e = PushState::parse(&bad, Path::new("p.toml")).unwrap_err();
        let Error::State(d) = e else { panic!() };
        assert!(d.line.is_some(), "{d}");
        assert!(d.message.contains("delete it"), "{d}");
    }
}
