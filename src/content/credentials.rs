//! Passwords in the URLs of a body (`https://user:secret@host/`): every reader of the feed
//! would read them. The `link`, `audio` and other URL keys refuse them; in a body, where a
//! column may quote a URL anywhere (a link, an image, plain text), they are taken out and said.

/// `text` (rendered HTML, or a summary) with the user name and password taken out of every
/// `scheme://user:password@host` in it, and how many were. Browsers also read `https:/u:p@h`
/// and `https:\\u:p@h` as such a URL: any run of slashes and backslashes after the scheme.
pub(crate) fn without_passwords(text: String) -> (String, usize) {
    if !text.contains('@') || !text.contains(':') {
        return (text, 0);
    }
    let mut out = String::new();
    let (mut copied, mut removed) = (0, 0);
    for (at, _) in text.match_indices('@') {
        let Some(start) = userinfo_start(&text[copied..at]).map(|s| copied + s) else {
            continue;
        };
        out.push_str(&text[copied..start]);
        copied = at + 1;
        removed += 1;
    }
    if removed == 0 {
        return (text, 0);
    }
    out.push_str(&text[copied..]);
    (out, removed)
}

/// Where the user name starts, when `before` (the text up to an `@`) ends with a scheme, a
/// run of slashes, then `user:password`.
fn userinfo_start(before: &str) -> Option<usize> {
    let ends =
        |c: char| matches!(c, '/' | '\\' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace();
    // After the character that ends it, whatever its length (a no-break space is two bytes).
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| ends(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    // A password: a user name alone (`ftp://anonymous@`) is no secret.
    if !before[start..].contains(':') || start == 0 {
        return None;
    }
    let slashes = before[..start].trim_end_matches(['/', '\\']);
    if slashes.len() == start {
        return None;
    }
    let scheme = slashes.strip_suffix(':')?;
    scheme_at_end(scheme).then_some(start)
}

/// Whether `before` ends with a URL scheme (a letter, then letters, digits, `+`, `-`, `.`).
fn scheme_at_end(before: &str) -> bool {
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

/// Whether a URL written in a key (`link`) holds a password anywhere, as a body's would be
/// taken out (a scheme-relative `//u:p@host`, an archived `…/https://u:p@host`).
pub(crate) fn has_password(url: &str) -> bool {
    let with_scheme = match url.trim().strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => url.trim().to_string(),
    };
    without_passwords(with_scheme).1 > 0
}

#[cfg(test)]
mod tests {
    use super::without_passwords;

    /// A property test: a space of more than one byte before `user:password@` (a no-break
    /// space, an ideographic one) cut the text inside it, and the build panicked.
    #[test]
    fn a_wide_space_before_the_user_name_is_stepped_over_whole() {
        for space in ['\u{a0}', '\u{3000}', '\u{2028}'] {
            let text = format!("see https://{space}u:pw@h.example/ and{space}a:b@c");
            let (out, n) = without_passwords(text.clone());
            assert_eq!(n, 0, "{out}");
            assert_eq!(out, text);
            let text = format!("see{space}https://u:pw@h.example/");
            assert_eq!(
                without_passwords(text),
                (format!("see{space}https://h.example/"), 1)
            );
        }
    }

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
        let (out, n) = without_passwords(r#"<a href="https:\\u:S@x.example/">a</a> <a href="https:/u:S@x.example/">b</a> web/2020/https://u:S@y.example/"#.to_string());
        assert_eq!(n, 3, "{out}");
        assert!(!out.contains(":S@"), "{out}");
        for plain in [
            "no url",
            "a@b:c",
            "://u:p@x",
            "x <https://u@h/>",
            "https://x.example/@u:p",
            "https://x.example/?a=b:c@d",
            "http://[::1]:8080/",
        ] {
            assert_eq!(without_passwords(plain.to_string()), (plain.to_string(), 0));
        }
    }
}
