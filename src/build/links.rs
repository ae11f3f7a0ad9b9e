//! Each entry's public link: its `link` key, else its feed's pattern filled in and joined
//! with the site's `base_url`; made for every entry of every build, and checked for two
//! entries of one feed that would share a page.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, FixedOffset};
use rayon::prelude::*;
use url::Url;

use super::problems::Problems;
use crate::config::{Config, FeedConfig};
use crate::content::Entry;
use crate::error::{Diagnostic, Error, Result};
use crate::identity::Identified;
use crate::identity::compare::PlannedEntry;

/// Every entry's link checked (see [`shared_links`]), and the entries with their ids and links
/// when `keep` (compared with a published feed: `adopt-ids`, `check`, a push, the guard of a
/// build without its state file). Otherwise each link is hashed and let go: at 100,000
/// entries, the entries and their links held through the build were 18 MB of a 64 MB budget.
pub(super) fn checked_links(
    config: &Config,
    items: &[Identified],
    keep: bool,
    problems: &mut Problems,
) -> Result<Vec<PlannedEntry>> {
    if keep {
        let entries = links(config, items)?;
        shared_links(&entries, problems);
        return Ok(entries);
    }
    if !shared_by_hash(config, items, problems, link_hash)? {
        // Two links with one hash: told apart the long way (not expected in a lifetime).
        shared_links(&links(config, items)?, problems);
    }
    Ok(Vec::new())
}

/// A feed's name and a link, hashed.
fn link_hash(feed: &str, link: &str) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::quality::FixedState::with_seed(0x6c69_6e6b).hash_one((feed, link))
}

/// [`shared_links`] over the links' hashes: each link made on every core and let go, the
/// first error in the entries' order reported. `false` when two different links had one hash
/// (nothing said: the caller checks the links themselves).
fn shared_by_hash(
    config: &Config,
    items: &[Identified],
    problems: &mut Problems,
    hash: fn(&str, &str) -> u64,
) -> Result<bool> {
    let link_of =
        |it: &Identified| item_link(config, feed_of(config, it), &it.entry, it.published());
    let hashes: Vec<Option<u64>> = items
        .par_iter()
        .map(|it| link_of(it).ok().map(|link| hash(it.feed(), &link)))
        .collect();
    if let Some(at) = hashes.iter().position(Option::is_none) {
        link_of(&items[at])?;
    }
    // Each link's latest entry so far, by hash, as `shared_links` keeps them.
    let mut latest: foldhash::HashMap<u64, usize> =
        foldhash::HashMap::with_capacity_and_hasher(items.len(), Default::default());
    let mut said = Vec::new();
    for (at, h) in hashes.iter().enumerate() {
        let Some(earlier) = latest.insert(h.unwrap_or_default(), at) else {
            continue;
        };
        let (first, it) = (&items[earlier], &items[at]);
        let link = link_of(it)?;
        if first.feed() != it.feed() || link_of(first)? != link {
            return Ok(false);
        }
        said.push(shared_link(&it.record.source, &link, &first.record.source));
    }
    said.into_iter().for_each(|d| problems.warn(d));
    Ok(true)
}

/// The hash [`checked_links`] keeps of the link of an entry of `feed` (the feed that owns its
/// file), or the entry's error.
pub(super) fn link_hash_of(
    config: &Config,
    feed: &FeedConfig,
    entry: &Entry,
    published: DateTime<FixedOffset>,
) -> Result<u64> {
    item_link(config, feed, entry, published).map(|link| link_hash(&feed.name, &link))
}

fn feed_of<'c>(config: &'c Config, it: &Identified) -> &'c FeedConfig {
    config
        .feeds
        .iter()
        .find(|f| f.name == it.feed())
        .expect("items come from configured feeds")
}

/// The warning of an entry whose link an earlier one of its feed has.
fn shared_link(source: &str, link: &str, first: &str) -> Diagnostic {
    Diagnostic::new(
        source,
        None,
        format!(
            "has the same link {link} as {first}{}: readers would open one page for both; give one of them a `slug` (or a `link`)",
            crate::content::slug::look_alike(first, source)
        ),
    )
}

/// Every entry with its id and link (a URL join each: on every core). The first error in the
/// entries' order is reported.
pub(super) fn links(config: &Config, items: &[Identified]) -> Result<Vec<PlannedEntry>> {
    items
        .par_iter()
        .map(|it| {
            Ok(PlannedEntry {
                record: std::sync::Arc::clone(&it.record),
                link: item_link(config, feed_of(config, it), &it.entry, it.published())?,
                explicit_id: it.entry.id().is_some(),
            })
        })
        .collect::<Vec<Result<PlannedEntry>>>()
        .into_iter()
        .collect()
}

/// Two entries of one feed with one `<link>` (two files whose slugs collided: the second got
/// the id `ballerina-2`, but the link pattern still gives `…/ballerina/`) send readers to the
/// same page for different items: a warning naming both files and the fix.
fn shared_links(entries: &[PlannedEntry], problems: &mut Problems) {
    let mut by_link: foldhash::HashMap<(&str, &str), &PlannedEntry> =
        foldhash::HashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for e in entries {
        if let Some(first) = by_link.insert((e.feed(), &e.link), e) {
            problems.warn(shared_link(e.source(), &e.link, first.source()));
        }
    }
}

/// The public URL of an entry: its `link` key (absolute, or relative to `base_url`), else the
/// feed's link pattern.
pub fn item_url(
    config: &Config,
    feed: &FeedConfig,
    entry: &Entry,
    published: DateTime<FixedOffset>,
) -> Result<Url> {
    let relative = relative_link(config, feed, entry, published);
    join(config, entry, &relative)
}

/// [`item_url`] as text, without parsing it when joining is plain concatenation (see
/// [`plain_join`]): it is made for every entry of every build.
fn item_link(
    config: &Config,
    feed: &FeedConfig,
    entry: &Entry,
    published: DateTime<FixedOffset>,
) -> Result<String> {
    let relative = relative_link(config, feed, entry, published);
    match plain_join(&config.site.base_url, &relative) {
        Some(link) => Ok(link),
        None => join(config, entry, &relative).map(String::from),
    }
}

/// The entry's `link` key, else the feed's link pattern filled in.
fn relative_link(
    config: &Config,
    feed: &FeedConfig,
    entry: &Entry,
    published: DateTime<FixedOffset>,
) -> String {
    if let Some(l) = entry.link() {
        return l.to_string();
    }
    let local = published.with_timezone(&config.site.timezone);
    let parts = [
        ("{year}", local.year(), 4),
        ("{month}", local.month() as i32, 2),
        ("{day}", local.day() as i32, 2),
    ];
    filled_at_once(&feed.link, &entry.slug, &parts)
        .unwrap_or_else(|| filled_in_turn(&feed.link, &entry.slug, &parts))
}

/// `pattern` with the slug, then each date placeholder in turn, filled in: a slug holding
/// `{year}` gets it filled in too.
fn filled_in_turn(pattern: &str, slug: &str, parts: &[(&str, i32, usize); 3]) -> String {
    let mut link = pattern.replace("{slug}", slug);
    for &(name, value, width) in parts {
        if link.contains(name) {
            link = link.replace(name, &format!("{value:0width$}"));
        }
    }
    link
}

/// `pattern` filled in one pass, when that gives what filling each placeholder in turn gives:
/// every `{` in it starts a placeholder and the slug has none (a slug is letters, digits and
/// `-`, but a `slug` key is the user's). Called once per entry of a build: the placeholders
/// replaced in turn were a fresh string each.
fn filled_at_once(pattern: &str, slug: &str, parts: &[(&str, i32, usize); 3]) -> Option<String> {
    if slug.contains(['{', '}']) {
        return None;
    }
    let mut out = String::with_capacity(pattern.len() + slug.len() + 8);
    let mut rest = pattern;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("{slug}") {
            out.push_str(slug);
            rest = after;
            continue;
        }
        let (name, value, width) = parts.iter().find(|(name, ..)| rest.starts_with(name))?;
        let _ = write!(out, "{value:0width$}");
        rest = &rest[name.len()..];
    }
    out.push_str(rest);
    Some(out)
}

/// An item's link: `relative` (a `link` key, or the feed's pattern filled in) against the
/// site's base URL. It must be a web page: a `javascript:`, `mailto:` or `file:` link, or an
/// empty key (which would make the link the site's home page), is the entry's error.
fn join(config: &Config, entry: &Entry, relative: &str) -> Result<Url> {
    let refuse = |why: String| {
        Error::Content(vec![Diagnostic::new(
            &*entry.source,
            None,
            format!("{why}; fix its `link` key"),
        )])
    };
    if relative.trim().is_empty() {
        return Err(refuse("link is empty".into()));
    }
    let url = config
        .site
        .base_url
        .join(relative)
        .map_err(|e| refuse(format!("link `{relative}` is not a valid URL ({e})")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(refuse(format!(
            "link `{relative}` is a `{other}:` URL, not a web page an item can link to (http or https)"
        ))),
    }
}

/// `base` joined with `relative` when that is the two texts one after the other: a base that
/// ends its path with `/` (no query, no fragment) and a relative path of plain characters with
/// no `.` or `..` segment. `None` for anything else (joined by the URL parser).
fn plain_join(base: &Url, relative: &str) -> Option<String> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b'.' | b'/');
    let base_ok = base.as_str().ends_with('/')
        && base.query().is_none()
        && base.fragment().is_none()
        && !base.cannot_be_a_base();
    let relative_ok = !relative.is_empty()
        && !relative.starts_with('/')
        && relative.bytes().all(plain)
        && relative.split('/').all(|seg| seg != "." && seg != "..");
    (base_ok && relative_ok).then(|| format!("{}{relative}", base.as_str()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Filled in one pass, a link pattern gives what filling each placeholder in turn gives;
    /// a pattern or slug where the two could differ is left to the second.
    #[test]
    fn a_link_filled_at_once_is_the_link_filled_in_turn() {
        let parts = [("{year}", 2026, 4), ("{month}", 3, 2), ("{day}", 7, 2)];
        let patterns = [
            "reviews/{year}/{slug}/",
            "{slug}",
            "p/{month}-{day}/{slug}.html",
            "{year}{year}/{day}",
            "plain/",
            "{{slug}}",
            "x/{unknown}/{slug}",
            "{y{slug}r}/",
            "{slug",
        ];
        for pattern in patterns {
            for slug in ["heat", "ea", "{year}", "l-{", ""] {
                let in_turn = filled_in_turn(pattern, slug, &parts);
                if let Some(at_once) = filled_at_once(pattern, slug, &parts) {
                    assert_eq!(at_once, in_turn, "{pattern} with {slug}");
                }
            }
        }
        assert_eq!(
            filled_at_once("reviews/{year}/{month}/{slug}/", "heat", &parts).as_deref(),
            Some("reviews/2026/03/heat/")
        );
        assert_eq!(filled_at_once("{y{slug}r}/", "ea", &parts), None);
    }

    #[test]
    fn plain_joins_are_what_the_url_parser_gives() {
        let base = Url::parse("https://films.example/site/").unwrap();
        for relative in ["reviews/2026/heat/", "a", "a//b", "x.y/z~_-"] {
            assert_eq!(
                plain_join(&base, relative).unwrap(),
                base.join(relative).unwrap().as_str()
            );
        }
        for relative in [
            "/abs", "../up", "a/./b", "a/..", "é", "a b", "http:x", "?q", "#f", "",
        ] {
            assert_eq!(plain_join(&base, relative), None, "{relative}");
        }
        let with_query = Url::parse("https://films.example/site/?x=1").unwrap();
        assert_eq!(plain_join(&with_query, "a"), None);
        let no_slash = Url::parse("https://films.example/site").unwrap();
        assert_eq!(plain_join(&no_slash, "a"), None);
    }

    /// An entry of feed `feed`, file `source`, whose slug is `slug`.
    fn item(config: &Config, (feed, source, slug): (&str, &str, &str)) -> Identified {
        let text = format!(
            "+++\ntitle = \"{source}\"\ndate = \"2026-01-01\"\nslug = \"{slug}\"\n+++\nBody.\n"
        );
        let (entry, _) = crate::content::source::parse_entry(
            text.as_bytes(),
            std::path::Path::new(source),
            source,
            crate::content::BodyKind::Markdown,
            config.site.timezone,
        )
        .unwrap();
        let date = entry.date.unwrap();
        Identified::new(
            feed,
            Box::new(entry),
            &format!("urn:{source}"),
            (date, date),
        )
    }

    /// Links checked by their hashes warn as the links themselves do (each entry that has
    /// the link of an earlier one of its feed, naming the latest such); hashes that cannot tell
    /// two links apart say nothing and leave it to the links.
    #[test]
    fn links_checked_by_hash_say_what_the_links_say() {
        let config = Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://films.example/\"\n\n[[feed]]\nname = \"r\"\ntitle = \"R\"\ndescription = \"D\"\nsource = \"r\"\nlink = \"x/{slug}/\"\n\n[[feed]]\nname = \"s\"\ntitle = \"S\"\ndescription = \"D\"\nsource = \"s\"\nlink = \"x/{slug}/\"\n",
            std::path::Path::new("/site/config.toml"),
        )
        .unwrap();
        let items: Vec<Identified> = [
            ("r", "r/a.md", "heat"),
            ("r", "r/b.md", "heat"),
            ("s", "s/c.md", "heat"),
            ("r", "r/d.md", "heat"),
            ("r", "r/e.md", "tide"),
        ]
        .into_iter()
        .map(|i| item(&config, i))
        .collect();
        let said = |check: &dyn Fn(&mut Problems)| {
            let mut problems = Problems::new(false);
            check(&mut problems);
            problems.take_warnings()
        };
        let exact = said(&|p| shared_links(&links(&config, &items).unwrap(), p));
        let sources: Vec<_> = exact.iter().map(|d| d.path.clone()).collect();
        assert_eq!(sources, ["r/b.md", "r/d.md"].map(std::path::PathBuf::from));
        assert!(
            exact[1].message.contains("as r/b.md:"),
            "{}",
            exact[1].message
        );
        let hashed = said(&|p| assert!(shared_by_hash(&config, &items, p, link_hash).unwrap()));
        assert_eq!(hashed, exact);
        let one_hash = said(&|p| assert!(!shared_by_hash(&config, &items, p, |_, _| 7).unwrap()));
        assert_eq!(one_hash, []);
        for keep in [false, true] {
            let checked = said(&|p| {
                let entries = checked_links(&config, &items, keep, p).unwrap();
                assert_eq!(entries.len(), if keep { 5 } else { 0 });
            });
            assert_eq!(checked, exact);
        }
    }

    proptest! {
        #[test]
        fn any_plain_join_is_the_parsers(relative in "[a-zA-Z0-9./~_%:?#é -]{0,24}") {
            let base = Url::parse("https://films.example/").unwrap();
            if let Some(joined) = plain_join(&base, &relative) {
                prop_assert_eq!(joined, base.join(&relative).unwrap().to_string());
            }
        }
    }
}
