//! Writing one large feed document on every core. The `rss` and `atom_syndication` crates write
//! a whole `Channel` / `Feed` in one go, from values that own every item's text: a full feed of
//! 10,000 columns would copy ~90 MB of bodies into them and then serialise them on one core.
//!
//! Instead the items are written in pieces: every piece is a complete document (the same head,
//! a run of consecutive items) written by the crate itself, on its own core, from item values
//! that live only while their piece is written. The items of each piece are then spliced, in
//! order, into the document the crate writes for the head alone. Items are the last children of
//! the root (RSS `channel`) or followed only by what the head-only document also has, and the
//! writer's indentation depends only on depth, so the result is the bytes the crate would write
//! for the whole document: [`splice`] verifies that every piece has exactly the head-only
//! document's text around its items, and the caller falls back to the one-go write otherwise.

use std::ops::Range;

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

/// Appends to `out` `head`, the document written without items, with the items of `pieces`
/// spliced in. `None` (and `out` untouched) when any piece has other text around its items than
/// `head` (then the caller writes the document in one go). Item markup in the head cannot
/// occur: head text is escaped, and only item bodies are written as CDATA.
pub(crate) fn splice(
    head: &[u8],
    pieces: &[Vec<u8>],
    m: &Markers,
    mut out: Vec<u8>,
) -> Option<Vec<u8>> {
    let head_tag = after_root_tag(head, m.root)?;
    let insert = line_start(head, rfind(head, m.end)?);
    if insert < head_tag || find(&head[head_tag..], m.open).is_some() {
        return None;
    }
    let mut spans = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let span = items_span(piece, m.open, m.close)?;
        let tag = after_root_tag(piece, m.root)?;
        let same = tag <= span.start
            && piece[tag..span.start] == head[head_tag..insert]
            && piece[span.end..] == head[insert..];
        if !same {
            return None;
        }
        spans.push(span);
    }
    let size = head.len() + spans.iter().map(|s| s.len()).sum::<usize>();
    out.reserve_exact(size);
    out.extend_from_slice(&head[..insert]);
    for (piece, span) in pieces.iter().zip(spans) {
        out.extend_from_slice(&piece[span]);
    }
    out.extend_from_slice(&head[insert..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let out = splice(&head, &[p1, p2], &M, Vec::new()).unwrap();
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
        assert!(splice(&head, &[other_head], &M, Vec::new()).is_none());
        assert!(splice(&head, &[trailer], &M, Vec::new()).is_none());
        assert!(
            splice(
                &head,
                &[b"<r>\n  <c>\n  </c>\n</r>".to_vec()],
                &M,
                Vec::new()
            )
            .is_none()
        );
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
        }
    }

    /// What the crates write for the whole document in one go.
    fn whole(doc: &crate::feed::FeedDoc, format: crate::config::Format) -> String {
        use crate::config::Format;
        match format {
            Format::Rss => crate::feed::rss::write(&crate::feed::rss::channel(doc)),
            _ => {
                let config = atom_syndication::WriteConfig {
                    write_document_declaration: false,
                    indent_size: Some(2),
                };
                let bytes = crate::feed::atom::feed(doc)
                    .write_with_config(Vec::new(), config)
                    .unwrap();
                let text = String::from_utf8(bytes).unwrap();
                format!("{}\n{}\n", crate::feed::rss::DECLARATION, text.trim())
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
        assert!(
            pieced.contains("xmlns:dc="),
            "the namespace of one piece's item is declared"
        );
        assert_eq!(pieced, whole(&one_guest, Format::Rss));
    }
}
