//! The browser stylesheet: `feed.xsl` in the output folder, referenced from RSS and Atom files
//! by an `<?xml-stylesheet?>` processing instruction, so opening a feed URL in a browser shows
//! a readable list with a "copy this URL into your reader" hint. Readers ignore the instruction;
//! the feed itself is unchanged.

/// The stylesheet's file name in the output folder.
pub const FILE_NAME: &str = "feed.xsl";

/// The stylesheet (XSLT 1.0, the version browsers implement), written for feedwright.
pub const XSL: &str = include_str!("feed.xsl");

/// The stylesheet's href as seen from the output file `name` (`/`-separated, relative to the
/// output folder): relative, so it resolves on the same origin wherever the folder is served
/// (browsers refuse cross-origin stylesheets).
pub fn href(name: &str) -> String {
    let depth = name.matches('/').count();
    format!("{}{FILE_NAME}", "../".repeat(depth))
}

/// Inserts the processing instruction after the XML declaration of `xml`.
pub fn reference(xml: String, href: Option<&str>) -> String {
    let Some(href) = href else { return xml };
    let pi = format!(
        "<?xml-stylesheet type=\"text/xsl\" href=\"{}\"?>\n",
        href.replace('&', "&amp;").replace('"', "&quot;")
    );
    match xml.split_once("?>\n") {
        Some((decl, rest)) if decl.starts_with("<?xml ") => format!("{decl}?>\n{pi}{rest}"),
        _ => format!("{pi}{xml}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn href_climbs_out_of_sub_folders() {
        assert_eq!(href("reviews.rss"), "feed.xsl");
        assert_eq!(href("tags/horror.rss"), "../feed.xsl");
        assert_eq!(href("archive/reviews/1.atom"), "../../feed.xsl");
    }

    #[test]
    fn instruction_goes_after_the_declaration() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss/>\n".to_string();
        assert_eq!(
            reference(xml.clone(), Some("feed.xsl")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"feed.xsl\"?>\n<rss/>\n"
        );
        assert_eq!(reference(xml.clone(), None), xml);
    }
}
