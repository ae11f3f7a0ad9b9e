//! The one text boundary of the content stage. Every string that reaches a feed comes from a
//! source file through a decoder (UTF-8, then TOML or YAML escapes or the plain-text header),
//! and each decoder can produce what XML cannot hold. So cleaning happens twice, in one way
//! ([`xml_chars::clean`]): on the file's text before it is split, and on every string of the
//! front matter after it is decoded ([`clean_meta`]). Line endings are made `\n` before either,
//! so that every line number counts the lines an editor shows.

use std::borrow::Cow;

use super::meta::{ChaptersMeta, Meta, PersonMeta, Scalar, TranscriptMeta};
use super::slug::nfc;
use super::xml_chars::{self, Report};

/// `text` with CRLF and lone CR (classic Mac OS) line endings made LF. Most files have no CR:
/// for them this is one byte search, and `text` itself comes back.
pub fn normalise_line_endings(text: &str) -> Cow<'_, str> {
    let Some(first) = memchr::memchr(b'\r', text.as_bytes()) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    while let Some(at) = memchr::memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        out.push('\n');
        rest = &rest[at + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The line (1-based) of byte `at` in raw `bytes` whose line endings may be LF, CRLF or CR,
/// counted as [`normalise_line_endings`] would.
pub fn line_in_raw(bytes: &[u8], at: usize) -> usize {
    let before = &bytes[..at.min(bytes.len())];
    let breaks = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

/// The file's text: checked for size, emptiness and UTF-8, without a byte-order mark, with
/// every line ending made `\n`.
pub fn decode<'a>(
    bytes: &'a [u8],
    diag: &dyn Fn(Option<usize>, String) -> crate::error::Diagnostic,
) -> Result<Cow<'a, str>, Vec<crate::error::Diagnostic>> {
    if bytes.len() > super::source::MAX_SOURCE_BYTES {
        return Err(vec![diag(
            None,
            format!(
                "{}: is this the right file?",
                super::discover::too_big(bytes.len() as u64)
            ),
        )]);
    }
    if let Some(said) = utf16_hint(bytes) {
        return Err(vec![diag(None, said.into())]);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![diag(
            None,
            "is empty: write the entry, or delete the file".into(),
        )]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            return Err(vec![diag(
                Some(line_in_raw(bytes, at)),
                not_utf8(bytes, at),
            )]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(normalise_line_endings(text))
}

/// What to say of a file whose byte at offset `at` is not UTF-8. The offset counts from the
/// start of the file (the line is given beside it): "byte 15" read like a column.
pub fn not_utf8(bytes: &[u8], at: usize) -> String {
    let byte = bytes.get(at).copied().unwrap_or(0);
    // 0x80–0xFF alone: Windows-1252 or Latin-1, as older editors and Word save "smart" quotes.
    let guess = if byte >= 0x80 {
        ", as Windows-1252 or Latin-1 write accents and curly quotes"
    } else {
        ""
    };
    format!(
        "not valid UTF-8 (the byte 0x{byte:02X}, {} bytes into the file{guess}); save the file as UTF-8 in your editor",
        at
    )
}

/// What to say of bytes saved as UTF-16 (Windows editors' "Unicode"): a byte-order mark, or
/// NUL bytes between the letters. Text in UTF-16 without a mark can be valid UTF-8 (one NUL
/// after every ASCII letter) and would be published as a title and body full of dropped
/// characters; `None` for anything else.
pub fn utf16_hint(bytes: &[u8]) -> Option<&'static str> {
    const SAID: &str = "is saved as UTF-16; save it as UTF-8 in your editor";
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Some(SAID);
    }
    // Looked at in the first bytes: a text file has no NUL, UTF-16 one every other byte.
    let head = &bytes[..bytes.len().min(256)];
    let nuls_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let pairs = head.len() / 2;
    // NULs in one column only: a run of NULs in both (a file padded with zeros by a crash or
    // a full disk) is not UTF-16, and is said as the characters it drops.
    let (even, odd) = (nuls_at(0), nuls_at(1));
    let alternate = |nuls: usize, others: usize| nuls * 2 > pairs && others * 4 < pairs;
    let utf16 = pairs >= 2 && (alternate(even, odd) || alternate(odd, even));
    utf16.then_some(SAID)
}

pub use crate::config::text::is_invisible;

/// `text` without invisible characters and spaces at either end.
pub fn trim_invisible(text: &str) -> &str {
    text.trim_matches(is_invisible)
}

/// Whether `text` shows nothing at all.
pub fn is_blank(text: &str) -> bool {
    trim_invisible(text).is_empty()
}

/// What cleaning one field of one file did; strings of a list field (`tags`, `persons`) are
/// reported together.
#[derive(Debug, Default)]
pub struct Fields {
    pub found: Vec<(&'static str, Report)>,
    /// Fields longer than [`MAX_FIELD_BYTES`], with their length.
    pub too_long: Vec<(&'static str, usize)>,
}

/// The longest value of one front-matter key (a title, a tag, a summary, a link…). Each is one
/// text or attribute in every feed, escaped (`&` is five bytes); a value of megabytes made a
/// feed XML parsers refuse (over 10 MB in one text) and took minutes to write.
pub const MAX_FIELD_BYTES: usize = 16 * 1024;

impl Fields {
    /// Cleans `text` in place, noting what was done under `field`.
    pub fn fix(&mut self, field: &'static str, text: &mut String) {
        if text.len() > MAX_FIELD_BYTES {
            self.too_long.push((field, text.len()));
        }
        let (fixed, report) = xml_chars::clean(text);
        let fixed = match fixed {
            Cow::Owned(s) => Some(s),
            Cow::Borrowed(_) => None,
        };
        if let Some(s) = fixed {
            *text = s;
        }
        line_breaks(field, text);
        if report.is_empty() {
            return;
        }
        match self.found.iter_mut().find(|(f, _)| *f == field) {
            Some((_, seen)) => seen.merge(report),
            None => self.found.push((field, report)),
        }
    }

    fn opt(&mut self, field: &'static str, text: &mut Option<String>) {
        if let Some(text) = text {
            self.fix(field, text);
        }
    }

    fn scalar(&mut self, field: &'static str, value: &mut Option<Scalar>) {
        if let Some(Scalar(text)) = value {
            self.fix(field, text);
        }
    }
}

/// A summary's line ends made LF, as a body's are; every other key's value is one line: a tab,
/// line feed or carriage return in it (`title = "car\\rriage"`, `Tags: one<TAB>two`) is a
/// space, as XML reads one in an attribute (a tag is Atom's `term="…"`): raw, readers of the
/// XML feeds read a space (or for CR a line feed) where JSON Feed has the character.
fn line_breaks(field: &str, text: &mut String) {
    if !text.contains(['\t', '\n', '\r']) {
        return;
    }
    if field == "summary" {
        *text = text.replace("\r\n", "\n").replace('\r', "\n");
        return;
    }
    // Each run of spaces and breaks that holds a break is one space; spaces alone stay.
    let mut one = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(['\0']) {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            run.push(c);
            continue;
        }
        if run.contains(['\t', '\n', '\r']) {
            one.push(' ');
        } else {
            one.push_str(&run);
        }
        run.clear();
        if c != '\0' {
            one.push(c);
        }
    }
    *text = one;
}

/// Cleans every string of `meta` as decoded, and makes tags NFC, so that one tag typed with a
/// precomposed or a decomposed accent is one tag. Returns what was done, field by field.
pub fn clean_meta(meta: &mut Meta) -> Fields {
    // Taken apart without `..`: a key added to `Meta` does not compile until it is cleaned here.
    let Meta {
        title,
        date,
        updated,
        author,
        summary,
        tags,
        id,
        slug,
        link,
        draft: _,
        episode,
        season,
        episode_type,
        audio,
        audio_length,
        audio_type,
        duration,
        explicit,
        image,
        transcript,
        transcripts,
        chapters,
        chapters_url,
        persons,
    } = meta;
    let mut f = Fields::default();
    f.opt("title", title);
    for (field, value) in [("date", date), ("updated", updated)] {
        if let Some(value) = value {
            f.fix(field, &mut value.0);
        }
    }
    f.opt("author", author);
    f.opt("summary", summary);
    for tag in tags.iter_mut() {
        f.fix("tags", tag);
        if let Cow::Owned(composed) = nfc(tag) {
            *tag = composed;
        }
    }
    f.opt("id", id);
    f.opt("slug", slug);
    f.opt("link", link);
    f.scalar("episode", episode);
    f.scalar("season", season);
    f.opt("episode_type", episode_type);
    f.opt("audio", audio);
    f.scalar("audio_length", audio_length);
    f.opt("audio_type", audio_type);
    f.scalar("duration", duration);
    f.scalar("explicit", explicit);
    f.opt("image", image);
    match transcript {
        Some(TranscriptMeta::Url(url)) => f.fix("transcript", url),
        Some(TranscriptMeta::Full(t)) => {
            f.fix("transcript.url", &mut t.url);
            f.opt("transcript.type", &mut t.mime);
            f.opt("transcript.language", &mut t.language);
            f.opt("transcript.rel", &mut t.rel);
        }
        None => {}
    }
    for t in transcripts.iter_mut() {
        f.opt("transcripts.file", &mut t.file);
        f.opt("transcripts.url", &mut t.url);
        f.opt("transcripts.type", &mut t.mime);
        f.opt("transcripts.language", &mut t.language);
        f.opt("transcripts.rel", &mut t.rel);
    }
    match chapters {
        Some(ChaptersMeta::Url(url)) => f.fix("chapters", url),
        Some(ChaptersMeta::List(list)) => {
            for c in list.iter_mut() {
                f.fix("chapters.start", &mut c.start.0);
                f.fix("chapters.title", &mut c.title);
                f.opt("chapters.url", &mut c.url);
                f.opt("chapters.image", &mut c.image);
            }
        }
        None => {}
    }
    f.opt("chapters_url", chapters_url);
    for PersonMeta {
        name,
        role,
        group,
        href,
        img,
    } in persons.iter_mut()
    {
        f.fix("persons.name", name);
        f.opt("persons.role", role);
        f.opt("persons.group", group);
        f.opt("persons.href", href);
        f.opt("persons.img", img);
    }
    f
}

/// Largest Markdown body rendered. The Markdown parser holds a node for every line and every
/// inline span at once: up to ~160 bytes for each byte of the body (a body of 7.8 MB of short
/// lines took 1.1 GB), on every core. A review is a few KB; 1 MB is a long book chapter.
pub const MAX_MARKDOWN_BYTES: usize = 1024 * 1024;

/// Why a body of `len` bytes is refused, if it is: Markdown over [`MAX_MARKDOWN_BYTES`] (plain
/// text is rendered line by line and is not limited this way).
pub(super) fn markdown_too_long(kind: super::BodyKind, len: usize) -> Option<String> {
    if kind != super::BodyKind::Markdown || len <= MAX_MARKDOWN_BYTES {
        return None;
    }
    let mb = (len as f64) / (1024.0 * 1024.0);
    Some(format!(
        "its Markdown body is {mb:.1} MB, more than the {} MB feedwright renders (rendering takes \
         up to 160 times the body's size in memory): split it into shorter entries",
        MAX_MARKDOWN_BYTES / (1024 * 1024)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit: "byte 15" beside "line 3" read like a column; the byte and the likely encoding
    /// are said.
    #[test]
    fn a_byte_that_is_not_utf8_is_named_with_its_offset_and_a_guess() {
        let bytes = b"Title: A\nCin\x93ma\n";
        assert_eq!(
            not_utf8(bytes, 12),
            "not valid UTF-8 (the byte 0x93, 12 bytes into the file, as Windows-1252 or Latin-1 write accents and curly quotes); save the file as UTF-8 in your editor"
        );
    }

    /// UTF-16 is told from UTF-8 by its mark or its NUL bytes, whichever byte order.
    #[test]
    fn utf16_is_recognised() {
        let le: Vec<u8> = "Title: plain\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "Title: plain\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        for bytes in [
            &le[..],
            &be[..],
            &[0xFF, 0xFE, b'a', 0][..],
            &[0xFE, 0xFF][..],
        ] {
            assert!(utf16_hint(bytes).is_some(), "{bytes:?}");
        }
        for text in ["plain text", "a\0b", "", "é ü 東京"] {
            assert_eq!(utf16_hint(text.as_bytes()), None, "{text:?}");
        }
        // Audit: a file padded with NULs after its front matter was said to be UTF-16.
        let mut padded = b"---\ntitle: T\n---\nText.\n".to_vec();
        padded.extend([0; 400]);
        assert_eq!(utf16_hint(&padded), None);
    }
    use crate::content::meta::{DateText, TranscriptFull};

    #[test]
    fn every_line_ending_is_one_line_break() {
        for (raw, want) in [
            ("a\r\nb\rc\nd", "a\nb\nc\nd"),
            ("\r\r\n\r", "\n\n\n"),
            ("end\r", "end\n"),
            ("no breaks", "no breaks"),
        ] {
            assert_eq!(normalise_line_endings(raw), want, "{raw:?}");
            let at = raw.len();
            assert_eq!(
                line_in_raw(raw.as_bytes(), at),
                want.matches('\n').count() + 1,
                "{raw:?}"
            );
        }
        assert!(matches!(normalise_line_endings("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn invisible_titles() {
        assert!(is_blank(" \u{200B}\u{FEFF}\u{2060}\u{200D}\t"));
        assert!(!is_blank("\u{200B}a"));
        assert_eq!(trim_invisible("\u{FEFF} Heat \u{200B}"), "Heat");
        // A joiner inside an emoji sequence stays.
        assert_eq!(trim_invisible("👩\u{200D}🎤"), "👩\u{200D}🎤");
    }

    #[test]
    fn every_string_is_cleaned_and_reported_once_per_field() {
        let mut meta = Meta {
            title: Some("a\u{1}b".into()),
            date: Some(DateText("2026-01-01\u{0}".into())),
            tags: vec!["x\u{1}".into(), "Cine\u{301}".into(), "y\u{2}z".into()],
            transcript: Some(TranscriptMeta::Full(TranscriptFull {
                url: "https://x/t.vtt".into(),
                mime: Some("text/vtt\u{FFFF}".into()),
                language: None,
                rel: None,
            })),
            persons: vec![
                PersonMeta {
                    name: "Ada\u{93}".into(),
                    role: None,
                    group: None,
                    href: None,
                    img: Some("\u{7}".into()),
                },
                PersonMeta {
                    name: "Bo\u{0}".into(),
                    role: None,
                    group: None,
                    href: None,
                    img: None,
                },
            ],
            ..Meta::default()
        };
        let found = clean_meta(&mut meta).found;
        let fields: Vec<_> = found.iter().map(|(f, r)| (*f, r.dropped, r.c1)).collect();
        assert_eq!(
            fields,
            [
                ("title", 1, 0),
                ("date", 1, 0),
                ("tags", 2, 0),
                ("transcript.type", 1, 0),
                ("persons.name", 1, 1),
                ("persons.img", 1, 0),
            ]
        );
        assert_eq!(meta.title.as_deref(), Some("a\u{FFFD}b"));
        assert_eq!(meta.tags, ["x", "Ciné", "y\u{FFFD}z"]);
        assert_eq!(meta.persons[1].name, "Bo");
    }

    /// Audit: a tab or line break in a tag was raw in Atom's `term="…"` (read as a space there,
    /// kept in RSS and JSON); a CR in a title was read as LF by XML readers only.
    #[test]
    fn a_value_is_one_line_and_a_summary_has_lf_line_ends() {
        let mut meta = Meta {
            title: Some("car\rriage  two".into()),
            tags: vec![
                "line\nbreak".into(),
                "tab\there".into(),
                "a \r\n\t b".into(),
            ],
            summary: Some("one\r\ntwo\rthree\n\tfour".into()),
            ..Meta::default()
        };
        let found = clean_meta(&mut meta).found;
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(meta.title.as_deref(), Some("car riage  two"));
        assert_eq!(meta.tags, ["line break", "tab here", "a b"]);
        assert_eq!(meta.summary.as_deref(), Some("one\ntwo\nthree\n\tfour"));
    }

    fn parse_file(text: &str, name: &str) -> super::super::source::Parsed {
        let path = std::path::Path::new(name);
        let kind = super::super::source::kind_of(path).unwrap();
        super::super::parse_entry(text.as_bytes(), path, name, kind, chrono_tz::Tz::UTC)
    }

    #[test]
    fn a_markdown_body_over_a_megabyte_is_refused_a_text_one_is_not() {
        let body = "x\n".repeat(MAX_MARKDOWN_BYTES / 2);
        let at_limit = format!("---\ntitle: A\n---\n{body}");
        assert!(parse_file(&at_limit, "a.md").is_ok());
        let over = format!("{at_limit}y");
        let e = parse_file(&over, "a.md").unwrap_err();
        assert_eq!(
            e[0].message,
            "its Markdown body is 1.0 MB, more than the 1 MB feedwright renders (rendering \
             takes up to 160 times the body's size in memory): split it into shorter entries"
        );
        assert_eq!(e.len(), 1);
        let text = format!("{body}{body}");
        assert!(parse_file(&text, "a.txt").is_ok());
    }
}
