//! Every string in the config reaches some output (titles, descriptions, podcast values). TOML
//! escapes can write characters that XML 1.0 cannot carry (`\u0001`, `\b`, `\f`, `\e`,
//! `\uFFFE`); one of them would make every reader reject the feed, so it is a configuration
//! error at its line, naming the key, before anything is built.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::sanity::Problem;

/// Every string value holding a character XML cannot carry, with its line, in the file's
/// order: all are said at once.
pub(super) fn illegal(text: &str) -> Vec<Problem> {
    let mut found = Vec::new();
    if let Ok(table) = DeTable::parse(text) {
        in_table(table.get_ref(), "", text, &mut found);
    }
    found.sort_by_key(|(line, _)| *line);
    found
}

fn in_table(table: &DeTable<'_>, path: &str, text: &str, found: &mut Vec<Problem>) {
    for (key, value) in table {
        let path = match path {
            "" => key.get_ref().to_string(),
            _ => format!("{path}.{}", key.get_ref()),
        };
        in_value(value, &path, text, found);
    }
}

fn in_value(value: &Spanned<DeValue<'_>>, path: &str, text: &str, found: &mut Vec<Problem>) {
    match value.get_ref() {
        DeValue::String(s) => {
            if let Some(c) = s.chars().find(|&c| !is_xml_char(c)) {
                let line = super::line_of(text, value.span().start);
                found.push((Some(line), message(path, c)));
            }
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                in_value(item, &format!("{path}[{}]", i + 1), text, found);
            }
        }
        DeValue::Table(table) => in_table(table, path, text, found),
        _ => {}
    }
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn message(path: &str, c: char) -> String {
    let kind = if c.is_control() {
        "a control character"
    } else {
        "a noncharacter"
    };
    format!(
        "`{path}` holds U+{:04X} ({kind}), which XML cannot carry: no feed reader could read a \
         feed with it; remove that escape from the value",
        u32::from(c)
    )
}

/// Characters that show nothing: a title made only of these (and spaces) is no title.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{AD}'                          // soft hyphen
            | '\u{34F}'                       // combining grapheme joiner
            | '\u{61C}'                       // Arabic letter mark
            | '\u{115F}' | '\u{1160}'         // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'         // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'         // Mongolian selectors and vowel separator
            | '\u{200B}'..='\u{200F}'         // zero-width space, joiners, direction marks
            | '\u{202A}'..='\u{202E}'         // direction embeddings and overrides
            | '\u{2060}'..='\u{206F}'         // word joiner, invisible operators, isolates
            | '\u{2800}'                      // Braille pattern blank
            | '\u{3164}' | '\u{FFA0}'         // Hangul fillers
            | '\u{FE00}'..='\u{FE0F}'         // variation selectors
            | '\u{FEFF}'                      // byte-order mark, zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}'         // interlinear annotation marks
            | '\u{E0000}'..='\u{E0FFF}' // tags and supplementary variation selectors
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml_cannot_carry_are_found_with_their_key_and_line() {
        let text = "[site]\ntitle = \"Reel\"\n\n[[feed]]\nname = \"a\"\n\n[[feed]]\nname = \"b\"\n\
                    [feed.podcast]\ntxt = [{ purpose = \"x\", value = \"a\\u0001b\" }]\n";
        let found = illegal(text);
        assert_eq!(found.len(), 1);
        let (line, message) = found[0].clone();
        assert_eq!(line, Some(10));
        assert_eq!(
            message,
            "`feed[2].podcast.txt[1].value` holds U+0001 (a control character), which XML cannot \
             carry: no feed reader could read a feed with it; remove that escape from the value"
        );
        for escape in ["\\b", "\\f", "\\u001B", "\\uFFFE", "\\uFFFF"] {
            let text = format!("[site]\ntitle = \"Reel {escape}\"\n");
            assert_eq!(illegal(&text).len(), 1, "{escape}");
        }
    }

    /// Audit: four such values took four runs to find, one each.
    #[test]
    fn every_value_xml_cannot_carry_is_found_at_once_in_the_file_s_order() {
        let text = "[site]\ntitle = \"T\\u0001\"\n[[feed]]\ntitle = \"R\\b\"\ndescription = \"D\\uFFFE\"\n";
        let lines: Vec<_> = illegal(text).into_iter().map(|(line, _)| line).collect();
        assert_eq!(lines, [Some(2), Some(4), Some(5)]);
    }

    #[test]
    fn ordinary_text_passes() {
        let text = "[site]\ntitle = \"Tab\\there, caf\\u00E9, \\uD7FF \\U0001F3AC\"\nn = 1\n";
        assert_eq!(illegal(text), []);
    }
}
