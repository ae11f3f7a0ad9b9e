//! Unit tests of the verification: each rule of each format, documents given in parts, and
//! (in `well_formedness`) one broken document per well-formedness rule.

use super::rss::is_rfc822;
use super::*;

fn verify_rss(xml: &str) -> Vec<String> {
    document(Format::Rss, xml)
}

fn verify_atom(xml: &str) -> Vec<String> {
    document(Format::Atom, xml)
}

#[test]
fn rfc822_shapes() {
    assert!(is_rfc822("Wed, 02 Oct 2002 13:00:00 +0000"));
    assert!(is_rfc822("Wed, 02 Oct 2002 13:00:00 GMT"));
    assert!(!is_rfc822("Wed, 2 Oct 2002 13:00:00 +0000"));
    assert!(!is_rfc822("Wed, 02 Oct 02 13:00:00 +0000"));
    assert!(
        !is_rfc822("Thu, 02 Oct 2002 13:00:00 +0000"),
        "weekday must agree"
    );
}

#[test]
fn bodies_are_scanned_for_bad_references() {
    let feed = |content: &str| {
        format!(
            r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2026:f</id><title>t</title><updated>2026-01-01T00:00:00Z</updated><author><name>a</name></author><link href="https://e.x/" rel="self"/>
<entry><id>tag:x,2026:e</id><title>e</title><updated>2026-01-01T00:00:00Z</updated><link href="https://e.x/e"/><content type="html">{content}</content></entry></feed>"#
        )
    };
    assert_eq!(
        verify_atom(&feed("&lt;p&gt;a &amp; b&#x27;&#160;&lt;/p&gt;")),
        Vec::<String>::new()
    );
    for (bad, why) in [
        ("a &bogus; b", "undeclared entity `&bogus;`"),
        ("a &lt b", "`&lt` does not end with `;`"),
        ("a &#xZZ; b", "`&#x` is not a character reference"),
        ("a & b", "a bare `&` (write `&amp;`)"),
        ("a &lt", "`&lt` does not end with `;`"),
    ] {
        let all = verify_atom(&feed(bad)).join("\n");
        assert!(
            all.contains("not well-formed") && all.contains(why),
            "{bad}: {all}"
        );
    }
    // Text after a scanned body is still read: a broken end tag after it is caught.
    let broken = feed("&lt;p&gt;").replace("</entry>", "</entri>");
    assert!(!verify_atom(&broken).is_empty());
    // Bodies in CDATA, split at `]]>` and mixed with text, are skipped whole; one that
    // does not end is caught, and so is broken markup after one.
    for ok in [
        "<![CDATA[<p>a > b]]]]><![CDATA[>c</p>]]>",
        "x <![CDATA[<p>]]> &amp; <![CDATA[</p>]]>",
    ] {
        assert_eq!(verify_atom(&feed(ok)), Vec::<String>::new(), "{ok}");
    }
    for bad in [
        "<![CDATA[<p>a</p>",
        "<![CDATA[<p>a</p>]]> & b",
        "<![CDATA[<p>a</p>]]><b>",
    ] {
        let all = verify_atom(&feed(bad)).join("\n");
        assert!(all.contains("not well-formed"), "{bad}: {all}");
    }
}

#[test]
fn a_body_of_whitespace_in_cdata_is_no_description() {
    let rss = |description: &str| {
        format!(
            "<rss version=\"2.0\"><channel><title>t</title><link>https://e.x/</link><description>d</description><item><guid>https://e.x/1</guid><description>{description}</description></item></channel></rss>"
        )
    };
    assert!(verify_rss(&rss("<![CDATA[<p>x</p>]]>")).is_empty());
    assert!(verify_rss(&rss("<![CDATA[é]]>")).is_empty());
    for empty in ["<![CDATA[ \n ]]>", "<![CDATA[\u{a0}]]>", "<![CDATA[]]>"] {
        let v = verify_rss(&rss(empty));
        assert!(v.iter().any(|m| m.starts_with("R11")), "{empty:?}: {v:?}");
    }
}

#[test]
fn catches_broken_rss() {
    let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>/rel</link><description>d</description>
<item><title>a</title><guid>x</guid><pubDate>yesterday</pubDate></item>
<item><title>b</title><guid isPermaLink="false">y</guid></item><item><title>c</title><guid isPermaLink="false">y</guid></item></channel></rss>"#;
    let v = verify_rss(xml);
    let all = v.join("\n");
    assert!(all.contains("R10"), "{all}");
    assert!(all.contains("R14"), "{all}");
    assert!(all.contains("R15"), "{all}");
    assert!(all.contains("appears twice"), "{all}");
    assert!(
        verify_rss("<rss")
            .iter()
            .any(|m| m.contains("not well-formed"))
    );
}

#[test]
fn catches_every_rss_item_rule() {
    let xml = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title> </title><link>https://e.x/</link><description/>
<lastBuildDate>Wed, 2 Oct 2002 13:00:00 +0000</lastBuildDate>
<atom:link href="feeds/x.rss" rel="self"/>
<item><description>  </description></item>
<item><title>e</title><guid isPermaLink="false">g</guid><link>/rel</link><enclosure url="/a.mp3" length="0" type=""/></item>
</channel></rss>"#;
    let all = verify_rss(xml).join("\n");
    for rule in [
        "R9: channel title is empty",
        "R9: channel description is empty",
        "R15: channel date",
        "R11: an item has neither",
        "R12: item `(untitled)` has no guid",
        "R10: item `e` link `/rel`",
        "R20: item `e` enclosure",
        "R23: item `e` enclosure URL `/a.mp3`",
        "R18: atom:link `feeds/x.rss`",
    ] {
        assert!(all.contains(rule), "{rule} missing from:\n{all}");
    }
}

#[test]
fn catches_every_atom_rule() {
    let xml = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title></title><id>not an iri</id><updated>2026-13-01</updated>
<link href="/home"/>
<entry><title>a</title><id>tag:e.x,2026:a</id><updated>yesterday</updated><link rel="enclosure" href="https://e.x/a.mp3"/></entry>
<entry><title> </title><id>tag:e.x,2026:a</id><content type="html">&lt;p&gt;x&lt;/p&gt;</content><link href="rel/"/></entry>
</feed>"#;
    let all = verify_atom(xml).join("\n");
    for rule in [
        "R36: feed id `not an iri`",
        "R29: feed title is empty",
        "R29: feed updated `2026-13-01` is not RFC 3339",
        "R31: feed has no self link",
        "R31: link `/home` is not absolute",
        "R33: entry `a` date `yesterday` is not RFC 3339",
        "R30: entry `a` has no author",
        "R34: entry `a` has neither content nor an alternate link",
        "R33: entry id `tag:e.x,2026:a` appears twice",
        "R33: entry `tag:e.x,2026:a` has an empty title",
        "R10: entry ` ` link `rel/` is not absolute",
    ] {
        assert!(all.contains(rule), "{rule} missing from:\n{all}");
    }
    let ok = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>tag:e.x,2026:f</id><updated>2026-01-01T00:00:00+01:00</updated><author><name>A</name></author><link href="https://e.x/f.atom" rel="self"/></feed>"#;
    assert_eq!(verify_atom(ok), Vec::<String>::new());
}

/// The document cut before every `<` that follows a line break (between two pieces of
/// markup in these documents), fed part by part.
fn check_in_parts(format: Format, xml: &str) -> Vec<String> {
    let mut check = Stream::new(format).unwrap();
    let mut from = 0;
    for (at, _) in xml.match_indices("\n<").chain(xml.match_indices("\n  <")) {
        if at > from {
            check.part(&xml.as_bytes()[from..at]);
            from = at;
        }
    }
    check.part(&xml.as_bytes()[from..]);
    check.finish()
}

#[test]
fn a_document_checked_in_parts_gives_what_it_gives_whole() {
    let item = |guid: &str, date: &str| {
        format!(
            "\n  <item><title>a</title><guid>{guid}</guid><pubDate>{date}</pubDate><description><![CDATA[<p>x</p>]]></description></item>"
        )
    };
    let ok = "Wed, 02 Oct 2002 13:00:00 +0000";
    let rss = |items: String| {
        format!(
            "<rss version=\"2.0\">\n<channel><title>t</title><link>https://e.x/</link><description>d</description>{items}\n</channel>\n</rss>"
        )
    };
    let docs = [
        rss(item("https://e.x/1", ok) + &item("https://e.x/2", ok)),
        rss(item("https://e.x/1", ok) + &item("https://e.x/1", "yesterday")),
        rss(item("https://e.x/1", ok) + "\n  </channel>"),
        rss(item("https://e.x/1", ok)).replace("</rss>", ""),
    ];
    for xml in &docs {
        let whole = document(Format::Rss, xml);
        assert_eq!(check_in_parts(Format::Rss, xml), whole, "{xml}");
    }
    assert!(document(Format::Rss, &docs[0]).is_empty());
    assert_eq!(document(Format::Rss, &docs[1]).len(), 2);
    let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>tag:e.x,2026:f</id>\n  <title>t</title>\n  <updated>2026-01-01T00:00:00Z</updated>\n  <author><name>a</name></author>\n  <link href=\"https://e.x/f.atom\" rel=\"self\"/>\n  <entry><id>tag:e.x,2026:1</id><title>a</title><updated>2026-01-01T00:00:00Z</updated><content type=\"html\">&lt;p&gt;x&lt;/p&gt;</content></entry>\n  <entry><id>tag:e.x,2026:1</id><title>b</title><updated>nope</updated><content type=\"html\">&amp;</content></entry>\n</feed>";
    assert_eq!(
        check_in_parts(Format::Atom, atom),
        document(Format::Atom, atom)
    );
    assert_eq!(document(Format::Atom, atom).len(), 2);
}

#[test]
fn rejects_documents_that_are_not_well_formed() {
    let rss = |items: &str| {
        format!(
            "<rss version=\"2.0\"><channel><title>t</title><link>https://e.x/</link><description>d</description>{items}</channel></rss>"
        )
    };
    assert_eq!(verify_rss(&rss("")), Vec::<String>::new());
    for broken in [
        rss("<item><title>a</title></itm>"),
        rss("<item><title>a &nbsp; b</title></item>"),
        rss("<item><title>a &#xZZ; b</title></item>"),
        rss("<item><title>a & b</title></item>"),
        rss("<item><enclosure url=\"a\" url=\"b\"/></item>"),
        rss("<item><title>a</title>").replace("</channel></rss>", ""),
        format!("{}<rss/>", rss("")),
        "<feed/>".to_string(),
        String::new(),
    ] {
        let v = verify_rss(&broken);
        assert!(
            v.len() == 1 && v[0].starts_with("RSS is not well-formed"),
            "{broken}: {v:?}"
        );
    }
    assert!(
        verify_atom("<feed><entry></feed>")
            .iter()
            .any(|m| m.contains("not well-formed"))
    );
    assert!(
        verify_atom("<rss/>")
            .iter()
            .any(|m| m.contains("not well-formed"))
    );
}
