//! Issue 15, "Config sanity" and "State": where the files go, and a state file that cannot be
//! trusted. Each test runs the real binary on a temp site and checks the whole message.

use crate::common;

use common::{CONFIG, Site, review};

const FIX: &str = "feedwright writes and replaces files there and clears its leftovers, and everything in it gets published; give the feeds a folder of their own, like output_dir = \"feeds\"";

fn with_site_key(line: &str) -> String {
    CONFIG.replace("timezone = ", &format!("{line}\ntimezone = "))
}

/// `output_dir = ".."` used to write feeds (and clear temp files) in the folder above the site.
#[test]
fn an_output_dir_holding_the_site_is_a_config_error() {
    let site = Site::with_config(&with_site_key("output_dir = \"..\""));
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let parent = site.dir.path().parent().unwrap().display().to_string();
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:6: [site] output_dir = \"..\" is {parent}, which holds the config's folder and your content: {FIX}\n",
            site.path("config.toml").display()
        )
    );
    let site = Site::with_config(&with_site_key("output_dir = \"/\""));
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:6: [site] output_dir = \"/\" is the filesystem root: {FIX}\n",
            site.path("config.toml").display()
        )
    );
}

#[test]
fn a_state_file_inside_the_output_folder_is_a_config_error() {
    let site = Site::with_config(&with_site_key("state_file = \"feeds/state.toml\""));
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:6: [site] state_file feeds/state.toml is inside [site] output_dir: a build would publish it and could overwrite it; keep it beside config.toml (state_file = \"feedwright-state.toml\"), out of the output folder\n",
            site.path("config.toml").display()
        )
    );
    assert!(!site.path("feeds").exists());
}

#[test]
fn feeds_whose_names_differ_only_in_case_are_a_config_error() {
    let config = format!(
        "{CONFIG}\n[[feed]]\nname = \"Reviews\"\ntitle = \"More\"\nsource = \"content/reviews\"\n"
    );
    let site = Site::with_config(&config);
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:17: [[feed]] names `reviews` (line 10) and `Reviews` differ only in case: on macOS and Windows both write the file Reviews.rss and one feed overwrites the other; rename one of them\n",
            site.path("config.toml").display()
        )
    );
}

fn two_reviews(site: &Site) {
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "y"));
}

/// A state file cut at a record boundary still parses: the entries past the cut used to get
/// new ids and dates, silently.
#[test]
fn a_state_file_cut_at_a_record_boundary_is_refused_and_left_untouched() {
    let site = Site::new();
    two_reviews(&site);
    site.ok_at(common::NOW, &["build"]);
    let full = site.read("feedwright-state.toml");
    let cut = &full[..full.rfind("\n[[entry]]\n").unwrap() + 1];
    site.write("feedwright-state.toml", cut);
    let feed = site.read("feeds/reviews.rss");
    let err = site.fails(4, &["build"]);
    assert_eq!(
        err,
        format!(
            "error: {}:4: the state file cannot be trusted: it holds 1 records but was written with 2: it was cut short or records were removed; it was left untouched: restore it from version control or a backup (entries missing from it would get new ids and dates). If you edited it by hand on purpose, delete this `# integrity:` line and build again\n",
            site.path("feedwright-state.toml").display()
        )
    );
    assert_eq!(site.read("feedwright-state.toml"), cut);
    assert_eq!(site.read("feeds/reviews.rss"), feed);
}

/// Audit: a state file of hundreds of megabytes (one line, or a million records made up) was
/// read whole and parsed in three to five times its size; a FIFO in its place would wait.
#[test]
fn a_state_file_past_its_bound_or_not_a_file_is_refused_and_left_untouched() {
    let site = Site::new();
    two_reviews(&site);
    site.ok_at(common::NOW, &["build"]);
    let feed = site.read("feeds/reviews.rss");
    let path = site.path("feedwright-state.toml");
    // Sparse: 300 MB on paper, nothing on the disk.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    for args in [&["build"][..], &["check"][..], &["build", "--no-cache"][..]] {
        assert_eq!(
            site.fails(4, args),
            format!(
                "error: {}: the state file is 300 MB, more than the 256 MB a state of a million entries takes: it is damaged, or not a state file; it was left untouched: restore it from version control (or delete it, and read what that loses in the README)\n",
                path.display()
            ),
            "{args:?}"
        );
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 300 << 20);
    assert_eq!(site.read("feeds/reviews.rss"), feed);
}

/// A state written before the integrity line existed is read, and gets the line when written.
#[test]
fn a_state_file_without_integrity_line_is_accepted_once() {
    let site = Site::new();
    two_reviews(&site);
    site.ok_at(common::NOW, &["build"]);
    let full = site.read("feedwright-state.toml");
    let old: String = full
        .lines()
        .filter(|l| !l.starts_with("# integrity: "))
        .map(|l| format!("{l}\n"))
        .collect();
    site.write("feedwright-state.toml", &old);
    site.ok_at(common::NOW, &["build"]);
    assert_eq!(site.read("feedwright-state.toml"), full);
}

#[test]
fn a_site_id_other_than_the_recorded_one_is_refused() {
    let site = Site::new();
    two_reviews(&site);
    site.ok_at(common::NOW, &["build"]);
    let state = site.read("feedwright-state.toml");
    site.write(
        "config.toml",
        &CONFIG.replace("tag:films.example,2026:", "tag:films.example,2027:"),
    );
    assert_eq!(
        site.fails(4, &["build"]),
        "error: config.toml: [site] id is `tag:films.example,2027:` but the state file feedwright-state.toml recorded `tag:films.example,2026:` at the first build: every feed's Atom ids would change and readers would show every entry again; nothing was written. If you changed [site] id, set it back: id = \"tag:films.example,2026:\"; if the state file is another site's (copied or checked out by mistake), restore this site's state file instead\n"
    );
    assert_eq!(site.read("feedwright-state.toml"), state);
}

/// The warning used to propose a `tag:` id while the state recorded a `urn:uuid:` one:
/// following it changed every Atom id. Now following it changes nothing.
#[test]
fn the_pin_hint_proposes_the_recorded_site_id() {
    let unpinned = CONFIG.replace("id = \"tag:films.example,2026:\"\n", "");
    let site = Site::with_config(&unpinned);
    two_reviews(&site);
    let out = site.run_at(common::NOW, &["build"]);
    let state = site.read("feedwright-state.toml");
    let recorded = state
        .lines()
        .find_map(|l| l.strip_prefix("site_id = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    assert!(recorded.starts_with("urn:uuid:"), "{recorded}");
    assert_eq!(
        common::stderr(&out),
        format!(
            "warning: {}: [site] id is not set: ids are derived from the host `films.example` and recorded in the state file; pin it with `id = \"{recorded}\"` under [site]\n",
            site.path("config.toml").display()
        )
    );
    let atom = site.read("feeds/reviews.atom");
    site.write(
        "config.toml",
        &unpinned.replace("[site]\n", &format!("[site]\nid = \"{recorded}\"\n")),
    );
    site.ok_at(common::NOW, &["build"]);
    assert_eq!(site.read("feeds/reviews.atom"), atom);
}

/// Audit: with the state deleted, only the main feed files were compared: an undated entry
/// that only an archive page still listed was dated anew, and moved back into the feed, unsaid.
#[test]
fn a_lost_state_is_compared_with_the_archive_pages_too() {
    let site = crate::common::Site::with_config(&crate::common::CONFIG.replace(
        "link = \"reviews/{slug}/\"",
        "link = \"reviews/{slug}/\"\nlimit = 1\narchive = true",
    ));
    for day in 1..=3 {
        site.write(
            &format!("content/reviews/c{day}.txt"),
            &format!("Column {day}.\n"),
        );
        site.ok_at(&format!("2026-11-0{day}T09:00:00Z"), &["build", "--quiet"]);
    }
    site.remove("feedwright-state.toml");
    let out = site.run_at("2026-11-05T09:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", crate::common::text(&out));
    assert_eq!(
        crate::common::stderr(&out),
        "error: the state file feedwright-state.toml is missing and entries without a `date` key would get a new date:\n  \
         content/reviews/c3.txt: published 2026-11-03T10:00:00+01:00 in feeds/reviews.rss; it would be dated 2026-11-05T10:00:00+01:00 now: add `Date: 2026-11-03T10:00:00+01:00`\n  \
         content/reviews/c1.txt: published 2026-11-01T10:00:00+01:00 in feeds/archive/reviews/1.rss; it would be dated 2026-11-05T10:00:00+01:00 now: add `Date: 2026-11-01T10:00:00+01:00`\n  \
         content/reviews/c2.txt: published 2026-11-02T10:00:00+01:00 in feeds/archive/reviews/2.rss; it would be dated 2026-11-05T10:00:00+01:00 now: add `Date: 2026-11-02T10:00:00+01:00`\n\
         restore the state file the last build wrote, or pin each date with its `date` key\n"
    );
}

/// Issue 15: deleting the state re-dated every entry without a `date` key (dated the first time
/// it is seen) to the time of the next build; readers would see it move. Refused, exit 4.
#[test]
fn a_lost_state_does_not_silently_re_date_undated_entries() {
    let site = crate::common::Site::new();
    site.write("content/reviews/2026-01-01-undated.txt", "Verdict: fine.\n");
    site.ok_at("2026-11-20T09:00:00Z", &["build"]);
    site.remove("feedwright-state.toml");
    let out = site.run_at("2026-11-21T09:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", crate::common::text(&out));
    assert_eq!(
        crate::common::stderr(&out),
        "error: the state file feedwright-state.toml is missing and entries without a `date` key would get a new date:\n  \
         content/reviews/2026-01-01-undated.txt: published 2026-11-20T10:00:00+01:00 in feeds/reviews.rss; it would be dated 2026-11-21T10:00:00+01:00 now: add `Date: 2026-11-20T10:00:00+01:00`\n\
         restore the state file the last build wrote, or pin each date with its `date` key\n"
    );
    // Pinned as the message says, the build goes through and the date stays.
    site.write(
        "content/reviews/2026-01-01-undated.txt",
        "Date: 2026-11-20T10:00:00+01:00\n\nVerdict: fine.\n",
    );
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
    let entry = &site.rss("reviews").entries[0];
    assert_eq!(
        entry.published.unwrap().to_rfc3339(),
        "2026-11-20T09:00:00+00:00"
    );
}

/// The hidden files beside the state (`git clean -X`, a fresh clone of the site with its
/// feeds): gone, they cannot say the state was put back.
fn remove_hidden_state_files(site: &Site) {
    for end in ["written", "cache", "entries", "bodies"] {
        let _ = std::fs::remove_file(site.path(&format!(".feedwright-state.toml.{end}")));
    }
}

/// A site of one dated review, built, and the state that build wrote.
fn built_with_heat() -> (Site, String) {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok_at("2026-11-20T09:00:00Z", &["build"]);
    let state = site.read("feedwright-state.toml");
    (site, state)
}

/// Audit: an older state put back with the record of the last state written gone too re-dated
/// an undated entry with exit 0 (the published feeds were there to compare with).
#[test]
fn an_older_state_put_back_without_its_record_is_compared_with_the_feeds() {
    let (site, older) = built_with_heat();
    site.write("content/reviews/undated.txt", "Verdict: fine.\n");
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
    let latest = site.read("feedwright-state.toml");
    site.write("feedwright-state.toml", &older);
    remove_hidden_state_files(&site);
    let out = site.run_at("2026-11-22T09:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", common::text(&out));
    assert!(
        common::stderr(&out).contains("content/reviews/undated.txt: published 2026-11-21T10:00:00+01:00 in feeds/reviews.rss; it would be dated 2026-11-22T10:00:00+01:00 now"),
        "{}",
        common::stderr(&out)
    );
    // The state the last build wrote, in its place without any record beside it: built.
    site.write("feedwright-state.toml", &latest);
    let rss = site.read("feeds/reviews.rss");
    site.ok_at("2026-11-22T09:00:00Z", &["build"]);
    assert_eq!(site.read("feeds/reviews.rss"), rss);
}

/// Audit: with the state file and the output folder both gone, the guards had nothing to
/// compare with and every undated entry was re-dated with exit 0, though the record beside
/// the state said a build here had written one.
#[test]
fn a_lost_state_with_no_feeds_to_compare_is_refused_when_a_build_wrote_one() {
    let site = Site::new();
    site.write("content/reviews/undated.txt", "Verdict: fine.\n");
    site.ok_at("2026-11-20T09:00:00Z", &["build"]);
    site.remove("feedwright-state.toml");
    std::fs::remove_dir_all(site.path("feeds")).unwrap();
    let out = site.run_at("2026-11-21T09:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "error: the state file feedwright-state.toml is missing, and the output folder feeds holds no feed to compare the ids and dates with; a build here wrote a state before (.feedwright-state.toml.written records it), so subscribers may have entries under ids and dates this build would not give again. Restore the state file the last build wrote (from git or a backup) and the feeds (or check them against the published ones: `feedwright check --against URL`); to give every entry new ids and dates on purpose, delete .feedwright-state.toml.written and build again\n"
    );
    site.remove(".feedwright-state.toml.written");
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
}

/// Audit: content and state reverted together (`git reset --hard`): a published entry left
/// the feeds without the warning a removal gets, and its id was free for the next file of
/// its name.
#[test]
fn a_reverted_state_that_forgets_a_published_entry_is_refused() {
    let (site, older) = built_with_heat();
    site.write(
        "content/reviews/nosferatu.md",
        &review("Nosferatu", "2026-11-02", "y"),
    );
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
    site.remove("content/reviews/nosferatu.md");
    site.write("feedwright-state.toml", &older);
    let out = site.run_at("2026-11-22T09:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "error: the state file feedwright-state.toml changed since the last build wrote it (restored from a backup?), and published entries would leave the feeds unsaid, their ids free to be given again:\n  \"Nosferatu\" (tag:films.example,2026:reviews/nosferatu) in feeds/reviews.rss\nrestore the state file the last build wrote (from git or a backup); if the entries were removed on purpose, run again with --allow-drop\n"
    );
    site.ok_at("2026-11-22T09:00:00Z", &["build", "--allow-drop"]);
}

/// Audit: two sites given one output folder replaced each other's feeds on every run, exit 0:
/// each run took the other site's entries out of its feed, unsaid.
#[test]
fn a_feed_in_the_output_folder_that_is_another_site_s_is_not_replaced() {
    let shared = tempfile::tempdir().unwrap();
    let out = shared.path().display().to_string();
    let config = |id: &str| {
        CONFIG.replace("tag:films.example,2026:", id).replace(
            "timezone = ",
            &format!("output_dir = \"{out}\"\ntimezone = "),
        )
    };
    let a = Site::with_config(&config("tag:films.example,2026:"));
    a.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    a.ok(&["build"]);
    let published = std::fs::read_to_string(shared.path().join("reviews.rss")).unwrap();
    let b = Site::with_config(&config("tag:other.example,2026:"));
    b.write("content/reviews/ran.md", &review("Ran", "2026-02-01", "y"));
    let refusal = format!(
        "error: {out}/reviews.rss holds 1 item(s), none of them this site's (its first is tag:films.example,2026:reviews/heat, in no record of feedwright-state.toml and no entry): another site writes to this output folder, or the state file is another site's. Give each site its own output_dir; nothing was written\n"
    );
    // Its first build (no state yet), and a later one (a state of its own).
    assert_eq!(b.fails(4, &["build"]), refusal);
    let own = b.path("own");
    let own_config = config("tag:other.example,2026:").replace(&out, &own.display().to_string());
    b.write("config.toml", &own_config);
    b.ok(&["build"]);
    b.write("config.toml", &config("tag:other.example,2026:"));
    assert_eq!(b.fails(4, &["build"]), refusal);
    let now = std::fs::read_to_string(shared.path().join("reviews.rss")).unwrap();
    assert_eq!(now, published);
}

/// Audit of the guards above: an `id` key changed on purpose was refused in a fresh clone
/// (nothing beside the state, so it was compared with the feeds); and after a build that wrote
/// the state but not the feeds (a full disk), the site's own feed was taken for another site's.
#[test]
fn an_id_changed_by_its_key_passes_the_guards() {
    let site = Site::new();
    let entry =
        |id: &str| format!("+++\ntitle = \"Heat\"\ndate = 2026-01-01\nid = \"{id}\"\n+++\nx\n");
    site.write("content/reviews/heat.md", &entry("urn:x:1"));
    site.ok(&["build"]);
    let old_feeds = (
        site.read("feeds/reviews.rss"),
        site.read("feeds/reviews.atom"),
    );
    remove_hidden_state_files(&site);
    site.write("content/reviews/heat.md", &entry("urn:x:2"));
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(site.read("feeds/reviews.rss").contains("urn:x:2"));
    // The state has the new id, the feeds the old one (their write failed after the state's).
    site.write("feeds/reviews.rss", &old_feeds.0);
    site.write("feeds/reviews.atom", &old_feeds.1);
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(site.read("feeds/reviews.rss").contains("urn:x:2"));
}

/// Identity audit: the state file and the feeds put back together (a backup of both, `git
/// reset --hard` with the feeds committed) agree with each other, so an undated entry
/// published since was dated anew, and one removed since left the feeds, both unsaid. The
/// state the last build wrote (the content cache's copy of it) says what they forgot.
#[test]
fn a_state_put_back_with_its_feeds_is_checked_against_the_state_written_last() {
    use crate::cache::settle;
    let site = crate::common::Site::new();
    site.write("content/reviews/a.txt", "Verdict: fine.\n");
    site.ok_at("2026-11-20T09:00:00Z", &["build", "--quiet"]);
    let backup = |name: &str| site.read(name);
    let (state, rss, atom) = (
        backup("feedwright-state.toml"),
        backup("feeds/reviews.rss"),
        backup("feeds/reviews.atom"),
    );
    settle();
    site.write("content/reviews/x.txt", "Undated column.\n");
    site.ok_at("2026-11-20T10:00:00Z", &["build", "--quiet"]);
    let put_back = || {
        site.write("feedwright-state.toml", &state);
        site.write("feeds/reviews.rss", &rss);
        site.write("feeds/reviews.atom", &atom);
        settle();
    };
    put_back();
    let out = site.run_at("2026-11-20T11:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", crate::common::text(&out));
    // A second run knows it too (the refused build keeps the content cache's copy).
    let again = site.run_at("2026-11-20T11:05:00Z", &["build"]);
    assert_eq!(
        again.status.code(),
        Some(4),
        "{}",
        crate::common::text(&again)
    );
    assert_eq!(
        crate::common::stderr(&out),
        "error: the state file feedwright-state.toml changed since the last build wrote it (restored from a backup?) and entries without a `date` key would get a new date:\n  \
         content/reviews/x.txt: published 2026-11-20T10:00:00+00:00 in the state the last build here wrote; it would be dated 2026-11-20T12:00:00+01:00 now: add `Date: 2026-11-20T10:00:00+00:00`\n\
         restore the state file the last build wrote, or pin each date with its `date` key\n"
    );
}

/// The same, the entry's file gone with the reset: it would leave the feeds unsaid.
#[test]
fn a_state_put_back_with_its_feeds_and_sources_says_what_would_leave() {
    use crate::cache::settle;
    let site = crate::common::Site::new();
    site.write("content/reviews/a.txt", "Verdict: fine.\n");
    site.ok_at("2026-11-20T09:00:00Z", &["build", "--quiet"]);
    let state = site.read("feedwright-state.toml");
    let rss = site.read("feeds/reviews.rss");
    let atom = site.read("feeds/reviews.atom");
    settle();
    site.write("content/reviews/x.txt", "Undated column.\n");
    site.ok_at("2026-11-20T10:00:00Z", &["build", "--quiet"]);
    site.write("feedwright-state.toml", &state);
    site.write("feeds/reviews.rss", &rss);
    site.write("feeds/reviews.atom", &atom);
    site.remove("content/reviews/x.txt");
    settle();
    let out = site.run_at("2026-11-20T11:00:00Z", &["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", crate::common::text(&out));
    assert_eq!(
        crate::common::stderr(&out),
        "error: the state file feedwright-state.toml changed since the last build wrote it (restored from a backup?), and published entries would leave the feeds unsaid, their ids free to be given again:\n  \
         \"X\" (tag:films.example,2026:reviews/x) in the state the last build here wrote\n\
         restore the state file the last build wrote (from git or a backup); if the entries were removed on purpose, run again with --allow-drop\n"
    );
}
