//! A feed's `link` pattern: the placeholders it may hold.

/// The placeholders a feed's `link` pattern may hold (filled in by `build::links`).
const LINK_PLACEHOLDERS: [&str; 4] = ["slug", "year", "month", "day"];

/// What is wrong with a `{…}` in a link pattern that is not a placeholder, if one is: left as
/// it is, it would be published in every item's link (`%7Byaer%7D`).
pub(super) fn unknown_placeholder(link: &str) -> Option<String> {
    let mut rest = link;
    while let Some(open) = rest.find(['{', '}']) {
        let after = &rest[open + 1..];
        let Some(name) = after
            .split_once('}')
            .map(|(n, _)| n)
            .filter(|_| rest[open..].starts_with('{'))
        else {
            return Some("has a brace that opens or closes no placeholder: placeholders are {slug}, {year}, {month} and {day}".into());
        };
        if !LINK_PLACEHOLDERS.contains(&name) {
            let guess = super::hint::closest(name, LINK_PLACEHOLDERS)
                .map(|k| format!(" (did you mean {{{k}}}?)"))
                .unwrap_or_default();
            return Some(format!(
                "has `{{{name}}}`, which is not a placeholder{guess}: placeholders are {{slug}}, {{year}}, {{month}} and {{day}}"
            ));
        }
        rest = &after[name.len() + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    /// Audit: `{yaer}` was accepted and every item's link published as `…/%7Byaer%7D/…`.
    #[test]
    fn a_link_pattern_with_an_unknown_placeholder_is_refused_at_its_line() {
        let with = |link: &str| {
            let text = format!("{}link = \"{link}\"\n", super::super::tests::MINIMAL);
            super::super::Config::parse(&text, std::path::Path::new("/s/config.toml"))
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            with("reviews/{yaer}/{slug}/").unwrap_err(),
            "/s/config.toml:10: [[feed]] `reviews`: link pattern `reviews/{yaer}/{slug}/` has `{yaer}`, which is not a placeholder (did you mean {year}?): placeholders are {slug}, {year}, {month} and {day}"
        );
        assert!(
            with("r/{slug}/{nope}")
                .unwrap_err()
                .contains("has `{nope}`, which is not a placeholder: placeholders are")
        );
        assert!(
            with("r/{slug}/}")
                .unwrap_err()
                .contains("has a brace that opens or closes no placeholder")
        );
        assert!(
            with("r/{slug}/{year")
                .unwrap_err()
                .contains("has a brace that opens or closes no placeholder")
        );
        let ok = with("r/{year}/{month}/{day}/{slug}/").unwrap();
        assert_eq!(ok.feeds[0].link, "r/{year}/{month}/{day}/{slug}/");
    }
}
