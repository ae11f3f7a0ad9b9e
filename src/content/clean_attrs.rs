//! The attributes of one element [`super::clean`] keeps: `on…` handlers removed, every URL
//! made absolute or, when it runs code, removed. Decided for all attributes first, then the
//! start tag is written once: removing attributes one at a time reads all of them each time,
//! which on a tag of 160,000 handlers took most of a minute.

use std::borrow::Cow;

use foldhash::HashMap;
use lol_html::html_content::{Attribute, ContentType, Element};
use url::Url;

use super::clean::Cleaned;
use super::links::{
    Unsafe, UrlAttr, encode_attr, resolve, rewrite_list, rewrite_srcset, unsafe_scheme, url_attr,
};

/// What becomes of one attribute.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    Kept,
    Removed,
    /// Written with this value (already encoded for a double-quoted attribute).
    Rewritten(String),
}

/// Cleans the attributes of `el`, whose start tag is at `input[el.source_location()]`; an
/// element left unchanged keeps its bytes.
pub(super) fn attributes(el: &mut Element<'_, '_>, input: &str, base: &Url, cleaned: &mut Cleaned) {
    let attrs = el.attributes();
    let mut fates = Vec::with_capacity(attrs.len());
    // Each URL attribute's name, and whether an unsafe URL was seen under it. A repeated
    // attribute is ignored by HTML parsers, and changing it would change the first one (the
    // only one that can be named): it is only checked, and when unsafe, every attribute of
    // its name goes.
    let mut urls: HashMap<String, bool> = HashMap::default();
    for attr in attrs {
        fates.push(fate(attr, base, cleaned, &mut urls));
    }
    let unsafe_name =
        |attr: &Attribute<'_>| !urls.is_empty() && urls.get(&attr.name()) == Some(&true);
    if fates.iter().all(|f| *f == Fate::Kept) && !urls.values().any(|&u| u) {
        return;
    }
    // Written as lol_html writes a changed start tag: each attribute after one space.
    let mut tag = String::with_capacity(el.source_location().bytes().len());
    tag.push('<');
    tag.push_str(&el.tag_name_preserve_case());
    let mut any = false;
    for (attr, fate) in attrs.iter().zip(&fates) {
        if *fate == Fate::Removed || unsafe_name(attr) {
            continue;
        }
        tag.push(' ');
        match fate {
            Fate::Rewritten(value) => push_attr(&mut tag, attr, value),
            _ => match written(attr, input) {
                Some(raw) => tag.push_str(raw),
                None => push_attr(&mut tag, attr, &attr.value().replace('"', "&quot;")),
            },
        }
        any = true;
    }
    if el.is_self_closing() {
        // Without the space, an unquoted value before it would take the `/` in.
        tag.push_str(if any { " />" } else { "/>" });
    } else {
        tag.push('>');
    }
    el.start_tag().replace(&tag, ContentType::Html);
}

/// What becomes of `attr`; `urls` as in [`attributes`].
fn fate(
    attr: &Attribute<'_>,
    base: &Url,
    cleaned: &mut Cleaned,
    urls: &mut HashMap<String, bool>,
) -> Fate {
    let name = attr.name();
    // A style that loads something (`url(javascript:…)`, `expression(…)`, `@import`) or is
    // written with escapes (which hide those words) runs code in old readers; one that places
    // or hides something lays it over the reader's page: removed, and said as a style.
    if name.starts_with("on") {
        cleaned.handlers += 1;
        return Fate::Removed;
    }
    if name == "style" && loads_or_hides(&attr.value()) {
        cleaned.styles += 1;
        return Fate::Removed;
    }
    let Some(kind) = url_attr(&name) else {
        return Fate::Kept;
    };
    let written = attr.value();
    // The value as the attribute means it: character references decoded.
    let value = htmlize::unescape_attribute(written.as_str());
    let mut removed = |scheme: Unsafe| cleaned.url_removed(scheme);
    if let Some(unsafe_seen) = urls.get_mut(&name) {
        if let Some(scheme) = unsafe_scheme(&value, kind == UrlAttr::Link) {
            removed(scheme);
            *unsafe_seen = true;
        }
        return Fate::Kept;
    }
    let new: Option<Cow<'_, str>> = match kind {
        UrlAttr::Link | UrlAttr::One => match unsafe_scheme(&value, kind == UrlAttr::Link) {
            Some(scheme) => {
                removed(scheme);
                None
            }
            None => Some(resolve(&value, base)),
        },
        UrlAttr::List => rewrite_list(&value, base, true, &mut removed)
            .map(Cow::Owned)
            .or(Some(Cow::Borrowed(&value))),
        UrlAttr::Srcset => rewrite_srcset(&value, base, &mut removed)
            .map(Cow::Owned)
            .or(Some(Cow::Borrowed(&value))),
    };
    let fate = match new {
        None => Fate::Removed,
        Some(new) => match encode_attr(&new) {
            // A value written as it would be written now keeps its bytes (and quotes).
            encoded if encoded == written => Fate::Kept,
            encoded => Fate::Rewritten(encoded.into_owned()),
        },
    };
    urls.insert(name, fate == Fate::Removed);
    fate
}

/// Whether a `style` value fetches or runs anything, or hides what it does behind escapes.
fn loads_or_hides(style: &str) -> bool {
    let value = htmlize::unescape_attribute(style).to_ascii_lowercase();
    [
        "url(",
        "expression",
        "javascript",
        "@import",
        "behavior",
        "binding",
        // Laid over the reader's page, or hidden from the reader (a click-jacking overlay,
        // text a reader cannot see but a search engine can).
        "position",
        "z-index",
        "display",
        "visibility",
        "opacity",
        "clip",
        "transform",
        "translate",
        "scale",
        "rotate",
        "inset",
        "font-size",
        "\\",
    ]
    .iter()
    .any(|w| value.contains(w))
}

/// `name="value"`, with `attr`'s name as it was written.
fn push_attr(tag: &mut String, attr: &Attribute<'_>, value: &str) {
    tag.push_str(&attr.name_preserve_case());
    tag.push_str("=\"");
    tag.push_str(value);
    tag.push('"');
}

/// `attr` as it was written in `input`: from its name to the end of its value and quote.
fn written<'i>(attr: &Attribute<'_>, input: &'i str) -> Option<&'i str> {
    let name = attr.name_source_location()?.bytes();
    let end = match attr.value_source_location() {
        None => name.end,
        Some(value) => {
            let value = value.bytes();
            let before = value
                .start
                .checked_sub(1)
                .and_then(|i| input.as_bytes().get(i));
            value.end + usize::from(matches!(before, Some(b'"' | b'\'')))
        }
    };
    input.get(name.start..end)
}

#[cfg(test)]
mod tests {
    use super::super::clean::clean_html;
    use url::Url;

    fn clean(html: &str) -> (String, Option<String>) {
        let base = Url::parse("https://example.com/reviews/heat/").unwrap();
        let clean = clean_html(html, &base);
        (clean.html, clean.cleaned.note())
    }

    #[test]
    fn kept_attributes_keep_their_bytes_when_others_go() {
        let (out, note) = clean(concat!(
            "<p onclick=\"x()\" class=x title='a &amp; b' hidden data-v = \"1\" ONLOAD=y>t</p>",
            // `x/` is a value: `<br>` is not self-closing.
            "<img src=a.jpg onerror=y alt=\"\" /><br onclick=x/><hr onfocus=x/>",
            "<A HREF='b/' onclick=x>c</A><a title=\"&quot;\" href=\"javascript:x\">d</a>"
        ));
        assert_eq!(
            out,
            concat!(
                "<p class=x title='a &amp; b' hidden data-v = \"1\">t</p>",
                "<img src=\"https://example.com/reviews/heat/a.jpg\" alt=\"\" /><br><hr>",
                "<A HREF=\"https://example.com/reviews/heat/b/\">c</A><a title=\"&quot;\">d</a>"
            )
        );
        assert_eq!(
            note.as_deref(),
            Some("body: removed 6 event-handler attributes, 1 javascript: URL")
        );
    }

    /// Audit: a `<div>` with 160,000 `on…` attributes took 50 s to clean, each removal reading
    /// all the attributes left. The tag is now written once: this size took seconds before.
    #[test]
    fn thousands_of_handlers_on_one_element_are_removed_at_once() {
        let n = 20_000;
        let mut html = String::from("<div class=k");
        for i in 0..n {
            html.push_str(&format!(" onx{i}=x href{i}=h"));
        }
        html.push_str(" href=\"javascript:a\" href=b>x</div>");
        let (out, note) = clean(&html);
        let mut kept = String::from("<div class=k");
        for i in 0..n {
            kept.push_str(&format!(" href{i}=h"));
        }
        kept.push_str(">x</div>");
        assert_eq!(out, kept);
        assert_eq!(
            note,
            Some(format!(
                "body: removed {n} event-handler attributes, 1 javascript: URL"
            ))
        );
    }

    /// Elements older parsers read as tags where HTML5 reads text, and styles that load or
    /// hide code: removed, so that no reader sees a script or a handler.
    #[test]
    fn raw_text_elements_and_loading_styles_are_removed() {
        let (html, said) = clean(
            "<p>ok <noembed><script>alert(1)</script></noembed><xmp><img onerror=a()></xmp><textarea><img onerror=b()></textarea><meta http-equiv=refresh content=\"0;url=javascript:c()\"><span style=\"background:url(javascript:d())\">s</span><span style=\"color:red\">r</span></p>",
        );
        assert_eq!(
            html,
            "<p>ok <span>s</span><span style=\"color:red\">r</span></p>"
        );
        assert!(!html.contains("onerror") && !html.contains("javascript"));
        assert!(said.unwrap().contains("1 <noembed> element"));
    }
}
