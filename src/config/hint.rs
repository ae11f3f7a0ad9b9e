//! "Did you mean …?" for a mistyped name: a config key, a front-matter key, a feed name.

/// The candidate closest to `wrong` by edit distance (transpositions count once), if it is
/// close enough to be a typo: at most a third of the word's length.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// For a serde "unknown field `titel`, expected one of `title`, …" message: the suggestion to
/// add to it (`did you mean `title`?`), from the keys it lists or, when it lists none, from
/// `known`.
pub fn unknown_key(message: &str, known: &[&str]) -> Option<String> {
    let rest = message.split_once("unknown field `")?.1;
    let (wrong, tail) = rest.split_once('`')?;
    let listed: Vec<&str> = tail
        .split_once("expected one of ")
        .map(|(_, list)| list.split(", ").map(|k| k.trim_matches('`')).collect())
        .unwrap_or_default();
    let candidates = if listed.is_empty() {
        known.to_vec()
    } else {
        listed
    };
    closest(wrong, candidates).map(|key| format!("did you mean `{key}`?"))
}

/// A parser's message about a value, in the user's words: the key it is about (from the
/// line `at`, when it is a `key = value` line) and what was expected without Rust's type
/// names (`usize`, `struct Person`).
pub fn in_words(message: &str, at: Option<&str>) -> String {
    const WORDS: [(&str, &str); 7] = [
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u16", "expected a whole number, 0 or more"),
        ("expected f64", "expected a number"),
        (
            "expected struct Person",
            "expected a table like { name = \"Ada\", email = \"ada@example.com\" }",
        ),
        ("expected a boolean", "expected true or false"),
    ];
    let mut said = message.to_string();
    for (rust, words) in WORDS {
        said = said.replace(rust, words);
    }
    let key = at
        .and_then(|line| line.split_once('='))
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('[') && !k.contains(char::is_whitespace));
    // Keys whose whole numbers have a narrower range than the type's: said as the key's own.
    const RANGES: [(&str, &str); 2] = [
        ("size_budget_kb", "a whole number from 1 to 1073741824 (KB)"),
        ("timeout_secs", "a whole number, 1 or more"),
    ];
    if let Some((_, range)) = RANGES.iter().find(|(k, _)| Some(*k) == key) {
        said = said.replace("a whole number, 0 or more", range);
    }
    match key {
        Some(key) if !said.contains(&format!("`{key}`")) => format!("`{key}`: {said}"),
        _ => said,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_errors_name_their_key_in_words() {
        assert_eq!(
            super::in_words(
                "invalid value: integer `-1`, expected usize",
                Some("limit = -1")
            ),
            "`limit`: invalid value: integer `-1`, expected a whole number, 0 or more"
        );
        assert_eq!(
            super::in_words(
                "invalid type: string \"x\", expected struct Person",
                Some("author = \"x\"")
            ),
            "`author`: invalid type: string \"x\", expected a table like { name = \"Ada\", email = \"ada@example.com\" }"
        );
        // Audit: `size_budget_kb = -1` was told "0 or more", and 0 is refused too.
        assert_eq!(
            super::in_words(
                "invalid value: integer `-1`, expected u64",
                Some("size_budget_kb = -1")
            ),
            "`size_budget_kb`: invalid value: integer `-1`, expected a whole number from 1 to 1073741824 (KB)"
        );
        assert_eq!(
            super::in_words("duplicate key", Some("[site]")),
            "duplicate key"
        );
    }

    use super::*;

    #[test]
    fn typos_get_the_closest_key_and_strangers_none() {
        let msg = "unknown field `titel`, expected one of `title`, `base_url`, `id`";
        assert_eq!(
            unknown_key(msg, &[]).as_deref(),
            Some("did you mean `title`?")
        );
        let msg = "unknown field `summry`";
        assert_eq!(
            unknown_key(msg, &["summary", "slug"]).as_deref(),
            Some("did you mean `summary`?")
        );
        assert_eq!(
            unknown_key("unknown field `colour`, expected one of `id`", &[]),
            None
        );
        assert_eq!(unknown_key("invalid type", &["id"]), None);
        assert_eq!(closest("reveiws", ["reviews", "podcast"]), Some("reviews"));
    }
}
