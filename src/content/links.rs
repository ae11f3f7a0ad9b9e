//! Makes relative URLs in rendered HTML absolute. Feed readers show an item outside its page, so
//! `img/p.jpg` or `#note` must become full URLs. This walks tags and rewrites `href`, `src`,
//! `poster` and `srcset` values; it never changes text or other markup.

use std::borrow::Cow;

use url::Url;

const URL_ATTRS: &[&str] = &["href", "src", "poster"];

pub fn absolutize_html(html: &str, base: &Url) -> String {
    // Most of a body is text and tags without URLs: it is copied in long runs, and only URL
    // values are written anew.
    let mut out = Edits {
        html,
        out: String::with_capacity(html.len() + 64),
        copied: 0,
    };
    let bytes = html.as_bytes();
    let mut at = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[at..]).map(|i| at + i) {
        let rest = &html[lt..];
        at = if rest.starts_with("<!--") {
            lt + rest.find("-->").map_or(rest.len(), |i| i + 3)
        } else if bytes.get(lt + 1).is_some_and(u8::is_ascii_alphabetic) {
            lt + rewrite_tag(rest, lt, base, &mut out)
        } else {
            lt + 1
        };
    }
    out.finish()
}

/// The output of [`absolutize_html`]: the input up to `copied`, with replacements.
struct Edits<'h> {
    html: &'h str,
    out: String,
    copied: usize,
}

impl Edits<'_> {
    /// Replaces the input bytes `from..to` (an attribute value, with its quotes if any) with
    /// `value` in double quotes.
    fn quoted(&mut self, from: usize, to: usize, value: &str) {
        self.out.push_str(&self.html[self.copied..from]);
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
        self.copied = to;
    }

    fn finish(mut self) -> String {
        self.out.push_str(&self.html[self.copied..]);
        self.out
    }
}

/// Reads one start tag beginning at `tag[0] == '<'` (at `offset` in the input), rewriting its
/// URL attributes into `out`; returns how many bytes it consumed.
fn rewrite_tag(tag: &str, offset: usize, base: &Url, out: &mut Edits<'_>) -> usize {
    let bytes = tag.as_bytes();
    let mut i = 1;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' && bytes[i] != b'/'
    {
        i += 1;
    }
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return i;
        }
        if bytes[i] == b'>' {
            return i + 1;
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = &tag[name_start..i];
        if i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        let value_start = i;
        let (value, end, quoted) = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let close = memchr::memchr(q, &bytes[i + 1..]).map_or(tag.len(), |p| i + 1 + p);
                (&tag[i + 1..close], (close + 1).min(tag.len()), Some(q))
            }
            _ => {
                let end = tag[i..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .map_or(tag.len(), |p| i + p);
                (&tag[i..end], end, None)
            }
        };
        let rewritten = if URL_ATTRS.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            Some(absolutize(value, base))
        } else if name.eq_ignore_ascii_case("srcset") {
            Some(absolutize_srcset(value, base))
        } else {
            None
        };
        // A value written exactly as it was (absolute, in double quotes) is left in place.
        let closed = end > value_start + value.len() + 1;
        if let Some(v) = rewritten
            && !(quoted == Some(b'"') && closed && v == value)
        {
            out.quoted(offset + value_start, offset + end, &v);
        }
        i = end;
    }
}

fn absolutize(raw: &str, base: &Url) -> String {
    encode_attr(&resolve(&decode_entities(raw.trim()), base))
}

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

/// [`absolutize_html`] for HTML whose only relative URLs can be footnote references: the
/// `href="#…"` of the markup pulldown-cmark writes for each, and nothing else, is rewritten.
pub fn absolutize_footnote_refs(html: String, base: &Url) -> String {
    const REF: &[u8] = b"<sup class=\"footnote-reference\"><a href=\"";
    let bytes = html.as_bytes();
    let mut out = Edits {
        html: &html,
        out: String::new(),
        copied: 0,
    };
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&bytes[at..], REF) {
        let start = at + i + REF.len();
        let Some(len) = memchr::memchr(b'"', &bytes[start..]) else {
            break;
        };
        let value = &html[start..start + len];
        let v = absolutize(value, base);
        if v != value {
            if out.out.capacity() == 0 {
                out.out.reserve(html.len() + 256);
            }
            out.quoted(start - 1, start + len + 1, &v);
        }
        at = start + len + 1;
    }
    if out.copied == 0 {
        return html;
    }
    out.finish()
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

fn absolutize_srcset(raw: &str, base: &Url) -> String {
    raw.split(',')
        .map(|candidate| {
            let candidate = candidate.trim();
            match candidate.split_once(char::is_whitespace) {
                Some((u, descriptor)) => format!("{} {}", absolutize(u, base), descriptor.trim()),
                None => absolutize(candidate, base),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn encode_attr(s: &str) -> String {
    if !s.contains(['&', '"']) {
        return s.to_string();
    }
    s.replace('&', "&amp;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/reviews/heat/").unwrap()
    }

    #[test]
    fn rewrites_relative_keeps_absolute() {
        let html = r#"<p><a href="/about">a</a> <a href='https://x.org/?a=1&amp;b=2'>b</a> <a href="mailto:a@b.c">m</a> <img alt="x > y" src=pic.png></p>"#;
        assert_eq!(
            absolutize_html(html, &base()),
            r#"<p><a href="https://example.com/about">a</a> <a href="https://x.org/?a=1&amp;b=2">b</a> <a href="mailto:a@b.c">m</a> <img alt="x > y" src="https://example.com/reviews/heat/pic.png"></p>"#
        );
    }

    #[test]
    fn only_url_values_change() {
        let html = "<p title='a &amp; b'>x</p><!-- <a href=\"c\"> --><A HREF=\"https://x.org/\">y</A> 1 < 2 <br/><img src='https://x.org/p.jpg'><a href=\"z";
        assert_eq!(
            absolutize_html(html, &base()),
            "<p title='a &amp; b'>x</p><!-- <a href=\"c\"> --><A HREF=\"https://x.org/\">y</A> 1 < 2 <br/><img src=\"https://x.org/p.jpg\"><a href=\"https://example.com/reviews/heat/z\""
        );
    }

    #[test]
    fn fragments_and_srcset() {
        let html = r##"<a href="#fn1">1</a><img srcset="a.jpg 1x, /b.jpg 2x" />"##;
        assert_eq!(
            absolutize_html(html, &base()),
            r##"<a href="https://example.com/reviews/heat/#fn1">1</a><img srcset="https://example.com/reviews/heat/a.jpg 1x, https://example.com/b.jpg 2x" />"##
        );
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

    #[test]
    fn text_and_comments_untouched() {
        let html = "a < b <!-- <a href=\"x\"> --> 3<4 <br>";
        assert_eq!(absolutize_html(html, &base()), html);
    }

    #[test]
    fn unterminated_tag_does_not_panic() {
        for html in [
            "<a href=\"x",
            "<a href=",
            "<a",
            "<img src='x' srcset",
            "<\u{e9}",
        ] {
            let _ = absolutize_html(html, &base());
        }
    }
}
