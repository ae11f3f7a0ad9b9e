//! The one table of Content-Types by file extension: what `push` sends with each upload and
//! what `serve` answers, so a file has the same type on the local server and on the host.
//!
//! The feed formats follow R95. OPML has no registered type and no rule in the checklist;
//! readers and servers that type it at all use `text/x-opml`, and as a `text/*` type it names
//! its charset (the file is UTF-8). The stylesheet is `application/xslt+xml`, its registered
//! type, which browsers apply to a feed (tests/cli/browser.rs).

/// Where the build writes each episode's chapters file, below the output folder: a `.json`
/// there is a chapters list, not a feed.
pub const CHAPTERS_FOLDER: &str = "chapters/";

/// Content-Type for a file named `name` (its path below the output folder), by its extension
/// (any case); `application/octet-stream` for an extension not listed.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") if name.starts_with(CHAPTERS_FOLDER) => "application/json+chapters",
        Some("rss") => "application/rss+xml; charset=utf-8",
        Some("atom") => "application/atom+xml",
        Some("json") => "application/feed+json",
        Some("xsl" | "xslt") => "application/xslt+xml",
        Some("opml") => "text/x-opml; charset=utf-8",
        Some("xml") => "application/xml",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("vtt") => "text/vtt; charset=utf-8",
        Some("srt") => "application/x-subrip",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_get_their_r95_types_and_every_output_file_a_type() {
        assert_eq!(
            content_type("reviews.rss"),
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(content_type("tags/noir.atom"), "application/atom+xml");
        assert_eq!(content_type("reviews.JSON"), "application/feed+json");
        assert_eq!(content_type("index.opml"), "text/x-opml; charset=utf-8");
        assert_eq!(content_type("feed.xsl"), "application/xslt+xml");
        assert_eq!(content_type("README"), "application/octet-stream");
        assert_eq!(
            content_type("chapters/episode-2.json"),
            "application/json+chapters"
        );
        assert_eq!(content_type("tags/chapters.json"), "application/feed+json");
    }

    /// R95: the type a feed is sent with is the one its `atom:link rel="self"` names.
    #[test]
    fn feed_types_agree_with_the_self_links() {
        use crate::config::Format;
        for format in [Format::Rss, Format::Atom, Format::Json] {
            let sent = content_type(&format!("f.{}", format.extension()));
            assert_eq!(sent.split(';').next(), Some(format.media_type()));
        }
    }
}
