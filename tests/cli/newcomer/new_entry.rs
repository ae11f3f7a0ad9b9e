//! `feedwright new`: `--txt`, `--from` and its warnings, a mistyped feed, no overwriting.

use super::*;

#[test]
fn new_txt_writes_header_lines_and_builds() {
    let site = Site::new();
    let out = site.run(&["new", "review", "Heat: “again”", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out), "content/reviews/2026-11-20-heat-again.txt\n");
    assert_eq!(
        stderr(&out),
        "note: content/reviews/2026-11-20-heat-again.txt is a draft: delete its `Draft: true` line when it is ready to publish\n"
    );
    let path = "content/reviews/2026-11-20-heat-again.txt";
    // NOW is 09:00 UTC; the test site's timezone is Europe/Paris.
    assert_eq!(
        site.read(path),
        "Title: Heat: “again”\nDate: 2026-11-20 10:00\nDraft: true\n\nWrite here.\n"
    );
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 0, "a draft");
    site.write(path, &site.read(path).replace("Draft: true\n", ""));
    site.ok(&["build"]);
    let feed = site.rss("reviews");
    assert_eq!(
        feed.entries[0].title.as_ref().unwrap().content,
        "Heat: “again”"
    );
}

/// Audit: `new review "★★★"` was refused though the build takes such a title; the file is
/// named `entry`, said, and builds with that slug.
#[test]
fn new_names_a_title_without_letters_entry_and_says_so() {
    let site = Site::new();
    let out = site.run(&["new", "review", "★★★", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out), "content/reviews/2026-11-20-entry.txt\n");
    assert_eq!(
        stderr(&out),
        "note: the title `★★★` has no letter or digit to name the file by: its slug is `entry` (its link and id); set `slug` in the file to change it before it is published\nnote: content/reviews/2026-11-20-entry.txt is a draft: delete its `Draft: true` line when it is ready to publish\n"
    );
    let path = "content/reviews/2026-11-20-entry.txt";
    site.write(path, &site.read(path).replace("Draft: true\n", ""));
    site.ok(&["build"]);
    let feed = site.rss("reviews");
    assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "★★★");
    assert!(
        feed.entries[0].links[0].href.ends_with("/entry/"),
        "{}",
        feed.entries[0].links[0].href
    );
    let blank = site.run(&["new", "review", "  "]);
    assert_eq!(blank.status.code(), Some(2), "{}", text(&blank));
}

/// Audit: with no title, the usage line said `new <FEED> <TITLE>`, as if --from and --title
/// did not exist; it shows the three ways.
#[test]
fn new_without_a_title_shows_every_way_to_give_one() {
    let site = Site::new();
    let out = site.run(&["new", "review"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: the following required arguments were not provided:\n  <TITLE>\n\nUsage: feedwright new [OPTIONS] <FEED> <TITLE>\n       feedwright new [OPTIONS] <FEED> --title <TITLE>\n       feedwright new [OPTIONS] <FEED> --from <FILE> [TITLE]\n\nFor more information, try '--help'.\n"
    );
}

fn body_of(site: &Site) -> String {
    let feed = site.rss("reviews");
    let entry = &feed.entries[0];
    entry.content.as_ref().unwrap().body.clone().unwrap()
}

#[test]
fn new_from_keeps_the_paragraphs_of_a_markdown_paste() {
    let site = Site::new();
    site.write(
        "paste/the-night-porter.txt",
        "\u{feff}\n\nFirst paragraph, *still* Markdown.\n\nSecond paragraph.\n\nThird.\n",
    );
    let out = site.run(&["new", "review", "--from", "paste/the-night-porter.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    let path = "content/reviews/2026-11-20-the-night-porter.md";
    assert_eq!(stdout(&out), format!("{path}\n"));
    assert!(!stderr(&out).contains("warning"), "{}", text(&out));
    let entry = site.read(path);
    assert!(
        entry.starts_with("+++\ntitle = \"The night porter\"\n"),
        "{entry}"
    );
    assert!(
        entry.ends_with(
            "+++\n\nFirst paragraph, *still* Markdown.\n\nSecond paragraph.\n\nThird.\n"
        ),
        "{entry}"
    );
    site.write(path, &entry.replace("draft = true\n", ""));
    site.ok(&["build"]);
    assert_eq!(
        body_of(&site),
        "<p>First paragraph, <em>still</em> Markdown.</p>\n<p>Second paragraph.</p>\n<p>Third.</p>\n"
    );
    // --title wins over the file name; the pasted file is left as it was.
    let out = site.run(&[
        "new",
        "review",
        "--from",
        "paste/the-night-porter.txt",
        "--title",
        "Porter",
    ]);
    assert_eq!(
        stdout(&out),
        "content/reviews/2026-11-20-porter.md\n",
        "{}",
        text(&out)
    );
    assert!(
        site.read("paste/the-night-porter.txt")
            .starts_with('\u{feff}')
    );
}

#[test]
fn new_from_warns_when_markdown_would_join_pasted_lines() {
    let site = Site::new();
    site.write("paste.txt", PASTED);
    let out = site.run(&["new", "review", "Porter", "--from", "paste.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/2026-11-20-porter.md:11: the pasted text has 4 lines and no blank line between them, so Markdown joins them into one paragraph; put a blank line between paragraphs, or write the entry as plain text with --txt, where every line is a paragraph
note: content/reviews/2026-11-20-porter.md is a draft: delete its `draft = true` line when it is ready to publish
"
    );
    // Line 11 is where the pasted text starts.
    let entry = site.read("content/reviews/2026-11-20-porter.md");
    assert_eq!(
        entry.lines().nth(10),
        Some("It’s a film that knows exactly what it is.")
    );
    // The fix the warning gives: as plain text, every line is a paragraph (the Markdown draft
    // removed first: kept, it would hold the slug `porter`, and this one would be `porter-2`).
    site.remove("content/reviews/2026-11-20-porter.md");
    let out = site.run(&["new", "review", "Porter", "--from", "paste.txt", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("warning"), "{}", text(&out));
    let path = "content/reviews/2026-11-20-porter.txt";
    assert_eq!(
        site.read(path),
        "Title: Porter\nDate: 2026-11-20 10:00\nDraft: true\n\nIt’s a film that knows exactly what it is.\nThe plot… well, there is one.\nKeanu is not in it much, and that is fine.\nGo and see it.\n"
    );
    site.write(path, &site.read(path).replace("Draft: true\n", ""));
    site.ok(&["build"]);
    assert_eq!(body_of(&site).matches("<p>").count(), 4);
}

#[test]
fn new_from_txt_warns_when_plain_text_would_cut_wrapped_paragraphs() {
    let site = Site::new();
    site.write(
        "wrapped.txt",
        "It is a film that knows exactly what it is, and that is both\nits charm and its limit.\n\nGo and see it on the biggest screen you can find, with\nfriends who like noise.\n",
    );
    let out = site.run(&["new", "review", "Wrapped", "--from", "wrapped.txt", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).starts_with("warning: content/reviews/2026-11-20-wrapped.txt:5: the pasted paragraphs are wrapped inside sentences, and in a plain-text entry every line is a paragraph of its own; join each paragraph's lines into one, or write the entry as Markdown (leave out --txt), which joins them\n"),
        "{}",
        text(&out)
    );
}

/// Audit: a paste with its own header under `--txt`, and one paragraph per line ending in a
/// blank line and a promo footer, were taken without a word.
#[test]
fn new_from_warns_about_a_pasted_header_and_a_footer_below_joined_lines() {
    let site = Site::new();
    site.write(
        "col.txt",
        "Title: Heat\nDate: 2024-05-01\n\nThe film opens.\n",
    );
    let out = site.run(&["new", "review", "Heat", "--from", "col.txt", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).starts_with("warning: content/reviews/2026-11-20-heat.txt:5: the pasted text starts with a header line (`Title: Heat`), which below the header written here is published as the body's first paragraph: move its value into the header above, and delete it\n"),
        "{}",
        text(&out)
    );
    site.write(
        "footer.txt",
        "It’s a film.\nSecond paragraph.\nThird paragraph.\nFourth.\nFifth.\n\n—\nReel Notes goes out every Friday.\n",
    );
    let out = site.run(&["new", "review", "Footer", "--from", "footer.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("the pasted text has 5 lines and no blank line between them"),
        "{}",
        text(&out)
    );
}

#[test]
fn new_in_an_unknown_feed_is_a_wrong_command_line_with_a_hint() {
    let site = Site::new();
    let out = site.run(&["new", "reveiws", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: no feed named `reveiws` in config.toml; the feeds are: reviews\nhint: did you mean `reviews`?\n"
    );
    // The singular form is matched too, and suggested as typed.
    let out = site.run(&["new", "reveiw", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).ends_with("hint: did you mean `review`?\n"),
        "{}",
        text(&out)
    );
    // Nothing close: no guess.
    let out = site.run(&["new", "podcast", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: no feed named `podcast` in config.toml; the feeds are: reviews\n"
    );
    assert!(!site.path("content/reviews/2026-11-20-heat.md").exists());
}

#[test]
fn new_never_overwrites() {
    let site = Site::new();
    site.ok(&["new", "review", "Heat"]);
    let path = "content/reviews/2026-11-20-heat.md";
    site.write(path, "mine");
    let out = site.run(&["new", "review", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {path} already exists\nhint: feedwright never overwrites a file: rename or move it first, or pick another title\n"
        )
    );
    assert_eq!(site.read(path), "mine");
}

#[test]
fn new_from_standard_input_needs_a_title_and_a_missing_file_is_named() {
    let site = Site::new();
    let piped = |args: &[&str]| {
        feedwright()
            .current_dir(site.dir.path())
            .arg("--now")
            .arg(NOW)
            .args(args)
            .write_stdin("First.\n\nSecond.\n")
            .output()
            .unwrap()
    };
    let out = piped(&["new", "review", "Piped in", "--from", "-"]);
    assert!(out.status.success(), "{}", text(&out));
    let entry = site.read("content/reviews/2026-11-20-piped-in.md");
    assert!(entry.ends_with("+++\n\nFirst.\n\nSecond.\n"), "{entry}");

    let out = piped(&["new", "review", "--from", "-"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: --from - reads standard input, which has no file name to take the title from\nhint: give the title too: feedwright new FEED \"Title\" --from -\n"
    );
    let out = site.run(&["new", "review", "--from", "nope.txt"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: --from nope.txt: there is no such file\nhint: paste the column into a file first, or pipe it in with --from -\n"
    );
}

/// A feed folder that is a link out of the site: `new` writes nothing there, as the build would
/// refuse to read it.
#[cfg(unix)]
#[test]
fn new_writes_nothing_through_a_folder_linked_outside_the_site() {
    let site = Site::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::remove_dir_all(site.path("content/reviews")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.path("content/reviews")).unwrap();
    let out = site.run(&["new", "review", "Sneaky"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: content/reviews really is {}, outside the site's folder: nothing was written there\nhint: move the folder into the site's folder, or name its real folder in [site] extra_roots\n",
            outside.path().canonicalize().unwrap().display()
        )
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

/// `--from` naming a folder is said in `new`'s words (nothing of feeds).
#[test]
fn new_from_a_folder_is_a_wrong_command_line() {
    let site = Site::new();
    std::fs::create_dir_all(site.path("drafts")).unwrap();
    let out = site.run(&["new", "review", "X", "--from", "drafts"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: --from drafts is a folder, not a file\nhint: give the file that holds the column's text (or - to read it from standard input)\n"
    );
    assert_eq!(
        std::fs::read_dir(site.path("content/reviews"))
            .unwrap()
            .count(),
        0
    );
}

/// Audit: `new` wrote a draft with a 20 KB title that every build then refused (drafts are
/// read too); and an empty standard input was said in the build's words with exit 1.
#[test]
fn new_refuses_what_the_build_would_refuse_and_says_standard_input_by_name() {
    let site = Site::new();
    let long = "Long ".repeat(4000);
    let out = site.run(&["new", "review", long.trim()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: the new entry would not build: title is 19999 bytes, more than the 16384 a key's value may have: readers show a line here, not a chapter; shorten it\nhint: nothing was written; shorten the title or the text and run it again\n"
    );
    assert_eq!(dir_len(&site, "content/reviews"), 0);

    let out = feedwright()
        .current_dir(site.dir.path())
        .args(["--now", NOW, "new", "review", "Piped", "--from", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: --from standard input: is empty: paste the column into it first\nhint: nothing was written\n"
    );
    assert_eq!(dir_len(&site, "content/reviews"), 0);
    site.ok(&["build"]);
}

fn dir_len(site: &Site, dir: &str) -> usize {
    std::fs::read_dir(site.path(dir)).unwrap().count()
}

/// Regression hunt: `new --from` took a 900 KB nested list whose HTML is over 9 MB, which every
/// build then refused.
#[test]
fn new_refuses_a_body_that_renders_past_what_an_item_may_carry() {
    let site = Site::new();
    site.write("deep.txt", &format!("{}x\n", "- ".repeat(450_000)));
    let out = site.run(&["new", "review", "Deep", "--from", "deep.txt"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).starts_with("error: the new entry would not build: its body is 9.9 MB as HTML, more than the 9 MB an item may carry"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dir_len(&site, "content/reviews"), 0);
}
