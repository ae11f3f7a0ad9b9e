//! Identity: the permanent site id, entry ids derived from it, and the state file that keeps
//! every published entry's id and dates stable across rebuilds, renames and edits.
//!
//! Ids are never derived from `base_url` (a domain or http->https move must not change them),
//! from file modification times, or from randomness.

mod assign;
pub mod compare;
pub mod drops;
pub mod last_written;
mod state;
mod state_checks;
mod state_text;

pub use assign::{Assigned, Identified, Note, assign, first_id, new_record};
pub use state::{Record, State, load_state, read_state_bytes, save_state};
pub use state_text::{RecordStream, Written};

use url::Url;
use uuid::Uuid;

pub use crate::config::site_id::check_site_id;

/// The site id used when `[site] id` is not set and no state recorded one: a UUID named after
/// the base URL's host, so the same host gives the same ids on every machine.
pub fn site_id_from_host(base_url: &Url) -> String {
    let host = base_url
        .host_str()
        .unwrap_or("localhost")
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    format!(
        "urn:uuid:{}",
        Uuid::new_v5(&Uuid::NAMESPACE_DNS, host.as_bytes())
    )
}

/// The id of an entry that has none recorded: a function of the site id, the feed and the slug.
pub fn derive_id(site_id: &str, feed: &str, slug: &str) -> String {
    if site_id.starts_with("tag:") {
        let sep = if site_id.ends_with(':') || site_id.ends_with('/') {
            ""
        } else {
            "/"
        };
        return format!("{site_id}{sep}{feed}/{}", encode_segment(slug));
    }
    let uuid_text = site_id.strip_prefix("urn:uuid:").unwrap_or(site_id);
    let namespace = Uuid::parse_str(uuid_text)
        .unwrap_or_else(|_| Uuid::new_v5(&Uuid::NAMESPACE_URL, site_id.as_bytes()));
    format!(
        "urn:uuid:{}",
        Uuid::new_v5(&namespace, format!("{feed}/{slug}").as_bytes())
    )
}

/// The Atom id of an entry. RSS guids may be any text (a legacy `17` adopted from another
/// tool), but an Atom id must be an absolute IRI (R36): such a guid gets a stable IRI derived
/// from the site id and the guid itself.
pub fn atom_id(site_id: &str, id: &str) -> String {
    if Url::parse(id).is_ok() {
        id.to_string()
    } else {
        derive_id(site_id, "guid", id)
    }
}

/// Percent-encodes what a tag: URI's specific part may not hold raw (non-ASCII slugs).
fn encode_segment(slug: &str) -> String {
    // What the serializer leaves as it is: most slugs are only that.
    if slug
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*'))
    {
        return slug.to_string();
    }
    url::form_urlencoded::byte_serialize(slug.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_as_the_form_serializer_does() {
        for slug in ["heat", "a-b_c.d*9", "a b", "été", "x+y", "50%", "a/b", ""] {
            let full = url::form_urlencoded::byte_serialize(slug.as_bytes())
                .collect::<String>()
                .replace('+', "%20");
            assert_eq!(encode_segment(slug), full, "{slug}");
        }
    }

    #[test]
    fn site_ids() {
        assert!(check_site_id("tag:example.com,2026:").is_ok());
        assert!(check_site_id("tag:jane@example.com,2026-11-25:reel").is_ok());
        assert!(check_site_id("urn:uuid:8c5e2a4e-0b1c-4f9a-9a57-0c7f1f1d2e3a").is_ok());
        assert!(check_site_id("tag:example.com:").is_err());
        assert!(check_site_id("https://example.com/").is_err());
    }

    #[test]
    fn atom_ids_are_absolute_iris() {
        let site = "tag:example.com,2026:";
        assert_eq!(
            atom_id(site, "tag:example.com,2026:reviews/heat"),
            "tag:example.com,2026:reviews/heat"
        );
        assert_eq!(
            atom_id(site, "https://old.example/p/17"),
            "https://old.example/p/17"
        );
        assert_eq!(atom_id(site, "17"), "tag:example.com,2026:guid/17");
        assert_eq!(atom_id(site, "a b"), "tag:example.com,2026:guid/a%20b");
    }

    #[test]
    fn derived_ids_are_stable_and_ignore_scheme_and_www() {
        let a = site_id_from_host(&Url::parse("http://www.example.com/").unwrap());
        let b = site_id_from_host(&Url::parse("https://example.com/blog/").unwrap());
        assert_eq!(a, b);
        let id = derive_id(&a, "reviews", "heat");
        assert_eq!(id, derive_id(&b, "reviews", "heat"));
        assert!(id.starts_with("urn:uuid:"));
        assert_ne!(id, derive_id(&a, "episodes", "heat"));
        assert_eq!(
            derive_id("tag:example.com,2026:", "reviews", "amélie"),
            "tag:example.com,2026:reviews/am%C3%A9lie"
        );
    }
}
