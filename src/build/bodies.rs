//! Rendered bodies kept for the next build (issue 19): after one new review, a feed's other 49
//! items (and, with `archive = true`, the newest page's) were each read again, parsed and
//! rendered from Markdown, though nothing in them had changed.
//!
//! A body's HTML, its summary and what rendering said are a function of this feedwright and the
//! config (both part of the content cache's [`Key`], so a file of another key is ignored), the
//! source file's name and bytes (its fingerprint) and the item's link (relative links are made
//! absolute against it). Those three name each kept body. A build that uses the content cache
//! reads the file (`.<state file>.bodies`, beside the cache) on a miss, takes from it every
//! body it would render, and writes the bodies it used (taken or rendered) for the next one.
//! Only each feed's newest items are kept, twice its `limit` (its main document and newest
//! archive page: a few hundred KB for 50-item feeds), and never more than [`KEPT_BYTES`]; a
//! feed of every item keeps none. Missing, cut short or of another key, the file only costs
//! the rendering.

use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use url::Url;

use super::cache::Key;
use super::render::Body;
use crate::config::Config;
use crate::error::Diagnostic;
use crate::identity::Identified;

/// The first bytes of the file; another layout is ignored.
const MAGIC: &[u8] = b"feedwright bodies 1\n";

/// How much HTML a build keeps for the next: 50-item feeds need a few hundred KB.
const KEPT_BYTES: usize = 4 << 20;

/// One body as kept: what names it, and what rendering it gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    source: String,
    fingerprint: String,
    link: String,
    html: String,
    summary: String,
    warnings: Vec<(PathBuf, Option<usize>, String)>,
}

/// The bodies the last build kept, and those this build uses, for the next one.
#[derive(Debug, Default)]
pub struct KeptBodies {
    previous: foldhash::HashMap<String, Vec<Kept>>,
    /// The sources whose bodies the next build is likely to render again: each feed's newest
    /// items, twice its `limit` (its main document, and the newest archive page).
    wanted: std::sync::OnceLock<foldhash::HashSet<String>>,
    used: Mutex<Used>,
    /// Whether the bodies used are kept (not for a build without the cache: none is written).
    record: bool,
}

#[derive(Debug, Default)]
struct Used {
    kept: Vec<Kept>,
    bytes: usize,
}

impl KeptBodies {
    /// The bodies the last build kept under `key`; none when there is no such file.
    pub fn load(config: &Config, key: &Key, limit: u64) -> KeptBodies {
        let previous = super::hint_file::read(&path(config), limit)
            .and_then(|bytes| read(&bytes, key.text()))
            .unwrap_or_default();
        KeptBodies {
            previous,
            wanted: std::sync::OnceLock::new(),
            used: Mutex::default(),
            record: true,
        }
    }

    /// Keeps only the bodies of `sources` (see [`KeptBodies::wanted`]): a build that renders
    /// every body (a full feed, or every archive page) keeps those the next one will need.
    pub(super) fn want(&self, sources: impl IntoIterator<Item = String>) {
        let _ = self.wanted.set(sources.into_iter().collect());
    }

    /// The body of `it` at `link` as the last build rendered it.
    pub(super) fn get(&self, it: &Identified, link: &Url) -> Option<Body> {
        let kept = self
            .previous
            .get(&*it.entry.source)?
            .iter()
            .find(|k| *k.fingerprint == *it.entry.fingerprint && k.link == link.as_str())?;
        Some(Body {
            html: kept.html.clone(),
            summary: kept.summary.clone(),
            warnings: kept
                .warnings
                .iter()
                .map(|(path, line, message)| Diagnostic::new(path, *line, message.clone()))
                .collect(),
        })
    }

    /// Keeps `body`, of `it` at `link`, for the next build (up to [`KEPT_BYTES`] of HTML).
    pub(super) fn keep(&self, it: &Identified, link: &Url, body: &Body) {
        let wanted = self
            .wanted
            .get()
            .is_none_or(|w| w.contains(&*it.entry.source));
        if !self.record || !wanted {
            return;
        }
        let Ok(mut used) = self.used.lock() else {
            return;
        };
        if used.bytes + body.html.len() > KEPT_BYTES {
            return;
        }
        used.bytes += body.html.len();
        used.kept.push(Kept {
            source: it.entry.source.to_string(),
            fingerprint: it.entry.fingerprint.to_string(),
            link: link.to_string(),
            html: body.html.clone(),
            summary: body.summary.clone(),
            warnings: body
                .warnings
                .iter()
                .map(|d| (d.path.clone(), d.line, d.message.clone()))
                .collect(),
        });
    }

    /// Writes the bodies this build used for the next one (under `key`), or removes the file
    /// when it cannot be written.
    pub fn save(&self, config: &Config, key: &Key) {
        let file = path(config);
        let Ok(used) = self.used.lock() else {
            let _ = std::fs::remove_file(&file);
            return;
        };
        // Two feeds of one folder render a body each: kept once.
        let mut kept: Vec<&Kept> = used.kept.iter().collect();
        kept.sort_by(|a, b| (&a.source, &a.link).cmp(&(&b.source, &b.link)));
        kept.dedup_by(|a, b| a.source == b.source && a.link == b.link);
        match postcard::to_stdvec(&(key.text(), kept)) {
            Ok(body) => {
                let digest = blake3::hash(&body);
                let bytes = [MAGIC, &body, digest.as_bytes()].concat();
                crate::output::write_unsynced(&file, &[&bytes]);
            }
            Err(_) => {
                let _ = std::fs::remove_file(&file);
            }
        }
    }
}

/// The file's path: beside the state file, named after it.
pub(super) fn path(config: &Config) -> PathBuf {
    super::cache::path(config).with_extension("bodies")
}

/// Removes the file (a failed build, a build without the cache).
pub fn forget(config: &Config) {
    let _ = std::fs::remove_file(path(config));
}

/// The bodies in `bytes`, when they are whole and were kept under `key`.
fn read(bytes: &[u8], key: &str) -> Option<foldhash::HashMap<String, Vec<Kept>>> {
    let body = bytes.strip_prefix(MAGIC)?;
    let (body, digest) = body.split_at_checked(body.len().checked_sub(32)?)?;
    (blake3::hash(body).as_bytes() == digest).then_some(())?;
    let (was, kept): (&str, Vec<Kept>) = postcard::from_bytes(body).ok()?;
    (was == key).then_some(())?;
    let mut by_source: foldhash::HashMap<String, Vec<Kept>> = foldhash::HashMap::default();
    for k in kept {
        by_source.entry(k.source.clone()).or_default().push(k);
    }
    Some(by_source)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is kept comes back under the same key only, and a file cut short or altered
    /// gives nothing.
    #[test]
    fn kept_bodies_are_read_back_under_their_key_only() {
        let kept = Kept {
            source: "content/reviews/heat.md".into(),
            fingerprint: "f".repeat(32),
            link: "https://films.example/reviews/heat/".into(),
            html: "<p>A heist.</p>\n".into(),
            summary: "A heist.".into(),
            warnings: vec![(
                PathBuf::from("content/reviews/heat.md"),
                None,
                "said".into(),
            )],
        };
        let body = postcard::to_stdvec(&("k1", vec![&kept])).unwrap();
        let bytes = [MAGIC, &body, blake3::hash(&body).as_bytes()].concat();
        let read_back = read(&bytes, "k1").unwrap();
        assert_eq!(read_back["content/reviews/heat.md"][0].html, kept.html);
        assert!(read(&bytes, "k2").is_none());
        assert!(read(&bytes[..bytes.len() - 1], "k1").is_none());
        let mut altered = bytes.clone();
        altered[MAGIC.len() + 5] ^= 1;
        assert!(read(&altered, "k1").is_none());
    }
}
