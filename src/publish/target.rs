//! Where pushed files go: the [`Target`] trait, which a WebDAV host ([`super::webdav`]) and
//! S3-compatible object storage ([`super::s3`]) implement; the orchestration in
//! [`super::push`] is the same for both.
//!
//! A target moves bytes and reports what happened in a [`Failure`] that the orchestrator can
//! classify (retry or stop) and explain. It never retries, never prints, and never puts a
//! credential into a [`Failure`] or a location.

use std::fmt;
use std::path::Path;
use std::time::Duration;

/// The precondition an upload carries, the lost-update guard (RFC 9110 §13.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The remote must not have the file yet (`If-None-Match: *`).
    Absent,
    /// The remote copy must still be the one we uploaded last (`If-Match: <etag>`).
    Matches(String),
    /// The remote copy must not have changed since this HTTP-date (`If-Unmodified-Since`):
    /// the guard for servers that give a `Last-Modified` but no strong ETag.
    Unmodified(String),
    /// Overwrite whatever is there (`--force`, or no validator is known).
    Any,
}

/// One file to upload: a single request with the whole body.
#[derive(Debug, Clone)]
pub struct Put<'a> {
    /// Name relative to the target's base, `/`-separated.
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub content_type: &'static str,
    pub condition: Condition,
    /// `Cache-Control` to store with the file, where the target keeps headers.
    pub cache_control: Option<&'a str>,
}

/// A large file uploaded from disk in pieces, never held whole in memory.
#[derive(Debug, Clone)]
pub struct FromDisk<'a> {
    pub path: &'a Path,
    pub len: u64,
    /// The blake3 the bytes must have; a file that changes while it is sent is not stored.
    pub hash: &'a str,
}

/// A successful upload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stored {
    /// The server's strong validator for the stored bytes, when it gives one.
    pub etag: Option<String>,
    /// The server's `Last-Modified` for them, when it gives one (the fallback validator).
    pub last_modified: Option<String>,
    /// The server's answer, e.g. `201 Created`.
    pub answer: String,
    /// Folders the target had to create first (WebDAV `MKCOL`).
    pub created: Vec<String>,
}

/// A file as the remote has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
}

/// What went wrong with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// No connection could be made.
    Connect,
    /// The server did not answer within the timeout.
    Timeout,
    /// The connection broke mid-request, or another transport problem.
    Transport,
    /// The server answered with this status.
    Status(u16),
    /// The answer was longer than feedwright reads ([`crate::net::FEED_CAP`]).
    TooLarge,
    /// The local file changed while it was being sent; nothing was stored.
    Changed,
    /// The server answered 2xx before it had been sent the whole body: it cannot have
    /// stored the file.
    Early,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// Method and URL of the failed request, without credentials: `PUT https://host/feeds/a.rss`.
    pub request: String,
    /// What the server (or the network) said, already free of the secret.
    pub answer: String,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// Whether trying again may help: connection problems, timeouts, 5xx and 429. Other 4xx
    /// answers will not change by themselves.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            FailureKind::Connect
            | FailureKind::Timeout
            | FailureKind::Transport
            | FailureKind::Early => true,
            FailureKind::Status(s) => s >= 500 || s == 429,
            FailureKind::TooLarge | FailureKind::Changed => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self.kind {
            FailureKind::Status(s) => Some(s),
            _ => None,
        }
    }

    /// What to check, for a person reading the error.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            FailureKind::Connect => {
                "check that the server is running and that [publish] url names the right host and port"
            }
            FailureKind::Timeout => {
                "the server did not answer in time: check that it is up, or raise [publish] timeout_secs"
            }
            FailureKind::Transport => {
                "the connection broke off: check the server's error log and any proxy in between (a server that refuses an upload's size may close the connection while the file is sent: raise its limit, nginx: client_max_body_size)"
            }
            FailureKind::Changed => {
                "the file changed on disk while it was sent: let whatever writes it finish, then push again"
            }
            FailureKind::Early => {
                "the server answered before it had the whole file, so it cannot have stored it, and nothing was recorded: check the server's error log and any proxy in between (one that limits an upload's size may answer early; nginx: client_max_body_size)"
            }
            FailureKind::TooLarge => {
                "the remote file is far larger than any feed: check what is at that URL; `feedwright push --force` replaces it without reading it"
            }
            FailureKind::Status(s) => match s {
                301 | 302 | 303 | 307 | 308 => {
                    "the server redirects: set [publish] url to the final location (uploads never follow redirects)"
                }
                207 => {
                    "the server could not do all of it (207 Multi-Status: its answer lists what failed): check its error log"
                }
                400 => "the server rejected the request: check its error log",
                401 => {
                    "the server refused the credentials: check [publish] auth and user, and the secret in token_env or token_file"
                }
                403 => {
                    "the server forbids writing here: check the account's permissions and that the folder is writable"
                }
                404 => {
                    "the server has no such location: check [publish] url, and that the server accepts uploads there (a web server: WebDAV enabled; object storage: the bucket exists)"
                }
                405 => {
                    "the server does not accept this method here: enable WebDAV uploads (nginx: `dav_methods PUT MKCOL;`)"
                }
                409 => {
                    "a parent folder is missing and could not be created: create it on the server or check [publish] url"
                }
                412 => {
                    "the remote copy is not the one feedwright uploaded last (someone else changed it, or it already existed): look at it before replacing it"
                }
                413 => {
                    "the file is larger than the server accepts: raise its limit (nginx: client_max_body_size)"
                }
                429 => "the server is rate-limiting: try again later",
                500..=599 => "the server failed: check its error log",
                _ => "check the server's error log",
            },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.request, self.answer)
    }
}

/// A place feeds are uploaded to.
pub trait Target {
    /// Where `name` ends up, as shown to people and recorded in the push state (no credentials).
    fn location(&self, name: &str) -> String;

    /// The remote copy of `name`, or `None` when it has none.
    fn fetch(&self, name: &str) -> Result<Option<Fetched>, Failure>;

    /// Stores the whole file in one request, so a reader never sees half of it.
    fn upload(&self, put: &Put<'_>) -> Result<Stored, Failure>;

    /// Whether `text`, a server's, holds a credential this target sends in any form (see
    /// [`super::mask`]): such a validator is not kept in the push state, a file people commit.
    fn echoes_secret(&self, text: &str) -> bool {
        let _ = text;
        false
    }

    /// Stores a large file read from disk; `put.bytes` is empty. Object storage sends it in
    /// parts, WebDAV streams it in one PUT; this default reads it whole first.
    fn upload_from_disk(&self, put: &Put<'_>, file: &FromDisk<'_>) -> Result<Stored, Failure> {
        let changed = |answer: String| Failure {
            kind: FailureKind::Changed,
            request: format!("PUT {}", self.location(put.name)),
            answer,
            retry_after: None,
        };
        let bytes = std::fs::read(file.path)
            .map_err(|e| changed(format!("cannot read {}: {e}", file.path.display())))?;
        if super::state::hash(&bytes) != file.hash {
            return Err(changed(format!("{} changed on disk", file.path.display())));
        }
        self.upload(&Put {
            bytes: &bytes,
            ..put.clone()
        })
    }

    /// Removes `name` (`push --prune`) on `condition` (the copy must still be the one
    /// uploaded last); a file already gone is no failure. Returns the server's answer.
    fn delete(&self, name: &str, condition: &Condition) -> Result<String, Failure>;

    /// What a CDN purge hook is given for `name`: the object key, or the URL.
    fn key(&self, name: &str) -> String {
        self.location(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connection_problems_5xx_and_429_are_transient() {
        let f = |kind| Failure {
            kind,
            request: "PUT x".into(),
            answer: String::new(),
            retry_after: None,
        };
        for kind in [
            FailureKind::Connect,
            FailureKind::Timeout,
            FailureKind::Transport,
            FailureKind::Status(500),
            FailureKind::Status(503),
            FailureKind::Status(429),
            FailureKind::Early,
        ] {
            assert!(f(kind.clone()).is_transient(), "{kind:?}");
        }
        for s in [400, 401, 403, 404, 405, 409, 412, 413] {
            assert!(!f(FailureKind::Status(s)).is_transient(), "{s}");
        }
    }
}
