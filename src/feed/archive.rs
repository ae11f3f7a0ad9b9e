//! RFC 5005 archived feeds (R81-R84): the subscription document keeps the newest `limit` items
//! and links `prev-archive` to the newest archive page; the older items go into fixed-size
//! archive pages, counted from the oldest item, so a full page never changes again.
//!
//! Page `k` (1-based) holds the archived items `(k-1)*limit .. k*limit-1` in publication order.
//! There is always one page after the last full one (holding the remainder, possibly nothing),
//! so a full page's `next-archive` link exists from the moment the page is full and its bytes
//! never have to change. This module only splits documents and adds links; it never reads
//! files or the clock.

use std::collections::BTreeMap;

use super::FeedDoc;
use crate::config::Format;

/// The RFC 5005 namespace, bound to the prefix `fh` (R81).
pub const FH_NS: &str = "http://purl.org/syndication/history/1.0";

/// The paging links of one document. URLs are stored without the format's extension, so one
/// value serves the RSS and the Atom file of the same document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paging {
    /// An archive page: carries `<fh:archive/>` (R83).
    pub archive: bool,
    /// `current`: the subscription document.
    pub current: Option<String>,
    /// `prev-archive`: the next older archive page.
    pub prev_archive: Option<String>,
    /// `next-archive`: the next newer archive page.
    pub next_archive: Option<String>,
    /// The page's `updated` when it holds no item (the newest page right after the last full
    /// one): the newest archived item's, so the page never claims 1970 and does not change
    /// until an item moves into it.
    pub updated_if_empty: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl Paging {
    /// `(rel, href)` of every paging link for the file in `format`, in a fixed order.
    pub fn links(&self, format: Format) -> Vec<(&'static str, String)> {
        let ext = format.extension();
        [
            ("current", &self.current),
            ("prev-archive", &self.prev_archive),
            ("next-archive", &self.next_archive),
        ]
        .into_iter()
        .filter_map(|(rel, base)| base.as_ref().map(|b| (rel, format!("{b}.{ext}"))))
        .collect()
    }
}

/// One archive page: its 1-based number and its document.
#[derive(Debug, Clone)]
pub struct Page {
    pub number: usize,
    pub doc: FeedDoc,
}

/// Archive pages whose items a document was built without, because their files are left as
/// they are (see `build::page_plan`): building 10,000 items to find 200 pages unchanged was
/// most of a build after one new review.
#[derive(Debug, Clone, Default)]
pub struct LeftOut {
    /// How many items the document would hold with every page's.
    pub total: usize,
    /// Page `k` at `k - 1`: whether its items are left out (it is split as a shell, with
    /// its paging and no items: nothing renders it).
    pub pages: Vec<bool>,
    /// The newest `updated` of every archived item, left out or not.
    pub newest_archived: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// Splits a document holding every item (newest first) into the subscription document and
/// its archive pages; with `left_out`, a document without the items of the pages it names.
///
/// `main_base` is the subscription document's URL without extension; `page_base(k)` the URL
/// of page `k` without extension. An archived item edited since the oldest item of the
/// subscription window was published is also placed in the subscription document (R84).
pub fn split(
    full: FeedDoc,
    limit: usize,
    (main_base, page_base): (&str, impl Fn(usize) -> String),
    left_out: Option<&LeftOut>,
) -> (FeedDoc, Vec<Page>) {
    let total = left_out.map_or(full.items.len(), |l| l.total);
    let ranges = page_ranges(total, limit);
    if ranges.is_empty() {
        return (full, Vec::new());
    }
    let limit = limit.max(1);
    let mut main = full;
    let mut rest = main.items.split_off(limit.min(main.items.len()));
    let window_start = main.items.iter().map(|i| i.published).min();
    let edited: Vec<_> = rest
        .iter()
        .filter(|i| also_in_window(i.published, i.updated, window_start))
        .cloned()
        .collect();

    let newest_archived = match left_out {
        Some(l) => l.newest_archived,
        None => rest.iter().map(|i| i.updated).max(),
    };
    // Each page's items stay newest first, cut from the end of `rest` (the oldest page
    // first): every item is moved once, into its page. A page left out has none to cut.
    let count = ranges.len();
    let mut by_page = Vec::with_capacity(count);
    for (k, range) in (1..=count).zip(&ranges) {
        let out = left_out.is_some_and(|l| l.pages.get(k - 1) == Some(&true));
        let items = if out {
            Vec::new()
        } else {
            rest.split_off(rest.len().saturating_sub(range.len()))
        };
        by_page.push((k, items, range.is_empty()));
    }

    // Each page starts from the main document without its items: cloned with them, every
    // page copied the newest items, bodies and all.
    let main_items = std::mem::take(&mut main.items);
    let pages = by_page
        .into_iter()
        .map(|(k, items, empty)| {
            let base = page_base(k);
            let mut doc = main.clone();
            doc.self_urls = main
                .self_urls
                .iter()
                .filter_map(|(f, _)| {
                    url::Url::parse(&format!("{base}.{}", f.extension()))
                        .ok()
                        .map(|u| (*f, u))
                })
                .collect();
            // Only a page without items uses it: on the others it would change with every
            // item archived, and so would what says whether the page changed (`build::pages`).
            let updated_if_empty = newest_archived.filter(|_| empty);
            doc.items = items;
            doc.paging = Some(Paging {
                archive: true,
                current: Some(main_base.to_string()),
                prev_archive: (k > 1).then(|| page_base(k - 1)),
                next_archive: (k < count).then(|| page_base(k + 1)),
                updated_if_empty,
            });
            Page { number: k, doc }
        })
        .collect();

    main.items = main_items;
    main.items.extend(edited);
    main.paging = Some(Paging {
        prev_archive: Some(page_base(count)),
        ..Paging::default()
    });
    (main, pages)
}

/// Where each archive page's items are in a document of `total` items (newest first), page
/// `k` at index `k - 1`; none when the subscription document holds them all. Pages count from
/// the oldest item: page 1 holds the `limit` oldest (the end of the document), page 2 the
/// next… and the last page the newest few archived (none when they divide evenly). Every page
/// but the last is full, and a full page's items never change.
pub fn page_ranges(total: usize, limit: usize) -> Vec<std::ops::Range<usize>> {
    let limit = limit.max(1);
    if total <= limit {
        return Vec::new();
    }
    let count = (total - limit) / limit + 1;
    let mut end = total;
    (0..count)
        .map(|_| {
            let start = end - limit.min(end - limit);
            let range = start..end;
            end = start;
            range
        })
        .collect()
}

/// Whether an archived item edited since the oldest item of the subscription window was
/// published (`window_start`) is also placed in the subscription document (R84).
pub fn also_in_window(
    published: chrono::DateTime<chrono::FixedOffset>,
    updated: chrono::DateTime<chrono::FixedOffset>,
    window_start: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> bool {
    updated > published && window_start.is_some_and(|w| updated >= w)
}

fn fh_archive<E>(make: impl FnOnce(String) -> E) -> BTreeMap<String, BTreeMap<String, Vec<E>>> {
    let mut locals = BTreeMap::new();
    locals.insert("archive".to_string(), vec![make("fh:archive".to_string())]);
    let mut map = BTreeMap::new();
    map.insert("fh".to_string(), locals);
    map
}

/// Adds the paging links (as `atom:link`) and `<fh:archive/>` to an RSS channel.
pub fn add_to_rss(channel: &mut rss::Channel, doc: &FeedDoc) {
    let Some(paging) = &doc.paging else { return };
    let links =
        paging
            .links(Format::Rss)
            .into_iter()
            .map(|(rel, href)| rss::extension::atom::Link {
                href,
                rel: rel.to_string(),
                mime_type: Some(Format::Rss.media_type().to_string()),
                ..Default::default()
            });
    channel
        .atom_ext
        .get_or_insert_with(Default::default)
        .links
        .extend(links);
    if paging.archive {
        channel.namespaces.insert("fh".into(), FH_NS.into());
        channel
            .extensions
            .extend(fh_archive(|name| rss::extension::Extension {
                name,
                ..Default::default()
            }));
    }
}

/// Adds the paging links and `<fh:archive/>` to an Atom feed.
pub fn add_to_atom(feed: &mut atom_syndication::Feed, doc: &FeedDoc) {
    let Some(paging) = &doc.paging else { return };
    feed.links
        .extend(
            paging
                .links(Format::Atom)
                .into_iter()
                .map(|(rel, href)| atom_syndication::Link {
                    href,
                    rel: rel.to_string(),
                    mime_type: Some(Format::Atom.media_type().to_string()),
                    ..Default::default()
                }),
        );
    if paging.archive {
        // The element itself is placed by [`finish`]: atom_syndication writes extensions after
        // the entries, where RFC 4287's schema does not allow them.
        feed.namespaces.insert("fh".into(), FH_NS.into());
    }
}

/// Puts `<fh:archive/>` where R81 wants it, as an empty element in the feed head: in RSS the
/// rss crate's pretty writer gives it an indented line break as content; in Atom it goes before
/// the first entry. Markup in item text is escaped or inside CDATA after the head, so the first
/// match is always the head's.
pub fn finish(text: String, format: Format, doc: &FeedDoc) -> String {
    if !doc.paging.as_ref().is_some_and(|p| p.archive) {
        return text;
    }
    match format {
        Format::Rss => text.replacen("<fh:archive>\n    </fh:archive>", "<fh:archive/>", 1),
        Format::Atom => match text.find("\n  <entry>") {
            Some(at) => format!("{}\n  <fh:archive/>{}", &text[..at], &text[at..]),
            None => text.replacen("</feed>", "  <fh:archive/>\n</feed>", 1),
        },
        Format::Json => text,
    }
}
