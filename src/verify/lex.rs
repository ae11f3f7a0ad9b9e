//! The lexical pieces of XML 1.0 that [`super::xml`] checks: which characters a document may
//! hold (production [2] `Char`), names ([4], [5] and the namespaces' `NCName`) and references
//! ([66], [68]). Everything here works on bytes already known to be UTF-8.

use std::borrow::Cow;

/// XML 1.0 production [2]: `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Production [3]: `S`, XML's white space.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// What [`check_chars`] found in bytes that hold only characters XML allows.
pub(super) struct Checked {
    /// The length of the longest prefix made of whole characters: only an incomplete UTF-8
    /// sequence at the very end (cut by the end of a part) is left after it.
    pub whole: usize,
    /// Line breaks in that prefix.
    pub newlines: u64,
}

/// Checks that `bytes` are UTF-8 and hold only `Char`s: every position of a document must, so
/// this runs once over the bytes as they come rather than in each kind of markup. Returns where
/// the first offending byte is and what it is.
///
/// In valid UTF-8 a character outside `Char` is either a control byte below 0x20 (other than
/// tab, LF, CR) or U+FFFE / U+FFFF (EF BF BE / EF BF BF; surrogates are not valid UTF-8). Blocks
/// are tested without an early exit so the compiler vectorises the test (and counts the line
/// breaks in the same pass); only a flagged block is looked at byte by byte.
pub(super) fn check_chars(bytes: &[u8]) -> Result<Checked, (usize, String)> {
    // simdutf8 (already built for encoding_rs) validates several times faster than std where
    // text is not ASCII; its `compat` errors say where, as std's do.
    let whole = match simdutf8::compat::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(e) => {
            let at = e.valid_up_to();
            return Err((
                at,
                format!(
                    "byte 0x{:02X} is not UTF-8 (the document must be UTF-8)",
                    bytes[at]
                ),
            ));
        }
    };
    let bytes = &bytes[..whole];
    let mut newlines = 0u64;
    for (k, block) in bytes.chunks(64).enumerate() {
        // Tab and CR (rare) flag their block too: fewer operations for every other block.
        let (flag, breaks) = block.iter().fold((false, 0u8), |(flag, breaks), &b| {
            let control = (b < 0x20) & (b != b'\n');
            (flag | control | (b == 0xEF), breaks + u8::from(b == b'\n'))
        });
        newlines += u64::from(breaks);
        if flag {
            let start = k * 64;
            for (i, &b) in block.iter().enumerate() {
                let at = start + i;
                if b < 0x20 && !is_space(b) {
                    return Err((at, format!("{} is not allowed in XML", describe(b.into()))));
                }
                if b == 0xEF && bytes[at + 1] == 0xBF && bytes[at + 2] >= 0xBE {
                    let c = if bytes[at + 2] == 0xBE {
                        0xFFFE
                    } else {
                        0xFFFF
                    };
                    return Err((at, format!("{} is not allowed in XML", describe(c))));
                }
            }
        }
    }
    Ok(Checked { whole, newlines })
}

/// `U+0001 (a control character)`, for messages.
fn describe(c: u32) -> String {
    match c {
        0..=0x1F | 0x7F..=0x9F => format!("U+{c:04X} (a control character)"),
        0xD800..=0xDFFF => format!("U+{c:04X} (a surrogate)"),
        0xFFFE | 0xFFFF => format!("U+{c:04X} (a noncharacter)"),
        _ => format!("U+{c:04X}"),
    }
}

/// Production [4] `NameStartChar`.
fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// Production [4a] `NameChar`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// The character at the start of `bytes` (UTF-8) and its length.
pub(super) fn first_char(bytes: &[u8]) -> Option<(char, usize)> {
    let len = match bytes.first()? {
        0..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let c = std::str::from_utf8(bytes.get(..len)?)
        .ok()?
        .chars()
        .next()?;
    Some((c, len))
}

/// ASCII bytes that may start a name (bit 1) or continue one (bit 2).
const ASCII_NAME: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let start = c == b':' || c == b'_' || c.is_ascii_alphabetic();
        let more = start || c == b'-' || c == b'.' || c.is_ascii_digit();
        table[b] = (start as u8) | ((more as u8) << 1);
        b += 1;
    }
    table
};

/// The length of the `Name` (production [5]) at the start of `bytes`: 0 when there is none.
/// It may run to the end of `bytes` (then the caller cannot tell where it ends).
pub(super) fn name_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        // Most names are ASCII: one look-up per byte.
        if b < 0x80 {
            let bit = if at == 0 { 1 } else { 2 };
            if ASCII_NAME[usize::from(b)] & bit == 0 {
                break;
            }
            at += 1;
            continue;
        }
        let ok = match first_char(&bytes[at..]) {
            Some((c, len))
                if if at == 0 {
                    is_name_start(c)
                } else {
                    is_name_char(c)
                } =>
            {
                len
            }
            _ => 0,
        };
        if ok == 0 {
            break;
        }
        at += ok;
    }
    at
}

/// A qualified name (Namespaces in XML 1.0, production [7]) split into its prefix and local
/// part; an error when it has more than one colon or an empty part.
pub(super) fn split_qname(name: &[u8]) -> Result<(Option<&[u8]>, &[u8]), String> {
    let Some(colon) = memchr::memchr(b':', name) else {
        return Ok((None, name));
    };
    let (prefix, local) = (&name[..colon], &name[colon + 1..]);
    let local_starts = first_char(local).is_some_and(|(c, _)| c != ':' && is_name_start(c));
    if prefix.is_empty() || !local_starts || local.contains(&b':') {
        return Err(format!(
            "`{}` is not a qualified name (one optional `prefix:` before a local name)",
            shown(name)
        ));
    }
    Ok((Some(prefix), local))
}

/// Bytes for a message: lossy, and cut after 40 characters.
pub(super) fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// What a reference stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolved {
    /// One of the five predefined entities.
    Entity(&'static str),
    Char(char),
}

impl Resolved {
    /// The text the reference stands for (a character is encoded into `buf`).
    pub(super) fn text<'b>(&self, buf: &'b mut [u8; 4]) -> &'b str {
        match *self {
            Resolved::Entity(s) => s,
            Resolved::Char(c) => c.encode_utf8(buf),
        }
    }
}

/// A reference found at the start of some bytes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Reference {
    /// Its length (from `&` to `;`) and what it stands for.
    Whole(usize, Resolved),
    /// The bytes end before it does.
    Cut,
}

const PREDEFINED: [(&[u8], &str); 5] = [
    (b"lt;", "<"),
    (b"gt;", ">"),
    (b"amp;", "&"),
    (b"quot;", "\""),
    (b"apos;", "'"),
];

/// The reference at the start of `rest` (which starts with `&`). Only the five predefined
/// entities exist (a document without a DTD declares no others), and a character reference
/// must name a `Char`.
pub(super) fn reference(rest: &[u8]) -> Result<Reference, String> {
    let after = &rest[1..];
    // The references an escaper writes, most of an escaped body's: matched byte by byte (a
    // slice pattern), not with a comparison call for each.
    let predefined = match after {
        [b'l', b't', b';', ..] => Some((3, "<")),
        [b'g', b't', b';', ..] => Some((3, ">")),
        [b'a', b'm', b'p', b';', ..] => Some((4, "&")),
        [b'q', b'u', b'o', b't', b';', ..] => Some((5, "\"")),
        [b'a', b'p', b'o', b's', b';', ..] => Some((5, "'")),
        _ => None,
    };
    if let Some((len, text)) = predefined {
        return Ok(Reference::Whole(len + 1, Resolved::Entity(text)));
    }
    if after.first() == Some(&b'#') {
        return char_reference(rest);
    }
    let len = name_len(after);
    if len == after.len() {
        return Ok(Reference::Cut);
    }
    if len == 0 {
        return Err("a bare `&` (write `&amp;`)".into());
    }
    let name = &after[..len];
    if after[len] != b';' {
        return Err(format!(
            "`&{}` does not end with `;` (a bare `&`? write `&amp;`)",
            shown(name)
        ));
    }
    match PREDEFINED.iter().find(|(n, _)| &n[..n.len() - 1] == name) {
        Some((_, text)) => Ok(Reference::Whole(len + 2, Resolved::Entity(text))),
        None => Err(format!(
            "undeclared entity `&{};`: without a DTD only &lt; &gt; &amp; &quot; &apos; exist (write the character itself or `&#x…;`)",
            shown(name)
        )),
    }
}

/// `&#123;` or `&#x7B;` at the start of `rest`.
fn char_reference(rest: &[u8]) -> Result<Reference, String> {
    let hex = rest.get(2) == Some(&b'x');
    let start = if hex { 3 } else { 2 };
    let digits = rest[start..]
        .iter()
        .take_while(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    let end = start + digits;
    if end == rest.len() {
        return Ok(Reference::Cut);
    }
    let written = shown(&rest[..end]);
    if digits == 0 || rest[end] != b';' {
        return Err(format!(
            "`{written}` is not a character reference (`&#` then digits, or `&#x` then hex digits, then `;`)"
        ));
    }
    // Digits past what fits name no character either: the value saturates beyond U+10FFFF.
    let value = rest[start..end].iter().fold(0u32, |v, &b| {
        let digit = char::from(b).to_digit(16).unwrap_or(0);
        v.saturating_mul(if hex { 16 } else { 10 })
            .saturating_add(digit)
            .min(0x11_0000)
    });
    match char::from_u32(value).filter(|&c| is_xml_char(c)) {
        Some(c) => Ok(Reference::Whole(end + 1, Resolved::Char(c))),
        None if value > 0x10_FFFF => Err(format!(
            "`{written};` refers to no character (beyond U+10FFFF)"
        )),
        None => Err(format!(
            "`{written};` refers to {}, which XML does not allow",
            describe(value)
        )),
    }
}

/// An attribute value (already checked) as an application sees it: references replaced and
/// literal white space (tab, line break) turned into spaces (XML 1.0 section 3.3.3).
pub(super) fn attribute_value(raw: &[u8]) -> Cow<'_, str> {
    // Checked bytes: UTF-8.
    let text =
        std::str::from_utf8(raw).map_or_else(|_| String::from_utf8_lossy(raw), Cow::Borrowed);
    if !raw
        .iter()
        .any(|&b| b == b'&' || matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return text;
    }
    let mut out = String::with_capacity(raw.len());
    let mut at = 0;
    while at < text.len() {
        let rest = &text.as_bytes()[at..];
        match rest[0] {
            b'&' => match reference(rest) {
                Ok(Reference::Whole(len, resolved)) => {
                    out.push_str(resolved.text(&mut [0; 4]));
                    at += len;
                }
                _ => {
                    out.push('&');
                    at += 1;
                }
            },
            // A CR LF pair is one line break, so one space (given for the LF).
            b'\r' if rest.get(1) == Some(&b'\n') => at += 1,
            b'\t' | b'\n' | b'\r' => {
                out.push(' ');
                at += 1;
            }
            _ => {
                let len = rest
                    .iter()
                    .position(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
                    .unwrap_or(rest.len());
                out.push_str(&text[at..at + len]);
                at += len;
            }
        }
    }
    Cow::Owned(out)
}
