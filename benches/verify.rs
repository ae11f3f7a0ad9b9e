//! `cargo bench --bench verify`: the speed of the output check on large generated feeds (RSS
//! with bodies in CDATA, Atom with escaped bodies), whole and in the parts a build gives it.
//! Prints MB/s (best of the runs: the machine is shared, the best run is the least disturbed).
//!
//! Options (after `--`): `--items N` (default 10,000: ~37 MB per document); `--runs K`
//! (default 5); `--roxmltree` also times roxmltree (a conforming parser that builds a tree of
//! the whole document) on the same bytes, for comparison.

#![allow(
    unreachable_pub,
    reason = "a bench binary's modules share items with `pub`"
)]
#![allow(clippy::too_many_lines, reason = "the 100-line rule is for src/")]

use std::time::{Duration, Instant};

use chrono::DateTime;
use chrono_tz::Tz;
use feedwright::config::Format;
use feedwright::feed::{self, FeedDoc, FeedItem};
use url::Url;

fn options() -> (usize, usize, bool) {
    let (mut items, mut runs, mut roxmltree) = (10_000, 5, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = || args.next().and_then(|v| v.replace('_', "").parse().ok());
        match a.as_str() {
            "--items" => items = number().expect("--items N"),
            "--runs" => runs = number().expect("--runs K"),
            "--roxmltree" => roxmltree = true,
            // cargo passes `--bench`.
            _ => {}
        }
    }
    (items, runs, roxmltree)
}

/// A review body of ~6 KB: paragraphs with markup, quotes, ampersands and some non-ASCII text,
/// as the renderer writes them.
fn body(i: usize) -> String {
    let mut html = String::with_capacity(6_500);
    for p in 0..12 {
        html.push_str(&format!(
            "<p>Paragraph {p} of review {i}: the <em>camera</em> lingers &amp; the score \
             swells, “a film about time” — café, naïve, 映画 — <a href=\"https://films.example/r/{i}#{p}\">link</a> \
             and a line long enough to look like real prose written by a person about a film.</p>\n"
        ));
    }
    html
}

fn doc(items: usize) -> FeedDoc {
    let date = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let url = |p: &str| Url::parse(&format!("https://films.example/{p}")).unwrap();
    FeedDoc {
        id: "tag:films.example,2026:feed/reviews".into(),
        title: "Reviews".into(),
        description: "Every review".into(),
        home: url(""),
        self_urls: vec![
            (Format::Rss, url("feeds/reviews.rss")),
            (Format::Atom, url("feeds/reviews.atom")),
        ],
        language: Some("en".into()),
        author: None,
        timezone: Tz::UTC,
        hubs: vec![],
        items: (0..items)
            .map(|i| FeedItem {
                id: format!("tag:films.example,2026:reviews/{i}"),
                atom_id: format!("tag:films.example,2026:reviews/{i}"),
                title: format!("Review {i}: A & B"),
                link: url(&format!("reviews/{i}/")),
                published: date,
                updated: date,
                author: None,
                summary: format!("Summary of review {i}."),
                html: body(i),
                tags: vec!["drama".into()],
                enclosure: None,
                episode: None,
            })
            .collect(),
        podcast: None,
        paging: None,
        stylesheet: Some("feed.xsl".into()),
        updated_if_empty: None,
    }
}

/// The document cut before each item, about as a build gives it in pieces.
fn parts<'x>(xml: &'x str, item: &str) -> Vec<&'x [u8]> {
    let mut out = Vec::new();
    let mut from = 0;
    for (at, _) in xml.match_indices(item) {
        if at > from {
            out.push(&xml.as_bytes()[from..at]);
            from = at;
        }
    }
    out.push(&xml.as_bytes()[from..]);
    // 64 items to a part, as pieces.rs writes them.
    out.chunks(64)
        .map(|c| {
            let start = c[0].as_ptr() as usize - xml.as_ptr() as usize;
            let last = c[c.len() - 1];
            let end = last.as_ptr() as usize - xml.as_ptr() as usize + last.len();
            &xml.as_bytes()[start..end]
        })
        .collect()
}

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let (items, runs, roxmltree) = options();
    let doc = doc(items);
    for (format, item) in [(Format::Rss, "\n    <item>"), (Format::Atom, "\n  <entry>")] {
        let xml = feed::render(&doc, format);
        let mb = xml.len() as f64 / 1e6;
        let whole = best(runs, || {
            let v = check_whole(format, &xml);
            assert!(v.is_empty(), "{v:?}");
        });
        let pieces = parts(&xml, item);
        let streamed = best(runs, || {
            let v = check_parts(format, &pieces);
            assert!(v.is_empty(), "{v:?}");
        });
        println!(
            "{format:?}: {mb:.1} MB, whole {:.0} ms = {:.0} MB/s, in {} parts {:.0} ms = {:.0} MB/s",
            whole.as_secs_f64() * 1e3,
            mb / whole.as_secs_f64(),
            pieces.len(),
            streamed.as_secs_f64() * 1e3,
            mb / streamed.as_secs_f64(),
        );
        if roxmltree {
            let parsed = best(runs, || assert!(roxmltree::Document::parse(&xml).is_ok()));
            println!(
                "  roxmltree: {:.0} ms = {:.0} MB/s",
                parsed.as_secs_f64() * 1e3,
                mb / parsed.as_secs_f64()
            );
        }
    }
}

fn check_whole(format: Format, xml: &str) -> Vec<String> {
    feedwright::verify::document(format, xml)
}

fn check_parts(format: Format, parts: &[&[u8]]) -> Vec<String> {
    let mut stream = feedwright::verify::Stream::new(format).unwrap();
    for p in parts {
        stream.part(p);
    }
    stream.finish()
}
