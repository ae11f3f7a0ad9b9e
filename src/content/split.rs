//! A source file's text split into its metadata and its body: Markdown's front matter
//! between `+++` (TOML) or `---` (YAML) fences, a plain-text column's optional header lines
//! (`Title:`, `Date:`, …) up to the first blank line.

use super::meta::{self, Meta, Syntax};
use crate::error::Diagnostic;

type Split = Result<(Meta, String), Vec<Diagnostic>>;

pub(super) fn split_markdown(
    text: &str,
    diag: &dyn Fn(Option<usize>, String) -> Diagnostic,
) -> Split {
    // A second byte-order mark (a file saved again with one) or a zero-width space pasted in
    // front shows nothing: the fence is still the first thing on the line.
    let text = text.trim_start_matches(shows_nothing);
    let first = text.lines().next().unwrap_or("").trim_end();
    let (syntax, fence) = match first {
        "+++" => (Syntax::Toml, "+++"),
        "---" => (Syntax::Yaml, "---"),
        _ => {
            return Err(vec![diag(
                Some(1),
                "no front matter: start the file with a `+++` (TOML) or `---` (YAML) line, then `title = \"…\"`, then the same fence line again".into(),
            )]);
        }
    };
    let after_open = first.len() + 1;
    let rest = text.get(after_open..).unwrap_or("");
    let mut offset = 0;
    let mut close = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_start_matches(shows_nothing).trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((end, body_start)) = close else {
        return Err(vec![diag(
            Some(1),
            format!(
                "the front matter opened with `{fence}` on line 1 is never closed: add a `{fence}` line after the last key"
            ),
        )]);
    };
    let front = &rest[..end];
    let body = rest[body_start..].to_string();
    match meta::parse_front_matter(front, syntax) {
        Ok(meta) => Ok((meta, body)),
        Err(e) => Err(vec![diag(e.line.map(|l| l + 1), e.message)]),
    }
}

/// A character that shows nothing and is no space or line break.
fn shows_nothing(c: char) -> bool {
    super::text_boundary::is_invisible(c) && !c.is_whitespace()
}

pub(super) fn split_text(
    text: &str,
    diag: &dyn Fn(Option<usize>, String) -> Diagnostic,
    warnings: &mut Vec<Diagnostic>,
) -> Split {
    // A paste often starts with a blank line (or one of spaces): the header is the first lines
    // that are not blank (it was published as the body's first paragraphs, silently).
    let (mut lead, mut skipped) = (0, 0);
    for line in text.split_inclusive('\n') {
        if !line.chars().all(super::text_boundary::is_invisible) {
            break;
        }
        lead += line.len();
        skipped += 1;
    }
    // Nor does one that starts the header (`\u{FEFF}Title: …`): unseen, it made the header
    // lines the body's first paragraphs, the title the file's name, the date now.
    let rest = text[lead..].trim_start_matches(shows_nothing);
    let first = rest.lines().next().unwrap_or("");
    if !meta::is_header_line(first) {
        return Ok((Meta::default(), text.to_string()));
    }
    let mut header = Vec::new();
    let mut body_start = rest.len();
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim().is_empty() {
            body_start = offset + line.len();
            break;
        }
        // Each line, not only the first: `\u{2060}Date:` read as an unknown key `⁠date`.
        header.push((
            skipped + i + 1,
            line.trim_start_matches(shows_nothing).trim_end(),
        ));
        offset += line.len();
    }
    match meta::parse_header(&header) {
        Ok(meta) => {
            // Header lines with neither a title nor a date may be a column's first paragraph
            // that happens to start with a key (`Summary: Nolan does it again.`).
            if meta.title.is_none() && meta.date.is_none() {
                let (line, first) = header[0];
                let shown: String = first.trim().chars().take(60).collect();
                warnings.push(diag(Some(line), format!("`{shown}` is read as a header line, not as text; if it is the column's first paragraph, put a `Title:` line and a blank line above it")));
            }
            Ok((meta, rest[body_start.min(rest.len())..].to_string()))
        }
        Err(errors) => Err(errors
            .into_iter()
            .map(|e| diag(e.line, e.message))
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Split {
        let mut warnings = Vec::new();
        let diag = |line, message| Diagnostic::new("c.txt", line, message);
        split_text(text, &diag, &mut warnings)
    }

    /// Audit: a second byte-order mark, a zero-width space or a word joiner before `Title:`
    /// made the header the body's first paragraphs, silently; before `+++`, an error that said
    /// the file had no front matter.
    #[test]
    fn an_invisible_character_before_the_header_or_the_fence_is_not_seen() {
        for pre in ["\u{feff}", "\u{200b}", "\u{2060}", "\n\u{200b}\n\u{feff}"] {
            let text = format!("{pre}Title: T\nDate: 2026-10-30\n\nBody.\n");
            let (meta, body) = parse(&text).unwrap();
            assert_eq!(meta.title.as_deref(), Some("T"), "{pre:?}");
            assert_eq!(body, "Body.\n");
        }
        let diag = |line, message| Diagnostic::new("c.md", line, message);
        let (meta, body) = split_markdown("\u{feff}+++\ntitle = \"T\"\n+++\nB\n", &diag).unwrap();
        assert_eq!((meta.title.as_deref(), body.as_str()), (Some("T"), "B\n"));
        // On a later line too: a header line, the closing fence.
        let (meta, _) = parse("Title: T\n\u{2060}Date: 2026-10-30\n\nBody.\n").unwrap();
        assert!(meta.date.is_some());
        let (meta, body) = split_markdown("+++\ntitle = \"T\"\n\u{200b}+++\nB\n", &diag).unwrap();
        assert_eq!((meta.title.as_deref(), body.as_str()), (Some("T"), "B\n"));
    }

    /// Audit: `Summary: Nolan does it again.` as a column's first line became its summary,
    /// silently; `Tags: none; this film…` a tag.
    #[test]
    fn header_lines_without_a_title_or_date_are_said() {
        let mut warnings = Vec::new();
        let diag = |line, message| Diagnostic::new("a.txt", line, message);
        let text = "\nSummary: Nolan does it again.\n\nThe second paragraph.\n";
        let (meta, body) = split_text(text, &diag, &mut warnings).unwrap();
        assert_eq!(meta.summary.as_deref(), Some("Nolan does it again."));
        assert_eq!(body, "The second paragraph.\n");
        assert_eq!(
            warnings[0].to_string(),
            "a.txt:2: `Summary: Nolan does it again.` is read as a header line, not as text; if it is the column's first paragraph, put a `Title:` line and a blank line above it"
        );
        warnings.clear();
        split_text("Title: T\nSummary: S\n\nBody.\n", &diag, &mut warnings).unwrap();
        split_text("Date: 2026-01-01\n\nBody.\n", &diag, &mut warnings).unwrap();
        assert!(warnings.is_empty());
    }

    /// Audit: a paste that starts with a blank line (or a line of spaces) had its header
    /// published as the body's first paragraphs, its title taken from the file name.
    #[test]
    fn a_text_header_after_blank_lines_is_still_the_header() {
        for lead in ["\n", " \n", "\n\t\n"] {
            let text = format!("{lead}Title: Heat\nDate: 2024-05-01\n\nThe film opens in LA.\n");
            let (meta, body) = parse(&text).unwrap();
            assert_eq!(meta.title.as_deref(), Some("Heat"), "{lead:?}");
            assert!(meta.date.is_some(), "{lead:?}");
            assert_eq!(body, "The film opens in LA.\n", "{lead:?}");
        }
        // A header error names the line it is on, blank lines counted.
        let errors = parse("\n\nTitle: Heat\nTitle: Ran\n\nBody.\n").unwrap_err();
        assert!(
            errors[0].to_string().starts_with("c.txt:4: "),
            "{}",
            errors[0]
        );
    }
}
