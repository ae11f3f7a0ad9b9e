//! Reading back a feed another run (or another tool) published, for `check --against` and
//! `adopt-ids`: from an http(s) URL, or from a local file. Either way no more than
//! [`FEED_CAP`] is read, and the place is named in every error without its password.

use std::path::Path;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::feed::read::PublishedFeed;
use crate::net::FEED_CAP;

/// How long fetching a published feed may take in all.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a published feed is read from, by what the command line says.
#[derive(Debug, PartialEq, Eq)]
enum Source<'a> {
    /// `http://` or `https://`, in any case.
    Http,
    /// Another `scheme://`: feedwright speaks no other protocol.
    Other(&'a str),
    File,
}

fn source_kind(source: &str) -> Source<'_> {
    let Some((scheme, _)) = source.split_once("://") else {
        return Source::File;
    };
    // A scheme is a letter, then letters, digits, `+`, `-` or `.` (RFC 3986 §3.1); anything
    // else before `://` is part of a file's name.
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        Source::File
    } else if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        Source::Http
    } else {
        Source::Other(scheme)
    }
}

/// `source` as messages show it: a URL without its password, a file name as given.
pub fn shown_source(source: &str) -> String {
    match source_kind(source) {
        Source::File => source.to_string(),
        _ => super::http::redact(source),
    }
}

/// Reads a published feed from a local path or an http(s) URL.
pub fn read_published(source: &str) -> Result<PublishedFeed> {
    let shown = shown_source(source);
    let text = match source_kind(source) {
        Source::Http => super::http::get_text(source, FETCH_TIMEOUT)?,
        Source::Other(scheme) => {
            return Err(Error::Usage {
                message: format!(
                    "{shown}: feedwright reads a published feed only from an http(s) URL or a local file, not over {}://",
                    scheme.to_ascii_lowercase()
                ),
                hint: Some(
                    "give the feed's http:// or https:// address, or download it and give the file"
                        .into(),
                ),
            });
        }
        Source::File => read_local(Path::new(source))?,
    };
    crate::feed::read::read_feed(&text)
        .map_err(|e| Error::Identity(format!("{shown} is not a feed: {e}")))
}

/// A published feed saved as a file: refused unless it is a regular file (a FIFO would block,
/// `/dev/zero` would never end, a folder cannot be read), and read up to [`FEED_CAP`], as a
/// feed fetched over HTTP is.
fn read_local(path: &Path) -> Result<String> {
    use crate::small_file::{self, Refusal};
    match small_file::read(path, FEED_CAP) {
        Ok(bytes) => crate::feed::read::decode_feed(&bytes)
            .map_err(|e| Error::Identity(format!("{} is not a feed: {e}", path.display()))),
        // A name given on the command line that names nothing: the command line is wrong.
        Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Usage {
            message: format!("{} does not exist", path.display()),
            hint: Some("give the path of the saved feed (.rss, .atom or .json), or its URL".into()),
        }),
        Err(Refusal::Io(e)) => Err(Error::io(path, "reading the feed", e)),
        Err(Refusal::NotRegular(what)) => Err(Error::Usage {
            message: format!(
                "{} is {what}, not a feed file: feedwright reads a published feed from a regular file or an http(s) URL",
                path.display()
            ),
            hint: Some("give the path of the saved feed (.rss, .atom or .json), or its URL".into()),
        }),
        Err(Refusal::TooBig(_)) => Err(Error::Fetch(format!(
            "{}: the file is larger than {} MB, the most feedwright reads of a published feed; check that it is the feed",
            path.display(),
            FEED_CAP >> 20
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_files_by_their_scheme_in_any_case() {
        for url in ["http://h/f.rss", "HTTPS://h/f.rss", "Http://h/"] {
            assert_eq!(source_kind(url), Source::Http, "{url}");
        }
        assert_eq!(source_kind("ftp://bob:pw@h/f"), Source::Other("ftp"));
        assert_eq!(source_kind("FILE:///tmp/f"), Source::Other("FILE"));
        for file in [
            "feeds/reviews.rss",
            "C:\\feeds\\a.rss",
            "./odd dir/a://b",
            "bob:PW@host",
        ] {
            assert_eq!(source_kind(file), Source::File, "{file}");
        }
        assert_eq!(shown_source("ftp://bob:PW@h/f"), "ftp://h/f");
        assert_eq!(shown_source("HTTP://bob:PW@[bad/"), "HTTP://bob:***@[bad/");
        assert_eq!(shown_source("me@home.rss"), "me@home.rss");
    }

    #[test]
    fn only_a_regular_file_is_read() {
        let e = read_published("/").unwrap_err().to_string();
        assert!(e.starts_with("/ is a folder, not a feed file"), "{e}");
        #[cfg(unix)]
        {
            let e = read_published("/dev/zero").unwrap_err().to_string();
            assert!(
                e.starts_with("/dev/zero is a device, not a feed file"),
                "{e}"
            );
        }
    }
}
