//! `index.opml`: an OPML 2.0 subscription list of every feed of the site, so a reader can
//! subscribe to all of them at once. Each feed is listed once, in the format a reader should
//! subscribe to (RSS when there is one), since subscribing to the RSS and the Atom file of the
//! same feed would show every entry twice; tag feeds are grouped in a folder under their feed.
//! No creation date is written: the same feeds give the same bytes.

use crate::config::Format;
use crate::feed::extras::{Listed, SiteIndex};

/// Escapes text for an XML attribute value.
/// Line breaks and tabs become references, since XML folds them to spaces in attributes.
fn attr(text: &str) -> String {
    crate::content::render::escape_html(text)
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
        .replace('\r', "&#13;")
}

fn version(format: Format) -> &'static str {
    match format {
        Format::Rss => "RSS2",
        Format::Atom => "ATOM1",
        Format::Json => "JSON1",
    }
}

fn outline(out: &mut String, indent: &str, feed: &Listed) {
    out.push_str(&format!(
        "{indent}<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{x}\" htmlUrl=\"{h}\" version=\"{v}\"/>\n",
        t = attr(&feed.title),
        x = attr(&feed.xml_url),
        h = attr(&feed.html_url),
        v = version(feed.format),
    ));
}

/// The OPML document for `index`, titled after the site.
pub fn render(site_title: &str, index: &SiteIndex) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head>\n    <title>{}: all feeds</title>\n  </head>\n  <body>\n",
        attr(site_title)
    ));
    for (main, tags) in &index.feeds {
        outline(&mut out, "    ", main);
        if !tags.is_empty() {
            let folder = attr(&format!("{} by tag", main.title));
            out.push_str(&format!(
                "    <outline text=\"{folder}\" title=\"{folder}\">\n"
            ));
            for tag in tags {
                outline(&mut out, "      ", tag);
            }
            out.push_str("    </outline>\n");
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(title: &str, url: &str) -> Listed {
        Listed {
            title: title.into(),
            xml_url: url.into(),
            html_url: "https://x.example/".into(),
            format: Format::Rss,
        }
    }

    #[test]
    fn lists_feeds_and_tag_folders_escaped() {
        let index = SiteIndex {
            feeds: vec![
                (
                    listed("Reviews & \"more\"", "https://x.example/feeds/reviews.rss"),
                    vec![listed(
                        "Reviews: horror",
                        "https://x.example/feeds/tags/horror.rss",
                    )],
                ),
                (
                    listed("Episodes", "https://x.example/feeds/episodes.rss"),
                    vec![],
                ),
            ],
        };
        let text = render("R<N>", &index);
        assert!(
            text.contains("<title>R&lt;N&gt;: all feeds</title>"),
            "{text}"
        );
        assert!(
            text.contains("text=\"Reviews &amp; &quot;more&quot;\""),
            "{text}"
        );
        assert!(
            text.contains("      <outline type=\"rss\" text=\"Reviews: horror\""),
            "{text}"
        );
        assert_eq!(text.matches("xmlUrl=").count(), 3);
        assert!(text.ends_with("</opml>\n"));
    }
}
