//! What a `[site] id` may be: the anchor of every permanent entry id, so it is checked when
//! the config is read, before any id is derived from it.

use uuid::Uuid;

/// Checks that a `[site] id` can anchor permanent ids: a `tag:` URI prefix
/// (`tag:example.com,2026:`), a UUID or `urn:uuid:` URN.
pub fn check_site_id(id: &str) -> Result<(), String> {
    if let Some(rest) = id.strip_prefix("tag:") {
        let Some((authority, date_and_rest)) = rest.split_once(',') else {
            return Err("a tag: id needs `,date:` after the authority".into());
        };
        let valid_authority = !authority.is_empty()
            && authority
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@' | '_'));
        let date = date_and_rest.split(':').next().unwrap_or("");
        let valid_date = [4, 7, 10].contains(&date.len())
            && date.chars().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if valid_authority && valid_date && date_and_rest.contains(':') {
            return Ok(());
        }
        return Err("a tag: id looks like `tag:example.com,2026:`".into());
    }
    let uuid_text = id.strip_prefix("urn:uuid:").unwrap_or(id);
    Uuid::parse_str(uuid_text)
        .map(|_| ())
        .map_err(|_| "use a tag: URI or a UUID".into())
}

/// Why the date of a `tag:` site id cannot be the day its name was minted, if it cannot: no
/// such day (`2026-13`, `2026-02-30`), or one after `today` (RFC 4151: a date on which the
/// minter held the name, so never in the future). Checked when a state first records the id:
/// once entries carry it, it is theirs for good, whatever it says.
pub fn minting_date_problem(id: &str, today: chrono::NaiveDate) -> Option<String> {
    let date = id
        .strip_prefix("tag:")?
        .split_once(',')?
        .1
        .split(':')
        .next()?;
    let number = |range: std::ops::Range<usize>| date.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?.max(0);
    let (month, day) = (number(5..7).unwrap_or(1), number(8..10).unwrap_or(1));
    // Year 0 is chrono's, not the calendar's.
    let Some(first) = chrono::NaiveDate::from_ymd_opt(year, month, day).filter(|_| year > 0) else {
        return Some(format!("its date `{date}` is no day of the calendar"));
    };
    (first > today).then(|| {
        format!("its date `{date}` is in the future, and a tag: id's date is one on which you held the name (RFC 4151)")
    })
}

#[cfg(test)]
mod tests {
    use super::minting_date_problem;

    #[test]
    fn a_tag_date_is_a_real_day_not_after_today() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for fine in [
            "tag:ex.example,2026:",
            "tag:ex.example,2026-12:",
            "tag:ex.example,2026-12-01:x",
            "tag:ex.example,1999-02-28:",
            "urn:uuid:8c5e2a4e-0b1c-4f9a-9a57-0c7f1f1d2e3a",
        ] {
            assert_eq!(minting_date_problem(fine, today), None, "{fine}");
        }
        for (id, said) in [
            (
                "tag:ex.example,2026-13:",
                "its date `2026-13` is no day of the calendar",
            ),
            (
                "tag:ex.example,2026-02-30:",
                "its date `2026-02-30` is no day of the calendar",
            ),
            (
                "tag:ex.example,0000:",
                "its date `0000` is no day of the calendar",
            ),
            (
                "tag:ex.example,2027:",
                "its date `2027` is in the future, and a tag: id's date is one on which you held the name (RFC 4151)",
            ),
            (
                "tag:ex.example,2026-12-02:",
                "its date `2026-12-02` is in the future, and a tag: id's date is one on which you held the name (RFC 4151)",
            ),
        ] {
            assert_eq!(
                minting_date_problem(id, today).as_deref(),
                Some(said),
                "{id}"
            );
        }
    }
}
