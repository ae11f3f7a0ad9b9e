//! Issue 13, "never publish a silent loss" and the smaller rules: each test runs the real binary
//! on a temp site and would have failed before the fix it names.

use crate::common;

use common::{Site, review};

const ARCHIVE_CONFIG: &str = r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"
limit = 2
archive = true
"#;

/// Issue 13 §5: a renamed content folder used to push an empty feed with exit 0.
#[test]
fn a_missing_source_folder_is_an_error_not_an_empty_feed() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.ok(&["build"]);
    let before = site.read("feeds/reviews.rss");
    std::fs::rename(site.path("content/reviews"), site.path("content/old")).unwrap();
    for quiet in [false, true] {
        let args: &[&str] = if quiet {
            &["--quiet", "build"]
        } else {
            &["build"]
        };
        let err = site.fails(1, args);
        assert_eq!(
            err,
            "error: content/reviews: the feed's source folder does not exist or is not a folder: \
             create it or fix `source` in config.toml (a feed built without it would publish no entries)\n\
             error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
        );
    }
    assert_eq!(site.read("feeds/reviews.rss"), before);
}

/// Issue 13 §5 / issue 15: an unreadable sub-folder is an error, never a shorter feed. Root
/// reads every folder whatever its mode, so under root (CI) the binary runs as `nobody`.
#[cfg(unix)]
#[test]
fn an_unreadable_sub_folder_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.write("content/reviews/old/b.md", &review("B", "2026-01-02", "y"));
    let as_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if as_root {
        // Everything readable and writable by `nobody`, then the one folder closed.
        for dir in [
            site.dir.path().to_path_buf(),
            site.path("content"),
            site.path("content/reviews"),
        ] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        for file in ["config.toml", "content/reviews/a.md"] {
            std::fs::set_permissions(site.path(file), std::fs::Permissions::from_mode(0o666))
                .unwrap();
        }
    }
    let old = site.path("content/reviews/old");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o000)).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("feedwright");
    let mut command = if as_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        c
    } else {
        std::process::Command::new(&binary)
    };
    let out = command
        .current_dir(site.dir.path())
        .args(["--now", common::NOW, "build"])
        .output()
        .unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: content/reviews/old: cannot be read: Permission denied"),
        "{err}"
    );
    assert!(!site.path("feeds/reviews.rss").exists());
}

/// Issue 13 §7: the empty newest archive page carried `updated` 1970-01-01.
#[test]
fn the_empty_newest_archive_page_is_not_dated_1970() {
    let site = Site::with_config(ARCHIVE_CONFIG);
    for (i, day) in ["01", "02", "03", "04"].iter().enumerate() {
        site.write(
            &format!("content/reviews/r{i}.md"),
            &review(&format!("R{i}"), &format!("2026-01-{day}"), "x"),
        );
    }
    site.ok(&["build"]);
    // Two items in the feed, two on page 1 (full), none on page 2.
    let page = site.read("feeds/archive/reviews/2.atom");
    assert!(!page.contains("<entry>"), "{page}");
    assert!(!page.contains("1970"), "{page}");
    let feed = common::parse_feed(&site.path("feeds/archive/reviews/2.atom"));
    let full = common::parse_feed(&site.path("feeds/archive/reviews/1.atom"));
    assert_eq!(
        feed.updated, full.updated,
        "the newest archived item's date"
    );
}

/// Issue 15: a link to /proc/self/environ published the push token in the public feed.
#[cfg(unix)]
#[test]
fn a_link_out_of_the_site_is_refused_and_nothing_is_published() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    std::os::unix::fs::symlink("/proc/self/environ", site.path("content/reviews/env.md")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("b.md"),
        review("Outside", "2026-01-02", "y"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), site.path("content/reviews/more")).unwrap();
    let out = assert_cmd::Command::cargo_bin("feedwright")
        .unwrap()
        .current_dir(site.dir.path())
        .env("FEEDWRIGHT_TOKEN", "s3cr3t-t0ken")
        .args(["--now", common::NOW, "build"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("content/reviews/env.md: is a link to /proc/"),
        "{err}"
    );
    // Audit: the hint said to name the folder in extra_roots, which never admits /proc.
    assert!(
        err.contains("/environ, outside the site's folder; refused (/proc, /sys and /dev are never read, even when [site] extra_roots names them: copy what is meant into the folder of config.toml)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "content/reviews/more: is a link to {}, outside the site's folder; refused (move it into the folder of config.toml, or name its folder in [site] extra_roots)",
            outside.path().canonicalize().unwrap().display()
        )),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "{err}");
    assert!(!site.path("feeds").exists());

    // Named in extra_roots, the outside folder is content; /proc never is.
    let config = common::CONFIG.replace(
        "timezone = \"Europe/Paris\"",
        &format!(
            "timezone = \"Europe/Paris\"\nextra_roots = [\"{}\"]",
            outside.path().display()
        ),
    );
    site.write("config.toml", &config);
    std::fs::remove_file(site.path("content/reviews/env.md")).unwrap();
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 2);
}

/// Issue 15: the size limit is checked before the file is read (a sparse 1 GB file).
#[test]
fn a_huge_file_is_refused_by_its_size() {
    let site = Site::new();
    let file = std::fs::File::create(site.path("content/reviews/huge.md")).unwrap();
    file.set_len(1 << 30).unwrap();
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/huge.md: is 1024.0 MB; an entry may be at most 8 MB: is this the right file?\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

const TAGS_CONFIG: &str = r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
max_tag_feeds = 3

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"
tags = true
"#;

fn tagged(title: &str, tags: &[String]) -> String {
    let list: Vec<String> = tags.iter().map(|t| format!("{t:?}")).collect();
    format!(
        "+++\ntitle = \"{title}\"\ndate = \"2026-01-01\"\ntags = [{}]\n+++\nx\n",
        list.join(", ")
    )
}

/// Issue 15: one entry with 10,000 tags wrote 3 GB in 12,000 files before it was killed.
#[test]
fn tag_explosions_are_bounded_errors() {
    let site = Site::with_config(TAGS_CONFIG);
    let many: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    site.write("content/reviews/many.md", &tagged("Many", &many));
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/many.md:4: has 10000 tags, more than [site] max_tags_per_entry = 50: keep the few that matter, or raise the limit\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
    assert!(!site.path("feeds").exists());

    let four: Vec<String> = (0..4).map(|i| format!("t{i}")).collect();
    site.write("content/reviews/many.md", &tagged("Many", &four));
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: config.toml: feed `reviews` would write 4 tag feeds, more than [site] max_tag_feeds = 3: use fewer distinct tags, raise the limit, or set tags = false\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
    site.write("content/reviews/many.md", &tagged("Many", &four[..3]));
    site.ok(&["build"]);
    assert!(site.path("feeds/tags/t2.rss").exists());
}

/// Issue 13 §5: files that vanish in large numbers are a refused build (exit 4), not an
/// emptied feed; `--allow-drop` accepts it; a small drop passes.
#[test]
fn a_large_drop_is_refused_until_allowed() {
    let site = Site::new();
    for i in 0..4 {
        site.write(
            &format!("content/reviews/r{i}.md"),
            &review(&format!("R{i}"), &format!("2026-01-0{}", i + 1), "x"),
        );
    }
    site.ok(&["build"]);
    let before = site.read("feeds/reviews.rss");
    // One of four is a quarter: allowed.
    site.remove("content/reviews/r0.md");
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 3);
    let after_one = site.read("feeds/reviews.rss");
    assert_ne!(after_one, before);
    // Two of the three left is more than a quarter: refused, under --quiet too.
    site.remove("content/reviews/r1.md");
    site.remove("content/reviews/r2.md");
    let err = site.fails(4, &["--quiet", "build"]);
    assert_eq!(
        err,
        "error: refusing to build: subscribers would lose entries that were published before\n  \
         feed `reviews` would drop 2 of its 3 published entries because their files are gone or invalid \
         (content/reviews/r1.md, content/reviews/r2.md)\nnothing was written or pushed. If the \
         files were removed on purpose, run again with --allow-drop; if not, restore them (a \
         renamed folder? check `source` in config.toml). [site] max_drop_share = 0.25 sets how \
         much may go in one build\n"
    );
    assert_eq!(site.read("feeds/reviews.rss"), after_one, "nothing written");
    site.fails(4, &["check"]);
    // `check` takes the option its message names, and checks the rest; it writes nothing.
    let checked = site.ok(&["check", "--allow-drop"]);
    assert_eq!(checked, "ok: 1 entries in 1 feed(s), no problems\n");
    assert_eq!(
        site.read("feeds/reviews.rss"),
        after_one,
        "check wrote nothing"
    );
    let out = site.ok(&["build", "--allow-drop"]);
    assert!(out.contains("wrote feeds/reviews.rss"), "{out}");
    assert_eq!(site.rss("reviews").entries.len(), 1);
    // The last entry going is "all of them": refused whatever the share.
    site.remove("content/reviews/r3.md");
    let err = site.fails(4, &["build"]);
    assert!(
        err.contains("would drop 1 of its 1 published entries"),
        "{err}"
    );
}

/// Issue 13 §6: with the state file lost, the check of published ids compared an Atom file's
/// derived ids with RSS guids and refused every build of a site with non-URI guids.
#[test]
fn a_lost_state_compares_atom_ids_with_atom_ids() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nid = \"12345\"\n+++\nx\n",
    );
    site.ok(&["build"]);
    site.remove("feedwright-state.toml");
    let out = site.ok(&["build"]);
    assert_eq!(out, "");
}

/// Issue 13 §7: an `updated` in the future or before the date is a warning, clamped to the
/// date (stable from one build to the next).
#[test]
fn an_updated_out_of_range_is_clamped_with_a_warning() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nupdated = \"2062-01-01\"\n+++\nx\n",
    );
    site.write(
        "content/reviews/b.md",
        "+++\ntitle = \"B\"\ndate = \"2026-02-01\"\nupdated = \"2025-01-01\"\n+++\ny\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "warning: content/reviews/a.md: updated `2062-01-01T00:00:00+01:00` is later than now; using the date `2026-01-01T00:00:00+01:00` instead: fix the `updated` key\n\
         warning: content/reviews/b.md: updated `2025-01-01T00:00:00+01:00` is earlier than the entry's date; using the date `2026-02-01T00:00:00+01:00` instead: fix the `updated` key\n"
    );
    let atom = site.read("feeds/reviews.atom");
    assert!(
        !atom.contains("2062") && !atom.contains("2025-01-01"),
        "{atom}"
    );
    // Same bytes on the next build: the clamp does not depend on the clock.
    assert_eq!(site.ok(&["build"]), "");
}

/// Issue 13 §7: two files with one slug got ids `…/ballerina` and `…/ballerina-2` but one link.
#[test]
fn two_entries_with_one_link_are_a_warning_with_the_fix() {
    let site = Site::new();
    site.write(
        "content/reviews/2026-01-01-ballerina.md",
        &review("Ballerina", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    site.write(
        "content/reviews/old/ballerina.md",
        &review("Ballerina (1987)", "2026-01-02", "y"),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let ids: Vec<String> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.id.clone())
        .collect();
    assert!(
        ids.contains(&"tag:films.example,2026:reviews/ballerina-2".to_string()),
        "{ids:?}"
    );
    assert_eq!(
        common::stderr(&out),
        "warning: content/reviews/old/ballerina.md: has the same link https://films.example/reviews/ballerina/ as content/reviews/2026-01-01-ballerina.md: readers would open one page for both; give one of them a `slug` (or a `link`)\n\
         note: content/reviews/old/ballerina.md: slug `ballerina` belonged to an earlier entry; it gets a new id tag:films.example,2026:reviews/ballerina-2\n"
    );
}

const PODCAST_CONFIG: &str = r#"
[site]
title = "Test Pod"
base_url = "https://pod.example/"
id = "tag:pod.example,2026:"
language = "en"

[[feed]]
name = "notes"
title = "Show notes"
source = "content/episodes"

[[feed]]
name = "podcast"
kind = "podcast"
title = "The Test Pod"
source = "content/episodes"

[feed.podcast]
image = "https://pod.example/cover.jpg"
category = "TV & Film"
explicit = false
owner = { name = "Ada Host", email = "ada@pod.example" }
"#;

/// Issue 13 §6: under --keep-going a podcast rule broken by one episode withheld the whole
/// site; now that episode alone leaves the podcast feed (it stays in the notes feed).
#[test]
fn keep_going_withholds_only_the_failing_episode() {
    let site = Site::with_config(PODCAST_CONFIG);
    let episode = |title: &str, date: &str, audio: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = \"{date}\"\naudio = \"{audio}\"\naudio_length = 1000\n+++\nNotes.\n"
        )
    };
    site.write(
        "content/episodes/one.md",
        &episode("One", "2026-01-01", "https://cdn.pod.example/one.mp3"),
    );
    site.write(
        "content/episodes/two.md",
        &episode("Two", "2026-01-02", "https://cdn.pod.example/two.ogg"),
    );
    let err = site.fails(1, &["build"]);
    assert!(
        err.contains("content/episodes/two.md: audio type `audio/ogg`"),
        "{err}"
    );
    assert!(!site.path("feeds/podcast.rss").exists());
    let err = site.fails(1, &["build", "--keep-going"]);
    assert!(
        err.contains("content/episodes/two.md: audio type `audio/ogg`"),
        "{err}"
    );
    assert!(
        err.contains("--keep-going published every valid entry"),
        "{err}"
    );
    let podcast = site.rss("podcast");
    let titles: Vec<_> = podcast
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["One"]);
    assert_eq!(site.rss("notes").entries.len(), 2);
}

/// Issue 18: a mistyped config key or front-matter key gets a "did you mean" with the line.
#[test]
fn mistyped_keys_get_a_did_you_mean() {
    let site = Site::with_config(&common::CONFIG.replace("timezone = ", "timezon = "));
    let err = site.fails(3, &["check"]);
    assert!(
        err.starts_with("error: ")
            && err.contains("config.toml:6: unknown field `timezon`, expected one of `title`")
            && err.ends_with("; did you mean `timezone`?\n"),
        "{err}"
    );
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\nsumary = \"x\"\n+++\nx\n",
    );
    let err = site.fails(1, &["check"]);
    assert!(
        err.contains("content/reviews/a.md:3: unknown field `sumary`")
            && err.contains("did you mean `summary`?"),
        "{err}"
    );
}

/// Issue 18: a category Apple does not list names its line in config.toml.
#[test]
fn a_bad_apple_category_names_its_line() {
    let site = Site::with_config(
        &PODCAST_CONFIG.replace("category = \"TV & Film\"", "category = \"Film Stuff\""),
    );
    std::fs::create_dir_all(site.path("content/episodes")).unwrap();
    let err = site.fails(3, &["check"]);
    assert!(
        err.contains("config.toml:21: feed `podcast`: category `Film Stuff` is not one of Apple's"),
        "{err}"
    );
}

/// Issue 18: a TOML or YAML syntax error keeps its line and says how the syntax is written.
#[test]
fn front_matter_syntax_errors_keep_their_line_and_get_a_hint() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\ndate = \"2026-01-01\"\n+++\nx\n",
    );
    site.write("content/reviews/b.md", "---\ntitle: [a\n---\nx\n");
    let err = site.fails(1, &["check"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:2: invalid basic string, expected `\"`; check this line's quotes and brackets: TOML front matter is `key = \"value\"` lines between `+++` lines\n\
         error: content/reviews/b.md:2: expected string scalar; check this line's quotes, brackets and indentation: YAML front matter is `key: value` lines between `---` lines\n\
         error: 2 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// Values feeds carry with a grammar of their own are checked in config.toml (exit 3, key and
/// line): `xml:lang="english please"` or an `<email>` without `@` is rejected by validators and
/// podcast directories (RSS `<language>`, Atom `xml:lang` and `<email>`, `itunes:owner`).
#[test]
fn language_people_and_base_url_are_checked_in_the_config() {
    let base = common::CONFIG.replace("timezone", "language = \"en\"\ntimezone");
    for (from, to, line, said) in [
        (
            "language = \"en\"",
            "language = \"english please\"",
            6,
            "[site] language `english please` is not a language tag: write a code like \"en\", \"fr\" or \"en-GB\" (feeds write it in <language> and xml:lang)",
        ),
        (
            "language = \"en\"",
            "language = \"xx\"",
            6,
            "[site] language `xx` is not a language ISO 639-1 knows (readers and podcast directories read it as one): write a code like \"en\", \"fr\" or \"en-GB\"",
        ),
        (
            "email = \"ada@films.example\"",
            "email = \"ada at films\"",
            8,
            "[site] author.email `ada at films` is not an e-mail address: write it like \"ada@example.com\", or leave it out",
        ),
        (
            "name = \"Ada Critic\"",
            "name = \" \"",
            8,
            "[site] author.name is empty: write the name readers see (feeds write it as the author)",
        ),
        (
            "https://films.example/\"",
            "https://films.example/?utm=1\"",
            4,
            "[site] base_url `https://films.example/?utm=1` has a query or a fragment (`?…`, `#…`): links are made by adding paths to it; write the address alone, like \"https://example.com/\"",
        ),
        (
            "timezone",
            "feeds_url = \"https://cdn.example/f?x=1\"\ntimezone",
            7,
            "[site] feeds_url `https://cdn.example/f/?x=1` has a query or a fragment (`?…`, `#…`): links are made by adding paths to it; write the address alone, like \"https://example.com/\"",
        ),
    ] {
        let site = Site::with_config(&base.replace(from, to));
        site.write(
            "content/reviews/heat.md",
            &common::review("Heat", "2026-01-01", "x"),
        );
        let err = site.fails(3, &["build"]);
        let config = site.path("config.toml");
        let at = format!("error: {}:{line}: {said}\n", config.display());
        assert_eq!(err, at, "{to}");
        assert!(!site.path("feeds").exists());
    }
    let pod = common::PODCAST_CONFIG.replace(
        "email = \"ada@pod.example\" }\nmedia",
        "email = \"ada@\" }\nmedia",
    );
    let site = Site::with_config(&pod);
    let err = site.fails(3, &["build"]);
    assert!(
        err.contains("[feed.podcast] owner.email `ada@` is not an e-mail address: write it like \"ada@example.com\", or leave it out"),
        "{err}"
    );
}

/// Every wrong `[site]` value is said in one run (the README: `check` reports every problem),
/// and every wrong `[[feed]]` table: a user fixes them in one go, not one run at a time.
#[test]
fn every_wrong_site_value_and_feed_is_reported_at_once() {
    let config = common::CONFIG
        .replace("Europe/Paris", "Mars/Olympus")
        .replace(
            "timezone",
            "language = \"english\"\nfeeds_url = \"relative/\"\ntimezone",
        );
    let site = Site::with_config(&config);
    let err = site.fails(3, &["check"]);
    let at = site.path("config.toml").display().to_string();
    assert_eq!(
        err,
        format!(
            "error: {at}:7: [site] feeds_url `relative/` is not an absolute http(s) URL\n\
             error: {at}:6: [site] language `english` is not a language tag: write a code like \"en\", \"fr\" or \"en-GB\" (feeds write it in <language> and xml:lang)\n\
             error: {at}:8: [site] timezone `Mars/Olympus` is not an IANA timezone name; use one like \"Europe/Paris\" or \"UTC\"\n\
             error: 3 problem(s) in the config; nothing was written, the existing feeds are untouched\n"
        )
    );
    let two_feeds = format!(
        "{}\n[[feed]]\nname = \"a b\"\ntitle = \"A\"\nsource = \"content/a\"\n\n[[feed]]\nname = \"c\"\ntitle = \"C\"\nsource = \"content/c\"\nlink = \"c/\"\n",
        common::CONFIG
    );
    let site = Site::with_config(&two_feeds);
    let err = site.fails(3, &["check"]);
    assert!(
        err.contains("[[feed]] `c`: link pattern `c/` must contain {slug}"),
        "{err}"
    );
    assert!(err.ends_with("error: 2 problem(s) in the config; nothing was written, the existing feeds are untouched\n"), "{err}");
}

/// Audit: a feed taken out of config.toml was refused as if its files were gone ("check
/// `source`"), though every file was there.
#[test]
fn a_feed_taken_out_of_the_config_is_named_as_such() {
    let two = format!(
        "{}\n[[feed]]\nname = \"essays\"\ntitle = \"Essays\"\ndescription = \"Essays\"\nsource = \"content/essays\"\n",
        common::CONFIG
    );
    let site = Site::with_config(&two);
    site.write("content/reviews/r.md", &review("R", "2026-01-01", "x"));
    site.write("content/essays/e.md", &review("E", "2026-01-02", "y"));
    site.ok(&["build"]);
    site.write("config.toml", common::CONFIG);
    let err = site.fails(4, &["build"]);
    assert!(
        err.contains(
            "  feed `essays` is no longer in config.toml: its 1 published entries would leave it\n"
        ),
        "{err}"
    );
    site.ok(&["build", "--allow-drop"]);
}

/// Regression hunt: a feed renamed in config.toml left its old files in the output folder
/// (and on the server), no longer updated, unsaid. Said once.
#[test]
fn a_renamed_feed_s_old_files_are_said_once() {
    let site = Site::new();
    site.write("content/reviews/r.md", &review("R", "2026-01-01", "x"));
    site.ok(&["build"]);
    site.write(
        "config.toml",
        &common::CONFIG.replace("name = \"reviews\"", "name = \"critiques\""),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "warning: config.toml: feed `reviews` is no longer in config.toml (renamed or removed): its files in feeds are left as they were, no longer updated; delete them there and on the server if subscribers should not find them\n"
    );
    assert_eq!(common::stderr(&site.run(&["build"])), "");
}

/// Audit: `hubs` written without its brackets was refused by a type error that quoted the URL,
/// password and all.
#[test]
fn a_type_error_quoting_a_url_hides_its_password() {
    let site = Site::new();
    let config = site.read("config.toml");
    for (value, shown) in [
        (
            "hubs = \"https://alice:HUBPW@hub.example/\"",
            "`hubs`: invalid type: string \"https://alice:***@hub.example/\", expected a sequence",
        ),
        (
            "timeout_secs = \"https://TOKEN99@x.example/\"",
            "`timeout_secs`: invalid type: string \"https://***@x.example/\", expected a whole number, 1 or more",
        ),
    ] {
        site.write("config.toml", &format!("{config}\n[publish]\n{value}\n"));
        let line = config.lines().count() + 3;
        assert_eq!(
            site.fails(3, &["build"]),
            format!(
                "error: {}:{line}: {shown}\n",
                site.path("config.toml").display()
            )
        );
    }
}

/// Runs `feedwright --now NOW <args>` in `site`, killed (and failed) past 300 MB of memory.
fn bounded(site: &Site, args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedwright"))
        .current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .args(["--now", common::NOW])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    while child.try_wait().unwrap().is_none() {
        let status = std::fs::read_to_string(&status_file).unwrap_or_default();
        let kib: u64 = (status.lines().find_map(|l| l.strip_prefix("VmHWM:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        if kib > 300 * 1024 {
            let _ = child.kill();
            panic!("{args:?} passed 300 MB reading what a link points at");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

/// Hostile-repository audit: a cloned site's `feeds/reviews.rss`, `.written` record or push
/// state linked to `/dev/zero` was read until memory ran out.
#[cfg(unix)]
#[test]
fn files_linked_to_a_device_are_not_read_without_end() {
    let site = Site::new();
    site.write_push_fixture();
    site.ok(&["build"]);
    let link = |rel: &str| {
        let path = site.path(rel);
        let _ = std::fs::remove_file(&path);
        std::os::unix::fs::symlink("/dev/zero", path).unwrap();
    };
    link("feeds/reviews.rss");
    link(".feedwright-state.toml.written");
    std::fs::remove_file(site.path("feedwright-state.toml")).unwrap();
    let out = bounded(&site, &["check"]);
    assert!(out.status.code().is_some(), "{}", common::text(&out));
    let out = bounded(&site, &["build"]);
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    assert!(
        common::stderr(&out).contains("feeds/reviews.rss: replacing (nothing was written): it is a symbolic link to /dev/zero, outside its folder"),
        "{}",
        common::stderr(&out)
    );
    site.write(
        "config.toml",
        &format!(
            "{}\n[publish]\nurl = \"https://dav.example/feeds/\"\n",
            site.read("config.toml")
        ),
    );
    std::fs::remove_file(site.path("feeds/reviews.rss")).unwrap();
    std::fs::remove_file(site.path(".feedwright-state.toml.written")).unwrap();
    site.ok(&["build"]);
    link("feedwright-push.toml");
    let out = bounded(&site, &["push", "--dry-run"]);
    assert!(
        common::stderr(&out).contains("feedwright-push.toml: reading the push state: it is a device, not a file: move it away, and push again"),
        "{}",
        common::text(&out)
    );
}
