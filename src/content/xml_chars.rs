//! Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF) make a feed unreadable for
//! every strict parser, so they never get past the content stage: [`clean`] runs on the raw
//! file and again on every string a decoder (TOML, YAML escapes) produced. C1 controls are
//! legal XML, so they are kept, but reported: in a UTF-8 file they are nearly always
//! Windows-1252 text that was once read as Latin-1.

use std::borrow::Cow;

pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// U+0080 to U+009F.
pub fn is_c1(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9F}')
}

/// A control byte below 0x20 other than tab, LF and CR.
fn is_c0(b: u8) -> bool {
    (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')
}

/// A fast, byte-wise over-approximation: in UTF-8 a forbidden character is either a control byte
/// below 0x20 (other than tab, LF, CR) or starts with 0xEF (U+FFFE and U+FFFF are EF BF BE/BF).
/// Only texts it flags are decoded character by character.
fn may_hold_illegal(bytes: &[u8]) -> bool {
    // Whole blocks without an early exit, so the compiler can vectorise the test.
    bytes.chunks(64).any(|block| {
        block
            .iter()
            .fold(false, |hit, &b| hit | is_c0(b) | (b == 0xEF))
    })
}

/// [`may_hold_illegal`], or a C1 control (0xC2 then a byte below 0xA0). Each block of 64 bytes
/// is tested against the same block shifted by one, as fixed-size arrays, so the test stays
/// branch-free and vectorised (a zip of two slice iterators ran at half the speed).
fn may_need_work(bytes: &[u8]) -> bool {
    const BLOCK: usize = 64;
    let hit = |b: u8, next: u8| is_c0(b) | (b == 0xEF) | ((b == 0xC2) & (next < 0xA0));
    let mut at = 0;
    while let (Some(block), Some(next)) = (
        bytes
            .get(at..at + BLOCK)
            .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok()),
        bytes
            .get(at + 1..at + 1 + BLOCK)
            .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok()),
    ) {
        if (0..BLOCK).fold(false, |found, i| found | hit(block[i], next[i])) {
            return true;
        }
        at += BLOCK;
    }
    let tail = &bytes[at.min(bytes.len())..];
    // The last byte has no next one; it cannot start a two-byte character in valid UTF-8.
    tail.iter()
        .enumerate()
        .any(|(i, &b)| hit(b, tail.get(i + 1).copied().unwrap_or(0xFF)))
}

/// Returns `text` without forbidden characters, and how many were dropped. Nothing is put in
/// their place (for HTML already rendered; source text goes through [`clean`]).
pub fn strip_illegal(text: &str) -> (Cow<'_, str>, usize) {
    if !may_hold_illegal(text.as_bytes()) || text.chars().all(is_xml_char) {
        return (Cow::Borrowed(text), 0);
    }
    let mut dropped = 0;
    let kept = text
        .chars()
        .filter(|&c| {
            let ok = is_xml_char(c);
            dropped += usize::from(!ok);
            ok
        })
        .collect();
    (Cow::Owned(kept), dropped)
}

/// How many distinct characters a message lists before `…`.
const LISTED: usize = 4;

/// What [`clean`] did to a text, for the one warning that names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Characters dropped because XML 1.0 does not allow them.
    pub dropped: usize,
    /// Runs of dropped characters that stood between two words, each now one U+FFFD.
    pub replaced: usize,
    /// The first distinct dropped characters (at most [`LISTED`] + 1).
    pub dropped_chars: Vec<char>,
    /// Byte offset, in the text cleaned, of the first dropped character.
    pub dropped_at: Option<usize>,
    /// C1 controls kept.
    pub c1: usize,
    pub c1_chars: Vec<char>,
    /// Byte offset of the first C1 control.
    pub c1_at: Option<usize>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.dropped == 0 && self.c1 == 0
    }

    /// Adds what cleaning another string of the same field did (offsets are not kept).
    pub fn merge(&mut self, other: Report) {
        self.dropped += other.dropped;
        self.replaced += other.replaced;
        self.c1 += other.c1;
        for c in other.dropped_chars {
            note(&mut self.dropped_chars, c);
        }
        for c in other.c1_chars {
            note(&mut self.c1_chars, c);
        }
    }

    /// The same report without its C1 part.
    pub fn without_c1(mut self) -> Report {
        self.c1 = 0;
        self.c1_chars.clear();
        self.c1_at = None;
        self
    }

    /// What was done and why, for a warning: `dropped 1 character XML 1.0 does not allow
    /// (U+0001)`, and for C1 controls what they probably were.
    pub fn message(&self) -> String {
        let mut parts = Vec::new();
        if self.dropped > 0 {
            let mut part = format!(
                "dropped {} XML 1.0 does not allow ({})",
                count(self.dropped, "character"),
                list(&self.dropped_chars)
            );
            if self.replaced > 0 {
                part.push_str(
                    "; where one stood between two words, U+FFFD (\u{FFFD}) keeps them apart",
                );
            }
            parts.push(part);
        }
        if self.c1 > 0 {
            let guesses: Vec<String> = self
                .c1_chars
                .iter()
                .take(LISTED)
                .filter_map(|&c| windows_1252(c).map(String::from))
                .collect();
            let guesses = guesses.join(" ");
            let read_as = if guesses.is_empty() {
                String::new()
            } else {
                format!(", which Windows-1252 reads as {guesses}")
            };
            parts.push(format!(
                "kept {} ({}){read_as}: XML allows {}, but in a UTF-8 file {} almost always Windows-1252 text read as Latin-1; retype {} or convert the original file from Windows-1252 to UTF-8",
                count(self.c1, "C1 control character"),
                list(&self.c1_chars),
                if self.c1 == 1 { "it" } else { "them" },
                if self.c1 == 1 { "it is" } else { "they are" },
                if self.c1 == 1 { "it" } else { "them" },
            ));
        }
        parts.join("; ")
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn note(chars: &mut Vec<char>, c: char) {
    if chars.len() <= LISTED && !chars.contains(&c) {
        chars.push(c);
    }
}

/// `U+0001, U+0002`, and `…` past [`LISTED`].
fn list(chars: &[char]) -> String {
    let mut names: Vec<String> = chars
        .iter()
        .take(LISTED)
        .map(|&c| format!("U+{:04X}", u32::from(c)))
        .collect();
    if chars.len() > LISTED {
        names.push("…".into());
    }
    names.join(", ")
}

/// The character Windows-1252 puts at the byte a C1 control's code point equals; `None` for
/// the five bytes it leaves undefined.
pub fn windows_1252(c: char) -> Option<char> {
    const TABLE: [char; 32] = [
        '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0',
        '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
    ];
    let i = u32::from(c).checked_sub(0x80)?;
    TABLE
        .get(usize::try_from(i).ok()?)
        .copied()
        .filter(|&g| g != '\0')
}

/// What an HTML parser reads the numeric character reference at the start of `rest` (the
/// text after its `&#`) as, and how many bytes of `rest` it takes: digits, `x` and hex
/// digits, the `;` if there is one (HTML reads `&#1b` as U+0001 then `b`). NUL, surrogates and
/// numbers past Unicode are read as U+FFFD, 0x80–0x9F as Windows-1252 names them. `None`
/// when no digit follows (then `&#` is text).
fn html_reference(rest: &[u8]) -> Option<(char, usize)> {
    let hex = matches!(rest.first(), Some(b'x' | b'X'));
    let (radix, start) = if hex { (16, 1) } else { (10, 0) };
    let digits = rest[start..]
        .iter()
        .take_while(|b| char::from(**b).is_digit(radix))
        .count();
    if digits == 0 {
        return None;
    }
    let number = rest[start..start + digits]
        .iter()
        .try_fold(0u32, |n, b| {
            let d = char::from(*b).to_digit(radix)?;
            n.checked_mul(radix)?.checked_add(d)
        })
        .unwrap_or(u32::MAX);
    let mut taken = start + digits;
    if rest.get(taken) == Some(&b';') {
        taken += 1;
    }
    let c = match char::from_u32(number) {
        None | Some('\0') => '\u{FFFD}',
        Some(c) if is_c1(c) => windows_1252(c).unwrap_or(c),
        Some(c) => c,
    };
    Some((c, taken))
}

/// `html` with each numeric character reference that names a character XML 1.0 forbids
/// (`&#1;`, `&#xFFFE;`) written `&#xFFFD;` (the replacement character), and how many there
/// were. Markdown decodes those in its own text; one in raw HTML (an attribute's value, text
/// between tags) is written as it came, and every reader of the HTML would decode it. Replaced,
/// not removed: this runs on sanitized HTML, where removing one joined what was around it
/// (`<scr&#1;ipt>` became a live `<script>`, `&&#1;#1;` a new reference); a reference in a
/// name is never decoded, so `scr&#xFFFD;ipt` stays the unknown name it was.
pub fn drop_forbidden_references(html: String) -> (String, usize) {
    let bytes = html.as_bytes();
    let mut kept = String::new();
    let (mut from, mut dropped) = (0, 0);
    for at in memchr::memmem::find_iter(bytes, b"&#") {
        if at < from {
            continue;
        }
        let Some((c, taken)) = html_reference(&bytes[at + 2..]) else {
            continue;
        };
        if !is_xml_char(c) {
            kept.push_str(&html[from..at]);
            kept.push_str("&#xFFFD;");
            from = at + 2 + taken;
            dropped += 1;
        }
    }
    if dropped == 0 {
        return (html, 0);
    }
    kept.push_str(&html[from..]);
    (kept, dropped)
}

/// Returns `text` fit for XML 1.0, and what was done. Forbidden characters are dropped; a run
/// of them with a letter or digit on both sides becomes one U+FFFD, so that dropping never
/// joins two words. C1 controls are kept and counted. A text with nothing to do (nearly every
/// one) costs one byte scan and no allocation.
pub fn clean(text: &str) -> (Cow<'_, str>, Report) {
    let mut report = Report::default();
    if !may_need_work(text.as_bytes()) {
        return (Cow::Borrowed(text), report);
    }
    let mut out: Option<String> = None;
    let mut in_run = false;
    let mut before: Option<char> = None;
    for (at, c) in text.char_indices() {
        if !is_xml_char(c) {
            if out.is_none() {
                let mut kept = String::with_capacity(text.len());
                kept.push_str(&text[..at]);
                out = Some(kept);
            }
            report.dropped += 1;
            report.dropped_at.get_or_insert(at);
            note(&mut report.dropped_chars, c);
            in_run = true;
            continue;
        }
        // Between two letters or digits, dropping would join words (`a\u{1}b`); next to a
        // space or punctuation it would not (`Bell\u{7}"`), and nothing is put in.
        if std::mem::take(&mut in_run)
            && c.is_alphanumeric()
            && before.is_some_and(char::is_alphanumeric)
            && let Some(out) = &mut out
        {
            out.push('\u{FFFD}');
            report.replaced += 1;
        }
        if is_c1(c) {
            report.c1 += 1;
            report.c1_at.get_or_insert(at);
            note(&mut report.c1_chars, c);
        }
        if let Some(out) = &mut out {
            out.push(c);
        }
        before = Some(c);
    }
    match out {
        Some(s) => (Cow::Owned(s), report),
        None => (Cow::Borrowed(text), report),
    }
}

#[cfg(test)]
mod tests {

    /// Each reference as an HTML parser reads it, and only the forbidden ones dropped.
    #[test]
    fn references_are_read_as_html_reads_them() {
        let cases = [
            ("a&#1;b", "a&#xFFFD;b", 1),
            ("a&#x1b", "a&#xFFFD;", 1),
            ("a&#X1;b", "a&#xFFFD;b", 1),
            ("&#xFFFE;&#65535;", "&#xFFFD;&#xFFFD;", 2),
            // Audit: removed, the pieces around one joined into another, or into a name.
            ("&&#1;#1;", "&&#xFFFD;#1;", 1),
            ("<scr&#1;ipt>", "<scr&#xFFFD;ipt>", 1),
            (
                "&#x80;&#x81;&#0;&#xD800;&#99999999999;",
                "&#x80;&#x81;&#0;&#xD800;&#99999999999;",
                0,
            ),
            ("&#x9;&#10;&#13;&#;&#x;&#", "&#x9;&#10;&#13;&#;&#x;&#", 0),
            ("&#12;&#127;&#x1F;", "&#xFFFD;&#127;&#xFFFD;", 2),
        ];
        for (html, kept, dropped) in cases {
            assert_eq!(
                drop_forbidden_references(html.to_string()),
                (kept.to_string(), dropped),
                "{html}"
            );
        }
    }
    use super::*;

    #[test]
    fn drops_controls_keeps_unicode() {
        let (s, n) = strip_illegal("a\u{0}b\u{1b}c\u{FFFE}“d”\u{1F3AC}\t\n");
        assert_eq!(s, "abc“d”\u{1F3AC}\t\n");
        assert_eq!(n, 3);
    }

    #[test]
    fn fast_path_keeps_legal_text_borrowed() {
        // U+FF46 and U+FFFD start with 0xEF like U+FFFE, but are allowed; U+00A0 and U+00BB
        // start with 0xC2 like the C1 controls.
        for text in [
            "plain\ttext\r\n",
            "full-width \u{FF46} and \u{FFFD}",
            "« non\u{A0}breaking »",
            "",
        ] {
            let (s, n) = strip_illegal(text);
            assert!(matches!(s, Cow::Borrowed(_)), "{text:?}");
            assert_eq!(n, 0);
            let (s, report) = clean(text);
            assert!(matches!(s, Cow::Borrowed(_)), "{text:?}");
            assert!(report.is_empty(), "{text:?}");
        }
        assert_eq!(strip_illegal("x\u{FFFF}").1, 1);
    }

    #[test]
    fn the_byte_scan_flags_every_character_that_needs_work() {
        // Every position in a block of 64 and across blocks, and the very last byte.
        for len in [0, 1, 63, 64, 65, 130] {
            for at in 0..=len {
                for c in [
                    '\u{1}', '\u{1F}', '\u{FFFE}', '\u{FFFF}', '\u{80}', '\u{9F}',
                ] {
                    let text = format!("{}{c}{}", "a".repeat(at), "b".repeat(len - at));
                    assert!(may_need_work(text.as_bytes()), "{c:?} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn dropping_never_joins_two_words() {
        let (s, r) = clean("a\u{1}b");
        assert_eq!(s, "a\u{FFFD}b");
        assert_eq!((r.dropped, r.replaced, r.dropped_at), (1, 1, Some(1)));
        assert_eq!(
            r.message(),
            "dropped 1 character XML 1.0 does not allow (U+0001); where one stood between two words, U+FFFD (\u{FFFD}) keeps them apart"
        );
        // A run is one replacement; beside a space, at an end, nothing is put in.
        assert_eq!(clean("a\u{1}\u{2}\u{FFFF}b").0, "a\u{FFFD}b");
        assert_eq!(clean("a \u{1}b\u{0} c\u{8}").0, "a b c");
        assert_eq!(clean("\u{0}x").0, "x");
        let (_, r) = clean("\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{0}");
        assert_eq!(
            r.message(),
            "dropped 7 characters XML 1.0 does not allow (U+0000, U+0001, U+0002, U+0003, …)"
        );
    }

    #[test]
    fn c1_controls_are_kept_and_explained() {
        let (s, r) = clean("\u{93}Heat\u{94} \u{81}");
        assert!(matches!(s, Cow::Borrowed(_)));
        assert_eq!((r.c1, r.c1_at), (3, Some(0)));
        assert_eq!(
            r.message(),
            "kept 3 C1 control characters (U+0093, U+0094, U+0081), which Windows-1252 reads as “ ”: XML allows them, but in a UTF-8 file they are almost always Windows-1252 text read as Latin-1; retype them or convert the original file from Windows-1252 to UTF-8"
        );
        let (s, r) = clean("x\u{0}\u{96}");
        assert_eq!(s, "x\u{96}");
        assert!(r.message().starts_with(
            "dropped 1 character XML 1.0 does not allow (U+0000); kept 1 C1 control character (U+0096), which Windows-1252 reads as –: XML allows it, but in a UTF-8 file it is"
        ), "{}", r.message());
    }
}
