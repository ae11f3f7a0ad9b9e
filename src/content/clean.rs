//! Body HTML made safe and self-contained for a feed reader: `<script>` elements, event-handler
//! attributes and URLs that run code are removed; an `<iframe>`, `<embed>`, `<object>` or
//! `<frame>` (which readers drop, taking a trailer with them) becomes a plain link to what it
//! showed; every URL attribute is made absolute by its own grammar (see [`super::links`]).
//! Only HTML written from a body with raw HTML comes here: Markdown links and images are
//! handled as they are parsed. Text and untouched tags are copied as they were.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lol_html::html_content::{ContentType, Element};
use lol_html::{ElementContentHandlers, RewriteStrSettings, Selector, rewrite_str};
use url::Url;

use super::links::{
    Unsafe, UrlAttr, encode_attr, resolve, rewrite_list, rewrite_srcset, unsafe_scheme, url_attr,
};
use super::render::escape_html;

/// Elements that show another document or a plugin in a box: readers drop them.
pub const EMBEDS: [&str; 4] = ["iframe", "embed", "object", "frame"];

/// What [`clean_html`] (and the Markdown renderer, for links and images) removed or changed
/// in one body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// `<script>` elements removed with their content.
    pub scripts: usize,
    /// `on…=` attributes removed.
    pub handlers: usize,
    /// URLs removed, by scheme (in the order of [`Unsafe::ALL`]).
    pub urls: [usize; 3],
    /// Embedding elements turned into links, by tag (in the order of [`EMBEDS`]).
    pub linked: [usize; 4],
    /// Embedding elements removed: no URL, or an unsafe one (in the order of [`EMBEDS`]).
    pub embeds_removed: [usize; 4],
    /// The HTML could not be read to its end (it ends inside a tag, a comment or raw text, or
    /// the tokenizer gave up): the whole body was escaped as text.
    pub escaped: bool,
}

impl Cleaned {
    /// Adds the changes counted in `other`.
    pub fn add(&mut self, other: Cleaned) {
        let sum = |a: &mut [usize], b: &[usize]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        self.scripts += other.scripts;
        self.handlers += other.handlers;
        sum(&mut self.urls, &other.urls);
        sum(&mut self.linked, &other.linked);
        sum(&mut self.embeds_removed, &other.embeds_removed);
        self.escaped |= other.escaped;
    }

    pub fn url_removed(&mut self, scheme: Unsafe) {
        self.urls[scheme as usize] += 1;
    }

    /// One warning for the whole body (`body: removed 1 <script> element, 2 event-handler
    /// attributes; turned 1 <iframe> into a link`), or `None` when nothing was changed.
    pub fn note(&self) -> Option<String> {
        if self.escaped {
            return Some(
                "body: its HTML ends inside a tag, comment or element whose text is not HTML \
                 (such as <script>), so the whole body is shown as text; close it"
                    .to_string(),
            );
        }
        let mut removed = Vec::new();
        if self.scripts > 0 {
            removed.push(count(self.scripts, "<script> element", "<script> elements"));
        }
        if self.handlers > 0 {
            let (one, many) = ("event-handler attribute", "event-handler attributes");
            removed.push(count(self.handlers, one, many));
        }
        for (scheme, &n) in Unsafe::ALL.iter().zip(&self.urls) {
            if n > 0 {
                let one = format!("{} URL", scheme.scheme());
                removed.push(count(n, &one, &format!("{one}s")));
            }
        }
        for (tag, &n) in EMBEDS.iter().zip(&self.embeds_removed) {
            if n > 0 {
                let one = format!("<{tag}> without a safe URL");
                removed.push(count(
                    n,
                    &one,
                    &format!("<{tag}> elements without a safe URL"),
                ));
            }
        }
        let linked: Vec<String> = EMBEDS
            .iter()
            .zip(&self.linked)
            .filter(|(_, n)| **n > 0)
            .map(|(tag, &n)| count(n, &format!("<{tag}>"), &format!("<{tag}> elements")))
            .collect();
        let mut parts = Vec::new();
        if !removed.is_empty() {
            parts.push(format!("removed {}", removed.join(", ")));
        }
        if !linked.is_empty() {
            let total: usize = self.linked.iter().sum();
            let into = if total == 1 { "a link" } else { "links" };
            parts.push(format!("turned {} into {into}", linked.join(", ")));
        }
        (!parts.is_empty()).then(|| format!("body: {}", parts.join("; ")))
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Appended to the HTML to clean, to learn whether it ends outside any tag (see [`clean_html`]).
const END_PROBE: &str = "<feedwright-end>";

/// `html` with active content removed, embeds turned into links and every URL attribute
/// absolute against `base`, and what was changed.
pub fn clean_html(html: &str, base: &Url) -> (String, Cleaned) {
    static EVERY: std::sync::LazyLock<Option<Selector>> =
        std::sync::LazyLock::new(|| "*".parse().ok());
    // The tokenizer copies a tag left unfinished at the end (`<a href="javascript:…`) as it
    // was, unread: a reader that puts the body in a page would finish it. An element appended
    // to the input is seen where it was put only when the body ends outside any tag, comment
    // or raw text; it is then removed.
    let input = format!("{html}{END_PROBE}");
    let ended = Cell::new(false);
    let cleaned = RefCell::new(Cleaned::default());
    // How many replaced elements are open: what is inside them is cleaned all the same (an
    // element closed without its end tag never ends the count) but not counted.
    let inside_replaced = Rc::new(Cell::new(0usize));
    let written = EVERY.as_ref().and_then(|every| {
        let handlers = ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
            if el.source_location().bytes().start == html.len() {
                ended.set(true);
                el.remove();
                return Ok(());
            }
            if let Ok(mut cleaned) = cleaned.try_borrow_mut() {
                let mut uncounted = Cleaned::default();
                let counts = match inside_replaced.get() {
                    0 => &mut *cleaned,
                    _ => &mut uncounted,
                };
                element(el, base, counts, &inside_replaced);
            }
            Ok(())
        });
        let settings = RewriteStrSettings::new()
            .with_strict(false)
            .with_enable_esi_tags(false)
            .append_element_content_handler((Cow::Borrowed(every), handlers));
        rewrite_str(&input, settings).ok()
    });
    let mut cleaned = cleaned.into_inner();
    match written {
        Some(out) if ended.get() => (out, cleaned),
        _ => {
            // Markup that cannot be read cannot be checked: shown as text, it is harmless.
            cleaned = Cleaned {
                escaped: true,
                ..Cleaned::default()
            };
            (format!("<pre>{}</pre>\n", escape_html(html)), cleaned)
        }
    }
}

/// Cleans one element (see [`clean_html`]).
fn element(
    el: &mut Element<'_, '_>,
    base: &Url,
    cleaned: &mut Cleaned,
    inside_replaced: &Rc<Cell<usize>>,
) {
    let tag = el.tag_name();
    if tag == "script" {
        cleaned.scripts += 1;
        el.remove();
        return;
    }
    if let Some(at) = EMBEDS.iter().position(|e| *e == tag) {
        embed(el, at, base, cleaned);
        let count = Rc::clone(inside_replaced);
        let ends = el.on_end_tag(Box::new(move |_| {
            count.set(count.get().saturating_sub(1));
            Ok(())
        }));
        if ends.is_ok() {
            inside_replaced.set(inside_replaced.get() + 1);
        }
        return;
    }
    // Names and values first: the element cannot be changed while its attributes are read.
    let attrs: Vec<(String, String)> = el
        .attributes()
        .iter()
        .map(|a| (a.name(), a.value()))
        .collect();
    for (at, (name, written)) in attrs.iter().enumerate() {
        if name.starts_with("on") {
            cleaned.handlers += 1;
            el.remove_attribute(name);
            continue;
        }
        let Some(kind) = url_attr(name) else {
            continue;
        };
        // The value as the attribute means it: character references decoded.
        let value = htmlize::unescape_attribute(written.as_str());
        let mut removed = |scheme: Unsafe| cleaned.url_removed(scheme);
        // A repeated attribute is ignored by HTML parsers, and changing it would change the
        // first one (the only one that can be named): it is only checked, and when unsafe,
        // every attribute of its name goes.
        if attrs[..at].iter().any(|(earlier, _)| earlier == name) {
            if let Some(scheme) = unsafe_scheme(&value, kind == UrlAttr::Link) {
                removed(scheme);
                el.remove_attribute(name);
            }
            continue;
        }
        let new = match kind {
            UrlAttr::Link | UrlAttr::One => match unsafe_scheme(&value, kind == UrlAttr::Link) {
                Some(scheme) => {
                    removed(scheme);
                    None
                }
                None => Some(resolve(&value, base).into_owned()),
            },
            UrlAttr::List => rewrite_list(&value, base, true, &mut removed)
                .or_else(|| Some(value.clone().into_owned())),
            UrlAttr::Srcset => rewrite_srcset(&value, base, &mut removed)
                .or_else(|| Some(value.clone().into_owned())),
        };
        match new {
            None => el.remove_attribute(name),
            Some(new) => {
                let encoded = encode_attr(&new);
                // A value written as it would be written now keeps its bytes (and quotes).
                if encoded != *written && el.set_attribute(name, &encoded).is_err() {
                    el.remove_attribute(name);
                }
            }
        }
    }
}

/// An `<iframe>`, `<embed>`, `<object>` or `<frame>` (`EMBEDS[at]`) replaced by a link to
/// its URL, or removed without a safe one.
fn embed(el: &mut Element<'_, '_>, at: usize, base: &Url, cleaned: &mut Cleaned) {
    let attr = if EMBEDS[at] == "object" {
        "data"
    } else {
        "src"
    };
    let url = el
        .get_attribute(attr)
        .map(|written| htmlize::unescape_attribute(written.as_str()).into_owned())
        .filter(|u| !u.trim().is_empty())
        // Shown as a link, an embedded URL is something to follow: no `data:` either.
        .filter(|u| unsafe_scheme(u, true).is_none());
    match url {
        Some(url) => {
            let url = resolve(&url, base);
            let link = format!(
                "<a href=\"{}\">{}</a>",
                encode_attr(&url),
                escape_html(&url)
            );
            el.replace(&link, ContentType::Html);
            cleaned.linked[at] += 1;
        }
        None => {
            el.remove();
            cleaned.embeds_removed[at] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/reviews/heat/").unwrap()
    }

    fn clean(html: &str) -> (String, Option<String>) {
        let (out, cleaned) = clean_html(html, &base());
        (out, cleaned.note())
    }

    #[test]
    fn scripts_handlers_and_code_urls_are_removed() {
        let (out, note) = clean(concat!(
            "<p onclick=\"steal()\" class=x>a<script>alert('<p>')</script>b</p>",
            "<SCRIPT src=\"x.js\"></SCRIPT><svg><script>1</script></svg>",
            "<a href=\"javascript:alert(1)\" OnMouseOver='x()'>c</a>",
            "<a href=\"&#106;avascript&colon;alert(1)\">d</a>",
            "<form action=\"vbscript:x\"><button formaction=\"data:text/html,x\">e</button></form>",
            "<img src=\"data:image/png;base64,AAAA\">"
        ));
        assert_eq!(
            out,
            concat!(
                "<p class=x>ab</p><svg></svg><a>c</a><a>d</a>",
                "<form><button>e</button></form><img src=\"data:image/png;base64,AAAA\">"
            )
        );
        assert_eq!(
            note.as_deref(),
            Some(
                "body: removed 3 <script> elements, 2 event-handler attributes, 2 javascript: URLs, 1 vbscript: URL, 1 data: URL"
            )
        );
    }

    #[test]
    fn embeds_become_links() {
        let (out, note) = clean(concat!(
            "<iframe src=\"https://www.youtube-nocookie.com/embed/x?a=1&amp;b=2\" allowfullscreen></iframe>\n",
            "<p><embed src=\"//media.example/clip.swf\"></p>\n",
            "<object data=\"film.mp4\"><param name=a value=b><embed src=\"inner.swf\">fallback</object>\n",
            "<iframe srcdoc=\"<script>x()</script>\"></iframe><iframe src=\"javascript:x\"></iframe>"
        ));
        assert_eq!(
            out,
            concat!(
                "<a href=\"https://www.youtube-nocookie.com/embed/x?a=1&amp;b=2\">https://www.youtube-nocookie.com/embed/x?a=1&amp;b=2</a>\n",
                "<p><a href=\"https://media.example/clip.swf\">https://media.example/clip.swf</a></p>\n",
                "<a href=\"https://example.com/reviews/heat/film.mp4\">https://example.com/reviews/heat/film.mp4</a>\n",
                ""
            )
        );
        assert_eq!(
            note.as_deref(),
            Some(
                "body: removed 2 <iframe> elements without a safe URL; turned 1 <iframe>, 1 <embed>, 1 <object> into links"
            )
        );
        let (_, one) = clean("<iframe src=\"https://x.org/v\"></iframe>");
        assert_eq!(one.as_deref(), Some("body: turned 1 <iframe> into a link"));
    }

    #[test]
    fn url_attributes_are_decoded_then_made_absolute() {
        let (out, note) = clean(concat!(
            "<a href=\"&#47;about&#47;\">a</a><a href='&sol;x?a=1&amp;b=2'>b</a>",
            "<img data-src=\"img/a.jpg\" srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x, s.jpg 2x\">",
            "<video poster=p.jpg><source src=\"v.mp4\"></video><blockquote cite=\"../q/\"></blockquote>",
            "<img longdesc=\"d.html\"><td background=\"bg.png\"></td><a ping=\"/p1 /p2\">c</a>"
        ));
        assert_eq!(
            out,
            concat!(
                "<a href=\"https://example.com/about/\">a</a><a href=\"https://example.com/x?a=1&amp;b=2\">b</a>",
                "<img data-src=\"https://example.com/reviews/heat/img/a.jpg\" srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x, https://example.com/reviews/heat/s.jpg 2x\">",
                "<video poster=\"https://example.com/reviews/heat/p.jpg\"><source src=\"https://example.com/reviews/heat/v.mp4\"></video><blockquote cite=\"https://example.com/reviews/q/\"></blockquote>",
                "<img longdesc=\"https://example.com/reviews/heat/d.html\"><td background=\"https://example.com/reviews/heat/bg.png\"></td><a ping=\"https://example.com/p1 https://example.com/p2\">c</a>"
            )
        );
        assert_eq!(note, None, "making URLs absolute is no change to report");
    }

    #[test]
    fn repeated_attributes_are_checked_but_the_first_one_counts() {
        let (out, note) =
            clean("<a href=\"a/\" href=\"b/\">x</a><a href=\"c/\" HREF=\"javascript:y\">z</a>");
        assert_eq!(
            out,
            "<a href=\"https://example.com/reviews/heat/a/\" href=\"b/\">x</a><a>z</a>"
        );
        assert_eq!(note.as_deref(), Some("body: removed 1 javascript: URL"));
    }

    #[test]
    fn untouched_markup_keeps_its_bytes() {
        let html = "<p title='a &amp; b'>x</p><!-- <a href=\"c\"> --><A HREF='https://x.org/'>y</A> 1 < 2 &amp; <br/><img srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x\">";
        assert_eq!(clean(html), (html.to_string(), None));
    }

    #[test]
    fn a_body_that_ends_inside_a_tag_is_shown_as_text() {
        for html in [
            "<a href=\"x",
            "<a href=",
            "<a",
            "<img src='x' srcset",
            "<script>never closed",
            "</script><script",
            "<iframe src=x>",
            "<!-- never closed <script>",
            "<p>t</p><a title=\"<b>\" href=\"java",
        ] {
            let (out, note) = clean(html);
            assert_eq!(out, format!("<pre>{}</pre>\n", escape_html(html)));
            assert_eq!(
                note.as_deref(),
                Some(
                    "body: its HTML ends inside a tag, comment or element whose text is not HTML (such as <script>), so the whole body is shown as text; close it"
                )
            );
        }
        for whole in [
            "<p>ok",
            "a < b",
            "<\u{e9}",
            "<p>x</p>\n",
            "",
            "<feedwright-end>",
        ] {
            assert_eq!(clean(whole), (whole.to_string(), None));
        }
    }

    #[test]
    fn what_follows_an_embed_closed_without_its_end_tag_is_cleaned() {
        let (out, _) = clean("<p><object data=x.mp4></p><script>x()</script><a onclick=y>z</a>");
        assert!(
            !out.contains("<script") && !out.contains("onclick"),
            "{out}"
        );
    }
}
