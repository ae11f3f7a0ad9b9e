//! URLs in bodies: made absolute (feed readers show an item outside its page, so `img/p.jpg`
//! or `#note` must become full URLs), read by each attribute's own grammar (one URL, a
//! space-separated list, a `srcset`), and checked for schemes that run code. Pure functions
//! over strings: the HTML itself is read by [`super::clean`].

use std::borrow::Cow;

use url::Url;

/// `value` (a URL as written, entities decoded) made absolute against `base`; unchanged when it
/// is empty, already absolute, or not something `Url::join` understands.
pub fn resolve<'v>(value: &'v str, base: &Url) -> Cow<'v, str> {
    let value = value.trim();
    // Without a `:` there is no scheme, so `Url::parse` would fail: skip straight to the join.
    // A value that starts like an http(s) URL is kept whether it parses or not (a failed parse
    // falls through to `join`, which parses it the same way and fails too).
    if value.is_empty() || is_http(value) || (value.contains(':') && Url::parse(value).is_ok()) {
        Cow::Borrowed(value)
    } else if let Some(joined) = join_plain(base, value) {
        Cow::Owned(joined)
    } else {
        match base.join(value) {
            Ok(u) => Cow::Owned(String::from(u)),
            Err(_) => Cow::Borrowed(value),
        }
    }
}

/// The body HTML pulldown-cmark wrote, with the `href="#…"` of each footnote reference (the
/// only relative URL its writer makes from a body without raw HTML) made absolute.
pub fn absolutize_footnote_refs(html: String, base: &Url) -> String {
    const REF: &[u8] = b"<sup class=\"footnote-reference\"><a href=\"";
    let bytes = html.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&bytes[at..], REF) {
        let start = at + i + REF.len();
        let Some(len) = memchr::memchr(b'"', &bytes[start..]) else {
            break;
        };
        let written = &html[start..start + len];
        let value = htmlize::unescape_attribute(written);
        let resolved = resolve(&value, base);
        let absolute = encode_attr(&resolved);
        if absolute != written {
            if out.capacity() == 0 {
                out.reserve(html.len() + 256);
            }
            out.push_str(&html[copied..start]);
            out.push_str(&absolute);
            copied = start + len;
        }
        at = start + len + 1;
    }
    if copied == 0 {
        return html;
    }
    out.push_str(&html[copied..]);
    out
}

/// `value` written for a double-quoted HTML attribute.
pub fn encode_attr(value: &str) -> Cow<'_, str> {
    if !value.contains(['&', '"']) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(value.replace('&', "&amp;").replace('"', "&quot;"))
}

/// How an attribute's value holds URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlAttr {
    /// One URL that a reader follows when clicked (`href`, `action`): no `data:` there.
    Link,
    /// One URL of something embedded (`src`, `poster`, `cite`, `data-src`...).
    One,
    /// URLs separated by ASCII whitespace (`ping`).
    List,
    /// Image candidates: a URL and its descriptors, separated by commas (`srcset`).
    Srcset,
}

/// How the attribute `name` (lower case) holds URLs, or `None` when it holds none.
pub fn url_attr(name: &str) -> Option<UrlAttr> {
    Some(match name {
        "href" | "action" | "formaction" | "xlink:href" => UrlAttr::Link,
        "src" | "poster" | "cite" | "longdesc" | "background" | "data-src" | "codebase"
        | "lowsrc" | "dynsrc" | "manifest" | "icon" | "data" => UrlAttr::One,
        "ping" => UrlAttr::List,
        "srcset" | "data-srcset" | "imagesrcset" => UrlAttr::Srcset,
        _ => return None,
    })
}

/// Schemes whose URLs run code (or, for `data:`, open a page made of the URL) in a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsafe {
    Javascript,
    Vbscript,
    Data,
}

impl Unsafe {
    pub const ALL: [Unsafe; 3] = [Unsafe::Javascript, Unsafe::Vbscript, Unsafe::Data];

    pub fn scheme(self) -> &'static str {
        match self {
            Unsafe::Javascript => "javascript:",
            Unsafe::Vbscript => "vbscript:",
            Unsafe::Data => "data:",
        }
    }
}

/// Whether the URL `value` (entities decoded) has a scheme that runs code when followed:
/// `javascript:` or `vbscript:` anywhere, `data:` only where `link` (an image may be a
/// `data:` URL; a page to open may not). The scheme is read as browsers read it: leading
/// controls and spaces skipped, tabs and line breaks anywhere ignored, any case. Leading
/// Unicode spaces and invisible characters are skipped too: [`resolve`] trims the spaces (as
/// `str::trim` does), so `&nbsp;javascript:` would otherwise be written out as `javascript:`.
pub fn unsafe_scheme(value: &str, link: bool) -> Option<Unsafe> {
    // Most URLs start with a character no unsafe scheme starts with (`h`, `/`, `.`, `#`...):
    // answered without reading on. `| 0x20` makes ASCII letters lower case.
    match value.as_bytes().first() {
        Some(&b) if b > b' ' && b < 0x80 && !matches!(b | 0x20, b'j' | b'v' | b'd') => {
            return None;
        }
        None => return None,
        _ => {}
    }
    // The longest scheme looked for, `javascript`, has 10 letters.
    let mut scheme = [0u8; 11];
    let mut len = 0;
    let start = value
        .char_indices()
        .find(|&(_, c)| !skipped_before_scheme(c))
        .map_or(value.len(), |(i, _)| i);
    for b in value.bytes().skip(start) {
        match b {
            b'\t' | b'\n' | b'\r' => continue,
            b':' => break,
            _ if len == scheme.len() => return None,
            _ => {
                scheme[len] = b.to_ascii_lowercase();
                len += 1;
            }
        }
    }
    match &scheme[..len] {
        b"javascript" => Some(Unsafe::Javascript),
        b"vbscript" => Some(Unsafe::Vbscript),
        b"data" if link => Some(Unsafe::Data),
        _ => None,
    }
}

/// What may come before a scheme and be lost on the way out: ASCII controls and space (which
/// browsers skip), Unicode spaces (which a trim removes) and invisible format characters.
fn skipped_before_scheme(c: char) -> bool {
    c <= ' '
        || c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{ad}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// One image candidate of a `srcset`: its URL and its descriptors (`1x`, `400w`), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub url: &'a str,
    pub descriptors: Vec<&'a str>,
}

/// The candidates of a `srcset` value (entities decoded), split by the HTML rule: a URL is a
/// run of non-whitespace (commas inside it are part of it, trailing ones end the candidate);
/// then descriptors up to a comma outside parentheses. Candidates with an empty URL are left
/// out, as browsers do.
pub fn srcset_candidates(value: &str) -> Vec<Candidate<'_>> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C');
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| is_space(c) || c == ',');
        if rest.is_empty() {
            return out;
        }
        let end = rest.find(is_space).unwrap_or(rest.len());
        let (run, after) = rest.split_at(end);
        let url = run.trim_end_matches(',');
        if url.len() < run.len() {
            // A URL ending in commas ends its candidate: no descriptors.
            out.push(Candidate {
                url,
                descriptors: Vec::new(),
            });
            rest = after;
            continue;
        }
        let (descriptors, after) = descriptors(after);
        out.push(Candidate { url, descriptors });
        rest = after;
    }
}

/// The descriptors at the start of `text`, up to the comma that ends the candidate (outside
/// parentheses), and the text after that comma.
fn descriptors(text: &str) -> (Vec<&str>, &str) {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut parens = false;
    for (i, &b) in bytes.iter().enumerate() {
        if parens {
            parens = b != b')';
            continue;
        }
        match b {
            b',' => {
                out.extend(start.map(|s| &text[s..i]));
                return (out, &text[i + 1..]);
            }
            _ if is_space(b) => {
                out.extend(start.take().map(|s| &text[s..i]));
            }
            _ => {
                start.get_or_insert(i);
                parens = b == b'(';
            }
        }
    }
    out.extend(start.map(|s| &text[s..]));
    (out, "")
}

/// A `srcset` value with every candidate's URL made absolute against `base` and the ones with
/// an unsafe scheme left out (each given to `removed`); `None` when nothing changes.
pub fn rewrite_srcset(value: &str, base: &Url, removed: &mut impl FnMut(Unsafe)) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(value.len() + 64);
    for candidate in srcset_candidates(value) {
        if let Some(scheme) = unsafe_scheme(candidate.url, false) {
            removed(scheme);
            changed = true;
            continue;
        }
        let url = resolve(candidate.url, base);
        changed |= url != candidate.url;
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&url);
        for d in &candidate.descriptors {
            out.push(' ');
            out.push_str(d);
        }
    }
    changed.then_some(out)
}

/// A whitespace-separated list of URLs made absolute, the unsafe ones left out (each given to
/// `removed`); `None` when nothing changes.
pub fn rewrite_list(
    value: &str,
    base: &Url,
    link: bool,
    removed: &mut impl FnMut(Unsafe),
) -> Option<String> {
    let mut changed = false;
    let mut out = Vec::new();
    for url in value.split_ascii_whitespace() {
        if let Some(scheme) = unsafe_scheme(url, link) {
            removed(scheme);
            changed = true;
            continue;
        }
        let absolute = resolve(url, base);
        changed |= absolute != url;
        out.push(absolute);
    }
    changed.then(|| out.join(" "))
}

fn is_http(value: &str) -> bool {
    let b = value.as_bytes();
    b.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"https://"))
        || b.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"http://"))
}

/// Characters that no part of a URL escapes or treats specially in a relative path or a
/// fragment.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
}

/// `base.join(value)` for the relative references Markdown bodies are made of, without parsing
/// a URL: a fragment (`#fn-1`) or a relative path (`../heat/`, `img/p.jpg`) of plain characters
/// only ([`is_plain`]). `None` for anything else, which goes to `Url::join`. The result is
/// `Url::join`'s (WHATWG path rules: the base's last segment replaced, `.` and `..` segments
/// removed, `..` never above the root), as the tests check against it.
fn join_plain(base: &Url, value: &str) -> Option<String> {
    if base.cannot_be_a_base() {
        return None;
    }
    if let Some(fragment) = value.strip_prefix('#') {
        if !fragment.bytes().all(is_plain) {
            return None;
        }
        return Some(format!("{}#{fragment}", &base[..url::Position::AfterQuery]));
    }
    if value.is_empty() || value.starts_with('/') || !value.bytes().all(is_plain) {
        return None;
    }
    let path = base.path();
    let dir = &path[..path.rfind('/')? + 1];
    let mut segments: Vec<&str> = dir[1..].split('/').collect();
    segments.pop(); // the base's last segment (empty after a trailing `/`)
    let mut parts = value.split('/').peekable();
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        match part {
            "." => {}
            ".." => {
                segments.pop();
            }
            _ => {
                segments.push(part);
                continue;
            }
        }
        if last {
            segments.push("");
        }
    }
    let mut out = String::with_capacity(base.as_str().len() + value.len());
    out.push_str(&base[..url::Position::BeforePath]);
    for segment in segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.len() == base[..url::Position::BeforePath].len() {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/reviews/heat/").unwrap()
    }

    /// Each candidate as `url [descriptors]`, for compact expectations.
    fn candidates(value: &str) -> Vec<String> {
        srcset_candidates(value)
            .iter()
            .map(|c| format!("{} {:?}", c.url, c.descriptors))
            .collect()
    }

    #[test]
    fn srcset_urls_are_runs_of_non_whitespace() {
        assert_eq!(
            candidates("https://cdn.example/w_400,h_300/x.jpg 1x"),
            ["https://cdn.example/w_400,h_300/x.jpg [\"1x\"]"]
        );
        assert_eq!(
            candidates("a.jpg 1x, b.jpg 2x"),
            ["a.jpg [\"1x\"]", "b.jpg [\"2x\"]"]
        );
        // A comma right after a descriptor ends the candidate; one inside a URL does not.
        assert_eq!(
            candidates("a.jpg 1x,b.jpg 2x"),
            ["a.jpg [\"1x\"]", "b.jpg [\"2x\"]"]
        );
        assert_eq!(candidates("a.jpg,b.jpg"), ["a.jpg,b.jpg []"]);
        // Trailing commas end a URL's candidate without descriptors.
        assert_eq!(
            candidates(" ,a.jpg,, b.jpg 400w ,"),
            ["a.jpg []", "b.jpg [\"400w\"]"]
        );
        // A comma inside parentheses belongs to the descriptor.
        assert_eq!(
            candidates("a.jpg f(1, 2) 1x, b.jpg"),
            ["a.jpg [\"f(1, 2)\", \"1x\"]", "b.jpg []"]
        );
        assert_eq!(
            candidates("a.jpg\t\n1x \x0c, b.jpg 2x"),
            ["a.jpg [\"1x\"]", "b.jpg [\"2x\"]"]
        );
        assert!(candidates("").is_empty());
        assert!(candidates(" , ,").is_empty());
        // Unclosed parentheses run to the end.
        assert_eq!(candidates("a.jpg f(1, 2"), ["a.jpg [\"f(1, 2\"]"]);
    }

    #[test]
    fn srcset_rewrites_only_relative_candidates() {
        let mut removed = Vec::new();
        let mut note = |s| removed.push(s);
        assert_eq!(
            rewrite_srcset(
                "https://cdn.example/w_400,h_300/x.jpg 1x",
                &base(),
                &mut note
            ),
            None,
            "absolute candidates stay as written"
        );
        assert_eq!(
            rewrite_srcset(
                "https://cdn.example/w_400,h_300/x.jpg 1x, s/w_800,h_600.jpg 2x,/y.jpg",
                &base(),
                &mut note
            )
            .as_deref(),
            Some(
                "https://cdn.example/w_400,h_300/x.jpg 1x, https://example.com/reviews/heat/s/w_800,h_600.jpg 2x, https://example.com/y.jpg"
            )
        );
        assert_eq!(
            rewrite_srcset(
                "javascript:x 1x, data:image/png;base64,AAAA 2x",
                &base(),
                &mut note
            )
            .as_deref(),
            Some("data:image/png;base64,AAAA 2x"),
            "an image may be a data: URL"
        );
        assert_eq!(removed, [Unsafe::Javascript]);
    }

    #[test]
    fn url_lists_are_split_on_whitespace() {
        let mut removed = Vec::new();
        let mut note = |s| removed.push(s);
        assert_eq!(
            rewrite_list(
                " /a  https://x.org/b\tjavascript:c ",
                &base(),
                true,
                &mut note
            )
            .as_deref(),
            Some("https://example.com/a https://x.org/b")
        );
        assert_eq!(
            rewrite_list("https://x.org/b", &base(), true, &mut note),
            None
        );
        assert_eq!(removed, [Unsafe::Javascript]);
    }

    #[test]
    fn attributes_hold_urls_by_their_own_grammar() {
        for (name, kind) in [
            ("href", Some(UrlAttr::Link)),
            ("action", Some(UrlAttr::Link)),
            ("formaction", Some(UrlAttr::Link)),
            ("src", Some(UrlAttr::One)),
            ("data-src", Some(UrlAttr::One)),
            ("poster", Some(UrlAttr::One)),
            ("cite", Some(UrlAttr::One)),
            ("longdesc", Some(UrlAttr::One)),
            ("background", Some(UrlAttr::One)),
            ("ping", Some(UrlAttr::List)),
            ("srcset", Some(UrlAttr::Srcset)),
            ("data-srcset", Some(UrlAttr::Srcset)),
            ("alt", None),
            ("title", None),
            ("data-href-like", None),
        ] {
            assert_eq!(url_attr(name), kind, "{name}");
        }
    }

    #[test]
    fn schemes_that_run_code_are_found_as_browsers_read_them() {
        for (url, link, expected) in [
            ("javascript:alert(1)", false, Some(Unsafe::Javascript)),
            ("JaVaScRiPt:alert(1)", true, Some(Unsafe::Javascript)),
            (" \u{1}\tjava\tscr\nipt:x", true, Some(Unsafe::Javascript)),
            ("vbscript:msgbox", true, Some(Unsafe::Vbscript)),
            ("data:text/html,<script>", true, Some(Unsafe::Data)),
            ("data:image/png;base64,AAAA", false, None),
            ("javascripts:x", true, None),
            ("java script:x", true, None),
            ("/javascript:x", true, None),
            ("./javascript:x", true, None),
            ("https://x.org/javascript:x", true, None),
            ("", true, None),
            ("mailto:a@b.c", true, None),
            // Audit: a Unicode space before the scheme, trimmed on the way out.
            ("\u{a0}javascript:x", true, Some(Unsafe::Javascript)),
            (
                "\u{2028}\u{3000} java\tscript:x",
                false,
                Some(Unsafe::Javascript),
            ),
            ("\u{85}\u{205f}vbscript:x", true, Some(Unsafe::Vbscript)),
            ("\u{200b}\u{feff}data:text/html,x", true, Some(Unsafe::Data)),
            ("\u{a0}https://x.org/", true, None),
            ("\u{e9}t\u{e9}:x", true, None),
        ] {
            assert_eq!(unsafe_scheme(url, link), expected, "{url:?} {link}");
        }
    }

    #[test]
    fn footnote_references_point_at_the_page() {
        let html = "<p>a<sup class=\"footnote-reference\"><a href=\"#n&amp;1\">1</a></sup></p>\n";
        assert_eq!(
            absolutize_footnote_refs(html.to_string(), &base()),
            "<p>a<sup class=\"footnote-reference\"><a href=\"https://example.com/reviews/heat/#n&amp;1\">1</a></sup></p>\n"
        );
        let plain = "<p>no references</p>".to_string();
        assert_eq!(absolutize_footnote_refs(plain.clone(), &base()), plain);
    }

    #[test]
    fn plain_joins_are_url_joins() {
        let bases = [
            "https://example.com/reviews/heat/",
            "https://example.com/reviews/heat",
            "https://example.com/",
            "https://example.com",
            "https://example.com/a/b/c/index.html?x=1#top",
            "http://user@example.com:8080/a/",
        ];
        let values = [
            "#fn-1",
            "#",
            "#a/b.c",
            "img/p.jpg",
            "../x/",
            "../../../../y",
            "./",
            ".",
            "..",
            "a/./b/../c",
            "a/..",
            "a/.",
            "a//b",
            "x/",
            "...",
            "a/.../b",
            "~u",
            "../",
            "../..",
            "./a",
            "a",
            "../../a/b/",
        ];
        for b in bases {
            let base = Url::parse(b).unwrap();
            for v in values {
                let expected = base.join(v).unwrap().to_string();
                assert_eq!(
                    join_plain(&base, v).as_deref(),
                    Some(expected.as_str()),
                    "{b} + {v}"
                );
            }
            for v in [
                "", "/abs", "//host/x", "a b", "a?q", "%2e%2e/x", "a\\b", "#a b", "é",
            ] {
                assert_eq!(join_plain(&base, v), None, "{b} + {v}");
            }
        }
    }
}
