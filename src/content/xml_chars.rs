//! Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF). They make a feed unreadable
//! for every strict parser, so they are dropped at the source, once.

pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A fast, byte-wise over-approximation: in UTF-8 a forbidden character is either a control byte
/// below 0x20 (other than tab, LF, CR) or starts with 0xEF (U+FFFE and U+FFFF are EF BF BE/BF).
/// Only texts it flags are decoded character by character.
fn may_hold_illegal(bytes: &[u8]) -> bool {
    // Whole blocks without an early exit, so the compiler can vectorise the test.
    bytes.chunks(64).any(|block| {
        block.iter().fold(false, |hit, &b| {
            hit | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0xEF)
        })
    })
}

/// Returns `text` without forbidden characters, and how many were dropped.
pub fn strip_illegal(text: &str) -> (std::borrow::Cow<'_, str>, usize) {
    if !may_hold_illegal(text.as_bytes()) || text.chars().all(is_xml_char) {
        return (std::borrow::Cow::Borrowed(text), 0);
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
    (std::borrow::Cow::Owned(kept), dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_controls_keeps_unicode() {
        let (s, n) = strip_illegal("a\u{0}b\u{1b}c\u{FFFE}“d”\u{1F3AC}\t\n");
        assert_eq!(s, "abc“d”\u{1F3AC}\t\n");
        assert_eq!(n, 3);
    }

    #[test]
    fn fast_path_keeps_legal_text_borrowed() {
        // U+FF46 and U+FFFD start with 0xEF like U+FFFE, but are allowed.
        for text in ["plain\ttext\r\n", "full-width \u{FF46} and \u{FFFD}", ""] {
            let (s, n) = strip_illegal(text);
            assert!(matches!(s, std::borrow::Cow::Borrowed(_)), "{text:?}");
            assert_eq!(n, 0);
        }
        assert_eq!(strip_illegal("x\u{FFFF}").1, 1);
    }
}
