//! Per-tag feeds: which tags a feed has and the file name of each, made safe and stable.
//!
//! A tag's file name is its slug: lowercase letters and digits of any script joined by single
//! `-`, at most [`MAX_SLUG`] bytes, so `../../x` becomes `x` and can never leave `tags/`. A tag
//! with no letter or digit (`★★★`) gets `tag-` and 12 hex digits of its BLAKE3 hash. Tags whose
//! slugs are equal (`Sci-Fi`, `sci fi`) are one tag feed holding the items of all of them, and
//! the build warns about it: nothing is overwritten, and no file name depends on which other
//! tags exist, so names never shift when a tag is added or removed.

use std::collections::{BTreeMap, BTreeSet};

use super::FeedItem;
use crate::content::slug::slugify;

/// Longest slug, in bytes, cut at a character boundary: keeps `tags/<slug>.atom` well inside
/// every file system's name limit.
pub const MAX_SLUG: usize = 80;

/// The file name stem of a tag's feed.
pub fn tag_slug(tag: &str) -> String {
    // NFC: a precomposed and a decomposed `Ciné` are one tag, also when hashed.
    let tag = crate::content::slug::nfc(tag);
    let slug = slugify(&tag);
    if slug.is_empty() {
        let hash = blake3::hash(tag.as_bytes()).to_hex();
        return format!("tag-{}", &hash[..12]);
    }
    let mut end = slug.len().min(MAX_SLUG);
    while !slug.is_char_boundary(end) {
        end -= 1;
    }
    slug[..end].trim_end_matches('-').to_string()
}

/// One tag feed: the spellings that give its slug and its items (positions in the list given
/// to [`index`], in that order).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TagGroup {
    pub spellings: BTreeSet<String>,
    pub items: Vec<usize>,
}

/// Every tag feed of `items` by slug, in one pass: the work is the number of tags written, not
/// tags times items (one entry with 10,000 tags once took minutes and gigabytes).
pub fn index<'a>(items: impl IntoIterator<Item = &'a FeedItem>) -> BTreeMap<String, TagGroup> {
    let mut groups: BTreeMap<String, TagGroup> = BTreeMap::new();
    for (at, item) in items.into_iter().enumerate() {
        for tag in item.tags.iter().filter(|t| !t.trim().is_empty()) {
            let group = groups.entry(tag_slug(tag)).or_default();
            group.spellings.insert(tag.clone());
            // Two spellings of one slug on the same item: the item is in the feed once.
            if group.items.last() != Some(&at) {
                group.items.push(at);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_and_odd_tags_stay_one_safe_component() {
        assert_eq!(tag_slug("../../x"), "x");
        assert_eq!(tag_slug("Horror"), "horror");
        assert_eq!(tag_slug("Sci-Fi / Fantasy"), "sci-fi-fantasy");
        assert_eq!(tag_slug("Ciné"), "ciné");
        assert_eq!(tag_slug("Cine\u{301}"), "ciné");
        // U+2000 EN QUAD is canonically U+2002 EN SPACE: a tag of no letters hashes as NFC.
        assert_eq!(tag_slug("★\u{2000}★"), tag_slug("★\u{2002}★"));
        let stars = tag_slug("★★★");
        assert!(stars.starts_with("tag-") && stars.len() == 16, "{stars}");
        assert_eq!(stars, tag_slug("★★★"), "stable");
        assert_ne!(stars, tag_slug("☆☆"));
        let long = tag_slug(&"é".repeat(100));
        assert!(long.len() <= MAX_SLUG && long.chars().all(|c| c == 'é'));
        for t in ["..", "/", "a/../../b", "C:\\x", "a\0b"] {
            let s = tag_slug(t);
            assert!(
                !s.is_empty() && !s.contains(['/', '\\', '.', '\0']),
                "{t} -> {s}"
            );
        }
    }
}
