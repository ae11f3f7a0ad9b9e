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

#[cfg(test)]
mod tests {
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
