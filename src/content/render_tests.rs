//! Tests of [`super`]: bodies rendered, cleaned and summed up.

use super::*;

fn url() -> Url {
    Url::parse("https://example.com/reviews/heat/").unwrap()
}

#[test]
fn markdown_tables_footnotes_and_links() {
    let r = render(
        BodyKind::Markdown,
        "Intro [a](../x/) and ![p](img/p.jpg \"t\")[^1].\n\n|a|b|\n|-|-|\n|1|2|\n\n[^1]: Note [f](#top).\n",
        &url(),
    );
    assert!(r.html.contains("<table>"), "{}", r.html);
    assert!(
        r.html.contains("href=\"https://example.com/reviews/x/\""),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains("src=\"https://example.com/reviews/heat/img/p.jpg\""),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains("href=\"https://example.com/reviews/heat/#top\""),
        "{}",
        r.html
    );
    assert!(r.html.contains("footnote-definition"), "{}", r.html);
    assert!(
        r.html
            .contains("<a href=\"https://example.com/reviews/heat/#1\">1</a>"),
        "a footnote reference points at the item's page: {}",
        r.html
    );
    assert_eq!(
        r.first_paragraph, "Intro a and p.",
        "footnote markers stay out of the summary"
    );
}

/// Audit: `* * *`, a scene break, was a paragraph of stars in a plain-text column.
#[test]
fn a_spaced_scene_break_is_a_rule() {
    let url = Url::parse("https://example.com/reviews/heat/").unwrap();
    let r = render(BodyKind::Text, "One.\n* * *\nTwo.\n", &url);
    assert_eq!(r.html, "<p>One.</p>\n<hr />\n<p>Two.</p>\n");
    assert!(!is_separator("a - b") && !is_separator("*") && is_separator(" - - - "));
}

/// Audit: a first paragraph of only a poster was summed up by its alt text, "poster".
#[test]
fn an_image_alt_text_is_no_summary() {
    let url = Url::parse("https://example.com/reviews/heat/").unwrap();
    let r = render(
        BodyKind::Markdown,
        "![poster](p.jpg)\n\nThe film opens.\n",
        &url,
    );
    assert_eq!(r.first_paragraph, "The film opens.");
    // Beside text, an image's alt text reads as part of the sentence.
    let r = render(BodyKind::Markdown, "A ![still](s.jpg) shot.\n", &url);
    assert_eq!(r.first_paragraph, "A still shot.");
}

#[test]
fn every_kind_of_url_in_markdown_ends_up_absolute() {
    let body = "[q](../x/?a=1&b=2 \"t\") <mail@example.com> <https://x.org/y> [e]()                     [m](mailto:a@b.c) [s](/about)\n\n<img src=\"raw.jpg\"> <a href='../r/'>r</a>\n";
    let html = render(BodyKind::Markdown, body, &url()).html;
    for part in [
        "href=\"https://example.com/reviews/x/?a=1&amp;b=2\" title=\"t\"",
        "href=\"mailto:mail@example.com\"",
        "href=\"https://x.org/y\"",
        "href=\"\"",
        "href=\"mailto:a@b.c\"",
        "href=\"https://example.com/about\"",
        "src=\"https://example.com/reviews/heat/raw.jpg\"",
        "href=\"https://example.com/reviews/r/\"",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    // Without raw HTML or footnotes, the links are made absolute before they are written.
    let plain = render(BodyKind::Markdown, "[a](b/) ![c](d.png)\n", &url()).html;
    assert_eq!(
        plain,
        "<p><a href=\"https://example.com/reviews/heat/b/\">a</a> <img src=\"https://example.com/reviews/heat/d.png\" alt=\"c\" /></p>\n"
    );
}

#[test]
fn links_and_images_that_run_code_keep_only_their_text() {
    let r = render(
        BodyKind::Markdown,
        "[x](javascript:alert(1)) [y](JAVASCRIPT&colon;x) ![z](vbscript:x) [w](data:text/html,x) ![i](data:image/png;base64,AA) <javascript:alert(2)> [ok](b/)\n",
        &url(),
    );
    assert_eq!(
        r.html,
        "<p>x y z w <img src=\"data:image/png;base64,AA\" alt=\"i\" /> javascript:alert(2) <a href=\"https://example.com/reviews/heat/b/\">ok</a></p>\n"
    );
    assert_eq!(
        r.notes,
        ["body: removed 3 javascript: URLs, 1 vbscript: URL, 1 data: URL"]
    );
    // Nested: each end goes with its own start.
    let nested = render(
        BodyKind::Markdown,
        "[![kept](a.png)](javascript:x) [t ![gone](javascript:y) u](/ok)\n",
        &url(),
    );
    assert_eq!(
        nested.html,
        "<p><img src=\"https://example.com/reviews/heat/a.png\" alt=\"kept\" /> <a href=\"https://example.com/ok\">t gone u</a></p>\n"
    );
}

#[test]
fn raw_html_is_cleaned_and_counted_with_markdown_links() {
    let r = render(
        BodyKind::Markdown,
        "Intro [x](javascript:x).\n\n<script>alert(1)</script>\n\n<iframe src=\"https://v.example/e/1\"></iframe>\n",
        &url(),
    );
    assert_eq!(
        r.html,
        "<p>Intro x.</p>\n\n<a href=\"https://v.example/e/1\">https://v.example/e/1</a>\n"
    );
    assert_eq!(
        r.notes,
        ["body: removed 1 <script> element, 1 javascript: URL; turned 1 <iframe> into a link"]
    );
    assert_eq!(r.first_paragraph, "Intro x.");
}

/// Audit: the summary held the text of the `<script>` and `<style>` the body lost
/// (`Hello alert(document.cookie) world p{color:red} end.`).
#[test]
fn text_the_cleaner_removed_is_not_in_the_summary() {
    let r = render(
        BodyKind::Markdown,
        "Hello <script>alert(document.cookie)</script> world <style>p{color:red}</style> end.\n",
        &url(),
    );
    assert_eq!(r.html, "<p>Hello  world  end.</p>\n");
    assert_eq!(r.first_paragraph, "Hello world end.");
    // A paragraph of removed text only is no first paragraph; an `<object>`'s fallback
    // goes with it, however many paragraphs it spans.
    let r = render(
        BodyKind::Markdown,
        "<object data=\"film.mp4\">\n\nFallback *text*.\n\n</object>\n\n<svg><title>star</title></svg> <noscript>`x`</noscript>\n\nFirst <math><mi>shown</mi></math> words.\n\nSecond.\n",
        &url(),
    );
    assert_eq!(r.first_paragraph, "First words.");
    assert!(!r.html.contains("Fallback"), "{}", r.html);
}

/// Audit: a Unicode space before `javascript:` passed the scheme check, then was trimmed
/// off as the URL was written: live script links in every feed.
#[test]
fn a_unicode_space_before_a_scheme_hides_nothing() {
    let body = "Click <a href=\"&nbsp;javascript:document.title='x'\">here</a>.\n\n\
        <iframe src=\"&#160;javascript:alert(2)\"></iframe>\n\n\
        <form action=\"&#8232;javascript:alert(3)\"><button formaction=\"\u{3000}vbscript:y\">Go</button></form>\n\n\
        [c](<\u{a0}javascript:alert(4)>) <a href=\"&#160;&#160;java&#x09;script:z\">t</a> \
        <a href=\"&#x2028;data:text/html,x\">d</a> <img src=\"\u{2003}javascript:w\">\n";
    let r = render(BodyKind::Markdown, body, &url());
    let lower = r.html.to_ascii_lowercase();
    for scheme in ["javascript", "vbscript", "data:"] {
        assert!(!lower.contains(scheme), "{scheme}: {}", r.html);
    }
    assert!(
        r.notes.iter().any(|n| n.contains("javascript: URL")),
        "{:?}",
        r.notes
    );
}

/// Audit: a body that opens with an HTML block (`<div><p>…</p></div>`) was summed up by
/// the Markdown paragraph after it.
#[test]
fn an_html_block_first_is_the_summary() {
    let first = |body: &str| render(BodyKind::Markdown, body, &url()).first_paragraph;
    let cases = [
        (
            "<div><p>The first words.</p></div>\n\nSecond.\n",
            "The first words.",
        ),
        (
            "<div><script>alert(1)</script><p>Real &amp; true</p></div>\n\nNext.\n",
            "Real & true",
        ),
        ("<!-- a note <p>hidden</p> -->\n\nFirst.\n", "First."),
        (
            "<p>un<em>believ</em>able<br>next</p>\n",
            "unbelievable next",
        ),
        ("<div\n class=\"a>b\">Text</div>\n\nLater.\n", "Text"),
        (
            "<object data=\"f.mp4\">\n\nFallback.\n\n</object>\n\nShown.\n",
            "Shown.",
        ),
        (
            "<style>\np { color: red }\n</style>\n\nAfter the style.\n",
            "After the style.",
        ),
        // Audit: a comment opened in an HTML block and closed in the paragraph after.
        (
            "<div><!-- private\n\nmy private draft notes <!-- -->\n\nPublic text.\n",
            "Public text.",
        ),
        // Audit: a panic on a comment's accented text, and a stray quote in a name.
        ("<div><!-- café note --></div>\n\nHello.\n", "Hello."),
        ("<p>Inline <!-- résumé --> x</p>\n", "Inline x"),
        (
            "<div a'=1 title=\"it's>SECRET\" onmouseover=\"it's>x\">Shown</div>\n",
            "Shown",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(first(body), want, "{body}");
    }
}

#[test]
fn references_to_characters_xml_forbids_are_dropped() {
    let r = render(
        BodyKind::Markdown,
        "A&#x1;b &#xFFFE;c &#0; &#x1F3AC;\n\n`&#x1;`\n",
        &url(),
    );
    assert_eq!(
        r.html,
        "<p>Ab c \u{FFFD} \u{1F3AC}</p>\n<p><code>&amp;#x1;</code></p>\n"
    );
    assert_eq!(r.first_paragraph, "Ab c \u{FFFD} \u{1F3AC}");
    assert_eq!(
        r.notes,
        ["body: dropped 2 character(s) that XML 1.0 does not allow"]
    );
    assert!(
        render(BodyKind::Markdown, "fine\n", &url())
            .notes
            .is_empty()
    );
}

/// Audit: `<img alt="a&#1;b">` kept the reference in the feeds, which every reader of the HTML
/// decodes to U+0001. In raw HTML, a reference naming a character XML forbids goes too, with
/// or without its `;`, in hex or decimal (Markdown's own text decodes them before).
#[test]
fn raw_html_references_to_characters_xml_forbids_are_dropped() {
    let r = render(
        BodyKind::Markdown,
        "<img alt=\"a&#1;b\" title=\"c&#X0001;d&#xffff;\" src=\"x.png\"> t&#11;u &#x80; &#0; &#65; &#;\n",
        &url(),
    );
    assert_eq!(
        r.html,
        "<p><img alt=\"a&#xFFFD;b\" title=\"c&#xFFFD;d&#xFFFD;\" src=\"https://example.com/reviews/heat/x.png\"> tu \u{80} \u{FFFD} A &amp;#;</p>\n"
    );
    assert_eq!(
        r.notes,
        ["body: dropped 4 character(s) that XML 1.0 does not allow"]
    );
}

#[test]
fn plain_text_paragraphs_keep_typography() {
    let r = render(
        BodyKind::Text,
        "“Heat” — it’s 1995…\nSecond & <last>.\n\n--\nPromo\n",
        &url(),
    );
    assert_eq!(
        r.html,
        "<p>“Heat” — it’s 1995…</p>\n<p>Second &amp; &lt;last&gt;.</p>\n<hr />\n<p>Promo</p>\n"
    );
    assert_eq!(r.first_paragraph, "“Heat” — it’s 1995…");
}

#[test]
fn escaping_keeps_everything_but_the_four_characters() {
    assert_eq!(
        escape_html("“Heat” <1995> & 'Ronin' — \"naïve\" 🎬"),
        "“Heat” &lt;1995&gt; &amp; 'Ronin' — &quot;naïve&quot; 🎬"
    );
    assert_eq!(escape_html(""), "");
    assert_eq!(escape_html("&"), "&amp;");
}

/// The definition `cut_at_word` keeps: whitespace made single spaces, then cut.
fn cut_simply(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let byte_max = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let cut = text[..byte_max].rfind(' ').unwrap_or(byte_max);
    format!("{}…", text[..cut].trim_end_matches([',', ';', ':', ' ']))
}

#[test]
fn cut_at_word_is_the_simple_cut() {
    let texts = [
        "",
        "  one  ",
        "one two three",
        "a, b; c: d e",
        "word\twith\n tabs  and   runs of spaces",
        "ünïcödé wörds – and “quotes”, here; there",
        "averyveryverylongwordwithoutanyspaces and more",
    ];
    for text in texts {
        for max in 0..50 {
            assert_eq!(
                cut_at_word(text, max),
                cut_simply(text, max),
                "{text:?} {max}"
            );
        }
    }
}

#[test]
fn cut_at_word_boundary() {
    assert_eq!(cut_at_word("one two three", 9), "one two…");
    assert_eq!(cut_at_word("short", 9), "short");
    assert_eq!(cut_at_word("ééééé ééééé", 7), "ééééé…");
}

/// Audit: notes of only a heading and a list had no summary: a podcast's description was
/// empty, the RSS description the whole body, Atom and JSON Feed none.
#[test]
fn without_a_paragraph_the_summary_is_the_text_shown_first() {
    let r = render(
        BodyKind::Markdown,
        "## In *this* epi<em>sode</em>\n\n- one &amp; two\n- three <span>x</span>\n",
        &url(),
    );
    assert_eq!(r.first_paragraph, "In this episode one & two three x");
    // A picture alone is still no summary.
    let r = render(BodyKind::Markdown, "![poster](p.jpg)\n", &url());
    assert_eq!(r.first_paragraph, "");
}

/// Audit: a word longer than a summary was cut inside a character a reader sees as one.
#[test]
fn a_cut_inside_a_word_keeps_whole_characters() {
    let accents = "e\u{301}".repeat(200);
    let cut = cut_at_word(&accents, 5);
    assert_eq!(cut, format!("{}…", "e\u{301}".repeat(2)));
    let flags = "🇺🇸".repeat(10);
    assert_eq!(cut_at_word(&flags, 5), format!("{}…", "🇺🇸".repeat(2)));
    let family = "👨\u{200d}👩\u{200d}👧".repeat(10);
    assert_eq!(cut_at_word(&family, 8), "👨\u{200d}👩\u{200d}👧…");
    assert_eq!(cut_at_word(&"日本".repeat(200), 3), "日本日…");
    // Thai SARA AM and conjoining Hangul jamo belong to the syllable before them.
    assert_eq!(cut_at_word(&format!("x{}", "กำ".repeat(300)), 4), "xกำ…");
    let jamo = "\u{1100}\u{1161}\u{11a8}".repeat(300);
    assert_eq!(cut_at_word(&jamo, 5), "\u{1100}\u{1161}\u{11a8}…");
}

/// Audit: a list nested 600 deep had no summary (its tags and line breaks counted as text
/// past the bound), so the RSS description carried the whole body a second time.
#[test]
fn a_deeply_nested_list_is_summed_up_by_its_words() {
    let base = Url::parse("https://films.example/r/a/").unwrap();
    for depth in [10, 600, 5000] {
        let body = format!("{}deep words", "- ".repeat(depth));
        let r = render(BodyKind::Markdown, &body, &base);
        assert_eq!(r.first_paragraph, "deep words", "depth {depth}");
    }
}
