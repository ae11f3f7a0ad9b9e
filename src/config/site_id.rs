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
