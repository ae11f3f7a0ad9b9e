//! Archive pages that a build need not render (issue 19): a full archive page never changes
//! (see `feed::archive`), yet a feed with `archive = true` rendered every body of every page on
//! every build, which made a build after one new review cost as much as the first.
//!
//! Each archive page, and an archived feed's main document, gets a digest of everything its
//! files are made of, computed from the feed's picks before any item is built (see
//! `page_plan.rs`). The content cache keeps each file's digest next to the stat the file had
//! once written. A later build whose page has the same digest, and whose file still has that
//! stat, leaves the file as it is: no body of it is read or rendered, and its items are not
//! even built (placeholders stand in for them, and a page of placeholders only is split as a
//! shell). The config and this feedwright are part of the cache's key: a digest is only
//! compared under the same key. The warnings rendering gave an item's body are kept too, so
//! that a build that skips the page reports what one that renders it would.
//!
//! A digest of the document itself (its bodies left empty, and each item's source) leaves alone
//! the document of a feed without archive pages whose bodies are rendered as its files are
//! written (a 50-item feed: see [`unchanged_main`]), when rendering its bodies said nothing last
//! time: an edit of an old review, or a new review in another feed, then renders no feed at all.

use foldhash::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::page_plan::PagePlan;
use super::render::{PageRecords, render_body};
use super::stat::Stat;
use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
use crate::feed::extras::{Expanded, Role};
use crate::feed::{FeedDoc, FeedItem};
use crate::identity::Identified;

/// What the last build recorded of its archive pages (read from the content cache).
#[derive(Debug, Default)]
pub struct Pages {
    /// What the last build recorded of each page file.
    pub(super) files: HashMap<PathBuf, Recorded>,
    /// What rendering each archived item's body said, by source key.
    pub(super) said: HashMap<String, Vec<Diagnostic>>,
}

impl Pages {
    /// The length of the file at `path` when it holds the page whose digest is `digest`.
    pub(super) fn kept_len(&self, path: &Path, digest: &str) -> Option<u64> {
        let was = self.files.get(path)?;
        let held = was.digest == digest && was.stat.still_at(path, was.bytes.as_deref());
        held.then_some(was.stat.size)
    }
}

/// What the last build recorded of one page file.
#[derive(Debug)]
pub(super) struct Recorded {
    /// The digest of the page it holds (see [`digest`]).
    pub digest: String,
    /// Its stat once written.
    pub stat: Stat,
    /// The digest of its bytes, when it was racily clean then (see `cache::write_input`).
    pub bytes: Option<String>,
}

/// Writes what is formatted into a hasher, so that a document is never formatted whole.
pub(super) struct Hashing<'a>(pub(super) &'a mut blake3::Hasher);

impl std::fmt::Write for Hashing<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// The digest of a page: its document (bodies empty) and its items' sources.
pub(super) fn digest(doc: &FeedDoc, sources: &[&Identified]) -> String {
    let mut h = blake3::Hasher::new();
    // Every field named: one added to a document or an item does not compile here until it
    // is part of the digest.
    let FeedDoc {
        id,
        title,
        description,
        home,
        self_urls,
        language,
        author,
        timezone,
        hubs,
        items,
        podcast,
        paging,
        stylesheet,
        updated_if_empty,
    } = doc;
    let _ = write!(
        Hashing(&mut h),
        "{id:?}{title:?}{description:?}{home}{self_urls:?}{language:?}{author:?}{timezone:?}{hubs:?}{podcast:?}{paging:?}{stylesheet:?}{updated_if_empty:?}{}",
        items.len()
    );
    for item in items {
        item_digest(&mut h, item);
    }
    for it in sources {
        let e = &it.entry;
        hash_text(&mut h, &e.source);
        hash_text(&mut h, &e.fingerprint);
        let _ = write!(Hashing(&mut h), "{:?}", e.kind);
    }
    h.finalize().to_hex().to_string()
}

/// `text` into a digest as its length and bytes (so that two texts never run together).
pub(super) fn hash_text(h: &mut blake3::Hasher, text: &str) {
    h.update(&(text.len() as u64).to_le_bytes());
    h.update(text.as_bytes());
}

/// An item's part of a page's digest (its body and summary come from its source).
fn item_digest(h: &mut blake3::Hasher, item: &FeedItem) {
    let FeedItem {
        id,
        atom_id,
        title,
        link,
        published,
        updated,
        author,
        summary: _,
        html: _,
        tags,
        enclosure,
        episode,
    } = item;
    // Text as its length and bytes, dates as numbers: formatted, the items of a large
    // archive took milliseconds to digest. What is rarely there is formatted.
    for text in [id, atom_id, title, link.as_str()] {
        hash_text(h, text);
    }
    for date in [published, updated] {
        h.update(&date.timestamp().to_le_bytes());
        h.update(&date.timestamp_subsec_nanos().to_le_bytes());
        h.update(&date.offset().local_minus_utc().to_le_bytes());
    }
    h.update(&(tags.len() as u64).to_le_bytes());
    for tag in tags {
        hash_text(h, tag);
    }
    match author {
        Some(crate::config::Person { name, email }) => {
            h.update(b"\x01");
            hash_text(h, name);
            match email {
                Some(email) => {
                    h.update(b"\x01");
                    hash_text(h, email);
                }
                None => {
                    h.update(b"\x00");
                }
            }
        }
        None => {
            h.update(b"\x00");
        }
    }
    let _ = write!(Hashing(h), "{enclosure:?}{episode:?}");
}

/// What [`render`] did with a feed's documents.
pub(super) struct Rendered {
    /// Each file's length when it was left as it is on disk (see [`FeedDocs::kept`]).
    pub kept: Vec<Option<u64>>,
    pub records: PageRecords,
    /// What rendering the bodies said (or said last time, for pages left as they are), in the
    /// feed's item order, as rendering every body first would have said it.
    pub said_in_order: Vec<Diagnostic>,
}

/// Fills in the bodies of a feed's documents, split from one whose bodies were left empty:
/// every body of the main document, and of each archive page that `plan` does not leave as
/// it is. `order` gives each item of the full document (newest first) as an index into
/// `items`; each document's items are found there by position, and checked against it.
pub(super) fn render(
    (config, bodies): (&Config, &super::KeptBodies),
    items: &[Identified],
    order: &[usize],
    expanded: &mut Expanded,
    previous: &Pages,
    plan: &PagePlan,
) -> Result<Rendered> {
    let positions = positions(plan);
    if !as_planned(items, order, expanded, plan, &positions) {
        return Err(Error::Config(Diagnostic::new(
            crate::content::display_path(&config.path),
            None,
            "feedwright bug: a feed's archive pages did not split as planned; `build --no-cache` builds without the content cache (please report this)",
        )));
    }
    let mut kept = Vec::new();
    let mut records = PageRecords::default();
    let mut said: HashMap<&str, Vec<Diagnostic>> = HashMap::default();
    let mut problems = Vec::new();
    for (at, (document, places)) in expanded.documents.iter_mut().zip(&positions).enumerate() {
        // Document 0 is the main document; page `k` is document `k`.
        let page = at.checked_sub(1).map(|k| &plan.pages[k]);
        let planned = page.unwrap_or(&plan.main);
        let paths: Vec<PathBuf> = document
            .files
            .iter()
            .map(|(_, name)| config.site.output_dir.join(name))
            .collect();
        let record = |records: &mut PageRecords| {
            let digest = &planned.digest;
            records
                .files
                .extend(paths.iter().map(|p| (p.clone(), digest.clone())));
        };
        // A page's digest is always recorded; a main document's only when rendering its
        // bodies said nothing (one left as it is had nothing to say either).
        if let Some(lens) = &planned.kept {
            record(&mut records);
            kept.extend(lens.iter().copied().map(Some));
            // What its sources said is said again. Nothing said and nothing to take back (the
            // common case) needs no look at its 50 items, on each of 200 pages.
            if !previous.said.is_empty() || !said.is_empty() {
                for &p in places {
                    let source = items[order[p]].entry.source.as_ref();
                    let before = previous.said.get(source).cloned();
                    put(&mut said, source, before.unwrap_or_default());
                }
            }
            continue;
        }
        let sources: Vec<&Identified> = places.iter().map(|&p| &items[order[p]]).collect();
        kept.extend(document.files.iter().map(|_| None));
        let bodies: Vec<_> = document
            .doc
            .items
            .par_iter()
            .zip(sources.par_iter())
            .map(|(item, it)| render_body((config, bodies), it, &item.link))
            .collect();
        let mut quiet = true;
        for ((item, it), body) in document.doc.items.iter_mut().zip(&sources).zip(bodies) {
            match body {
                Ok(body) => {
                    item.html = body.html;
                    item.summary = body.summary;
                    quiet &= body.warnings.is_empty();
                    put(&mut said, &it.entry.source, body.warnings);
                }
                Err(d) => problems.extend(d),
            }
        }
        if page.is_some() || quiet {
            record(&mut records);
        }
    }
    if !problems.is_empty() {
        return Err(Error::Content(problems));
    }
    let said_in_order = in_feed_order(items, order, plan.limit, said, &mut records);
    Ok(Rendered {
        kept,
        records,
        said_in_order,
    })
}

/// Where each document's items are in `order`: the main document's, then each page's.
fn positions(plan: &PagePlan) -> Vec<Vec<usize>> {
    std::iter::once(plan.main_places.clone())
        .chain(plan.ranges.iter().map(|r| r.clone().collect()))
        .collect()
}

/// Whether the documents are the main document and the pages `plan` planned, each holding
/// the items at its `positions`: placeholders only where the plan put them, on pages left as
/// they are, and every other item the one at its place.
fn as_planned(
    items: &[Identified],
    order: &[usize],
    expanded: &Expanded,
    plan: &PagePlan,
    positions: &[Vec<usize>],
) -> bool {
    expanded.documents.len() == positions.len()
        && expanded
            .documents
            .iter()
            .zip(positions)
            .enumerate()
            .all(|(at, (document, places))| {
                let role = if at == 0 { Role::Main } else { Role::Archive };
                let left = at > 0 && plan.pages[at - 1].kept.is_some();
                // Placeholders are never in the main document (see `page_plan::plan`).
                // A page of placeholders only is split as a shell (see `archive::split`).
                let shell = left
                    && document.doc.items.is_empty()
                    && places.iter().all(|&p| plan.placeholder[p]);
                document.role == role
                    && (shell || document.doc.items.len() == places.len())
                    && document.doc.items.iter().zip(places).all(|(item, &p)| {
                        if item.is_placeholder() {
                            left && plan.placeholder[p]
                        } else {
                            item.id == items[order[p]].id()
                        }
                    })
            })
}

/// What rendering said (`said`, by source), placed in the feed's item order (`order`), as
/// rendering every body first would have said it; what archived sources (those past the
/// first `limit`) said is also recorded for the next build (see [`Pages::said`]).
fn in_feed_order<'a>(
    items: &'a [Identified],
    order: &[usize],
    limit: usize,
    mut said: HashMap<&'a str, Vec<Diagnostic>>,
    records: &mut PageRecords,
) -> Vec<Diagnostic> {
    let mut said_in_order = Vec::new();
    for (p, &at) in order.iter().enumerate() {
        if said.is_empty() {
            break;
        }
        let source = items[at].entry.source.as_ref();
        if let Some(w) = said.remove(source) {
            if p >= limit && !w.is_empty() {
                records.said.push((source.to_string(), w.clone()));
            }
            said_in_order.extend(w);
        }
    }
    said_in_order
}

/// Records what rendering a source's body said. Nothing said is kept as no entry at all: the
/// last document to render a source has the last word, as it had when every source had an
/// entry, and an empty entry placed nothing.
fn put<'a>(said: &mut HashMap<&'a str, Vec<Diagnostic>>, source: &'a str, w: Vec<Diagnostic>) {
    if w.is_empty() {
        said.remove(source);
    } else {
        said.insert(source, w);
    }
}

/// What [`unchanged_main`] found.
pub(super) struct MainDocument {
    /// Each file's length when the file on disk already holds it (all or none).
    pub kept: Vec<Option<u64>>,
    /// Each file's digest, for the cache.
    pub digests: Vec<(PathBuf, String)>,
}

/// Whether the main document of a feed with no archive pages (its only document) is the one
/// its files on disk hold: the same digest as the last build recorded, and the same stat.
/// `order` gives each of its items as an index into `items`.
pub(super) fn unchanged_main(
    config: &Config,
    items: &[Identified],
    order: &[usize],
    expanded: &Expanded,
    previous: &Pages,
) -> MainDocument {
    let files: Vec<PathBuf> = expanded
        .files()
        .map(|(_, _, name)| config.site.output_dir.join(name))
        .collect();
    let only_main = expanded.documents.len() == 1;
    let main = expanded.main();
    let sources: Vec<&Identified> = order.iter().map(|&at| &items[at]).collect();
    let ids_match = sources.len() == main.items.len()
        && sources
            .iter()
            .zip(&main.items)
            .all(|(it, i)| it.id() == i.id);
    if !only_main || !ids_match {
        return MainDocument {
            kept: vec![None; files.len()],
            digests: Vec::new(),
        };
    }
    let digest = digest(main, &sources);
    let lens: Option<Vec<u64>> = files
        .iter()
        .map(|p| previous.kept_len(p, &digest))
        .collect();
    MainDocument {
        kept: lens.map_or_else(
            || vec![None; files.len()],
            |l| l.into_iter().map(Some).collect(),
        ),
        digests: files.into_iter().map(|p| (p, digest.clone())).collect(),
    }
}
