//! Which archive pages of a feed are left as they are, decided from the feed's picks before
//! any of its items is built (see `pages.rs` for why pages are left alone at all). A feed of
//! 10,000 reviews has 200 full pages; building the items of all of them, to split them into
//! pages and find each page unchanged, was most of a build after one new review.
//!
//! A page's files are a function of this feedwright, the config (both part of the content
//! cache's key, so a digest is only compared under the same ones), the site id, the feed, the
//! page's number and whether a newer page follows, and of each of its items: its id, its dates,
//! its source file (name, kind, and the fingerprint of its bytes: title, link, tags, body and
//! summary all come from those, the config and the dates) and the enclosure and episode the
//! feed resolved for it. A page's digest is made of exactly these. The split into pages is
//! `feed::archive`'s own arithmetic ([`archive::page_ranges`]), so the pages planned here are
//! the pages the document is split into; `pages::render` checks that they are.

use std::fmt::Write as _;
use std::ops::Range;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use super::pages::{Hashing, Pages, hash_text};
use super::resolve::Pick;
use crate::config::{Config, FeedConfig};
use crate::content::BodyKind;
use crate::feed::{PodcastChannel, archive, extras};
use crate::identity::Identified;

/// What [`plan`] decided for a feed's archive pages.
pub(super) struct PagePlan {
    /// The feed's `limit`: how many items its main document holds before any is archived.
    pub limit: usize,
    /// Where each page's items are among the feed's picks, page `k` at `k - 1`.
    pub ranges: Vec<Range<usize>>,
    /// Each page's digest, and its files' lengths when they hold it (left as they are).
    pub pages: Vec<PlannedPage>,
    /// The main document's digest, and its files' lengths when they hold it. Its digest is
    /// recorded only when rendering its bodies said nothing (as `pages::unchanged_main`): a
    /// document left as it is has nothing to say either.
    pub main: PlannedPage,
    /// Where the main document's items are among the picks: its own, then the archived ones
    /// edited within its window (R84).
    pub main_places: Vec<usize>,
    /// For each pick: whether its item is on a page left as it is and nowhere else, so that
    /// it is never rendered and a [`crate::feed::FeedItem::placeholder`] stands in for it.
    pub placeholder: Vec<bool>,
    /// The pages whose picks are all placeholders: their items are not built at all (see
    /// [`archive::LeftOut`]).
    pub left_out: archive::LeftOut,
}

impl PagePlan {
    /// For each pick: whether it is on a page left out.
    pub(super) fn left_out_picks(&self) -> Vec<bool> {
        let mut picks = vec![false; self.left_out.total];
        for (range, out) in self.ranges.iter().zip(&self.left_out.pages) {
            if *out {
                picks[range.clone()].fill(true);
            }
        }
        picks
    }
}

/// One archive page as planned.
pub(super) struct PlannedPage {
    pub digest: String,
    /// Each of its files' lengths, when every file is the one the last build wrote for this
    /// same digest.
    pub kept: Option<Vec<u64>>,
}

/// Plans the archive pages of `feed`, whose items are `picks` (newest first, each an index
/// into `items`), against what the last build recorded (`previous`).
pub(super) fn plan(
    config: &Config,
    feed: &FeedConfig,
    site_id: &str,
    items: &[Identified],
    picks: &[Pick],
    podcast: Option<&PodcastChannel>,
    previous: &Pages,
) -> PagePlan {
    let ranges = archive::page_ranges(picks.len(), feed.limit);
    let limit = feed.limit.max(1);
    let it = |p: usize| &items[picks[p].at];
    let mut head = blake3::Hasher::new();
    hash_text(&mut head, site_id);
    hash_text(&mut head, &feed.name);
    let _ = write!(Hashing(&mut head), "{podcast:?}");
    // Two items with one id: every page is rendered, so the output check sees them all.
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(picks.len(), Default::default());
    let unique = picks.iter().all(|p| seen.insert(items[p.at].id()));
    let window_start = (0..limit.min(picks.len())).map(|p| it(p).published()).min();
    let newest_archived = (limit..picks.len()).map(|p| it(p).updated).max();
    let count = ranges.len();
    let digested = |tag: &dyn Fn(&mut blake3::Hasher), places: &[usize], files: Vec<String>| {
        let mut h = head.clone();
        tag(&mut h);
        let mut bytes = Vec::with_capacity(places.len() * 160);
        for &p in places {
            item_bytes(&mut bytes, it(p), &picks[p]);
        }
        h.update(&bytes);
        let digest = h.finalize().to_hex().to_string();
        let kept = files
            .iter()
            .map(|name| previous.kept_len(&config.site.output_dir.join(name), &digest))
            .collect::<Option<Vec<u64>>>()
            .filter(|_| unique);
        PlannedPage { digest, kept }
    };
    let pages: Vec<PlannedPage> = ranges
        .par_iter()
        .enumerate()
        .map(|(at, range)| {
            let number = at + 1;
            let tag = |h: &mut blake3::Hasher| {
                h.update(&(number as u64).to_le_bytes());
                h.update(&[u8::from(number < count)]);
                // Only a page without items shows it (see `Paging::updated_if_empty`).
                if range.is_empty() {
                    let mut date = Vec::new();
                    put_date(&mut date, newest_archived);
                    h.update(&date);
                }
            };
            let files = extras::archive_page_files(feed, number);
            let places: Vec<usize> = range.clone().collect();
            digested(&tag, &places, files.into_iter().map(|(_, n)| n).collect())
        })
        .collect();
    // The main document: its own items, then the archived ones edited within its window (R84,
    // see `archive::split`); its link to the newest page depends on how many there are.
    let own = limit.min(picks.len());
    let edited = (own..picks.len()).filter(|&p| {
        let i = it(p);
        archive::also_in_window(i.published(), i.updated, window_start)
    });
    let main_places: Vec<usize> = (0..own).chain(edited).collect();
    let main_tag = |h: &mut blake3::Hasher| {
        h.update(b"main");
        h.update(&(count as u64).to_le_bytes());
    };
    let main_files = feed.formats.iter().map(|&f| feed.file_name(f)).collect();
    let mut main = digested(&main_tag, &main_places, main_files);
    // The feed's browser page is made from the main document's summaries every build.
    if feed.html {
        main.kept = None;
    }
    let mut placeholder = vec![false; picks.len()];
    for (range, page) in ranges.iter().zip(&pages) {
        if page.kept.is_some() {
            for p in range.clone() {
                // An item also in the main document is built: that document is rendered.
                let i = it(p);
                placeholder[p] = !archive::also_in_window(i.published(), i.updated, window_start);
            }
        }
    }
    let out_pages: Vec<bool> = ranges
        .iter()
        .map(|range| !range.is_empty() && range.clone().all(|p| placeholder[p]))
        .collect();
    PagePlan {
        limit,
        ranges,
        pages,
        main,
        main_places,
        placeholder,
        left_out: archive::LeftOut {
            total: picks.len(),
            pages: out_pages,
            newest_archived,
        },
    }
}

/// `date` as bytes: present or not, then its instant and offset as numbers.
fn put_date(buf: &mut Vec<u8>, date: Option<DateTime<FixedOffset>>) {
    match date {
        Some(d) => {
            buf.push(1);
            buf.extend_from_slice(&d.timestamp().to_le_bytes());
            buf.extend_from_slice(&d.timestamp_subsec_nanos().to_le_bytes());
            buf.extend_from_slice(&d.offset().local_minus_utc().to_le_bytes());
        }
        None => buf.push(0),
    }
}

/// `text` as its length and bytes (so that two texts never run together).
fn put_text(buf: &mut Vec<u8>, text: &str) {
    buf.extend_from_slice(&(text.len() as u64).to_le_bytes());
    buf.extend_from_slice(text.as_bytes());
}

/// An item's part of its page's digest, as bytes added to `buf` (hashed a page at a time:
/// a dozen small updates per item made a hasher call per field of 10,000 items).
fn item_bytes(buf: &mut Vec<u8>, it: &Identified, pick: &Pick) {
    // Every field named: one added does not compile here until it is weighed.
    let Identified {
        record,
        entry,
        updated,
    } = it;
    // Of the record, what this feed shows is the id and the publication date: the feed that
    // owns the entry is not, and its source and title are the entry's.
    let (id, published) = (&record.id, &record.date);
    let Pick {
        at: _,
        enclosure,
        episode,
    } = pick;
    put_text(buf, id);
    put_date(buf, Some(*published));
    put_date(buf, Some(*updated));
    // The entry is parsed from the file's bytes (the fingerprint), its name and kind, under
    // the config's time zone.
    put_text(buf, &entry.source);
    put_text(buf, &entry.fingerprint);
    buf.push(match entry.kind {
        BodyKind::Markdown => b'm',
        BodyKind::Text => b't',
    });
    // Formatted only when there is one (a review has neither).
    if enclosure.is_some() || episode.is_some() {
        let _ = std::io::Write::write_fmt(buf, format_args!("{enclosure:?}{episode:?}"));
    } else {
        buf.push(b'-');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages planned are the pages `archive::split` makes: same count, same items.
    #[test]
    fn planned_ranges_are_the_split_pages() {
        use crate::feed::FeedItem;
        let date = |d: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-01-{d:02}T10:00:00+00:00")).unwrap()
        };
        for total in 0..12 {
            for limit in [0, 1, 2, 3, 5] {
                let link = url::Url::parse("https://films.example/").unwrap();
                let items: Vec<FeedItem> = (0..total)
                    .map(|i| {
                        let mut item = FeedItem::placeholder(
                            date(28 - i as u32),
                            date(28 - i as u32),
                            link.clone(),
                        );
                        item.id = format!("r{i}");
                        item
                    })
                    .collect();
                let doc = crate::feed::FeedDoc {
                    id: "tag:films.example,2026:feed/r".into(),
                    title: "Reviews".into(),
                    description: "Film reviews".into(),
                    home: link.clone(),
                    self_urls: Vec::new(),
                    language: None,
                    author: None,
                    timezone: chrono_tz::Tz::Europe__Paris,
                    hubs: vec![],
                    items: items.clone(),
                    podcast: None,
                    paging: None,
                    stylesheet: None,
                    updated_if_empty: None,
                };
                let ranges = archive::page_ranges(total, limit);
                // The first page left out: it is split as a shell, the others as before.
                let first = ranges.first().cloned().unwrap_or_default();
                let mut sparse = doc.clone();
                sparse.items.drain(first.clone());
                let left_out = archive::LeftOut {
                    total,
                    pages: ranges
                        .iter()
                        .map(|r| *r == first && !r.is_empty())
                        .collect(),
                    newest_archived: items.iter().skip(limit.max(1)).map(|i| i.updated).max(),
                };
                let names = ("m", |k| format!("p{k}"));
                let (main, pages) = archive::split(doc, limit, names, None);
                let (sparse_main, shells) = archive::split(sparse, limit, names, Some(&left_out));
                assert_eq!(main, sparse_main, "{total} items, limit {limit}");
                assert_eq!(pages.len(), ranges.len(), "{total} items, limit {limit}");
                for ((page, shell), range) in pages.iter().zip(&shells).zip(&ranges) {
                    let ids: Vec<&str> = page.doc.items.iter().map(|i| i.id.as_str()).collect();
                    let want: Vec<&str> =
                        items[range.clone()].iter().map(|i| i.id.as_str()).collect();
                    let at = format!("{total} items, limit {limit}, page {}", page.number);
                    assert_eq!(ids, want, "{at}");
                    assert_eq!(shell.doc.paging, page.doc.paging, "{at}");
                    if page.number == 1 && !range.is_empty() {
                        assert!(shell.doc.items.is_empty(), "{at}");
                    } else {
                        assert_eq!(shell.doc.items, page.doc.items, "{at}");
                    }
                }
            }
        }
    }
}
