//! Writing large feed documents on every core. The `rss` and `atom_syndication` crates write
//! a whole `Channel` / `Feed` in one go, from values that own every item's text: a full feed of
//! 10,000 columns would copy ~90 MB of bodies into them and then serialise them on one core.
//!
//! Instead the items are written in pieces: every piece is a complete document (the same head,
//! a run of consecutive items) written by the crate itself, on its own core, from item values
//! that live only while their piece is written. The items of each piece are then spliced, in
//! order, into the document the crate writes for the head alone. Items are the last children of
//! the root (RSS `channel`) or followed only by what the head-only document also has, and the
//! writer's indentation depends only on depth, so the result is the bytes the crate would write
//! for the whole document: [`write_documents`] verifies that every piece has exactly the
//! head-only document's text around its items, and the caller falls back to the one-go write
//! otherwise. The documents of one feed (RSS and Atom) are written together from the same
//! pieces of items, so a body rendered for a piece serves both and is dropped with it.

use std::borrow::Cow;
use std::ops::Range;

use rayon::prelude::*;

/// Items per piece: large enough that the per-piece head is noise, small enough that the pieces
/// spread over every core and their buffers are reused by the allocator.
pub(crate) const PIECE: usize = 64;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Moves `at` back over the indentation before it and the line break before that, so a run of
/// items starts with its own line break.
fn line_start(doc: &[u8], mut at: usize) -> usize {
    while at > 0 && doc[at - 1] == b' ' {
        at -= 1;
    }
    if at > 0 && doc[at - 1] == b'\n' {
        at -= 1;
    }
    at
}

/// Where the root element's start tag ends (just after its `>`). Attribute values are escaped,
/// so the first `>` after `<root` is the tag's own.
fn after_root_tag(doc: &[u8], root: &[u8]) -> Option<usize> {
    let start = find(doc, root)?;
    Some(start + doc[start..].iter().position(|&b| b == b'>')? + 1)
}

/// The span of the items in a piece: from the line break before the first `open` tag to the
/// end of the last `close` tag.
fn items_span(piece: &[u8], open: &[u8], close: &[u8]) -> Option<Range<usize>> {
    let first = find(piece, open)?;
    let last = rfind(piece, close)? + close.len();
    (last > first).then(|| line_start(piece, first)..last)
}

/// The tags that delimit the items and the document.
pub(crate) struct Markers {
    /// The root element's start tag up to its name (`<rss`, `<feed`); its attributes (namespace
    /// declarations) may differ between pieces and are taken from the head-only document.
    pub root: &'static [u8],
    /// An item's start and end tags, as the crate writes them (`<item>`, `</item>`).
    pub open: &'static [u8],
    pub close: &'static [u8],
    /// The end tag of the element the items are the last children of (`</channel>`, `</feed>`).
    pub end: &'static [u8],
}

/// The document written without items, cut where the items go.
pub(crate) struct Head<'d> {
    doc: &'d [u8],
    /// Just after the root element's start tag.
    tag: usize,
    /// Where the items go: the line break before the end tag of their parent.
    insert: usize,
}

impl<'d> Head<'d> {
    /// `None` when `doc` does not have the expected shape (or already holds item markup, which
    /// cannot occur: head text is escaped, and only item bodies are written as CDATA).
    pub(super) fn new(doc: &'d [u8], m: &Markers) -> Option<Self> {
        let tag = after_root_tag(doc, m.root)?;
        let insert = line_start(doc, rfind(doc, m.end)?);
        (insert >= tag && find(&doc[tag..], m.open).is_none()).then_some(Head { doc, tag, insert })
    }

    /// Everything before the items.
    pub(super) fn before(&self) -> &'d [u8] {
        &self.doc[..self.insert]
    }

    /// Everything after the items.
    pub(super) fn after(&self) -> &'d [u8] {
        &self.doc[self.insert..]
    }

    /// The text between the root's start tag and the items (the root's attributes, i.e. the
    /// namespace declarations, may differ between documents with different items).
    fn inside(&self) -> &'d [u8] {
        &self.doc[self.tag..self.insert]
    }
}

/// `buf` (an empty buffer kept for reuse) if it holds `len` bytes, else a new buffer that does.
/// `Vec::reserve` would copy the old buffer's whole capacity (the allocator cannot know that
/// nothing in it is kept), a megabyte per piece.
pub(crate) fn with_room(buf: Vec<u8>, len: usize) -> Vec<u8> {
    debug_assert!(buf.is_empty());
    if buf.capacity() >= len {
        buf
    } else {
        Vec::with_capacity(len)
    }
}

/// Writes a piece (a whole document holding only the items given) into the buffer given, or
/// gives an empty buffer when it cannot (the document is then refused).
pub(crate) type PieceWriter<'d, T> = Box<dyn Fn(&[T], Vec<u8>) -> Vec<u8> + Sync + 'd>;

/// How one document is written in pieces.
pub(crate) struct Layout<'d, T> {
    /// The document written without items: each piece must have its text around the items.
    pub bare: Vec<u8>,
    pub markers: Markers,
    /// What the document starts with, up to where the items go.
    pub first: Vec<u8>,
    /// What follows the items, to the end.
    pub last: Vec<u8>,
    pub write: PieceWriter<'d, T>,
    /// Once every piece is written: whether they make the document (what one piece alone
    /// cannot tell, such as the namespaces the root element must declare).
    pub verify: Box<dyn Fn() -> bool + Sync + 'd>,
}

impl<'d, T> Layout<'d, T> {
    /// A layout whose pieces make the document if each has the bare document's text around
    /// its items (no check once they are all written).
    pub(crate) fn new(
        bare: Vec<u8>,
        markers: Markers,
        (first, last): (Vec<u8>, Vec<u8>),
        write: PieceWriter<'d, T>,
    ) -> Self {
        Layout {
            bare,
            markers,
            first,
            last,
            write,
            verify: Box::new(|| true),
        }
    }
}

/// A sink a document is given to part by part, from any core.
pub type Sink<'s> = &'s mut (dyn FnMut(&[u8]) + Send);

/// [`write_documents`] of one document of `items` as they are (bodies already in them).
pub(crate) fn write_document<T: Sync + Clone>(
    items: &[T],
    layout: Layout<'_, T>,
    sink: Sink<'_>,
) -> bool {
    let as_they_are = |_, chunk| Cow::Borrowed(chunk);
    write_documents(items, (PIECE, &[]), as_they_are, &[layout], &mut [sink])
}

/// Writes the documents of `layouts` (one per format of the same items), each to its sink: the
/// items in pieces of `piece` ([`PIECE`]) on every core, a run of a few pieces per core at a
/// time. Each piece's items are made ready once by `prepare` (given the index of the first; a
/// caller may fill in bodies there) and written in every layout; a run is given to the sinks
/// while the next run is written, and each piece is freed (its buffer reused) once its sink
/// has it: memory holds two runs of pieces, never every item of every document. `false` when
/// a piece has other text around its items than the document without items has there, or a
/// layout's check fails: parts were given, and the caller throws them away and writes the
/// documents in one go. `weights` are the items' sizes in bytes (their sources), when known:
/// a run also ends at [`RUN_BYTES`], so that a few huge items are never all rendered at once.
pub(crate) fn write_documents<'i, T: Sync + Clone>(
    items: &'i [T],
    (piece, weights): (usize, &[usize]),
    prepare: impl Fn(usize, &'i [T]) -> Cow<'i, [T]> + Sync,
    layouts: &[Layout<'_, T>],
    sinks: &mut [Sink<'_>],
) -> bool {
    debug_assert_eq!(layouts.len(), sinks.len());
    let Some(heads) = layouts
        .iter()
        .map(|l| Head::new(&l.bare, &l.markers))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    for (layout, sink) in layouts.iter().zip(sinks.iter_mut()) {
        sink(&layout.first);
    }
    let threads = rayon::current_num_threads().max(1);
    let run_len = piece * 8 * threads;
    // The buffers of given pieces are written again (cleared): memory already touched, never
    // handed back to the system and faulted in again.
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::default();
    let reuse = || {
        spare
            .lock()
            .map_or(None, |mut s| s.pop())
            .unwrap_or_default()
    };
    // pieces[chunk][layout] of one run
    let produce = |start: usize, run: &'i [T]| -> Vec<Vec<Vec<u8>>> {
        // A short run (of large items) is still spread over every core.
        let piece = piece.min(run.len().div_ceil(threads)).max(1);
        run.par_chunks(piece)
            .enumerate()
            .map(|(k, chunk)| {
                let ready = prepare(start + k * piece, chunk);
                layouts.iter().map(|l| (l.write)(&ready, reuse())).collect()
            })
            .collect()
    };
    // Each document's sink (a check and a temp file, for a build) on its own core; the run's
    // buffers are then kept for reuse.
    let give = |pieces: Vec<Vec<Vec<u8>>>, sinks: &mut [Sink<'_>]| -> bool {
        let one = |at: usize, sink: &mut Sink<'_>| -> bool {
            let (head, m) = (&heads[at], &layouts[at].markers);
            pieces.iter().all(|p| match items_in(&p[at], head, m) {
                Some(span) => {
                    sink(&p[at][span]);
                    true
                }
                None => false,
            })
        };
        let given = match sinks {
            [sink] => one(0, sink),
            _ => sinks
                .par_iter_mut()
                .enumerate()
                .map(|(at, sink)| one(at, sink))
                .reduce(|| true, |a, b| a && b),
        };
        if let Ok(mut spare) = spare.lock() {
            for mut buf in pieces.into_iter().flatten() {
                buf.clear();
                spare.push(buf);
            }
        }
        given
    };
    // A run is given to the sinks while the next is written.
    let mut written: Option<Vec<Vec<Vec<u8>>>> = None;
    for run in runs(items.len(), run_len, weights) {
        let (given, next) = rayon::join(
            || written.take().is_none_or(|w| give(w, sinks)),
            || produce(run.start, &items[run]),
        );
        if !given {
            return false;
        }
        written = Some(next);
    }
    if written.is_some_and(|w| !give(w, sinks)) {
        return false;
    }
    if !layouts.iter().all(|l| (l.verify)()) {
        return false;
    }
    for (layout, sink) in layouts.iter().zip(sinks.iter_mut()) {
        sink(&layout.last);
    }
    true
}

/// The most source bytes a run of items holds (unless one item alone is more): with the run
/// being written and the next being rendered, a feed of a few 8 MB reviews holds a few runs
/// of bodies, not all of them.
pub(crate) const RUN_BYTES: usize = 16 << 20;

/// `0..n` cut into runs of at most `run_len` items and, where `weights` say, [`RUN_BYTES`].
fn runs(n: usize, run_len: usize, weights: &[usize]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0usize);
    for at in 0..n {
        let weight = weights.get(at).copied().unwrap_or(0);
        if at > start && (at - start == run_len || bytes.saturating_add(weight) > RUN_BYTES) {
            runs.push(start..at);
            (start, bytes) = (at, 0);
        }
        bytes = bytes.saturating_add(weight);
    }
    if start < n {
        runs.push(start..n);
    }
    runs
}

/// The span of a piece's items, if the piece has the text of `head` around them.
fn items_in(piece: &[u8], head: &Head<'_>, m: &Markers) -> Option<Range<usize>> {
    let span = items_span(piece, m.open, m.close)?;
    let tag = after_root_tag(piece, m.root)?;
    let same = tag <= span.start
        && piece[tag..span.start] == *head.inside()
        && piece[span.end..] == *head.after();
    same.then_some(span)
}

/// [`write_documents`] of one document: `head` (written without items) with the items of
/// `pieces` in place.
#[cfg(test)]
fn splice(head: &[u8], pieces: &[Vec<u8>], m: Markers) -> Option<Vec<u8>> {
    let cut = Head::new(head, &m)?;
    let parts = (cut.before().to_vec(), cut.after().to_vec());
    let layout = Layout::new(
        head.to_vec(),
        m,
        parts,
        Box::new(|p: &[Vec<u8>], _| p[0].clone()),
    );
    let mut out = Vec::new();
    let written = write_documents(
        pieces,
        (1, &[]),
        |_, c| Cow::Borrowed(c),
        &[layout],
        &mut [&mut |b: &[u8]| out.extend_from_slice(b)],
    );
    written.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs end at their item count, or once their sources pass RUN_BYTES (one huge item
    /// alone is a run of its own).
    #[test]
    fn runs_are_cut_by_count_and_by_bytes() {
        assert_eq!(runs(5, 2, &[]), [0..2, 2..4, 4..5]);
        let mb = 1 << 20;
        assert_eq!(
            runs(4, 100, &[10 * mb, 10 * mb, 40 * mb, 1]),
            [0..1, 1..2, 2..3, 3..4]
        );
        assert_eq!(runs(3, 100, &[mb, mb, mb]), vec![(0..3)]);
        assert!(runs(0, 10, &[]).is_empty());
    }

    const M: Markers = Markers {
        root: b"<r",
        open: b"<i>",
        close: b"</i>",
        end: b"</c>",
    };

    #[test]
    fn items_go_before_the_end_of_their_parent() {
        let head = b"<?x?>\n<r a=\"1\">\n  <c>\n    <t>x</t>\n  </c>\n</r>".to_vec();
        let p1 =
            b"<?x?>\n<r>\n  <c>\n    <t>x</t>\n    <i>1</i>\n    <i>2</i>\n  </c>\n</r>".to_vec();
        let p2 = b"<?x?>\n<r b>\n  <c>\n    <t>x</t>\n    <i>3</i>\n  </c>\n</r>".to_vec();
        let out = splice(&head, &[p1, p2], M).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<?x?>\n<r a=\"1\">\n  <c>\n    <t>x</t>\n    <i>1</i>\n    <i>2</i>\n    <i>3</i>\n  </c>\n</r>"
        );
    }

    #[test]
    fn other_text_around_the_items_is_refused() {
        let head = b"<r>\n  <c>\n    <t>x</t>\n  </c>\n</r>".to_vec();
        let other_head = b"<r>\n  <c>\n    <t>y</t>\n    <i>1</i>\n  </c>\n</r>".to_vec();
        let trailer = b"<r>\n  <c>\n    <t>x</t>\n    <i>1</i>\n    <e/>\n  </c>\n</r>".to_vec();
        assert!(splice(&head, &[other_head], M).is_none());
        assert!(splice(&head, &[trailer], M).is_none());
        let no_items = b"<r>\n  <c>\n  </c>\n</r>".to_vec();
        assert!(splice(&head, &[no_items], M).is_none());
    }

    /// A feed of `n` items with bodies that look like item markup, CDATA ends, and authors with
    /// and without an email (the latter only in some pieces: the `dc` namespace).
    fn doc(n: usize) -> crate::feed::FeedDoc {
        use crate::config::{Format, Person};
        use crate::feed::{FeedDoc, FeedItem};
        use url::Url;
        let date = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let items = (0..n)
            .map(|i| FeedItem {
                id: format!("tag:films.example,2026:reviews/{i}"),
                atom_id: format!("tag:films.example,2026:reviews/{i}"),
                title: format!("Review <item> {i} & </entry>"),
                link: Url::parse(&format!("https://films.example/reviews/{i}/")).unwrap(),
                published: date + chrono::Duration::hours(i as i64),
                updated: date + chrono::Duration::hours(i as i64),
                author: (i % 97 == 5).then(|| Person {
                    name: "Guest".into(),
                    email: None,
                }),
                summary: if i % 3 == 0 {
                    String::new()
                } else {
                    format!("Summary {i}")
                },
                html: format!("<p>Body {i}</p>\n<p>]]> <item></item> </channel> </entry></p>\n"),
                tags: vec!["a".into(), format!("t{i}")],
                enclosure: None,
                episode: None,
            })
            .collect();
        FeedDoc {
            id: "tag:films.example,2026:feed/reviews".into(),
            title: "Reviews <item>".into(),
            description: "d </channel>".into(),
            home: Url::parse("https://films.example/").unwrap(),
            self_urls: vec![
                (
                    Format::Rss,
                    Url::parse("https://films.example/r.rss").unwrap(),
                ),
                (
                    Format::Atom,
                    Url::parse("https://films.example/r.atom").unwrap(),
                ),
            ],
            language: Some("en".into()),
            author: Some(Person {
                name: "Ada".into(),
                email: Some("ada@films.example".into()),
            }),
            timezone: chrono_tz::Tz::Europe__Paris,
            hubs: vec![],
            items,
            podcast: None,
            paging: None,
            stylesheet: None,
            updated_if_empty: None,
        }
    }

    /// What the crates write for the whole document in one go.
    fn whole(doc: &crate::feed::FeedDoc, format: crate::config::Format) -> String {
        use crate::config::Format;
        match format {
            Format::Rss => {
                crate::feed::rss::one_go(&crate::feed::rss::head(doc), &doc.items, |it| {
                    crate::feed::rss::item(doc, it)
                })
            }
            _ => String::from_utf8(crate::feed::atom::one_go(doc)).unwrap(),
        }
    }

    /// The parts `render_into` gives, put together.
    fn streamed(doc: &crate::feed::FeedDoc, format: crate::config::Format) -> String {
        let mut out = Vec::new();
        let mut parts = 0;
        assert!(crate::feed::render_into(doc, format, &mut |b| {
            out.extend_from_slice(b);
            parts += 1;
        }));
        let large = doc.items.len() > PIECE && format != crate::config::Format::Json;
        assert!(!large || parts > 2, "given in parts");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn parts_make_the_document_render_gives() {
        use crate::config::Format;
        for n in [0, 1, PIECE + 1, 3 * PIECE + 7] {
            let mut doc = doc(n);
            for stylesheet in [None, Some("feed.xsl".to_string())] {
                doc.stylesheet = stylesheet;
                for format in [Format::Rss, Format::Atom, Format::Json] {
                    let whole = crate::feed::render(&doc, format);
                    assert_eq!(streamed(&doc, format), whole, "{n} items, {format:?}");
                    if format != Format::Json {
                        assert!(crate::verify::document(format, &whole).is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn pieces_give_the_bytes_of_the_whole_document() {
        use crate::config::Format;
        for n in [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 7] {
            let doc = doc(n);
            for format in [Format::Rss, Format::Atom] {
                let pieced = crate::feed::render(&doc, format);
                assert_eq!(pieced, whole(&doc, format), "{n} items, {format:?}");
            }
        }
        let mut one_guest = doc(3 * PIECE);
        for (i, item) in one_guest.items.iter_mut().enumerate() {
            item.author = None;
            if i == 2 * PIECE + 1 {
                item.author = Some(crate::config::Person {
                    name: "Guest".into(),
                    email: None,
                });
            }
        }
        let pieced = crate::feed::render(&one_guest, Format::Rss);
        assert_eq!(streamed(&one_guest, Format::Rss), pieced);
        assert!(
            pieced.contains("xmlns:dc="),
            "the namespace of one piece's item is declared"
        );
        assert_eq!(pieced, whole(&one_guest, Format::Rss));
    }

    /// `doc` without bodies and summaries, as a caller that renders them later holds it.
    fn without_bodies(doc: &crate::feed::FeedDoc) -> crate::feed::FeedDoc {
        let mut bare = doc.clone();
        for item in &mut bare.items {
            item.html.clear();
            item.summary.clear();
        }
        bare
    }

    #[test]
    fn formats_written_together_with_bodies_filled_late_are_the_documents_render_gives() {
        use crate::config::Format;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let run = PIECE * 8 * rayon::current_num_threads().max(1);
        for n in [1, PIECE - 1, PIECE + 1, run + PIECE + 3] {
            let full = doc(n);
            let bare = without_bodies(&full);
            for stylesheet in [None, Some("feed.xsl".to_string())] {
                let (mut full, mut bare) = (full.clone(), bare.clone());
                full.stylesheet = stylesheet.clone();
                bare.stylesheet = stylesheet;
                let filled = AtomicUsize::new(0);
                let fill = |at: usize, items: &[crate::feed::FeedItem]| {
                    filled.fetch_add(items.len(), Ordering::Relaxed);
                    Cow::Owned(full.items[at..at + items.len()].to_vec())
                };
                let (mut rss, mut atom) = (Vec::new(), Vec::new());
                let mut to_rss = |b: &[u8]| rss.extend_from_slice(b);
                let mut to_atom = |b: &[u8]| atom.extend_from_slice(b);
                let formats = [Format::Rss, Format::Atom];
                // Every seventh item as large as a run: runs of every length, cut by bytes.
                let weights: Vec<usize> = (0..n)
                    .map(|i| if i % 7 == 0 { RUN_BYTES } else { 1 })
                    .collect();
                assert!(crate::feed::render_all_into(
                    (&bare, &weights),
                    &formats,
                    fill,
                    &mut [&mut to_rss, &mut to_atom]
                ));
                assert_eq!(filled.into_inner(), n, "each body is filled in once");
                let rss = String::from_utf8(rss).unwrap();
                let atom = String::from_utf8(atom).unwrap();
                assert_eq!(rss, crate::feed::render(&full, Format::Rss), "{n} items");
                assert_eq!(atom, crate::feed::render(&full, Format::Atom), "{n} items");
                assert!(crate::verify::document(Format::Atom, &atom).is_empty());
            }
        }
    }

    #[test]
    fn formats_that_cannot_be_written_in_pieces_are_refused_together() {
        use crate::config::Format;
        let together = |formats: &[Format], doc: &crate::feed::FeedDoc| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut to_a = |x: &[u8]| a.extend_from_slice(x);
            let mut to_b = |x: &[u8]| b.extend_from_slice(x);
            let mut all: Vec<Sink<'_>> = vec![&mut to_a, &mut to_b];
            all.truncate(formats.len());
            let whole = |_, items| Cow::Borrowed(items);
            crate::feed::render_all_into((doc, &[]), formats, whole, &mut all)
        };
        // No items (written in one go), and JSON Feed (never in pieces).
        assert!(!together(&[Format::Rss, Format::Atom], &doc(0)));
        assert!(!together(&[Format::Rss, Format::Json], &doc(3)));
        assert!(together(&[Format::Atom], &doc(3)));
    }
}
