//! `<feed>.html` (`html = true`): a plain page of a feed for people who open it in a browser.
//! Browsers are removing XSLT, so `feed.xsl` will soon show raw XML in most of them; this page
//! needs nothing of the browser but HTML and CSS: no script at all (its Content-Security-Policy
//! forbids any), the feed URLs in read-only fields to copy into a reader, and
//! `<link rel="alternate">` tags so browsers and readers find the feeds by themselves.
//!
//! The page is polyglot HTML5: the same bytes are well-formed XML once the `<!DOCTYPE html>`
//! line (which the project's strict XML walk refuses) is set aside, so [`check`] verifies it with
//! that walk like every other output. Every text and attribute value is escaped, characters XML
//! or HTML refuse are dropped, and a link is written only when it is http(s). No build time is
//! written: the same feed gives the same bytes.

use chrono::{DateTime, FixedOffset};

use crate::config::Format;
use crate::feed::{FeedDoc, FeedItem};

/// The first line of every page; [`check`] sets it aside before the XML walk.
pub const DOCTYPE: &str = "<!DOCTYPE html>\n";

/// No script, no images, no fonts, no frames, no forms, no base URL: only the inline style.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// One readable column on a phone and a desktop; long words and URLs wrap instead of
/// widening the page. No `<` or `&`, so the style is also well-formed XML text.
const STYLE: &str = "
body { margin: 0 auto; padding: 1rem; max-width: 40rem; font: 1.05rem/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff; overflow-wrap: anywhere; word-break: break-word; }
a { color: #0645ad; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.2rem 0 0.5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1.1rem; margin: 0 0 0.2rem; }
.site { margin: 0; color: #555; }
.subscribe { background: #f3f5f8; border-radius: 0.4rem; padding: 0.2rem 1rem 0.8rem; }
.subscribe label { display: block; font-weight: 600; margin-top: 0.6rem; }
.subscribe input { display: block; box-sizing: border-box; width: 100%; max-width: 100%; font: 0.95rem ui-monospace, monospace; padding: 0.3rem; }
.item { border-top: 1px solid #ddd; padding: 0.8rem 0; }
.date { margin: 0; color: #555; font-size: 0.9rem; }
.summary { margin: 0.4rem 0 0; }
footer { margin-top: 1.5rem; color: #555; font-size: 0.85rem; }
@media (prefers-color-scheme: dark) { body { color: #e8e8e8; background: #141414; } a { color: #8ab4f8; } .subscribe { background: #242424; } .site, .date, footer { color: #aaa; } .item { border-color: #333; } }
";

/// What a feed format is called on the page.
fn format_label(doc: &FeedDoc, format: Format) -> &'static str {
    match format {
        Format::Rss if doc.podcast.is_some() => "Podcast (RSS)",
        Format::Rss => "RSS",
        Format::Atom => "Atom",
        Format::Json => "JSON Feed",
    }
}

/// Whether `c` may appear in the page: an XML `Char` that HTML does not refuse either (no C0
/// or C1 control other than tab and line breaks, no noncharacter: U+FDD0 to U+FDEF and the
/// last two code points of every plane, which XML allows and HTML parsers report).
fn allowed(c: char) -> bool {
    let noncharacter = ('\u{FDD0}'..='\u{FDEF}').contains(&c) || (c as u32) & 0xFFFE == 0xFFFE;
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || noncharacter)
}

/// `text` escaped for element content and attribute values alike (`& < > " '`), without the
/// characters [`allowed`] refuses; line breaks in an attribute are kept as references.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars().filter(|&c| allowed(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// `url` escaped for an `href`, or `None` when it is not an absolute http(s) URL (a
/// `javascript:` or `data:` link is never written).
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| escape(parsed.as_str()))
}

/// The feed's language when it looks like a language tag (letters, digits and `-`).
fn language(doc: &FeedDoc) -> Option<&str> {
    doc.language.as_deref().map(str::trim).filter(|l| {
        (1..=35).contains(&l.len())
            && l.starts_with(|c: char| c.is_ascii_alphabetic())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// The page of `doc`, the main document of a feed of the site `site_title`.
pub fn render(site_title: &str, doc: &FeedDoc) -> String {
    let mut out = String::with_capacity(4096 + doc.items.len() * 512);
    out.push_str(DOCTYPE);
    match language(doc) {
        Some(lang) => out.push_str(&format!(
            "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"{lang}\" xml:lang=\"{lang}\">\n"
        )),
        None => out.push_str("<html xmlns=\"http://www.w3.org/1999/xhtml\">\n"),
    }
    head(&mut out, doc);
    out.push_str("<body>\n<header>\n");
    let site = escape(site_title);
    match safe_href(doc.home.as_str()) {
        Some(home) => out.push_str(&format!(
            "<p class=\"site\" dir=\"auto\"><a href=\"{home}\">{site}</a></p>\n"
        )),
        None => out.push_str(&format!("<p class=\"site\" dir=\"auto\">{site}</p>\n")),
    }
    out.push_str(&format!("<h1 dir=\"auto\">{}</h1>\n", escape(&doc.title)));
    if !doc.description.trim().is_empty() && doc.description != doc.title {
        out.push_str(&format!(
            "<p class=\"description\" dir=\"auto\">{}</p>\n",
            escape(doc.description.trim())
        ));
    }
    out.push_str("</header>\n");
    subscribe(&mut out, doc);
    items(&mut out, doc);
    out.push_str(
        "<footer>\n<p>This page shows the newest entries of the feed; a feed reader shows them as they come. Written by feedwright.</p>\n</footer>\n</body>\n</html>\n",
    );
    out
}

/// `<head>`: the policy first (it governs what follows), the phone viewport, the title, one
/// auto-discovery link per format, then the style.
fn head(out: &mut String, doc: &FeedDoc) {
    out.push_str("<head>\n<meta charset=\"utf-8\" />\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\" />\n",
        escape(CSP)
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\" />\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    for (format, url) in &doc.self_urls {
        let Some(href) = safe_href(url.as_str()) else {
            continue;
        };
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"{}\" href=\"{href}\" title=\"{}\" />\n",
            format.media_type(),
            escape(&format!("{} ({})", doc.title, format_label(doc, *format)))
        ));
    }
    out.push_str("<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n");
}

/// The feed URLs, each in a read-only field a reader of the page can select and copy.
fn subscribe(out: &mut String, doc: &FeedDoc) {
    let urls: Vec<(Format, String)> = doc
        .self_urls
        .iter()
        .filter_map(|(f, u)| safe_href(u.as_str()).map(|h| (*f, h)))
        .collect();
    if urls.is_empty() {
        return;
    }
    let app = if doc.podcast.is_some() {
        "your podcast app or feed reader"
    } else {
        "your feed reader"
    };
    out.push_str("<section class=\"subscribe\" aria-labelledby=\"subscribe\">\n");
    out.push_str("<h2 id=\"subscribe\">Subscribe</h2>\n");
    out.push_str(&format!(
        "<p>Copy a feed URL into {app} to get new entries as they come.</p>\n"
    ));
    for (format, href) in urls {
        let id = format!("feed-{}", format.extension());
        out.push_str(&format!(
            "<label for=\"{id}\">{}</label>\n<input id=\"{id}\" type=\"text\" readonly=\"readonly\" value=\"{href}\" />\n",
            format_label(doc, format)
        ));
    }
    out.push_str("</section>\n");
}

/// The date shown for an item: the day in the feed's timezone, in words.
fn human_date(doc: &FeedDoc, at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&doc.timezone)
        .format("%-d %B %Y")
        .to_string()
}

/// Every item: its title (a link when the link is http(s)), its date, its summary as text, and
/// for an episode its audio.
fn items(out: &mut String, doc: &FeedDoc) {
    out.push_str("<main>\n<h2>Entries</h2>\n");
    if doc.items.is_empty() {
        out.push_str("<p>No entries yet.</p>\n");
    }
    for item in &doc.items {
        item_html(out, doc, item);
    }
    out.push_str("</main>\n");
}

fn item_html(out: &mut String, doc: &FeedDoc, item: &FeedItem) {
    out.push_str("<article class=\"item\">\n");
    let title = escape(item.title.trim());
    match safe_href(item.link.as_str()) {
        Some(href) => out.push_str(&format!(
            "<h3 dir=\"auto\"><a href=\"{href}\">{title}</a></h3>\n"
        )),
        None => out.push_str(&format!("<h3 dir=\"auto\">{title}</h3>\n")),
    }
    out.push_str(&format!(
        "<p class=\"date\"><time datetime=\"{}\">{}</time></p>\n",
        escape(
            &item
                .published
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        escape(&human_date(doc, item.published))
    ));
    let summary = item.summary.trim();
    if !summary.is_empty() {
        out.push_str(&format!(
            "<p class=\"summary\" dir=\"auto\">{}</p>\n",
            escape(summary)
        ));
    }
    if let Some(enclosure) = &item.enclosure
        && let Some(href) = safe_href(&enclosure.url)
    {
        out.push_str(&format!(
            "<p class=\"media\"><a href=\"{href}\">Listen ({})</a></p>\n",
            escape(&enclosure.mime)
        ));
    }
    out.push_str("</article>\n");
}

/// What is wrong with `page`, a page [`render`] wrote: it must start with [`DOCTYPE`], be
/// well-formed XML after it (the project's strict walk), hold no script element, and link only
/// to http(s) URLs. Empty when it is fine.
pub fn check(page: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(rest) = page.strip_prefix(DOCTYPE) else {
        return vec!["the page does not start with <!DOCTYPE html>".to_string()];
    };
    if let Err(e) = crate::verify::xml::well_formed(rest.as_bytes()) {
        // The doctype is line 1 of the file.
        problems.push(format!(
            "is not well-formed: line {}, column {}: {}",
            e.line + 1,
            e.column,
            e.message
        ));
    }
    if !rest.starts_with("<html xmlns=\"http://www.w3.org/1999/xhtml\"") {
        problems.push("the root element is not XHTML's <html>".to_string());
    }
    if rest.to_ascii_lowercase().contains("<script") {
        problems.push("holds a <script> element; the page must work without JavaScript".into());
    }
    for href in rest.split(" href=\"").skip(1) {
        let value = href.split('"').next().unwrap_or_default();
        if !(value.starts_with("https://") || value.starts_with("http://")) {
            problems.push(format!("links to `{value}`, which is not an http(s) URL"));
        }
    }
    problems
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
