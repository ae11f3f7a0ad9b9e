//! A column pasted into a file, for `feedwright new --from`: read as UTF-8 text with LF line
//! ends, and two guesses about how its lines were meant, because Markdown and plain text read
//! line breaks in opposite ways. Markdown joins the lines of a paragraph and needs a blank line
//! between paragraphs; a plain-text entry makes every line a paragraph. A paste from an editor
//! that wraps long lines on screen has one line per paragraph and no blank lines, which
//! Markdown would run together; a paste of text wrapped at a fixed width has blank lines between
//! paragraphs and breaks inside sentences, which plain text would cut into pieces.

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};

/// The pasted file's text: without a byte-order mark, LF line ends, no leading blank lines,
/// one final newline.
/// `-` reads standard input (`pbpaste | feedwright new review "Title" --from -`).
pub(super) fn read(path: &Path) -> Result<String> {
    let bytes = if path == Path::new("-") {
        read_stdin()?
    } else if !path.exists() {
        return Err(Error::Usage {
            message: format!("--from {}: there is no such file", path.display()),
            hint: Some("paste the column into a file first, or pipe it in with --from -".into()),
        });
    } else {
        // A regular file of at most an entry's size, as the build reads sources: a sparse
        // gigabyte or /dev/zero would otherwise become an entry no build accepts.
        from_file(path)?
    };
    if let Some(said) = crate::content::text_boundary::utf16_hint(&bytes) {
        return Err(unusable(path, None, said));
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let said = crate::content::text_boundary::not_utf8(&bytes, at);
            return Err(unusable(path, Some(line), &said));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let body = text.trim_start_matches(['\n', ' ', '\t']).trim_end();
    if body.is_empty() {
        return Err(unusable(
            path,
            None,
            "is empty: paste the column into it first",
        ));
    }
    Ok(format!("{body}\n"))
}

/// The pasted text cannot make an entry: said in `new`'s words (a wrong command line, exit 2:
/// nothing is built, so nothing of feeds is said), standard input by that name.
fn unusable(path: &Path, line: Option<usize>, said: &str) -> Error {
    let name = if path == Path::new("-") {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
    Error::Usage {
        message: format!("--from {name}{at}: {said}"),
        hint: Some("nothing was written".into()),
    }
}

/// Standard input, read no further than an entry's largest size.
/// The pasted file's bytes: a regular file of at most an entry's size, refused in the words of
/// `new` (nothing is built, so nothing of feeds is said).
fn from_file(path: &Path) -> Result<Vec<u8>> {
    use crate::small_file::{self, Refusal};
    let max = crate::content::source::MAX_SOURCE_BYTES;
    let message = match small_file::read(path, max as u64) {
        Ok(bytes) => return Ok(bytes),
        Err(Refusal::Io(e)) => return Err(Error::io(path, "reading the pasted text", e)),
        Err(Refusal::NotRegular(what)) => {
            format!("--from {} is {what}, not a file", path.display())
        }
        Err(Refusal::TooBig(len)) => format!(
            "--from {} {}",
            path.display(),
            crate::content::discover::too_big(len)
        ),
    };
    Err(Error::Usage {
        message,
        hint: Some(
            "give the file that holds the column's text (or - to read it from standard input)"
                .into(),
        ),
    })
}

fn read_stdin() -> Result<Vec<u8>> {
    use std::io::Read as _;
    let limit = crate::content::source::MAX_SOURCE_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(Path::new("<stdin>"), "reading the pasted text", e))?;
    if bytes.len() > limit {
        return Err(Error::Content(vec![Diagnostic::new(
            "<stdin>",
            None,
            format!(
                "is more than {} MB, the largest entry: is this the right text?",
                limit / (1024 * 1024)
            ),
        )]));
    }
    Ok(bytes)
}

/// Ends of a sentence or a quotation: a line ending in one of these may be a whole paragraph.
fn ends_sentence(line: &str) -> bool {
    line.trim_end().ends_with([
        '.', '!', '?', '…', ':', '"', '”', '’', '»', ')', '—', '*', '_',
    ])
}

/// A Markdown block marker (list item, heading, quote, table row, rule, code fence): such lines
/// stand on their own without blank lines.
fn is_block_line(line: &str) -> bool {
    let t = line.trim_start();
    let numbered = t.split_once(['.', ')']).is_some_and(|(n, rest)| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && rest.starts_with(' ')
    });
    numbered
        || [
            "- ", "* ", "+ ", "#", ">", "|", "```", "~~~", "---", "***", "___",
        ]
        .iter()
        .any(|m| t.starts_with(m))
}

/// How many prose lines a paste has when it looks like one paragraph per line with no blank
/// line between them (Markdown would make them one paragraph); `None` otherwise. Lines that
/// mostly end a sentence, or one line too long to have been wrapped by hand, tell it apart from
/// one paragraph wrapped at a fixed width, which Markdown reads correctly.
/// Each run of lines between blank lines is looked at (a paste of one paragraph per line may
/// still end with a blank line and a footer); the largest such run is counted.
pub(super) fn soft_wrapped_lines(text: &str) -> Option<usize> {
    let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.trim().lines() {
        if line.trim().is_empty() {
            runs.push(Vec::new());
        } else if let Some(run) = runs.last_mut() {
            run.push(line);
        }
    }
    runs.into_iter().filter_map(soft_wrapped_run).max()
}

/// [`soft_wrapped_lines`] of one run of lines without a blank line.
fn soft_wrapped_run(lines: Vec<&str>) -> Option<usize> {
    let prose: Vec<&str> = lines.into_iter().filter(|l| !is_block_line(l)).collect();
    if prose.len() < 3 {
        return None;
    }
    let long = prose.iter().any(|l| l.chars().count() > 100);
    let whole = prose.iter().filter(|l| ends_sentence(l)).count();
    (long || whole * 3 >= prose.len() * 2).then_some(prose.len())
}

/// True when a paste's paragraphs are wrapped inside sentences (with blank lines between them
/// or not): as a plain-text entry, each of those lines would become a paragraph of its own.
pub(super) fn hard_wrapped(text: &str) -> bool {
    let lines: Vec<&str> = text.trim().lines().collect();
    let pairs: Vec<(&str, &str)> = lines
        .windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
        .collect();
    let broken = pairs.iter().filter(|(a, _)| !ends_sentence(a)).count();
    broken >= 2 && broken * 2 >= pairs.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_PER_LINE: &str = "It’s a film that knows exactly what it is.\nThe plot… well, there is one.\nKeanu is not in it much, and that is fine.\nGo and see it.\n";

    const WRAPPED: &str = "It’s a film that knows exactly what it is, and that is both\nits charm and its limit. The plot, well, there is one, and it\nmoves.\n\nGo and see it on the biggest screen you can find, with\nfriends who like noise.\n";

    #[test]
    fn one_paragraph_per_line_is_soft_wrapped() {
        assert_eq!(soft_wrapped_lines(ONE_PER_LINE), Some(4));
        assert!(!hard_wrapped(ONE_PER_LINE));
    }

    #[test]
    fn fixed_width_paragraphs_are_hard_wrapped() {
        assert_eq!(soft_wrapped_lines(WRAPPED), None);
        assert!(hard_wrapped(WRAPPED));
    }

    #[test]
    fn a_single_wrapped_paragraph_and_a_list_are_left_alone() {
        let para = "It’s a film that knows exactly what it is, and that is both\nits charm and its limit. The plot, well, there is one, and it\nmoves along nicely enough for\nmost of its length.\n";
        assert_eq!(soft_wrapped_lines(para), None);
        let list = "- one.\n- two.\n- three.\n1. four.\n";
        assert_eq!(soft_wrapped_lines(list), None);
        assert!(!hard_wrapped("One.\n\nTwo.\n"));
    }

    /// Audit: one paragraph per line then a blank line and a footer was not warned about, nor
    /// text wrapped at a fixed width with no blank line at all.
    #[test]
    fn a_footer_or_no_blank_line_hides_neither_shape() {
        let footer = "It’s a film.\nSecond paragraph.\nThird paragraph.\nFourth.\nFifth.\n\n—\nReel Notes goes out every Friday.\n";
        assert_eq!(soft_wrapped_lines(footer), Some(5));
        let wrapped = "This is a long column that was wrapped at seventy\ncharacters by the editor so every sentence runs\nacross lines and never ends where a line does, which\nis how a fixed width works.\n";
        assert!(hard_wrapped(wrapped));
        assert!(!hard_wrapped(ONE_PER_LINE));
    }

    #[test]
    fn one_long_line_is_enough() {
        let text = format!("{}\nshort\nanother short line\n", "word ".repeat(30));
        assert_eq!(soft_wrapped_lines(&text), Some(3));
    }
}
