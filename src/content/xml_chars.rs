//! Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF). They make a feed unreadable
//! for every strict parser, so they are dropped at the source, once.

pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Returns `text` without forbidden characters, and how many were dropped.
pub fn strip_illegal(text: &str) -> (std::borrow::Cow<'_, str>, usize) {
    if text.chars().all(is_xml_char) {
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
}
