//! Tests of [`super`]: one file parsed into an entry.

use super::*;

/// An entry is held for every source through identify (100,000 of them on a large site):
/// past 112 bytes the allocator rounds it up to 128.
#[test]
fn an_entry_fits_in_112_bytes() {
    assert!(
        std::mem::size_of::<Entry>() <= 112,
        "{}",
        std::mem::size_of::<Entry>()
    );
}

fn parse(text: &str, name: &str) -> Parsed {
    let kind = kind_of(Path::new(name)).unwrap();
    parse_entry(text.as_bytes(), Path::new(name), name, kind, Tz::UTC)
}

/// Audit: `title: null` on line 2 was "line 1: no title"; a body line `title: x` is not
/// the key.
#[test]
fn a_title_without_a_value_is_said_at_its_line() {
    let e = parse("---\ndate: 2026-01-01\ntitle: null\n---\nB\n", "a.md").unwrap_err();
    assert_eq!(e[0].line, Some(3), "{}", e[0]);
    assert!(
        e[0].message.starts_with("no title: `title` is empty"),
        "{}",
        e[0]
    );
    // A chapter's indented title, or one inside a block, is not the key; a quoted key is.
    let text = "---\nchapters:\n  - start: 0:00\n    title: Intro\nsummary: |\n  title: fake\ntitle: ~\n---\nB\n";
    assert_eq!(parse(text, "a.md").unwrap_err()[0].line, Some(7));
    let e = parse("---\n\"title\": ~\n---\nB\n", "a.md").unwrap_err();
    assert_eq!(e[0].line, Some(2), "{}", e[0]);
    let e = parse("---\ndate: 2026-01-01\n---\ntitle: in the body\n", "a.md").unwrap_err();
    assert_eq!(e[0].line, Some(1), "{}", e[0]);
    assert!(e[0].message.starts_with("no title: add"), "{}", e[0]);
}

/// Audit: `🎬.md` titled `★★★` got an empty slug: the id ended in `reviews/`, the link in
/// `reviews//`, a podcast's chapters file was `.json`.
#[test]
fn a_name_and_title_without_letters_get_a_slug_named_by_the_file() {
    let text = "+++\ntitle = \"★★★\"\ndate = 2026-11-02\n+++\nBody.\n";
    let (a, _) = parse(text, "content/🎬.md").unwrap();
    let (b, _) = parse(text, "content/🎥.md").unwrap();
    assert!(
        a.slug.starts_with("entry-") && a.slug.len() == 18,
        "{}",
        a.slug
    );
    assert_ne!(a.slug, b.slug);
    assert_eq!(parse(text, "content/🎬.md").unwrap().0.slug, a.slug);
    let (t, _) = parse("No title line here.\n", "content/😀.txt").unwrap();
    assert!(t.slug.starts_with("entry-"), "{}", t.slug);
}

/// Audit: a column whose first line was `Link: the missing one, a review` had it read as a
/// header line and published as the item's link.
#[test]
fn a_link_with_spaces_is_an_error_at_its_line() {
    let errors = parse("Link: the missing one, a review\n\nBody.\n", "b.txt").unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "b.txt:1: link `the missing one, a review` has spaces, so it is no URL: write the item's address (or a path on the site); if this is the column's first line, put a `Title:` line and a blank line above it"
    );
    let (e, _) = parse("Title: B\nLink: https://x.example/b\n\nBody.\n", "b.txt").unwrap();
    assert_eq!(e.link(), Some("https://x.example/b"));
}

#[test]
fn markdown_toml() {
    let (e, w) = parse(
        "+++\ntitle = \"Heat\"\ndate = 2024-05-01\n+++\nBody *x*\n",
        "2024-05-01-heat.md",
    )
    .unwrap();
    assert!(w.is_empty());
    assert_eq!(&*e.title, "Heat");
    assert_eq!(&*e.slug, "heat");
    assert_eq!(e.body(), "Body *x*\n");
    assert_eq!(e.date.unwrap().to_rfc3339(), "2024-05-01T00:00:00+00:00");
}

#[test]
fn bom_and_crlf_give_same_entry() {
    let a = parse("---\r\ntitle: Heat\r\n---\r\nBody\r\n", "heat.md")
        .unwrap()
        .0;
    let b = parse("\u{feff}---\ntitle: Heat\n---\nBody\n", "heat.md")
        .unwrap()
        .0;
    assert_eq!(a, b);
}

#[test]
fn missing_title_and_bad_date_are_both_reported() {
    let e = parse("+++\ndate = \"soon\"\n+++\nx", "a.md").unwrap_err();
    assert_eq!(e.len(), 2);
    assert!(e[0].message.contains("no title"));
    assert!(e[1].message.contains("`soon` is not a date"));
    assert_eq!(e[1].line, Some(2));
}

#[test]
fn a_blank_tag_is_left_out_with_a_warning() {
    let (e, w) = parse(
        "+++\ntitle = \"A\"\ntags = [\"noir\", \" \", \"\\u200b\"]\n+++\nx\n",
        "a.md",
    )
    .unwrap();
    assert_eq!(*e.tags, [Arc::from("noir")]);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].line, Some(3));
    assert_eq!(
        w[0].message,
        "tags: an empty tag (or one of only spaces or invisible characters) is left out"
    );
    let (_, w) = parse("+++\ntitle = \"A\"\ntags = [\"noir\"]\n+++\nx\n", "a.md").unwrap();
    assert!(w.is_empty());
}

#[test]
fn unclosed_front_matter() {
    let e = parse("+++\ntitle = \"x\"\n", "a.md").unwrap_err();
    assert!(e[0].message.contains("never closed"));
}

#[test]
fn no_front_matter() {
    let e = parse("# Heat\n", "a.md").unwrap_err();
    assert!(e[0].message.contains("no front matter"));
}

#[test]
fn invalid_utf8_names_line() {
    let bytes = b"+++\ntitle = \"x\"\n+++\n\xff\n";
    let e = parse_entry(
        bytes,
        Path::new("a.md"),
        "a.md",
        BodyKind::Markdown,
        Tz::UTC,
    )
    .unwrap_err();
    assert_eq!(e[0].line, Some(4));
    assert!(e[0].message.contains("UTF-8"));
}

#[test]
fn plain_text_with_and_without_header() {
    let (e, _) = parse(
        "Title: “Heat” – again\nDate: 2024-05-01\n\nFirst.\nSecond.\n",
        "x.txt",
    )
    .unwrap();
    assert_eq!(&*e.title, "“Heat” – again");
    assert_eq!(e.body(), "First.\nSecond.\n");
    let (e, _) = parse(
        "Verdict: great.\n\nMore.\n",
        "2024-05-01-the-zone-of-interest.txt",
    )
    .unwrap();
    assert_eq!(&*e.title, "The zone of interest");
    assert_eq!(e.body(), "Verdict: great.\n\nMore.\n");
    assert!(e.date.is_none());
}

#[test]
fn control_characters_are_dropped_with_warning() {
    let (e, w) = parse("Title: a\u{1}b \u{2}\n\nx\u{b}y\n", "x.txt").unwrap();
    assert_eq!(&*e.title, "a\u{FFFD}b");
    assert_eq!(e.body(), "x\u{FFFD}y\n");
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].to_string(),
        "x.txt:1: dropped 3 characters XML 1.0 does not allow (U+0001, U+0002, U+000B); where one stood between two words, U+FFFD (\u{FFFD}) keeps them apart"
    );
}

#[test]
fn decoded_escapes_are_cleaned_field_by_field() {
    let text = "---\ntitle: \"a\\x01b\"\ntags: [\"x\\0\", \"y\\u0002\", \"\\u0093ok\"]\naudio: https://x/a.mp3\nimage: \"https://x/i.png\\x07\"\n---\nbody\n";
    let (e, w) = parse(text, "a.md").unwrap();
    assert_eq!(&*e.title, "a\u{FFFD}b");
    assert_eq!(*e.tags, ["x", "y", "\u{93}ok"].map(std::sync::Arc::from));
    assert_eq!(
        e.episode().unwrap().image.as_deref(),
        Some("https://x/i.png")
    );
    let w: Vec<String> = w.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].starts_with("a.md:2: title: dropped 1 character XML 1.0 does not allow (U+0001)"),
        "{w:?}"
    );
    assert!(w[1].starts_with("a.md:3: tags: dropped 2 characters XML 1.0 does not allow (U+0000, U+0002); kept 1 C1 control character (U+0093), which Windows-1252 reads as “"), "{w:?}");
    assert_eq!(
        w[2],
        "a.md:5: image: dropped 1 character XML 1.0 does not allow (U+0007)"
    );
}

#[test]
fn c1_controls_in_the_body_are_reported_at_their_line() {
    let (e, w) = parse("+++\ntitle = \"T\"\n+++\nok\n\nit\u{92}s\n", "a.md").unwrap();
    assert_eq!(e.body(), "ok\n\nit\u{92}s\n");
    assert_eq!(w.len(), 1);
    assert!(
        w[0].to_string().starts_with(
            "a.md:6: body: kept 1 C1 control character (U+0092), which Windows-1252 reads as ’"
        ),
        "{}",
        w[0]
    );
}

#[test]
fn blank_titles_are_errors_at_their_line() {
    for text in [
        "+++\ndate = 2024-05-01\ntitle = \"\\u200B \\uFEFF\"\n+++\nx\n",
        "---\n\ntitle: \"\\u2060\\u200D\"\n---\nx\n",
    ] {
        let e = parse(text, "a.md").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, Some(3), "{text:?}");
        assert!(e[0].message.starts_with(
            "no title: `title` is empty or holds only spaces and invisible characters"
        ));
    }
    let e = parse("Date: 2024-05-01\nTitle: \u{200B}\n\nx\n", "heat.txt").unwrap_err();
    assert_eq!(e[0].line, Some(2));
    let e = parse("Verdict.\n", "\u{200B}.txt").unwrap_err();
    assert_eq!(e[0].line, Some(1));
    assert!(e[0].message.contains("file name"), "{}", e[0].message);
    let (e, _) = parse("+++\ntitle = \"\\uFEFFHeat\\u200B \"\n+++\n", "a.md").unwrap();
    assert_eq!(&*e.title, "Heat");
}

#[test]
fn lone_cr_line_endings_are_line_breaks() {
    let mac = parse("Title: Heat\rDate: 2024-05-01\r\rOne.\rTwo.\r", "x.txt")
        .unwrap()
        .0;
    let unix = parse("Title: Heat\nDate: 2024-05-01\n\nOne.\nTwo.\n", "x.txt")
        .unwrap()
        .0;
    assert_eq!(mac, unix);
    let e = parse("+++\rtitle = \"x\"\r\rdate = \"soon\"\r+++\rx", "a.md").unwrap_err();
    assert_eq!(e[0].line, Some(4));
    let e = parse_entry(
        b"+++\r\rtitle = \"\xff\"\r\n+++\r\n",
        Path::new("a.md"),
        "a.md",
        BodyKind::Markdown,
        Tz::UTC,
    )
    .unwrap_err();
    assert_eq!(e[0].line, Some(3));
}

/// Audit: 400,000 `Date:` lines in one 8 MB file gave 400,000 errors (110 MB, 32 MB of
/// output); a header of distinct unknown keys compared each with all before it.
#[test]
fn a_file_s_problems_are_listed_up_to_a_bound() {
    let mut text = String::from("Title: X\n");
    for _ in 0..100_000 {
        text.push_str("Date: 2026-10-01\n");
    }
    text.push_str("\nBody.\n");
    let errors = parse(&text, "x.txt").unwrap_err();
    assert_eq!(errors.len(), MAX_PROBLEMS_PER_FILE);
    assert_eq!(errors[0].message, "a second `Date:` line; keep one");
    assert_eq!(
        errors[MAX_PROBLEMS_PER_FILE - 1].message,
        "99950 more header line(s) not read: a header is a few `Key: value` lines; end it with a blank line before the text"
    );
    let unknown: String = (0..100_000).map(|i| format!("K{i}: v\n")).collect();
    let errors = parse(&format!("Title: X\n{unknown}\nBody.\n"), "y.txt").unwrap_err();
    assert_eq!(errors.len(), MAX_PROBLEMS_PER_FILE);
    assert!(
        errors[1].message.starts_with("unknown header key `k1`"),
        "{}",
        errors[1].message
    );
}

/// Resource audit: YAML aliases repeating a long value were refused with the parser's debug
/// text (`budget breached: ScalarBytes { … }`) and a hint about quotes.
#[test]
fn yaml_that_expands_past_its_budget_says_so_in_words() {
    let value = "x".repeat(100_000);
    let aliases = vec!["*s"; 1000].join(", ");
    let text = format!("---\ntitle: T\nsummary: &s \"{value}\"\ntags: [{aliases}]\n---\nBody.\n");
    let errors = parse(&text, "a.md").unwrap_err();
    assert_eq!(
        errors[0].message,
        "invalid value: the front matter expands past what an entry may hold (anchors and aliases repeating a value?); write each value once"
    );
}

/// Audit: a title's `https://user:password@host` was published in every format.
#[test]
fn a_title_with_a_password_is_an_error_at_its_line() {
    let said = "title holds a URL with a user name and password, which the feed would show to everyone: take them out (and change that password)";
    let e = parse(
        "+++\ndate = \"2026-01-01\"\ntitle = \"Mirror of https://ann:s3cret@films.example/\"\n+++\nB\n",
        "a.md",
    )
    .unwrap_err();
    assert_eq!((e[0].line, e[0].message.as_str()), (Some(3), said));
    let e = parse(
        "Title: see http:\\\\ann:s3cret@films.example\n\nBody.\n",
        "b.txt",
    )
    .unwrap_err();
    assert_eq!((e[0].line, e[0].message.as_str()), (Some(1), said));
    let e = parse(
        "+++\ntitle = \"T\"\nauthor = \"Ann https://ann:pw@cms.example/\"\ntags = [\"ok\", \"https://ann:pw@cms.example/\"]\n+++\nB\n",
        "c.md",
    )
    .unwrap_err();
    let said: Vec<_> = e
        .iter()
        .map(|d| (d.line, d.message.split(' ').next().unwrap()))
        .collect();
    assert_eq!(said, [(Some(3), "author"), (Some(4), "tags")]);
    // A time and an address are no URL's password.
    assert!(
        parse(
            "Title: Q&A 10:30@Rex, ann@films.example\n\nBody.\n",
            "c.txt"
        )
        .is_ok()
    );
}
