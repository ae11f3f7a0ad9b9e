//! The files a push is given: one [`Upload`] per built file, with its name, where it lies on
//! disk and the hash of what the build wrote there. The bytes stay on disk until their own
//! upload reads them, so a push holds one file at a time, not the whole site.

use std::path::{Path, PathBuf};

use super::state::hash;
use crate::config::{Config, Format};
use crate::error::{Error, Result};

/// What a file is to the push: it decides the upload order, the identity guard and the pings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A podcast's local media file (audio, art, transcript, chapters), uploaded first: the
    /// feeds point at it.
    Media,
    /// Not a feed, and nothing points at it before the feeds do (the browser stylesheet).
    Plain,
    /// A feed document besides the main feeds: a tag feed or an archive page.
    Page,
    /// A main feed file (`<feed>.rss`, `.atom`, `.json`) of the named feed.
    Main { feed: String },
    /// An index that lists the feeds (OPML).
    Index,
}

impl Role {
    /// Upload rank: plain files first, then archive pages and tag feeds, then the main feeds
    /// (which link to both), then the indexes that list the feeds; a reader never fetches a
    /// file that points at one not uploaded yet.
    fn rank(&self) -> u8 {
        match self {
            Role::Media => 0,
            Role::Plain => 1,
            Role::Page => 2,
            Role::Main { .. } => 3,
            Role::Index => 4,
        }
    }
}

/// A built file to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Name relative to the output folder and to the remote base, `/`-separated.
    pub name: String,
    /// Where the build wrote it.
    pub path: PathBuf,
    pub media_type: &'static str,
    pub len: u64,
    /// blake3 of the bytes the build wrote, hex (as the push state records it).
    pub hash: String,
    pub role: Role,
    /// The public (`rel="self"`) URL of a feed document, the WebSub topic.
    pub topic: Option<String>,
    /// Sent as `Cache-Control` where the target keeps headers (object storage).
    pub cache_control: Option<String>,
    /// Modification time (ns since 1970) of a media file, so the next push need not hash
    /// an unchanged one again.
    pub mtime: Option<i64>,
}

impl Upload {
    /// A file named `name`, written at `path` with `bytes`; `format` is its feed format, if it
    /// is a feed document. Only the hash and length of `bytes` are kept.
    pub fn new(
        config: &Config,
        name: &str,
        path: &Path,
        bytes: &[u8],
        format: Option<Format>,
    ) -> Upload {
        Upload::known(
            config,
            name,
            path,
            bytes.len() as u64,
            hash(bytes),
            format.is_some(),
        )
    }

    /// [`Upload::new`] for a file whose length and hash are already known (the content cache
    /// recorded them): `feed` says whether it is a feed document.
    pub fn known(
        config: &Config,
        name: &str,
        path: &Path,
        len: u64,
        hash: String,
        feed: bool,
    ) -> Upload {
        let main = config
            .feeds
            .iter()
            .find(|f| f.formats.iter().any(|&fmt| f.file_name(fmt) == name));
        let role = match (main, feed) {
            (Some(main), _) => Role::Main {
                feed: main.name.clone(),
            },
            (None, true) => Role::Page,
            (None, false) if name.ends_with(".opml") => Role::Index,
            (None, false) => Role::Plain,
        };
        Upload {
            name: name.to_string(),
            path: path.to_path_buf(),
            media_type: crate::media_types::content_type(name),
            len,
            hash,
            // Every feed document (main, tag, archive page) advertises the hubs.
            topic: feed
                .then(|| config.site.feeds_url.join(name).ok())
                .flatten()
                .map(String::from),
            role,
            cache_control: None,
            mtime: None,
        }
    }

    /// A local media file uploaded as `name`. Its hash comes from the push state when size
    /// and modification time match the record there (a 100 MB episode is not read on every
    /// run); otherwise the file is hashed as a stream.
    pub fn media(
        name: &str,
        path: &Path,
        state: &super::state::PushState,
    ) -> std::result::Result<Upload, String> {
        let shown = crate::content::display_path(path);
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read media file {}: {e}", shown.display()))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_nanos()).ok());
        let known = state
            .files
            .get(name)
            .filter(|r| r.size == meta.len() && mtime.is_some() && r.mtime == mtime)
            .map(|r| r.blake3.clone());
        let hash = match known {
            Some(h) => h,
            None => hash_file(path)
                .map_err(|e| format!("cannot read media file {}: {e}", shown.display()))?,
        };
        Ok(Upload {
            name: name.to_string(),
            path: path.to_path_buf(),
            media_type: media_type(name),
            len: meta.len(),
            hash,
            role: Role::Media,
            topic: None,
            cache_control: Some(crate::config::publish::MEDIA_CACHE_CONTROL.to_string()),
            mtime,
        })
    }

    /// The main feed this file belongs to.
    pub fn feed(&self) -> Option<&str> {
        match &self.role {
            Role::Main { feed } => Some(feed),
            _ => None,
        }
    }

    /// The bytes to send, read from disk; they must still be what the build wrote.
    pub fn read(&self) -> std::result::Result<Vec<u8>, String> {
        let shown = crate::content::display_path(&self.path);
        let bytes = std::fs::read(&self.path)
            .map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
        if hash(&bytes) != self.hash {
            return Err(format!(
                "{} changed on disk while the push ran: run `feedwright build --push` again",
                shown.display()
            ));
        }
        Ok(bytes)
    }
}

/// The type of a media file: as [`crate::media_types`] says, except what a podcast's media
/// mean by their extension there (a `.json` file next to an episode is its chapters, not a
/// feed).
fn media_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => "application/json+chapters",
        _ => crate::media_types::content_type(name),
    }
}

/// Hex blake3 of a file, read in pieces.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// [`hash_file`] of a regular file (a link to `/dev/zero` in a cloned site is none: read
/// whole, it took memory without end), `None` for anything else.
fn regular_file_hash(path: &Path) -> Option<String> {
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|_| hash_file(path).ok())
}

/// Sorts `files` into upload order ([`Role::rank`]), by name within a rank.
pub fn order(files: &mut [Upload]) {
    files.sort_by(|a, b| (a.role.rank(), &a.name).cmp(&(b.role.rank(), &b.name)));
}

/// Refuses to push an output folder that does not hold what the build would write now.
pub fn check_fresh(files: &[Upload]) -> Result<()> {
    let mut stale: Vec<String> = files
        .iter()
        .filter(|f| regular_file_hash(&f.path).as_ref() != Some(&f.hash))
        .map(|f| crate::content::display_path(&f.path).display().to_string())
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    stale.sort();
    Err(Error::Publish(format!(
        "the output folder is not what a build would write now (missing or older than the content: {}): run `feedwright build` first, or `feedwright build --push`; nothing was sent",
        stale.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, role: Role) -> Upload {
        Upload {
            name: name.into(),
            path: PathBuf::from(name),
            media_type: crate::media_types::content_type(name),
            len: 0,
            hash: hash(b""),
            role,
            topic: None,
            cache_control: None,
            mtime: None,
        }
    }

    #[test]
    fn main_feeds_go_after_what_they_point_at_and_before_indexes() {
        let main = || Role::Main {
            feed: "reviews".into(),
        };
        let mut files = vec![
            file("reviews.rss", main()),
            file("index.opml", Role::Index),
            file("cover.jpg", Role::Plain),
            file("tags/noir.rss", Role::Page),
            file("podcast.atom", main()),
            file("feed.xsl", Role::Plain),
            file("media/ep1.mp3", Role::Media),
        ];
        order(&mut files);
        let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "media/ep1.mp3",
                "cover.jpg",
                "feed.xsl",
                "tags/noir.rss",
                "podcast.atom",
                "reviews.rss",
                "index.opml"
            ]
        );
    }

    #[test]
    fn a_file_changed_on_disk_is_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rss");
        std::fs::write(&path, "built").unwrap();
        let mut f = file("a.rss", Role::Page);
        f.path = path.clone();
        f.hash = hash(b"built");
        assert_eq!(f.read().unwrap(), b"built");
        assert!(check_fresh(std::slice::from_ref(&f)).is_ok());
        std::fs::write(&path, "edited").unwrap();
        assert!(f.read().unwrap_err().contains("changed on disk"));
        let e = check_fresh(&[f]).unwrap_err().to_string();
        assert!(e.contains("a.rss") && e.contains("nothing was sent"), "{e}");
    }

    #[test]
    fn unchanged_media_are_known_by_size_and_mtime_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ep1.mp3");
        std::fs::write(&path, "audio").unwrap();
        let mut state = super::super::state::PushState::default();
        let first = Upload::media("media/ep1.mp3", &path, &state).unwrap();
        assert_eq!(first.hash, hash(b"audio"));
        assert_eq!(first.media_type, "audio/mpeg");
        assert_eq!(first.role, Role::Media);
        // A record with the same size and mtime is trusted: its hash is used as it is.
        state.files.insert(
            "media/ep1.mp3".into(),
            super::super::state::PushedFile {
                url: "s3://b/media/ep1.mp3".into(),
                blake3: "recorded".into(),
                size: 5,
                etag: None,
                last_modified: None,
                pushed_at: String::new(),
                mtime: first.mtime,
                media: true,
            },
        );
        assert_eq!(
            Upload::media("media/ep1.mp3", &path, &state).unwrap().hash,
            "recorded"
        );
        // Another size is hashed again.
        std::fs::write(&path, "longer audio").unwrap();
        assert_eq!(
            Upload::media("media/ep1.mp3", &path, &state).unwrap().hash,
            hash(b"longer audio")
        );
    }
}
