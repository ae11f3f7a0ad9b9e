//! Issue 13, sections 3 and 4: bodies in feeds are safe and self-contained (no scripts,
//! event handlers or `javascript:` URLs; embeds as links; every URL absolute by its
//! attribute's grammar; no characters XML forbids), and RSS text reads as readers show it
//! (plain-text summaries escaped as HTML in an item's `description`; `&`, `<` and `>` in
//! plain-text elements as the RSS Best Practices Profile asks). Run against the real binary; read back by feed-rs and, for
//! well-formedness, by roxmltree, which refuses what XML 1.0 forbids.

use crate::common;

use common::Site;

/// The common site with every format, JSON Feed included.
fn config() -> String {
    format!(
        "{}formats = [\"rss\", \"atom\", \"json\"]\n",
        common::CONFIG
    )
}

fn site_with(body: &str) -> Site {
    let site = Site::with_config(&config());
    site.write(
        "content/reviews/heat.md",
        &format!("+++\ntitle = \"Heat\"\ndate = \"2026-01-01\"\n+++\n{body}"),
    );
    site.ok(&["build"]);
    site
}

/// The body of the only item, as RSS `content:encoded`, Atom `content` and JSON
/// `content_html` give it (feed-rs trims Atom content): the three must agree.
fn body(site: &Site) -> String {
    let rss = site.rss("reviews");
    let atom = site.atom("reviews");
    let content = |f: &feed_rs::model::Feed| {
        f.entries[0]
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .expect("a body")
    };
    let json: serde_json::Value = serde_json::from_str(&site.read("feeds/reviews.json")).unwrap();
    let from_json = json["items"][0]["content_html"]
        .as_str()
        .unwrap()
        .to_string();
    let from_rss = content(&rss);
    assert_eq!(content(&atom), from_rss.trim_end(), "Atom and RSS bodies");
    assert_eq!(from_json, from_rss, "JSON and RSS bodies");
    from_rss
}

/// Every XML feed of the site parses with a strict parser.
fn assert_strict_xml(site: &Site) {
    for file in ["feeds/reviews.rss", "feeds/reviews.atom"] {
        let text = site.read(file);
        if let Err(e) = roxmltree::Document::parse(&text) {
            panic!("{file} is not well-formed XML: {e}\n{text}");
        }
    }
}

#[test]
fn scripts_event_handlers_and_javascript_urls_never_reach_a_feed() {
    let site = site_with(concat!(
        "Intro with [a trap](javascript:alert(1)) and [a fine link](/about/).\n\n",
        "<p onclick=\"steal()\">Raw <a href=\"JaVaScRiPt:alert(2)\" onmouseover='x()'>paragraph</a>.</p>\n\n",
        "<script>alert(3)</script>\n\n",
        "<img src=\"still.jpg\" onerror=\"alert(4)\">\n",
    ));
    let body = body(&site);
    assert_eq!(
        body,
        concat!(
            "<p>Intro with a trap and <a href=\"https://films.example/about/\">a fine link</a>.</p>\n",
            "<p>Raw <a>paragraph</a>.</p>\n",
            // The line the script was on.
            "\n",
            "<img src=\"https://films.example/reviews/heat/still.jpg\">\n",
        )
    );
    for raw in [
        "feeds/reviews.rss",
        "feeds/reviews.atom",
        "feeds/reviews.json",
    ] {
        let text = site.read(raw).to_lowercase();
        for active in [
            "<script",
            "onclick",
            "onmouseover",
            "onerror",
            "javascript:",
            "alert(",
        ] {
            assert!(!text.contains(active), "{active} in {raw}");
        }
    }
    assert_strict_xml(&site);
}

#[test]
fn an_iframe_becomes_a_link_to_what_it_showed() {
    let site = site_with(concat!(
        "The trailer:\n\n",
        "<iframe width=\"560\" src=\"https://www.youtube-nocookie.com/embed/abc?rel=0&amp;t=5\" allowfullscreen></iframe>\n\n",
        "<object data=\"/media/clip.mp4\"><embed src=\"clip.swf\"></object>\n",
    ));
    assert_eq!(
        body(&site),
        concat!(
            "<p>The trailer:</p>\n",
            "<a href=\"https://www.youtube-nocookie.com/embed/abc?rel=0&amp;t=5\">https://www.youtube-nocookie.com/embed/abc?rel=0&amp;t=5</a>\n",
            "<p><a href=\"https://films.example/media/clip.mp4\">https://films.example/media/clip.mp4</a></p>\n",
        )
    );
}

#[test]
fn srcset_commas_inside_urls_survive_and_relative_candidates_resolve() {
    let site = site_with(concat!(
        "<img src=\"a.jpg\" srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x, s/w_800,h_600.jpg 2x\" ",
        "data-srcset=\"https://cdn.example/w_400,h_300/y.jpg 400w\">\n",
    ));
    assert_eq!(
        body(&site),
        concat!(
            "<img src=\"https://films.example/reviews/heat/a.jpg\" ",
            "srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x, https://films.example/reviews/heat/s/w_800,h_600.jpg 2x\" ",
            "data-srcset=\"https://cdn.example/w_400,h_300/y.jpg 400w\">\n",
        )
    );
}

#[test]
fn character_references_in_attribute_urls_are_decoded_before_resolving() {
    let site = site_with(concat!(
        "<a href=\"&#47;about&#47;\">About</a> <a href=\"&sol;x?a=1&amp;b=2\">X</a> ",
        "<video poster=\"poster&period;jpg\" src=\"v.mp4\"></video>\n",
    ));
    assert_eq!(
        body(&site),
        concat!(
            "<p><a href=\"https://films.example/about/\">About</a> <a href=\"https://films.example/x?a=1&amp;b=2\">X</a> ",
            "<video poster=\"https://films.example/reviews/heat/poster.jpg\" src=\"https://films.example/reviews/heat/v.mp4\"></video></p>\n",
        )
    );
}

#[test]
fn references_to_characters_xml_forbids_are_dropped_from_every_feed() {
    let site = site_with("Bad &#x1;char and &#xFFFE;another.\n\nMore.\n");
    assert_strict_xml(&site);
    for file in [
        "feeds/reviews.rss",
        "feeds/reviews.atom",
        "feeds/reviews.json",
    ] {
        let text = site.read(file);
        assert!(
            !text.contains(['\u{1}', '\u{FFFE}']),
            "{file} holds a forbidden character"
        );
        assert!(!text.contains("u0001"), "{file} holds an escaped U+0001");
    }
    assert_eq!(body(&site), "<p>Bad char and another.</p>\n<p>More.</p>\n");
    let rss = site.rss("reviews");
    let summary = rss.entries[0].summary.as_ref().unwrap();
    assert_eq!(summary.content, "Bad char and another.");
}

#[test]
fn a_plain_text_summary_reads_the_same_in_rss_atom_and_json() {
    let site = Site::with_config(&config());
    site.write(
        "content/reviews/sea.md",
        "+++\ntitle = \"Quiet & the <sea>\"\ndate = \"2026-01-01\"\nsummary = \"The <sea> is loud & x<y\"\n+++\nBody.\n",
    );
    site.ok(&["build"]);
    let plain = "The <sea> is loud & x<y";

    // RSS: the description is HTML; read as HTML it is the summary.
    let rss = site.rss("reviews");
    let description = &rss.entries[0].summary.as_ref().unwrap().content;
    assert_eq!(description, "The &lt;sea&gt; is loud &amp; x&lt;y");
    assert_eq!(htmlize::unescape(description.as_str()), plain);
    // Atom: a text summary.
    let atom = site.atom("reviews");
    let summary = atom.entries[0].summary.as_ref().unwrap();
    assert_eq!(summary.content, plain);
    assert_eq!(summary.content_type.to_string(), "text/plain");
    // JSON Feed: plain text.
    let json: serde_json::Value = serde_json::from_str(&site.read("feeds/reviews.json")).unwrap();
    assert_eq!(json["items"][0]["summary"], plain);

    // The title: `&` and `<` as the RSS Best Practices Profile asks, read back the same.
    let raw = site.read("feeds/reviews.rss");
    assert!(
        raw.contains("<title>Quiet &#x26; the &#x3C;sea&#x3E;</title>"),
        "{raw}"
    );
    assert_eq!(
        rss.entries[0].title.as_ref().unwrap().content,
        "Quiet & the <sea>"
    );
    assert_eq!(
        atom.entries[0].title.as_ref().unwrap().content,
        "Quiet & the <sea>"
    );
    assert_strict_xml(&site);
}

/// The profile (and the W3C validator, which warns on markup there) allows HTML only in an
/// item's description: the channel's is plain text, written like a title.
#[test]
fn the_channel_description_is_plain_text_like_a_title() {
    let config = config().replace(
        "description = \"Film reviews\"",
        "description = \"Reviews & <notes>\"",
    );
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\n+++\nBody.\n",
    );
    site.ok(&["build"]);
    let raw = site.read("feeds/reviews.rss");
    assert!(
        raw.contains("<description>Reviews &#x26; &#x3C;notes&#x3E;</description>"),
        "{raw}"
    );
    let rss = site.rss("reviews");
    assert_eq!(rss.description.unwrap().content, "Reviews & <notes>");
    let atom = site.atom("reviews");
    assert_eq!(atom.description.unwrap().content, "Reviews & <notes>");
}

#[test]
fn podcast_item_descriptions_are_html_and_plain_text_follows_the_profile() {
    let config = common::PODCAST_CONFIG
        .replace(
            "title = \"The Test Pod\"\ndescription = \"A podcast about tests.\"",
            "title = \"Tests & <more>\"\ndescription = \"A show about <tests> & such\"",
        )
        .replace("funding = [{ url = \"/give\", text = \"Give\" }]\n", "");
    let site = Site::with_config(&config);
    site.write("content/episodes/media/ep1.mp3", &"x".repeat(1000));
    site.write(
        "content/episodes/ep1.md",
        "+++\ntitle = \"Pilot & <intro>\"\ndate = 2026-06-01T10:00:00Z\naudio = \"media/ep1.mp3\"\nduration = \"12:00\"\nsummary = \"Why x<y & more\"\n+++\nNotes.\n",
    );
    site.ok(&["build"]);
    let raw = site.read("feeds/podcast.rss");
    for part in [
        "<title>Tests &#x26; &#x3C;more&#x3E;</title>",
        "<description>A show about &#x3C;tests&#x3E; &#x26; such</description>",
        "<title>Pilot &#x26; &#x3C;intro&#x3E;</title>",
        "<itunes:title>Pilot &#x26; &#x3C;intro&#x3E;</itunes:title>",
        "<description><![CDATA[Why x&lt;y &amp; more]]></description>",
        // Attribute values are no element text: as the crate writes them.
        "<itunes:category text=\"TV &amp; Film\">",
    ] {
        assert!(raw.contains(part), "{part} in\n{raw}");
    }
    if let Err(e) = roxmltree::Document::parse(&raw) {
        panic!("not well-formed: {e}\n{raw}");
    }
    let feed = common::parse_feed(&site.path("feeds/podcast.rss"));
    assert_eq!(feed.title.as_ref().unwrap().content, "Tests & <more>");
    let description = &feed.description.as_ref().unwrap().content;
    assert_eq!(
        htmlize::unescape(description.as_str()),
        "A show about <tests> & such"
    );
    let item = &feed.entries[0];
    assert_eq!(item.title.as_ref().unwrap().content, "Pilot & <intro>");
    let summary = &item.summary.as_ref().unwrap().content;
    assert_eq!(htmlize::unescape(summary.as_str()), "Why x<y & more");
}

/// Issue 13 §3: what the renderer removed from a body is said once per file, even for an
/// entry that is in the main feed and a tag feed, and even under --quiet.
#[test]
fn active_content_removed_is_a_warning_once_per_file() {
    let site = Site::with_config(&format!("{}tags = true\n", common::CONFIG));
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\ntags = [\"x\"]\n+++\nHi <script>alert(1)</script> <iframe src=\"https://video.example/t\"></iframe>\n",
    );
    let out = site.run(&["--quiet", "build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "warning: content/reviews/a.md: body: removed 1 <script> element; turned 1 <iframe> into a link\n"
    );
}

/// The same warning when the body is rendered while the files are written (no tag feed).
#[test]
fn a_body_rendered_late_is_warned_about_too() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\n+++\nHi <a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let stderr = common::stderr(&out);
    assert!(
        stderr.starts_with("warning: content/reviews/a.md: body: removed ")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}
