use super::*;
use crate::config::Format;
use crate::feed::{Enclosure, FeedDoc, FeedItem};
use url::Url;

fn item(title: &str, link: &str, summary: &str, at: &str) -> FeedItem {
    let date = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    FeedItem {
        id: format!("tag:films.example,2026:{title}"),
        atom_id: format!("tag:films.example,2026:{title}"),
        title: title.into(),
        link: Url::parse(link).unwrap(),
        published: date,
        updated: date,
        author: None,
        summary: summary.into(),
        html: "<p>BODYMARK <script>alert(1)</script></p>".into(),
        tags: vec![],
        enclosure: None,
        episode: None,
    }
}

fn doc(items: Vec<FeedItem>, formats: &[Format]) -> FeedDoc {
    FeedDoc {
        id: "tag:films.example,2026:feed/reviews".into(),
        title: "Reviews".into(),
        description: "Film reviews, every week.".into(),
        home: Url::parse("https://films.example/").unwrap(),
        self_urls: formats
            .iter()
            .map(|f| {
                let url = format!("https://films.example/feeds/reviews.{}", f.extension());
                (*f, Url::parse(&url).unwrap())
            })
            .collect(),
        language: Some("en-GB".into()),
        author: None,
        timezone: chrono_tz::Tz::Europe__Paris,
        hubs: vec![],
        items,
        podcast: None,
        paging: None,
        stylesheet: None,
        updated_if_empty: None,
    }
}

/// The page after its doctype, parsed by an independent XML parser.
fn parsed(page: &str) -> roxmltree::Document<'_> {
    let rest = page.strip_prefix(DOCTYPE).expect("starts with the doctype");
    roxmltree::Document::parse(rest).unwrap_or_else(|e| panic!("not XML: {e}\n{page}"))
}

fn texts_of<'a>(xml: &'a roxmltree::Document<'a>, tag: &str) -> Vec<String> {
    xml.descendants()
        .filter(|n| n.has_tag_name(tag))
        .map(|n| {
            n.descendants()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect()
        })
        .collect()
}

const HOSTILE_TITLES: [&str; 6] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "Tom &amp; Jerry ]]> 'quoted'",
    "line\u{2028}separator",
    "\u{202E}gnp.exe \u{200F}مرحبا\u{200E}",
    "Averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword",
];

#[test]
fn hostile_titles_and_summaries_are_text_not_markup() {
    let items = HOSTILE_TITLES
        .iter()
        .map(|t| {
            let summary = format!("{t} <b onclick='x'>bold</b> & \u{1}\u{85}gone");
            item(
                t,
                "https://films.example/r/",
                &summary,
                "2026-01-02T10:00:00Z",
            )
        })
        .collect();
    let page = render("Site <i>", &doc(items, &[Format::Rss]));
    assert_eq!(check(&page), Vec::<String>::new(), "{page}");
    assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<b "), "{page}");
    assert!(!page.contains("]]>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("Tom &amp;amp; Jerry ]]&gt; &#39;quoted&#39;"));
    assert!(
        !page.contains("BODYMARK"),
        "the item's HTML body never reaches the page"
    );
    // Read back by a real parser, the titles are exactly what the entries said.
    let xml = parsed(&page);
    let titles = texts_of(&xml, "h3");
    assert_eq!(titles, HOSTILE_TITLES.map(String::from).to_vec());
    let summaries = texts_of(&xml, "p")
        .into_iter()
        .filter(|s| s.ends_with("gone"))
        .collect::<Vec<_>>();
    assert_eq!(summaries.len(), HOSTILE_TITLES.len());
    assert_eq!(
        summaries[0], "<script>alert(1)</script> <b onclick='x'>bold</b> & gone",
        "control characters are dropped, the rest kept as text"
    );
    assert_eq!(texts_of(&xml, "a")[0], "Site <i>");
}

#[test]
fn links_that_are_not_http_are_dropped() {
    let items = vec![
        item("Bad", "javascript:alert(1)", "", "2026-01-02T10:00:00Z"),
        item(
            "Data",
            "data:text/html,<b>x</b>",
            "",
            "2026-01-02T10:00:00Z",
        ),
        item(
            "Good",
            "https://films.example/good/",
            "",
            "2026-01-01T10:00:00Z",
        ),
    ];
    let mut d = doc(items, &[Format::Rss]);
    d.home = Url::parse("javascript:void(0)").unwrap();
    d.items[2].enclosure = Some(Enclosure {
        url: "javascript:alert(2)".into(),
        length: 1,
        mime: "audio/mpeg".into(),
    });
    let page = render("Site", &d);
    assert_eq!(check(&page), Vec::<String>::new(), "{page}");
    assert!(!page.contains("javascript"), "{page}");
    assert!(!page.contains("data:"), "{page}");
    assert!(page.contains("<h3 dir=\"auto\">Bad</h3>"), "{page}");
    assert!(
        page.contains("<p class=\"site\" dir=\"auto\">Site</p>"),
        "{page}"
    );
    assert!(
        page.contains("<h3 dir=\"auto\"><a href=\"https://films.example/good/\">Good</a></h3>"),
        "{page}"
    );
    assert!(!page.contains("Listen"), "{page}");
}

#[test]
fn every_format_gets_an_auto_discovery_link_and_a_url_to_copy() {
    let d = doc(vec![], &[Format::Rss, Format::Atom, Format::Json]);
    let page = render("Site", &d);
    assert_eq!(check(&page), Vec::<String>::new(), "{page}");
    for (ext, media_type, label) in [
        ("rss", "application/rss+xml", "RSS"),
        ("atom", "application/atom+xml", "Atom"),
        ("json", "application/feed+json", "JSON Feed"),
    ] {
        let url = format!("https://films.example/feeds/reviews.{ext}");
        let link = format!(
            "<link rel=\"alternate\" type=\"{media_type}\" href=\"{url}\" title=\"Reviews ({label})\" />"
        );
        assert!(page.contains(&link), "no {link}:\n{page}");
        let field = format!(
            "<label for=\"feed-{ext}\">{label}</label>\n<input id=\"feed-{ext}\" type=\"text\" readonly=\"readonly\" value=\"{url}\" />"
        );
        assert!(page.contains(&field), "no {field}:\n{page}");
    }
    assert!(page.contains("<p>No entries yet.</p>"));
    // Alternate links sit in <head>, where browsers look for them.
    let xml = parsed(&page);
    let head = xml.descendants().find(|n| n.has_tag_name("head")).unwrap();
    let alternates = head
        .children()
        .filter(|n| n.attribute("rel") == Some("alternate"))
        .count();
    assert_eq!(alternates, 3);

    let mut podcast = doc(vec![], &[Format::Rss]);
    podcast.podcast = Some(crate::feed::PodcastChannel {
        config: crate::config::PodcastConfig {
            image: None,
            category: None,
            subcategory: None,
            explicit: None,
            author: None,
            owner: None,
            show_type: None,
            media_base_url: None,
            locked: None,
            funding: vec![],
            guid: None,
            missing_audio: Default::default(),
            resolve_lengths: false,
            medium: None,
            txt: vec![],
            update_frequency: None,
            new_feed_url: None,
            owner_email_until: None,
            chapters_in_description: true,
        },
        guid: "g".into(),
        image_url: None,
    });
    let page = render("Site", &podcast);
    assert!(page.contains("title=\"Reviews (Podcast (RSS))\""), "{page}");
    assert!(page.contains("your podcast app"), "{page}");
}

#[test]
fn the_head_forbids_script_fits_a_phone_and_names_the_language() {
    let item = item(
        "A",
        "https://films.example/a/",
        "Sum",
        "2025-12-31T23:30:00Z",
    );
    let page = render("Site", &doc(vec![item], &[Format::Rss]));
    assert!(page.starts_with(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en-GB\" xml:lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\" />\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; base-uri &#39;none&#39;; form-action &#39;none&#39;\" />\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
    ), "{page}");
    // The machine-readable instant as written; the day in words in the feed's timezone.
    assert!(
        page.contains("<time datetime=\"2025-12-31T23:30:00Z\">1 January 2026</time>"),
        "{page}"
    );
    assert_eq!(
        page,
        render("Site", &doc(vec![item_again()], &[Format::Rss]))
    );

    let mut odd = doc(vec![], &[Format::Rss]);
    odd.language = Some("en\" onload=\"x".into());
    let page = render("Site", &odd);
    assert!(
        page.contains("<html xmlns=\"http://www.w3.org/1999/xhtml\">\n"),
        "{page}"
    );
    assert_eq!(check(&page), Vec::<String>::new());
}

fn item_again() -> FeedItem {
    item(
        "A",
        "https://films.example/a/",
        "Sum",
        "2025-12-31T23:30:00Z",
    )
}

#[test]
fn the_check_refuses_what_the_page_must_never_hold() {
    let good = render("Site", &doc(vec![item_again()], &[Format::Rss]));
    assert_eq!(check(&good), Vec::<String>::new());
    let no_doctype = good.replacen(DOCTYPE, "", 1);
    assert_eq!(
        check(&no_doctype),
        vec!["the page does not start with <!DOCTYPE html>"]
    );
    let script = good.replace("</head>", "<script>x()</script></head>");
    assert_eq!(
        check(&script),
        vec!["holds a <script> element; the page must work without JavaScript"]
    );
    let js = good.replace("https://films.example/a/", "javascript:x()");
    assert_eq!(
        check(&js),
        vec!["links to `javascript:x()`, which is not an http(s) URL"]
    );
    let bare = good.replace("<h1 dir=\"auto\">Reviews", "<h1 dir=\"auto\">R & D");
    // Named by its line in the file, the doctype counted.
    let line = 1 + bare.lines().position(|l| l.starts_with("<h1")).unwrap();
    assert_eq!(
        check(&bare),
        vec![format!(
            "is not well-formed: line {line}, column 18: a bare `&` (write `&amp;`)"
        )]
    );
}

/// Noncharacters (U+FDD0…U+FDEF, U+xFFFE/U+xFFFF) are XML characters that HTML parsers report
/// as errors: the page leaves them out, the text around them stays.
#[test]
fn noncharacters_are_left_out_of_the_page() {
    let title = "x\u{FDD0}y\u{1FFFE}z\u{10FFFF}\u{FDEF}";
    let items = vec![item(
        title,
        "https://films.example/r/",
        "s\u{FFFE}t",
        "2026-01-02T10:00:00Z",
    )];
    let page = render("Site\u{FDD5}", &doc(items, &[Format::Rss]));
    for c in [
        '\u{FDD0}',
        '\u{FDD5}',
        '\u{FDEF}',
        '\u{1FFFE}',
        '\u{10FFFF}',
        '\u{FFFE}',
    ] {
        assert!(!page.contains(c), "U+{:X} in {page}", c as u32);
    }
    assert_eq!(texts_of(&parsed(&page), "h3"), ["xyz"]);
    // Characters next to them are kept: U+FDCF and U+FDF0 are not noncharacters.
    assert_eq!(
        escape("\u{FDCF}\u{FDF0}\u{FFFD}"),
        "\u{FDCF}\u{FDF0}\u{FFFD}"
    );
}
