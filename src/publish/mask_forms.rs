//! The forms a secret may take in a server's text before any escaping ([`super::mask`] matches
//! each form in every escaping), and the views of a text in which a form may hide from a
//! match on the text as it is.
//!
//! Forms: the secret as it is, in either Unicode normal form (a server may decompose `é` into
//! `e` and a combining accent), read back as Latin-1 or Windows-1252 (its UTF-8 bytes taken
//! one character each: `é` as `Ã©`), and in Base64. Views: the text with its line breaks
//! removed (a folded header keeps the space after a break; MIME wraps Base64 at 76 columns
//! with none), also without the indentation after them, and with every HTML character
//! reference decoded.

use unicode_normalization::UnicodeNormalization;

/// A Base64 run this short could be a word of the page; longer ones only come from the secret.
const MIN_BASE64_CORE: usize = 8;

/// The forms of `secret` a server may echo, each still to be escaped any way: itself, its
/// NFC and NFD forms, and its UTF-8 bytes misread as Latin-1 and as Windows-1252.
pub(super) fn text_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_string(),
        secret.nfc().collect(),
        secret.nfd().collect(),
    ];
    if !secret.is_ascii() {
        forms.push(secret.bytes().map(char::from).collect());
        forms.push(secret.bytes().map(windows_1252).collect());
    }
    forms.sort();
    forms.dedup();
    forms
}

/// The character Windows-1252 gives byte `b` (the WHATWG table: the five bytes it leaves
/// undefined stay the C1 controls of Latin-1).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The Base64 forms of `bytes`, in the standard and the URL-safe alphabet: the whole encoding
/// with its padding, and, for each of the three alignments the bytes may have inside a longer
/// encoded text (a Basic header's `user:secret`, a JSON blob), the characters that depend on
/// them alone. Those cores are kept only when long enough not to match ordinary words.
pub(super) fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let mut forms = Vec::new();
    for alphabet in [STANDARD, URL_SAFE] {
        forms.push(base64(bytes, alphabet, true));
        for offset in 0..3 {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(bytes);
            let encoded = base64(&shifted, alphabet, false);
            let first = (8 * offset).div_ceil(6);
            let end = 8 * shifted.len() / 6;
            if end >= first + MIN_BASE64_CORE {
                forms.push(encoded[first..end].to_string());
            }
        }
    }
    forms
}

/// Which Base64 alphabet: `+/` (a Basic header) or `-_` (URLs, JWTs).
#[derive(Debug, Clone, Copy)]
pub(super) enum Alphabet {
    Standard,
    UrlSafe,
}

pub(super) const STANDARD: Alphabet = Alphabet::Standard;
pub(super) const URL_SAFE: Alphabet = Alphabet::UrlSafe;

/// Base64 of `bytes` in `alphabet`, with `=` padding when `pad`.
pub(super) fn base64(bytes: &[u8], alphabet: Alphabet, pad: bool) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose as engine;
    match (alphabet, pad) {
        (Alphabet::Standard, true) => engine::STANDARD.encode(bytes),
        (Alphabet::Standard, false) => engine::STANDARD_NO_PAD.encode(bytes),
        (Alphabet::UrlSafe, true) => engine::URL_SAFE.encode(bytes),
        (Alphabet::UrlSafe, false) => engine::URL_SAFE_NO_PAD.encode(bytes),
    }
}

/// The views of `text` (already masked) in which a secret may still be found: see the module
/// documentation. Each is a new text; none is ever shown.
pub(super) fn views(text: &str) -> Vec<String> {
    let decoded = htmlize::unescape(text).into_owned();
    vec![
        unfolded(text),
        unwrapped(text),
        unwrapped(&decoded),
        bare(&decoded),
        bare(&quoted_printable(text)),
        decoded,
    ]
}

/// `text` without what shows nothing or breaks a word only where it must: control characters
/// (NULs between letters are UTF-16 read as bytes; a tab, an escape sequence), soft hyphens,
/// zero-width characters and `<wbr>` tags, which HTML pages put inside long strings.
fn bare(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find([
        '<', '\u{ad}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
    ]) {
        let (kept, from) = rest.split_at(at);
        out.extend(kept.chars().filter(|c| !c.is_control()));
        let c = from.chars().next().unwrap_or(' ');
        let lower = from.get(..6).unwrap_or(from).to_ascii_lowercase();
        let skip = if c == '<' {
            ["<wbr/>", "<wbr>"]
                .iter()
                .find(|t| lower.starts_with(*t))
                .map_or_else(
                    || {
                        out.push('<');
                        1
                    },
                    |t| t.len(),
                )
        } else {
            c.len_utf8()
        };
        rest = &from[skip..];
    }
    out.extend(rest.chars().filter(|c| !c.is_control()));
    out
}

/// `text` read as quoted-printable (`=3D` for `=`, `=` at a line's end joining it to the next).
fn quoted_printable(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'=', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(
                    u8::try_from(hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)).unwrap_or(b'?'),
                );
                i += 3;
            }
            (b'=', Some(b'\n'), _) => i += 2,
            (b'=', Some(b'\r'), Some(b'\n')) => i += 3,
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The secret's bytes in hexadecimal (its case is folded when matched).
pub(super) fn hex_forms(bytes: &[u8]) -> Vec<String> {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    vec![hex]
}

/// `text` without its line breaks: a folded header line joined again (the space after the
/// break stays, RFC 5322 §2.2.3), a wrapped line too.
fn unfolded(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect()
}

/// `text` without its line breaks and the spaces or tabs that follow them: Base64 wrapped by
/// MIME, or folded into a header, in one piece again.
fn unwrapped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_break = false;
    for c in text.chars() {
        match c {
            '\r' | '\n' => after_break = true,
            ' ' | '\t' if after_break => {}
            _ => {
                after_break = false;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"", STANDARD, true), "");
        assert_eq!(base64(b"f", STANDARD, true), "Zg==");
        assert_eq!(base64(b"fo", STANDARD, true), "Zm8=");
        assert_eq!(base64(b"foo", STANDARD, true), "Zm9v");
        assert_eq!(
            base64(b"editor:s3cret", STANDARD, true),
            "ZWRpdG9yOnMzY3JldA=="
        );
        assert_eq!(base64(b"\xfb\xff", URL_SAFE, false), "-_8");
    }

    /// The misreadings were made with Python: `s.encode().decode('latin-1')` and
    /// `.decode('cp1252', errors='ignore')` (which drops the undefined bytes WHATWG keeps).
    #[test]
    fn forms_cover_normal_forms_and_misread_bytes() {
        let forms = text_forms("Café ’");
        for form in [
            "Café ’",
            "Cafe\u{301} ’",
            "CafÃ\u{a9} â\u{80}\u{99}",
            "CafÃ© â€™",
        ] {
            assert!(forms.iter().any(|f| f == form), "{form:?} not in {forms:?}");
        }
        assert_eq!(text_forms("plain"), ["plain"]);
    }

    #[test]
    fn views_join_wrapped_and_folded_lines_and_decode_references() {
        let v = views("ab\r\n cd&eacute;\r\nef");
        assert_eq!(v[0], "ab cd&eacute;ef");
        assert_eq!(v[1], "abcd&eacute;ef");
        assert_eq!(v[2], "abcdéef");
        // Without what shows nothing (the line breaks are control characters too).
        assert_eq!(v[3], "ab cdéef");
        assert_eq!(views("a=3Db<wbr>c\u{0}d")[4], "a=bcd");
        assert_eq!(v[5], "ab\r\n cdé\r\nef");
    }
}
