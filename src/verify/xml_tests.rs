//! One broken document per well-formedness rule: each must fail with the right message and
//! position, and roxmltree (a conforming parser) must reject it too. Then documents that are
//! well-formed in unusual ways, which must pass, and the same documents cut into parts anywhere.

use super::xml::well_formed;
use super::*;

/// A small RSS document with `$` where each case puts its text.
const BASE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel><title>$</title><link>https://e.x/</link><description>d</description></channel>\n</rss>\n";

fn with(text: &str) -> String {
    BASE.replacen('$', text, 1)
}

/// For each rule: `(replace, with, what the message must say, line, column)`, a broken
/// document being [`BASE`] with its first `replace` replaced (or `with` alone when `replace` is
/// empty).
#[rustfmt::skip]
const BROKEN: &[(&str, &str, &str, u64, u64)] = &[
    // Char, production [2], in every kind of place.
    ("$", "a\u{1}b", "U+0001 (a control character) is not allowed in XML", 3, 18),
    ("$", "<![CDATA[a\u{1b}]]>", "U+001B (a control character) is not allowed", 3, 27),
    ("$", "a<!-- \u{c} -->", "U+000C (a control character)", 3, 23),
    ("$", "a<?pi \u{0} ?>", "U+0000 (a control character)", 3, 23),
    ("$", "\u{FFFE}", "U+FFFE (a noncharacter) is not allowed", 3, 17),
    ("$", "\u{FFFF}", "U+FFFF (a noncharacter)", 3, 17),
    ("version=\"2.0\"", "version=\"2\u{7}0\"", "U+0007", 2, 16),
    // References, productions [66] and [68].
    ("$", "&#0;", "`&#0;` refers to U+0000 (a control character), which XML does not allow", 3, 17),
    ("$", "&#x1;", "`&#x1;` refers to U+0001", 3, 17),
    ("$", "&#xD800;", "`&#xD800;` refers to U+D800 (a surrogate)", 3, 17),
    ("$", "&#x110000;", "`&#x110000;` refers to no character (beyond U+10FFFF)", 3, 17),
    ("$", "&#xFFFE;", "refers to U+FFFE (a noncharacter)", 3, 17),
    ("$", "&#99999999999999999999;", "beyond U+10FFFF", 3, 17),
    ("$", "&#;", "`&#` is not a character reference", 3, 17),
    ("$", "&#x;", "`&#x` is not a character reference", 3, 17),
    ("$", "&#12a;", "`&#12` is not a character reference", 3, 17),
    ("$", "&#X41;", "`&#` is not a character reference", 3, 17),
    ("$", "&nbsp;", "undeclared entity `&nbsp;`", 3, 17),
    ("$", "a & b", "a bare `&` (write `&amp;`)", 3, 19),
    ("$", "a &amp b", "`&amp` does not end with `;`", 3, 19),
    ("https://e.x/", "https://e.x/?a=1&b=2", "`&b` does not end with `;`", 3, 48),
    ("version=\"2.0\"", "version=\"2.0 &\"", "`&` in the value of attribute `version` starts no reference", 2, 19),
    ("version=\"2.0\"", "version=\"&bogus;\"", "undeclared entity `&bogus;`", 2, 15),
    // `<` and `]]>` where they may not be.
    ("version=\"2.0\"", "version=\"<2\"", "`<` in the value of attribute `version` (write `&lt;`)", 2, 15),
    ("$", "a < b", "`<` starts no tag (write `&lt;`)", 3, 19),
    ("$", "a ]]> b", "`]]>` in text (write `]]&gt;`)", 3, 19),
    // Comments, CDATA sections, processing instructions, DOCTYPE.
    ("$", "<!-- a -- b -->", "`--` inside a comment", 3, 24),
    ("$", "<!-- a --->", "`--` inside a comment", 3, 24),
    ("</rss>\n", "</rss><!-- a", "the document ends inside a comment", 4, 7),
    ("</channel>", "<![CDATA[a</channel>", "the document ends inside a CDATA section (`]]>` is missing)", 3, 79),
    ("</rss>\n", "</rss>\n<![CDATA[a]]>", "a CDATA section outside the root element", 5, 1),
    ("</rss>\n", "</rss><?pi a", "the document ends inside a processing instruction", 4, 7),
    ("$", "<?a:b c?>", "processing instruction target `a:b` has a colon", 3, 17),
    ("$", "<?pi?x?>", "name must be followed by white space", 3, 21),
    ("$", "<!x>", "`<!x` starts no comment or CDATA section", 3, 17),
    ("\n<rss", "\n<!DOCTYPE rss>\n<rss", "a DOCTYPE declaration", 2, 1),
    // The XML declaration: first, lower case, well-formed.
    ("<?xml", " <?xml", "the XML declaration `<?xml ...?>` must come first", 1, 2),
    ("\n<rss", "\n<?xml version=\"1.0\"?><rss", "must come first", 2, 1),
    ("<?xml", "<?XML", "must come first, in lower case", 1, 1),
    ("1.0", "2.0", "the XML declaration's version `2.0` is not 1.x (write version=\"1.0\")", 1, 1),
    ("UTF-8", "ISO-8859-1", "names encoding `ISO-8859-1`, but the document is UTF-8", 1, 1),
    ("version=\"1.0\" encoding=\"UTF-8\"", "encoding=\"UTF-8\"", "must start with its version", 1, 1),
    ("\"1.0\" ", "\"1.0\"", "the XML declaration is malformed at `encoding", 1, 1),
    // A name that ends the declaration (a property test's `?>` put inside it): no panic.
    ("encoding=\"UTF-8\"", "encoding", "`encoding` in the XML declaration has no quoted value", 1, 1),
    ("encoding=\"UTF-8\"", "enco", "the XML declaration is malformed at `enco", 1, 1),
    ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml?>", "the XML declaration has no version", 1, 1),
    ("UTF-8\"", "UTF-8\" standalone=\"maybe\"", "the XML declaration's standalone=\"maybe\" is neither yes nor no", 1, 1),
    // Elements: one root, matching tags, nothing after the root but misc.
    ("</rss>\n", "</rss>\n<rss/>", "a second root element <rss> (a document has one)", 5, 1),
    ("</rss>\n", "</rss>\nx", "text after the root element (`x`…)", 5, 1),
    ("", "<?xml version=\"1.0\"?>x<a/>", "text before the root element (`x`…)", 1, 22),
    ("</rss>\n", "</rss>\n&amp;", "a reference outside the root element", 5, 1),
    ("</channel>", "</chanel>", "end tag </chanel> does not match the start tag <channel>", 3, 79),
    ("</rss>\n", "</rss>\n</rss>", "end tag </rss> without a start tag", 5, 1),
    ("</channel>", "</channel x>", "end tag </channel> holds more than its name", 3, 89),
    ("</rss>\n", "", "the document ends before <rss> is closed", 4, 1),
    ("</channel>\n</rss>\n", "<title", "the document ends inside a start tag", 3, 79),
    ("", "<?xml version=\"1.0\"?>", "the document has no root element", 1, 22),
    ("", "", "the document has no root element", 1, 1),
    ("$", "<1a/>", "`<` starts no tag (write `&lt;`)", 3, 17),
    // Attributes.
    ("version=\"2.0\"", "version=\"2.0\" version=\"2.0\"", "attribute `version` appears twice in <rss>", 2, 20),
    ("version=\"2.0\"", "version", "attribute `version` has no value", 2, 6),
    ("version=\"2.0\"", "version=2.0", "the value of attribute `version` is not quoted", 2, 14),
    ("version=\"2.0\" ", "version=\"2.0\"", "attributes of <rss> must be apart", 2, 19),
    ("<channel>", "<channel/x>", "`/` in a tag is not followed by `>`", 3, 9),
    ("<channel>", "<channel \"x\">", "`\"` in the tag <channel>", 3, 10),
    // Namespaces: prefixes bound, declared legally, no attribute twice by namespace.
    ("$", "<atom:link/><x:y/>", "the prefix `x` of <x:y> is not bound (declare xmlns:x=\"…\")", 3, 29),
    ("$", "<a x:href=\"h\"/>", "the prefix `x` of attribute `x:href` is not bound", 3, 17),
    ("$", "<a xmlns:b=\"http://www.w3.org/2005/Atom\" atom:x=\"1\" b:x=\"2\"/>", "attributes `atom:x` and `b:x` of <a> are the same attribute", 3, 17),
    ("$", "<a xmlns:b=\"\"/>", "xmlns:b=\"\": a prefix cannot be bound to nothing", 3, 17),
    ("$", "<a xmlns:xml=\"urn:x\"/>", "xmlns:xml: the prefix `xml` and only it is bound to", 3, 17),
    ("$", "<a xmlns:x=\"http://www.w3.org/XML/1998/namespace\"/>", "the prefix `xml` and only it", 3, 17),
    ("$", "<a xmlns:xmlns=\"urn:x\"/>", "the prefix `xmlns` cannot be declared", 3, 17),
    ("$", "<a xmlns=\"http://www.w3.org/2000/xmlns/\"/>", "nothing may be bound to http://www.w3.org/2000/xmlns/", 3, 17),
    ("$", "<a:b:c xmlns:a=\"urn:a\"/>", "`a:b:c` is not a qualified name", 3, 17),
    ("$", "<a :b=\"1\"/>", "`:b` is not a qualified name", 3, 17),
    ("$", "<xmlns:a/>", "<xmlns:a>: the prefix `xmlns` is reserved", 3, 17),
];

fn broken() -> Vec<(String, &'static str, u64, u64)> {
    BROKEN
        .iter()
        .map(|&(from, to, message, line, column)| {
            let doc = if from.is_empty() {
                to.to_string()
            } else {
                BASE.replacen(from, to, 1)
            };
            (doc, message, line, column)
        })
        .collect()
}

/// What roxmltree 0.21 lets pass although XML 1.0 or Namespaces in XML 1.0 forbid it: it reads
/// a reference to a surrogate or beyond U+10FFFF as U+FFFD (XML 1.0 section 4.1 requires a
/// `Char`), does not check the XML declaration's content (production [23]), lets a processing
/// instruction's target be `XML` or hold a colon or be followed by other than white space
/// ([16], [17]; Namespaces section 7), lets `xmlns:p=""`, `xmlns:xmlns` and an attribute
/// named `:b` pass (Namespaces sections 3 and 4), and `xmlns` twice in a tag (XML 1.0's
/// "Unique Att Spec").
const ROXMLTREE_LENIENT: &[&str] = &[
    "(a surrogate)",
    "beyond U+10FFFF",
    "XML declaration",
    "processing instruction",
    "a prefix cannot be bound to nothing",
    "the prefix `xmlns` cannot be declared",
    "is not a qualified name",
    "attribute `xmlns` appears twice",
];

#[test]
fn each_broken_rule_fails_with_its_message_and_position() {
    let mut wrong = Vec::new();
    for (doc, message, line, column) in broken() {
        let err = well_formed(doc.as_bytes()).expect_err(&doc);
        if !err.message.contains(message) || (err.line, err.column) != (line, column) {
            wrong.push(format!(
                "{doc:?}\n  {err}\n  wanted {line}:{column} {message}"
            ));
        }
        // A conforming parser agrees the document is broken (it refuses DTDs by default), except
        // where roxmltree is lenient (see [`ROXMLTREE_LENIENT`]).
        let lenient = ROXMLTREE_LENIENT.iter().any(|m| err.message.contains(m));
        if !lenient && roxmltree::Document::parse(&doc).is_ok() {
            wrong.push(format!("roxmltree accepts {doc:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_broken_feed_fails_the_build_with_where_and_why() {
    let v = document(Format::Rss, &with("a\u{1}b"));
    assert_eq!(
        v,
        [
            "RSS is not well-formed XML: line 3, column 18: U+0001 (a control character) is not allowed in XML (readers would reject the file: fix the content or config that put it there)"
        ]
    );
    let v = document(
        Format::Atom,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">&#x1;</feed>",
    );
    assert_eq!(v.len(), 1);
    assert!(
        v[0].starts_with(
            "Atom is not well-formed XML: line 1, column 43: `&#x1;` refers to U+0001"
        ),
        "{v:?}"
    );
}

#[test]
fn bytes_that_are_not_utf8_fail() {
    let mut doc = with("é").into_bytes();
    let at = doc.iter().position(|&b| b == 0xC3).unwrap();
    doc[at + 1] = b'x';
    let err = well_formed(&doc).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3, column 17: byte 0xC3 is not UTF-8 (the document must be UTF-8)"
    );
    // Cut in the middle of a character at the end.
    let doc = with("é").into_bytes();
    let mut stream = Stream::new(Format::Rss).unwrap();
    stream.part(&doc[..at + 1]);
    let v = stream.finish();
    assert!(
        v[0].contains("the document ends inside a UTF-8 character"),
        "{v:?}"
    );
}

/// Well-formed in unusual ways: all must pass (roxmltree agrees).
fn unusual() -> Vec<String> {
    vec![
        BASE.to_string(),
        format!("\u{FEFF}{BASE}"),
        BASE.replace(
            "\"1.0\" encoding=\"UTF-8\"",
            "'1.0' encoding='utf-8' standalone='yes' ",
        ),
        BASE.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", ""),
        BASE.replace(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<!-- c --><?pi x?>\n",
        ),
        format!("{BASE}<!-- after -->\n<?pi after?>\n\n"),
        with("a > b ] c ]] d"),
        with("<![CDATA[a ]] ] < & ]]]]><![CDATA[>]]>"),
        with("&#x1F3AC;&#9;&#xA;&#xd;&#65;&lt;&gt;&amp;&quot;&apos;"),
        with("\u{1F3AC} \u{FFFD} \u{E000} \u{D7FF} \t"),
        with("<a xml:lang=\"en\" b='it&apos;s &lt;b&gt; > ]]>'/>"),
        with("<a xmlns=\"urn:d\"><b xmlns=\"\"/></a>"),
        with("<p:a xmlns:p=\"urn:p\" p:x=\"1\" x=\"2\"><p:b/></p:a  >"),
        with("<a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" p:x=\"1\" q:x=\"2\"/>"),
        with("<a/><b /><c\n\tx = \"1\"\r\n/><é名 ü=\"1\"/><_x.y-z/>"),
        with("<!----><!-- - --><?pi?><?xml-stylesheet href=\"a\"?>"),
        BASE.replace(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\" ?>",
        ),
    ]
}

#[test]
fn unusual_but_well_formed_documents_pass() {
    for doc in unusual() {
        roxmltree::Document::parse(&doc).unwrap_or_else(|e| panic!("roxmltree: {e}\n{doc:?}"));
        well_formed(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{doc:?}"));
    }
}

/// A document given in parts, cut at every position in turn (two parts), and in one-byte parts.
#[test]
fn a_document_cut_anywhere_gives_what_it_gives_whole() {
    let docs = unusual()
        .into_iter()
        .chain(broken().into_iter().map(|(d, ..)| d));
    for doc in docs {
        let doc = doc.as_bytes();
        let whole = document(Format::Rss, &String::from_utf8_lossy(doc));
        let parts = |cuts: &mut dyn Iterator<Item = usize>| {
            let mut stream = Stream::new(Format::Rss).unwrap();
            let mut from = 0;
            for at in cuts {
                stream.part(&doc[from..at]);
                from = at;
            }
            stream.part(&doc[from..]);
            stream.finish()
        };
        for cut in 0..=doc.len() {
            let v = parts(&mut std::iter::once(cut));
            assert_eq!(v, whole, "cut at {cut}: {:?}", String::from_utf8_lossy(doc));
        }
        assert_eq!(parts(&mut (1..doc.len())), whole);
    }
}

/// A CDATA section libxml2 would refuse (over 10,000,000 bytes) fails the check, as the
/// whole feed would fail in such readers.
#[test]
fn a_cdata_section_over_libxml2_s_limit_is_refused() {
    let doc = |n: usize| format!("<r><![CDATA[{}]]></r>", "x".repeat(n));
    assert!(well_formed(doc(10_000_000).as_bytes()).is_ok());
    let e = well_formed(doc(10_000_001).as_bytes()).unwrap_err();
    assert!(
        e.to_string().contains("a CDATA section of 10000001 bytes"),
        "{e}"
    );
}
