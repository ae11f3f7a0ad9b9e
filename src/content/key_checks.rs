//! The `id` and `link` keys' own errors, found as a file is parsed, at their lines: an id the
//! state could not keep, a link that is no web page.

use super::BodyKind;
use super::meta::Meta;
use super::source::key_line;
use crate::error::Diagnostic;

/// The longest id: ids are URIs or short strings (one taken from a published feed by
/// `adopt-ids`, one in the state file, one in an `id` key alike).
pub const MAX_ID: usize = 2048;

/// The `id` and `link` keys' own errors, at their lines.
pub(super) fn id_and_link(
    meta: &Meta,
    (clean, kind): (&str, BodyKind),
    diag: &dyn Fn(Option<usize>, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if let Some(id) = &meta.id
        && (id.trim().is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        // A control character (DEL) was taken, then refused by the state file on every build.
        errors.push(diag(
            key_line(clean, "id"),
            format!(
                "id `{}` must be non-empty and contain no spaces or control characters",
                id.escape_debug()
            ),
        ));
    }
    // An id that is a URI is the Atom id as it is (RFC 4287: an IRI), and these characters no
    // IRI may hold: `data:text/html,<script>` was written into Atom as it was.
    let unsafe_char = |c: char| matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`');
    if let Some((id, c)) =
        (meta.id.as_ref()).and_then(|id| Some((id, id.chars().find(|&c| unsafe_char(c))?)))
    {
        errors.push(diag(
            key_line(clean, "id"),
            format!("id `{id}` holds `{c}`, which no URI may (RFC 3986): leave it out, or percent-encode it"),
        ));
    }
    // The state refuses a longer one (it would be written, then refused by every build after).
    if let Some(id) = meta.id.as_ref().filter(|id| id.len() > MAX_ID) {
        errors.push(diag(
            key_line(clean, "id"),
            format!(
                "id is {} bytes, more than the {} an id may have",
                id.len(),
                MAX_ID
            ),
        ));
    }
    // A URL has no spaces: `Link: the missing one, a review` is a column's first paragraph
    // read as a header line (it became the item's link, silently).
    let spaced = meta
        .link
        .as_deref()
        .filter(|l| l.trim().contains(char::is_whitespace));
    if let Some(link) = spaced {
        // Only a `.txt` file's first line can be taken for a header line.
        let first_line = match kind {
            BodyKind::Text => {
                "; if this is the column's first line, put a `Title:` line and a blank line above it"
            }
            BodyKind::Markdown => "",
        };
        let said = format!(
            "link `{link}` has spaces, so it is no URL: write the item's address (or a path on the site){first_line}"
        );
        errors.push(diag(key_line(clean, "link"), said));
    }
    let parsed = (meta.link.as_deref()).and_then(|l| url::Url::parse(l.trim()).ok());
    let in_url = parsed.is_some_and(|u| !u.username().is_empty() || u.password().is_some());
    // Also one written scheme-relative (`//u:p@host`) or inside the URL (an archived page's).
    let anywhere = (meta.link.as_deref()).is_some_and(super::credentials::has_password);
    if in_url || anywhere {
        let link = meta.link.as_deref().unwrap_or_default();
        let (shown, _) = super::credentials::without_passwords(crate::net::redact(link.trim()));
        let said = format!(
            "link `{shown}` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)"
        );
        errors.push(diag(key_line(clean, "link"), said));
    }
    // Said here, at its line, with the file's other errors (found later, when links are
    // made, it was said alone, one file a run).
    let scheme = meta
        .link
        .as_deref()
        .and_then(|l| url::Url::parse(l.trim()).ok())
        .filter(|u| !matches!(u.scheme(), "http" | "https"));
    if let (Some(url), Some(link)) = (scheme, &meta.link) {
        let said = format!(
            "link `{link}` is a `{}:` URL, not a web page an item can link to (http or https); fix its `link` key",
            url.scheme()
        );
        errors.push(diag(key_line(clean, "link"), said));
    }
    errors
}

/// The keys every reader sees (title, author, id, tags) that hold a URL with a user name and
/// password: refused at their lines, as a `link` key's is.
pub(super) fn passwords(
    meta: &Meta,
    title: &str,
    clean: &str,
    diag: &dyn Fn(Option<usize>, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let shown = [
        ("title", Some(title)),
        ("author", meta.author.as_deref()),
        ("id", meta.id.as_deref()),
    ];
    let tags = meta.tags.iter().map(|t| ("tags", Some(t.as_str())));
    shown
        .into_iter()
        .chain(tags)
        .filter(|(_, value)| value.is_some_and(super::credentials::has_password))
        .map(|(key, _)| {
            let said = format!(
                "{key} holds a URL with a user name and password, which the feed would show to everyone: take them out (and change that password)"
            );
            diag(key_line(clean, key), said)
        })
        .collect()
}
