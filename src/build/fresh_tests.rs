//! A first build whose records are streamed writes what one that holds every entry writes.

use std::path::Path;

use chrono::DateTime;

use super::super::cache::{Key, Scan};
use super::super::{Plan, PlanOptions, Reusing, plan_reusing, write};
use crate::config::Config;

const NOW: &str = "2026-11-25T09:00:00Z";

/// A site of two feeds: `notes` (limit 2) and `reviews` (limit `limit`), `extra` added to the
/// reviews feed's table.
fn config_text(limit: usize, extra: &str) -> String {
    format!(
        "[site]\ntitle = \"T\"\nbase_url = \"https://films.example/\"\nid = \"tag:films.example,2026:\"\ntimezone = \"Europe/Paris\"\n\n\
         [[feed]]\nname = \"reviews\"\ntitle = \"R\"\ndescription = \"D\"\nsource = \"content/reviews\"\nlink = \"reviews/{{year}}/{{slug}}/\"\nformats = [\"rss\", \"atom\", \"json\"]\nlimit = {limit}\n{extra}\n\
         [[feed]]\nname = \"notes\"\ntitle = \"N\"\ndescription = \"D\"\nsource = \"content/notes\"\nlink = \"notes/{{slug}}/\"\nlimit = 2\n"
    )
}

/// Every file under `dir` but the content, the config and the build's hidden files, by name.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if name.starts_with("content") || name == "config.toml" || name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// What a build gave: its plan (or its error's text), every file it wrote, and the state
/// its side file's copy holds, when that copy is of the state file written.
type Built = (
    Result<Plan, String>,
    Vec<(String, Vec<u8>)>,
    Option<crate::identity::State>,
);

/// A first build of a site of `files` (path, text) under `config`, its records streamed or
/// not: the plan (or its error's text), and every file it wrote.
fn first_build(config_text: &str, files: &[(String, String)], stream: bool) -> Built {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("content/notes")).unwrap();
    let config = Config::parse(config_text, &dir.path().join("config.toml")).unwrap();
    let options = PlanOptions {
        stage: true,
        stream_first_build: stream,
        ..PlanOptions::default()
    };
    let scan = Scan::take(&config);
    let key = Key::of(&config, &options);
    let reusing = Reusing {
        key: &key,
        scan: &scan,
        reuse: None,
        pages: None,
        bodies: None,
    };
    let now = DateTime::parse_from_rfc3339(NOW).unwrap();
    let plan = plan_reusing(&config, now, options, Some(reusing)).map_err(|e| e.to_string());
    let mut copy = None;
    if let Ok(plan) = &plan {
        write(&config, plan).unwrap();
        super::super::cache::save(&config, &key, now, &scan, plan, &[]);
        let reuse = super::super::Reuse::load(&config, &key, u64::MAX);
        let bytes = reuse.as_ref().and_then(|r| r.state_copy());
        let state_file = &config.site.state_file;
        let loaded = super::super::state_copy::load(state_file, bytes).unwrap();
        copy = loaded.0.filter(|_| loaded.1.is_some());
    }
    (plan, files_under(dir.path()), copy)
}

/// Whether the plan's state holds fewer records than it has entries: its records were
/// streamed, and only the entries the feeds read were kept.
fn streamed(plan: &Plan) -> bool {
    plan.state.entries.len() < plan.entry_count
}

/// Both builds of one site: the same files, warnings, notes and count, or the same error.
fn same_either_way(config: &str, files: &[(String, String)]) -> bool {
    let (held, held_files, held_copy) = first_build(config, files, false);
    let (streaming, streamed_files, streamed_copy) = first_build(config, files, true);
    assert_eq!(held_files, streamed_files);
    assert_eq!(held_copy, streamed_copy);
    assert_eq!(
        held_copy.is_some(),
        held.is_ok(),
        "a copy of the state after a build"
    );
    match (held, streaming) {
        (Ok(a), Ok(b)) => {
            assert!(!streamed(&a));
            assert_eq!(a.entry_count, b.entry_count);
            assert_eq!(a.warnings, b.warnings);
            assert_eq!(a.notes, b.notes);
            assert_eq!(a.lasting_notes, b.lasting_notes);
            assert_eq!(a.horizon, b.horizon);
            streamed(&b)
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            false
        }
        (a, b) => panic!("one build failed: {:?} / {:?}", a.err(), b.err()),
    }
}

/// A review: `date` (none for a file without one), and more keys.
fn review(n: usize, date: Option<&str>, keys: &str) -> (String, String) {
    let date = date.map_or(String::new(), |d| format!("date = \"{d}\"\n"));
    let text = format!(
        "+++\ntitle = \"Film {n} \\\"&amp;\\\" <b>\"\n{date}tags = [\"drama\"]\n{keys}+++\nA *film* & more, n° {n}.\n"
    );
    (format!("content/reviews/r{n:03}.md"), text)
}

/// A small random site: dates drawn from a few (ties), undated files, drafts, entries dated
/// later than now, `updated` keys, ids and links of their own, `.txt` files.
fn random_site(seed: u64) -> Vec<(String, String)> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut draw = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let dates = [
        Some("2024-03-01"),
        Some("2024-03-01T10:00:00+01:00"),
        Some("2025-07-14T08:00:00Z"),
        Some("2026-01-02"),
        Some("2027-05-01"),
        None,
    ];
    let count = 5 + draw(25) as usize;
    let mut files = Vec::new();
    for n in 0..count {
        let date = dates[draw(dates.len() as u64) as usize];
        let keys = match draw(8) {
            0 => "draft = true\n".to_string(),
            1 => "updated = \"2026-02-01T00:00:00Z\"\n".to_string(),
            2 => format!("id = \"urn:x:own-{n}\"\n"),
            3 => format!("link = \"https://elsewhere.example/{n}\"\n"),
            4 => "summary = \"Short.\"\nauthor = \"Bo\"\n".to_string(),
            _ => String::new(),
        };
        if draw(6) == 0 {
            let name = format!("content/reviews/t{n:03}.txt");
            files.push((
                name,
                format!("A “pasted” film, {n}.\n\nA second — paragraph.\n"),
            ));
        } else {
            files.push(review(n, date, &keys));
        }
    }
    for n in 0..1 + draw(4) as usize {
        let text = format!(
            "+++\ntitle = \"Note {n}\"\ndate = \"2025-0{}-01\"\n+++\nA note.\n",
            n + 1
        );
        files.push((format!("content/notes/n{n}.md"), text));
    }
    files
}

#[test]
fn random_first_builds_write_the_same_files_streamed_or_not() {
    let mut taken = 0;
    for seed in 0..24 {
        let files = random_site(seed);
        let limit = 1 + (seed as usize % 4);
        if same_either_way(&config_text(limit, ""), &files) {
            taken += 1;
        }
    }
    assert!(
        taken >= 20,
        "the streamed way was taken {taken} times of 24"
    );
}

#[test]
fn undated_files_tied_at_now_are_picked_alike() {
    let files: Vec<_> = (0..40)
        .map(|n| {
            (
                format!("content/reviews/t{n:03}.txt"),
                format!("Film {n}.\n"),
            )
        })
        .collect();
    assert!(same_either_way(&config_text(3, ""), &files));
}

#[test]
fn what_the_streamed_way_cannot_settle_is_built_the_usual_way() {
    let mut two_slugs = vec![review(1, Some("2024-01-01"), "slug = \"heat\"\n")];
    two_slugs.push(review(2, Some("2024-01-02"), "slug = \"heat\"\n"));
    let mut broken = vec![review(1, Some("2024-01-01"), "")];
    broken.push((
        "content/reviews/bad.md".into(),
        "+++\ntitle = \n+++\nx\n".into(),
    ));
    let many: Vec<_> = (0..12).map(|n| review(n, Some("2024-01-01"), "")).collect();
    let cases = [
        (config_text(1, ""), two_slugs),
        (config_text(1, ""), broken),
        (config_text(1, "tags = true"), many.clone()),
        (config_text(1, "archive = true"), many.clone()),
        (config_text(0, ""), many),
    ];
    for (config, files) in cases {
        assert!(!same_either_way(&config, &files), "{config}");
    }
}
