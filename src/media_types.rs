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
        Some("json") => json_type(name),
        Some("rss") => "application/rss+xml; charset=utf-8",
        Some("atom") => "application/atom+xml",
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
        // Media: the type each enclosure says (`content::episode::media_type_of`, Apple's
        // list for .mp3 to .pdf), or `doctor` run against `serve` reports a mismatch.
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/x-m4a",
        Some("mp4") => "video/mp4",
        Some("m4v") => "video/x-m4v",
        Some("mov") => "video/quicktime",
        Some("pdf") => "application/pdf",
        Some("aac") => "audio/aac",
        Some("ogg" | "oga") => "audio/ogg",
        Some("opus") => "audio/opus",
        Some("wav") => "audio/wav",
        Some("flac") => "audio/flac",
        _ => "application/octet-stream",
    }
}

/// A `.json` file's type by where it lies. The build writes JSON Feeds only at the top of the
/// output folder (`<feed>.json`: feed names have no `/`), in `tags/` and in `archive/`, and
/// chapters files only in [`CHAPTERS_FOLDER`]. Any other `.json` is one the build did not write:
/// a podcast's media folder kept in the output folder to try the feed with `serve`, holding
/// chapters or a JSON transcript. Its name cannot tell which, and both are JSON, so it is
/// plain `application/json`, never a feed.
fn json_type(name: &str) -> &'static str {
    let in_folder = |folder: &str| {
        name.strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    if name.starts_with(CHAPTERS_FOLDER) {
        "application/json+chapters"
    } else if !name.contains('/')
        || in_folder(crate::config::TAGS_DIR)
        || in_folder(crate::feed::extras::ARCHIVE_DIR)
    {
        "application/feed+json"
    } else {
        "application/json"
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
        assert_eq!(
            content_type("archive/reviews/2.json"),
            "application/feed+json"
        );
    }

    /// Audit: `.m4a` was served and pushed as `audio/mp4` while its enclosure said
    /// `audio/x-m4a`, and `.mp4`, `.m4v`, `.mov`, `.pdf` as `application/octet-stream`, so
    /// `doctor` against `serve` reported a type mismatch for each.
    #[test]
    fn media_get_the_type_their_enclosure_says() {
        use crate::content::episode::media_type_of;
        let enclosures = [
            "mp3", "m4a", "mp4", "m4v", "mov", "pdf", "aac", "ogg", "oga", "opus", "wav", "flac",
        ];
        for ext in enclosures {
            let name = format!("media/episode-1.{ext}");
            assert_eq!(Some(content_type(&name)), media_type_of(&name), "{name}");
        }
        assert_eq!(content_type("media/ep1.M4A"), "audio/x-m4a");
        assert_eq!(content_type("media/trailer.mov"), "video/quicktime");
    }

    /// Audit: a chapters file or JSON transcript kept in a media folder below the output
    /// folder was served as `application/feed+json`, a type that says it is a feed.
    #[test]
    fn json_outside_the_feed_folders_is_not_a_feed() {
        assert_eq!(content_type("media/ep1.json"), "application/json");
        assert_eq!(content_type("media/tags/ep1.json"), "application/json");
        assert_eq!(content_type("tagsmore/ep1.json"), "application/json");
        assert_eq!(content_type("podcast.json"), "application/feed+json");
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
