//! A TOML syntax error said where the mistake is: the parser stops where the text stopped
//! making sense, often lines after what is missing (an array's `]`, a string's closing
//! quotes), and names no key for a table written twice.

/// The line to report and what to add to the parser's message, for a syntax error found on
/// line `found` (1-based) of `text`; `None` when the parser's line is the best there is.
pub(super) fn located(text: &str, found: usize, message: &str) -> Option<(usize, String)> {
    let raw: Vec<&str> = text.lines().collect();
    // Lines inside a multi-line string are text, not keys or brackets.
    let lines = without_string_lines(&raw);
    let before = &lines[..found.min(lines.len())];
    if message.starts_with("duplicate key") {
        let here = before.last()?.trim();
        // `[[feed]]` is written once per feed: another kind of clash, said as the parser says.
        if here.starts_with("[[") {
            return None;
        }
        let earlier = &before[..before.len() - 1];
        // A table header anywhere above; a key only in its own table (`title` is in [site]
        // and in every [[feed]]).
        let first = if here.starts_with('[') {
            earlier.iter().position(|l| l.trim() == here)?
        } else {
            let table = earlier
                .iter()
                .rposition(|l| l.trim_start().starts_with('['));
            let from = table.map_or(0, |t| t + 1);
            from + earlier[from..]
                .iter()
                .position(|l| same_key(l.trim(), here))?
        };
        let what = if here.starts_with('[') {
            format!(
                "the table `{here}` is written twice (first on line {}): merge them into one",
                first + 1
            )
        } else {
            let key = here.split('=').next().unwrap_or(here).trim();
            format!(
                "`{key}` is set twice (first on line {}): keep one",
                first + 1
            )
        };
        return Some((found, what));
    }
    let (open, close, what) = if message.contains("multi-line basic string") {
        (
            "\"\"\"",
            "",
            "the string opened by \"\"\" on this line is never closed",
        )
    } else if message.contains("multi-line literal string") {
        (
            "'''",
            "",
            "the string opened by ''' on this line is never closed",
        )
    } else if message.contains("array") {
        (
            "[",
            "]",
            "the array opened on this line is not closed (a missing `]`?)",
        )
    } else if message.contains("key-value pairs") || message.contains("inline table") {
        (
            "{",
            "}",
            "the table opened on this line is not closed (a missing `}`?)",
        )
    } else {
        return None;
    };
    let found_at = before.len();
    let lines = if close.is_empty() { raw } else { lines };
    let opener = lines[..found_at]
        .iter()
        .rposition(|l| unclosed(l, open, close))?;
    // Closed further down: the mistake is inside (a missing comma), where the parser says.
    if closed_after(&lines[opener..], open, close) {
        return None;
    }
    let said = if opener + 1 == found {
        what.to_string()
    } else {
        format!("{what}; the parser noticed on line {found}")
    };
    Some((opener + 1, said))
}

/// `lines` with those inside a multi-line string (after the line that opens it, to the one
/// that closes it) made empty.
fn without_string_lines<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut open: Option<&str> = None;
    lines
        .iter()
        .map(|&line| {
            if let Some(quotes) = open {
                if line.matches(quotes).count() % 2 == 1 {
                    open = None;
                }
                return "";
            }
            open = ["\"\"\"", "'''"]
                .into_iter()
                .find(|q| line.matches(q).count() % 2 == 1);
            line
        })
        .collect()
}

/// Whether what the first of `lines` opens is closed on it or a later line.
fn closed_after(lines: &[&str], open: &str, close: &str) -> bool {
    if close.is_empty() {
        return lines[1..].iter().any(|l| l.contains(open));
    }
    let mut depth = 0i32;
    for line in lines {
        depth += balance(line, open, close);
        if depth <= 0 {
            return true;
        }
    }
    false
}

/// Whether two lines set the same key.
fn same_key(line: &str, other: &str) -> bool {
    let key = |l: &str| l.split_once('=').map(|(k, _)| k.trim().to_string());
    key(line).is_some() && key(line) == key(other)
}

/// Whether `line` opens more `open` than it closes, outside one-line strings and comments
/// (for triple quotes, `close` is empty: an odd count opens).
fn unclosed(line: &str, open: &str, close: &str) -> bool {
    if close.is_empty() {
        return line.matches(open).count() % 2 == 1;
    }
    balance(line, open, close) > 0
}

/// How many more `open` than `close` `line` holds, outside one-line strings and comments.
fn balance(line: &str, open: &str, close: &str) -> i32 {
    let mut depth = 0i32;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => break,
            (None, c) if open.starts_with(c) => depth += 1,
            (None, c) if close.starts_with(c) => depth -= 1,
            _ => {}
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::located;

    /// Audit: a missing `]` on line 2 was "line 3: `limit`: missing comma…"; an unclosed
    /// `"""` was the file's last line; `[site]` twice was only "duplicate key".
    #[test]
    fn syntax_errors_point_at_what_is_missing() {
        let text = "[feed]\nformats = [\"rss\", \"atom\"\nlimit = 5\n";
        assert_eq!(
            located(text, 3, "missing comma between array elements, expected `,`"),
            Some((2, "the array opened on this line is not closed (a missing `]`?); the parser noticed on line 3".into()))
        );
        let text = "[site]\ntitle = \"\"\"Reel\nlimit = 5\n\n";
        assert_eq!(
            located(text, 4, "invalid multi-line basic string, expected `\"`").map(|l| l.0),
            Some(2)
        );
        let text = "[site]\ntitle = \"T\"\n[[feed]]\nname = \"r\"\n[site]\n";
        assert_eq!(
            located(text, 5, "duplicate key"),
            Some((
                5,
                "the table `[site]` is written twice (first on line 1): merge them into one".into()
            ))
        );
        let text = "[site]\ntitle = \"T\"\ntitle = \"U\"\n";
        assert_eq!(
            located(text, 3, "duplicate key"),
            Some((3, "`title` is set twice (first on line 2): keep one".into()))
        );
        let text = "[site]\ntitle = \"T\"\n[[feed]]\ntitle = \"R\"\ntitle = \"S\"\n";
        assert_eq!(
            located(text, 5, "duplicate key"),
            Some((5, "`title` is set twice (first on line 4): keep one".into()))
        );
        let text = "feed = 1\n[[feed]]\nname = \"a\"\n";
        assert_eq!(located(text, 2, "duplicate key"), None);
        // A missing comma in an array that is closed: the parser's line, not "a missing ]".
        let text = "[feed]\nformats = [\n  \"rss\"\n  \"atom\",\n]\n";
        assert_eq!(
            located(text, 4, "missing comma between array elements"),
            None
        );
        // A key written inside a multi-line string is no key.
        let text = "[[feed]]\ndescription = \"\"\"\ntitle = \"fake\"\n\"\"\"\ntitle = \"R\"\ntitle = \"S\"\n";
        assert_eq!(
            located(text, 6, "duplicate key"),
            Some((6, "`title` is set twice (first on line 5): keep one".into()))
        );
        // Brackets inside strings open nothing; other errors are left as the parser says.
        let text = "[site]\ntitle = \"[draft\"\nx = [1\ny = 2\n";
        assert_eq!(
            located(text, 4, "missing comma between array elements").map(|l| l.0),
            Some(3)
        );
        assert_eq!(located(text, 2, "invalid basic string"), None);
    }
}
