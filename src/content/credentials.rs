//! Passwords in the URLs of a body (`https://user:secret@host/`): every reader of the feed
//! would read them. The `link`, `audio` and other URL keys refuse them; in a body, where a
//! column may quote a URL anywhere (a link, an image, plain text), they are taken out and said.

/// `text` (rendered HTML, or a summary) with the user name and password taken out of every
/// `scheme://user:password@host` in it, and how many were.
pub(super) fn without_passwords(text: String) -> (String, usize) {
    if !text.contains("://") || !text.contains('@') {
        return (text, 0);
    }
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut removed) = (0, 0);
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let authority_at = from + found + 3;
        from = authority_at;
        if !scheme_before(&text[..authority_at - 3]) {
            continue;
        }
        let rest = &text[authority_at..];
        let end = rest
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(rest.len());
        let Some(at) = rest[..end].rfind('@') else {
            continue;
        };
        if !rest[..at].contains(':') {
            // A user name alone (`ftp://anonymous@`) is no secret.
            continue;
        }
        out.push_str(&text[copied..authority_at]);
        copied = authority_at + at + 1;
        from = copied;
        removed += 1;
    }
    if removed == 0 {
        return (text, 0);
    }
    out.push_str(&text[copied..]);
    (out, removed)
}

/// Whether `before` ends with a URL scheme (a letter, then letters, digits, `+`, `-`, `.`).
fn scheme_before(before: &str) -> bool {
    let scheme: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .collect();
    scheme
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::without_passwords;

    /// Audit: `[x](https://u:bodypass@b.example/)` was published as it was written.
    #[test]
    fn passwords_in_urls_are_taken_out_and_counted() {
        let html = r#"<p><a href="https://u:bodypass@b.example/x?a=1">https://u:bodypass@b.example/x</a> and <img src="ftp://anonymous@f.example/i.png"> mail a@b.example, see http://host/@x:y</p>"#;
        let (out, n) = without_passwords(html.to_string());
        assert_eq!(n, 2);
        assert_eq!(
            out,
            r#"<p><a href="https://b.example/x?a=1">https://b.example/x</a> and <img src="ftp://anonymous@f.example/i.png"> mail a@b.example, see http://host/@x:y</p>"#
        );
        for plain in ["no url", "a@b:c", "://u:p@x", "x <https://u@h/>"] {
            assert_eq!(without_passwords(plain.to_string()), (plain.to_string(), 0));
        }
    }
}
