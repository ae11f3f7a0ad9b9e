//! Body HTML made safe and self-contained for a feed reader: `<script>` elements, event-handler
//! attributes and URLs that run code are removed; an `<iframe>`, `<embed>`, `<object>` or
//! `<frame>` (which readers drop, taking a trailer with them) becomes a plain link to what it
//! showed; every URL attribute is made absolute by its own grammar (see [`super::links`]).
//! Elements whose content a reader may read differently from this cleaner (`<style>`,
//! `<noscript>`, `<svg>`, `<math>`) go with everything inside them, and a body that parsers
//! would not all read alike is shown as text: what the cleaner saw is what every reader gets.
//! Only HTML written from a body with raw HTML comes here: Markdown links and images are
//! handled as they are parsed. Text and untouched tags are copied as they were.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;

use lol_html::errors::RewritingError;
use lol_html::html_content::{Comment, ContentType, Element};
use lol_html::{
    DocumentContentHandlers, ElementContentHandlers, RewriteStrSettings, Selector, rewrite_str,
};
use url::Url;

use super::clean_attrs::attributes;
use super::links::{Unsafe, encode_attr, resolve, unsafe_scheme};
use super::render::escape_html;

/// Elements that show another document or a plugin in a box: readers drop them.
pub const EMBEDS: [&str; 4] = ["iframe", "embed", "object", "frame"];

/// Elements removed with everything inside them (feed readers drop them anyway). A `<script>`
/// runs; a `<style>` styles the reader's page; `<meta>` (a refresh to `javascript:`), `<base>`
/// and `<link>` act on it. The others are read differently by different readers: `<noscript>`
/// holds text where scripts run and tags where they do not; `<noembed>`, `<noframes>`, `<xmp>`,
/// `<title>`, `<textarea>` hold text in HTML5 and tags for older parsers (libxml2's, Python's);
/// inside `<svg>` and `<math>` a `<style>` holds tags, and which element is which can change
/// when a reader parses the body and writes it out again (mutation XSS). A `<form>` and its
/// controls ask the reader for input (a password field that posts elsewhere: phishing), and a
/// `<frameset>` replaces the page. A `<template>` is never shown: its text is no summary.
pub const DROPPED: [&str; 20] = [
    "script", "style", "noscript", "svg", "math", "noembed", "noframes", "xmp", "title",
    "textarea", "meta", "base", "link", "form", "input", "button", "select", "keygen", "frameset",
    "template",
];

/// What [`clean_html`] (and the Markdown renderer, for links and images) removed or changed
/// in one body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Elements removed with their content, by tag (in the order of [`DROPPED`]).
    pub dropped: [usize; DROPPED.len()],
    /// `on…=` attributes removed.
    pub handlers: usize,
    /// `style` attributes removed (see `clean_attrs::loads_or_hides`).
    pub styles: usize,
    /// URLs removed, by scheme (in the order of [`Unsafe::ALL`]).
    pub urls: [usize; 3],
    /// Embedding elements turned into links, by tag (in the order of [`EMBEDS`]).
    pub linked: [usize; 4],
    /// Embedding elements removed: no URL, or an unsafe one (in the order of [`EMBEDS`]).
    pub embeds_removed: [usize; 4],
    /// The HTML could not be read, or not in one way only: the whole body was escaped as text.
    pub escaped: Option<Escaped>,
}

/// Why a body's HTML was shown as text (see [`Cleaned::escaped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaped {
    /// It ends inside a tag, a comment or raw text, or the tokenizer gave up.
    Unfinished,
    /// Readers would not all read it alike: an element whose text is not HTML (`<style>`,
    /// `<xmp>`...) inside `<select>` or after `<frameset>`, where some parsers ignore it, or
    /// `<svg>`/`<math>` content still read another way after [`FOREIGN_PASSES`] passes.
    Ambiguous,
}

impl Cleaned {
    /// Adds the changes counted in `other`.
    pub fn add(&mut self, other: Cleaned) {
        let sum = |a: &mut [usize], b: &[usize]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        sum(&mut self.dropped, &other.dropped);
        self.handlers += other.handlers;
        self.styles += other.styles;
        sum(&mut self.urls, &other.urls);
        sum(&mut self.linked, &other.linked);
        sum(&mut self.embeds_removed, &other.embeds_removed);
        self.escaped = self.escaped.or(other.escaped);
    }

    pub fn url_removed(&mut self, scheme: Unsafe) {
        self.urls[scheme as usize] += 1;
    }

    /// One warning for the whole body (`body: removed 1 <script> element, 2 event-handler
    /// attributes; turned 1 <iframe> into a link`), or `None` when nothing was changed.
    pub fn note(&self) -> Option<String> {
        match self.escaped {
            Some(Escaped::Unfinished) => {
                return Some(
                    "body: its HTML ends inside a tag, comment or element whose text is not HTML \
                     (such as <script>), so the whole body is shown as text; close it"
                        .to_string(),
                );
            }
            Some(Escaped::Ambiguous) => {
                return Some(
                    "body: its HTML can be read in more than one way (such as <style> or <xmp> \
                     inside <select>), so the whole body is shown as text; take that markup out"
                        .to_string(),
                );
            }
            None => {}
        }
        let mut removed = Vec::new();
        for (tag, &n) in DROPPED.iter().zip(&self.dropped) {
            if n > 0 {
                let one = format!("<{tag}> element");
                removed.push(count(n, &one, &format!("{one}s")));
            }
        }
        if self.handlers > 0 {
            let (one, many) = ("event-handler attribute", "event-handler attributes");
            removed.push(count(self.handlers, one, many));
        }
        if self.styles > 0 {
            let (one, many) = ("style attribute", "style attributes");
            removed.push(count(self.styles, one, many));
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

/// One body's HTML after [`clean_html`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clean {
    pub html: String,
    /// What was removed or changed.
    pub cleaned: Cleaned,
    /// The byte ranges of the HTML given that went with an element removed or replaced with
    /// its content, in the order they start (nested ones too): text written there is not in
    /// the output, so it must not be in the summary either. An element whose end tag the
    /// cleaner never saw runs to the end of the HTML.
    pub removed: Vec<Range<usize>>,
}

/// `html` with active content removed, embeds turned into links and every URL attribute
/// absolute against `base`, and what was changed.
pub fn clean_html(html: &str, base: &Url) -> Clean {
    let (mut clean, mut foreign) = clean_once(html, base);
    // `<svg>` and `<math>` hold foreign content, where the tokenizer reads a few things its
    // own way (`<![CDATA[…]]>` is text there, a bogus comment in HTML). Where this tokenizer
    // thought such content went on past the element it removed, what it copied may read
    // differently without that element: the output, which holds no `<svg>` or `<math>` tag
    // that was read as one, is read again as every reader will read it.
    for _ in 0..FOREIGN_PASSES {
        if !foreign || clean.cleaned.escaped.is_some() {
            return clean;
        }
        let (again, more) = clean_once(&clean.html, base);
        if again.cleaned.escaped.is_some() {
            return escaped(html, Escaped::Ambiguous);
        }
        clean.cleaned.add(again.cleaned);
        clean.html = again.html;
        foreign = more;
    }
    if foreign {
        return escaped(html, Escaped::Ambiguous);
    }
    clean
}

/// How many times [`clean_html`] reads again HTML that held `<svg>` or `<math>`; one is enough
/// for any body but a crafted one, which after that is shown as text.
const FOREIGN_PASSES: usize = 3;

/// One pass of [`clean_html`], and whether it saw an `<svg>` or `<math>` start tag.
fn clean_once(html: &str, base: &Url) -> (Clean, bool) {
    static EVERY: std::sync::LazyLock<Option<Selector>> =
        std::sync::LazyLock::new(|| "*".parse().ok());
    // The tokenizer copies a tag left unfinished at the end (`<a href="javascript:…`) as it
    // was, unread: a reader that puts the body in a page would finish it. An element appended
    // to the input is seen where it was put only when the body ends outside any tag, comment
    // or raw text; it is then removed.
    let input = format!("{html}{END_PROBE}");
    let ended = Cell::new(false);
    let cleaned = RefCell::new(Cleaned::default());
    let walk = Walk {
        base,
        input: &input,
        inside: Rc::new(Cell::new(0)),
        removed: Rc::new(RefCell::new(Vec::new())),
        foreign: Cell::new(false),
    };
    let written = EVERY.as_ref().map(|every| {
        let handlers = ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
            if el.source_location().bytes().start == html.len() {
                ended.set(true);
                el.remove();
                return Ok(());
            }
            if let Ok(mut cleaned) = cleaned.try_borrow_mut() {
                let mut uncounted = Cleaned::default();
                let counts = match walk.inside.get() {
                    0 => &mut *cleaned,
                    _ => &mut uncounted,
                };
                element(el, &walk, counts);
            }
            Ok(())
        });
        // A comment is the author's note to self (`<!-- private -->`): readers do not show it,
        // and the feed is public. Emptied, not removed: what was on either side would join
        // (`<<!-- -->script>` is text; without the comment it would be a tag).
        // What it held is not summed up either: it may run across paragraphs.
        let in_comments = Rc::clone(&walk.removed);
        let comments = DocumentContentHandlers::default().comments(move |c: &mut Comment<'_>| {
            in_comments.borrow_mut().push(c.source_location().bytes());
            let _ = c.set_text("");
            Ok(())
        });
        let settings = RewriteStrSettings::new()
            .with_strict(true)
            .with_enable_esi_tags(false)
            .append_element_content_handler((Cow::Borrowed(every), handlers))
            .append_document_content_handler(comments);
        rewrite_str(&input, settings)
    });
    let mut removed = std::mem::take(&mut *walk.removed.borrow_mut());
    // In the order they start (comments and elements were noted as each came).
    removed.sort_by_key(|r| r.start);
    let clean = match written {
        // `<select><xmp></select><img onerror=…>`: ignored by some parsers, the `<xmp>` hides
        // from this one a tag that they read. Strict, the tokenizer stops there.
        Some(Err(RewritingError::ParsingAmbiguity(_))) => escaped(html, Escaped::Ambiguous),
        Some(Ok(html)) if ended.get() => Clean {
            html,
            cleaned: cleaned.into_inner(),
            removed,
        },
        _ => escaped(html, Escaped::Unfinished),
    };
    (clean, walk.foreign.get())
}

/// `html` shown as text: markup that cannot be read cannot be checked, but as text it is
/// harmless.
fn escaped(html: &str, why: Escaped) -> Clean {
    Clean {
        html: format!("<pre>{}</pre>\n", escape_html(html)),
        cleaned: Cleaned {
            escaped: Some(why),
            ..Cleaned::default()
        },
        removed: Vec::new(),
    }
}

/// What the cleaning of one element needs besides the element.
struct Walk<'a> {
    base: &'a Url,
    /// The HTML being cleaned: attributes kept are copied from it as they were written.
    input: &'a str,
    /// How many elements removed or replaced with their content are open: what is inside
    /// them is cleaned all the same (an element closed without its end tag never ends the
    /// count) but not counted.
    inside: Rc<Cell<usize>>,
    /// See [`Clean::removed`].
    removed: Rc<RefCell<Vec<Range<usize>>>>,
    /// Whether an `<svg>` or `<math>` start tag was seen (see [`clean_html`]).
    foreign: Cell<bool>,
}

impl Walk<'_> {
    /// Notes that `el` was removed or replaced with its content.
    fn gone(&self, el: &mut Element<'_, '_>) {
        let tag = el.source_location().bytes();
        let at = {
            let mut removed = self.removed.borrow_mut();
            removed.push(tag.start..self.input.len());
            removed.len() - 1
        };
        let inside = Rc::clone(&self.inside);
        let removed = Rc::clone(&self.removed);
        let ends = el.on_end_tag(Box::new(move |end| {
            inside.set(inside.get().saturating_sub(1));
            if let Some(range) = removed.borrow_mut().get_mut(at) {
                range.end = end.source_location().bytes().end;
            }
            Ok(())
        }));
        match ends {
            Ok(()) => self.inside.set(self.inside.get() + 1),
            // A void element: nothing inside it.
            Err(_) => {
                if let Some(range) = self.removed.borrow_mut().get_mut(at) {
                    range.end = tag.end;
                }
            }
        }
    }
}

/// Cleans one element (see [`clean_html`]).
fn element(el: &mut Element<'_, '_>, walk: &Walk<'_>, cleaned: &mut Cleaned) {
    let tag = el.tag_name();
    if let Some(at) = DROPPED.iter().position(|d| *d == tag) {
        walk.foreign
            .set(walk.foreign.get() || matches!(DROPPED[at], "svg" | "math"));
        cleaned.dropped[at] += 1;
        el.remove();
        walk.gone(el);
        return;
    }
    if let Some(at) = EMBEDS.iter().position(|e| *e == tag) {
        embed(el, at, walk.base, cleaned);
        walk.gone(el);
        return;
    }
    attributes(el, walk.input, walk.base, cleaned);
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
#[path = "clean_tests.rs"]
mod tests;
