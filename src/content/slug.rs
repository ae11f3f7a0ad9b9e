//! Slugs and titles derived from file names. A slug is one URL path segment and, elsewhere, part
//! of a file name, so it keeps only lowercase letters, digits and single `-`.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// `text` in Unicode NFC. An accent can be typed as one character or as a letter and a
/// combining mark (macOS file names are decomposed); compared or put in a file name, both must
/// be one spelling. Text already NFC (all ASCII text, nearly all else) comes back as it is.
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        IsNormalized::No | IsNormalized::Maybe => {
            let composed: String = text.nfc().collect();
            if composed == text {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(composed)
            }
        }
    }
}

/// What to add to a message naming two files whose names look the same (`café.md` twice: one
/// é one character, the other e and an accent): nothing when they look different.
pub fn look_alike(a: &str, b: &str) -> &'static str {
    if a != b && nfc(a) == nfc(b) {
        " (the two names look the same: one writes an accented letter as one character, the other as a letter and an accent; rename one)"
    } else {
        ""
    }
}

/// Lowercases and keeps alphanumeric characters (any script), joining the rest with `-`. The
/// text is made NFC first, so a decomposed accent is kept as the letter it belongs to.
pub fn slugify(text: &str) -> String {
    let text = nfc(text);
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// The longest slug, in bytes. A slug names files (an episode's chapters file, a new entry's
/// file) and most file systems refuse a name over 255 bytes; what is left is for the folder's
/// prefix and the extension.
pub const MAX_SLUG_BYTES: usize = 200;

/// `slug` cut to at most [`MAX_SLUG_BYTES`], at its last `-` within the limit when it has one
/// (else at a character boundary), never ending in `-`.
pub fn shorten(slug: &str) -> &str {
    if slug.len() <= MAX_SLUG_BYTES {
        return slug;
    }
    let mut end = MAX_SLUG_BYTES;
    while !slug.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &slug[..end];
    match cut.rfind('-') {
        Some(at) if at > 0 => &cut[..at],
        _ => cut.trim_end_matches('-'),
    }
}

/// The file stem without a leading `YYYY-MM-DD-` date, as a slug.
pub fn slug_from_file_name(file_name: &str) -> String {
    slugify(strip_date_prefix(stem(file_name)))
}

/// A title for an untitled plain-text column: its file name, dashes as spaces, first letter up.
pub fn title_from_file_name(file_name: &str) -> String {
    let file_name = nfc(file_name);
    let words: Vec<&str> = strip_date_prefix(stem(&file_name))
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Untitled".to_string(),
    }
}

fn stem(file_name: &str) -> &str {
    file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem)
}

fn strip_date_prefix(stem: &str) -> &str {
    let b = stem.as_bytes();
    let is_date = b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if is_date {
        stem[10..].trim_start_matches(['-', '_'])
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_alike_are_said_so() {
        assert!(
            look_alike("c/caf\u{e9}.md", "c/cafe\u{301}.md")
                .starts_with(" (the two names look the same")
        );
        assert_eq!(look_alike("c/a.md", "c/b.md"), "");
        assert_eq!(look_alike("c/a.md", "c/a.md"), "");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("The Zone of Interest (2023)"),
            "the-zone-of-interest-2023"
        );
        assert_eq!(slugify("  Amélie!  "), "amélie");
        assert_eq!(slugify("../../x"), "x");
        assert_eq!(slug_from_file_name("2024-05-01-ballerina.md"), "ballerina");
        assert_eq!(slug_from_file_name("heat.md"), "heat");
        assert_eq!(slug_from_file_name("2024-05-01.md"), "");
        // Decomposed (as macOS names files) and precomposed: one slug, the accent kept.
        assert_eq!(slugify("Cine\u{301}"), "ciné");
        assert_eq!(slug_from_file_name("2024-05-01-cine\u{301}ma.md"), "cinéma");
        assert!(matches!(nfc("plain"), Cow::Borrowed(_)));
    }

    /// A slug names files: a derived one is cut at a dash (else a character) within the limit.
    #[test]
    fn long_slugs_are_cut_to_a_file_name_s_length() {
        let words = ["word"; 100].join("-");
        let cut = shorten(&words);
        assert!(
            cut.len() <= MAX_SLUG_BYTES && cut.ends_with("word"),
            "{cut}"
        );
        let one = "é".repeat(150);
        let cut = shorten(&one);
        assert_eq!(cut, "é".repeat(100));
        assert_eq!(shorten("heat"), "heat");
    }

    #[test]
    fn titles() {
        assert_eq!(
            title_from_file_name("2024-05-01-past-lives.txt"),
            "Past lives"
        );
        assert_eq!(title_from_file_name(".txt"), "Untitled");
        assert_eq!(title_from_file_name("cine\u{301}.txt"), "Ciné");
    }
}
