//! Tests of [`super`]: the output folder, state files and sources that config.toml may name.

use super::super::Config;
use super::*;

const SITE: &str = "[site]\ntitle = \"T\"\nbase_url = \"https://example.com/\"\n";
const FEED: &str = "\n[[feed]]\nname = \"reviews\"\ntitle = \"R\"\nsource = \"content\"\n";

fn problem(site_extra: &str, rest: &str) -> String {
    let text = format!("{SITE}{site_extra}{FEED}{rest}");
    let e = Config::parse(&text, Path::new("/srv/site/config.toml")).unwrap_err();
    e.to_string()
}

#[test]
fn an_output_dir_holding_the_site_is_refused() {
    let fix = "feedwright writes and replaces files there and clears its leftovers, and everything in it gets published; give the feeds a folder of their own, like output_dir = \"feeds\"";
    assert_eq!(
        problem("output_dir = \"/\"\n", ""),
        format!("/srv/site/config.toml:4: [site] output_dir = \"/\" is the filesystem root: {fix}")
    );
    for (dir, shown) in [(".", "/srv/site"), ("..", "/srv"), ("x/../..", "/srv")] {
        assert_eq!(
            problem(&format!("output_dir = \"{dir}\"\n"), ""),
            format!(
                "/srv/site/config.toml:4: [site] output_dir = \"{dir}\" is {shown}, which holds the config's folder and your content: {fix}"
            )
        );
    }
    let text = format!("{SITE}output_dir = \"out\"{FEED}");
    assert!(Config::parse(&text, Path::new("/srv/site/config.toml")).is_ok());
}

#[test]
fn the_home_folder_is_refused() {
    let text = format!("{SITE}output_dir = \"/home/ann\"{FEED}");
    let c = Config::parse(&text, Path::new("/srv/site/config.toml")).unwrap();
    let w = Written {
        text: &text,
        output_dir: Some(Path::new("/home/ann")),
    };
    let (line, message) = check(&c, &w, Some(Path::new("/home/ann/"))).unwrap();
    assert_eq!(line, Some(4));
    assert!(
        message.starts_with("[site] output_dir = \"/home/ann\" is your home folder (/home/ann): "),
        "{message}"
    );
    assert!(check(&c, &w, Some(Path::new("/home/bob"))).is_none());
}

#[test]
fn a_state_file_in_the_output_folder_is_refused() {
    assert_eq!(
        problem(
            "output_dir = \"out\"\nstate_file = \"out/state.toml\"\n",
            ""
        ),
        "/srv/site/config.toml:5: [site] state_file out/state.toml is inside [site] output_dir (line 4): a build would publish it and could overwrite it; keep it beside config.toml (state_file = \"feedwright-state.toml\"), out of the output folder"
    );
    assert_eq!(
        problem("", "\n[publish]\nstate_file = \"./feeds/reviews.rss\"\n"),
        "/srv/site/config.toml:11: [publish] state_file feeds/reviews.rss is inside [site] output_dir: a build would publish it and could overwrite it; keep it beside config.toml (state_file = \"feedwright-push.toml\"), out of the output folder"
    );
    assert_eq!(
        problem(
            "state_file = \"s.toml\"\n",
            "\n[publish]\nstate_file = \"s.toml\"\n"
        ),
        "/srv/site/config.toml:12: [publish] state_file and [site] state_file (line 4) are both s.toml: the ids and dates and the upload record would overwrite each other; give each its own file (the defaults are feedwright-state.toml and feedwright-push.toml)"
    );
    assert_eq!(
        problem("state_file = \"config.toml\"\n", ""),
        "/srv/site/config.toml:4: [site] state_file is the config file itself: a build would overwrite it; give it its own file"
    );
}

/// A state file that is a folder, an output folder written with `~`: said with the line.
#[test]
fn a_folder_for_a_state_file_and_a_tilde_are_refused() {
    assert_eq!(
        problem("state_file = \"/\"\n", ""),
        "/srv/site/config.toml:4: [site] state_file / is a folder: name a file, like state_file = \"feedwright-state.toml\""
    );
    assert_eq!(
        problem("output_dir = \"~/feeds\"\n", ""),
        "/srv/site/config.toml:4: [site] output_dir starts with `~`, which is not your home folder here (only a shell expands it): write the folder's full path, or one relative to config.toml"
    );
}

/// Drafts served as feeds, or a feed without a title: refused with the key's line.
#[test]
fn an_output_folder_holding_a_source_or_an_empty_title_is_refused() {
    let e = Config::parse(
        &format!("{SITE}output_dir = \".\"{FEED}")
            .replace("source = \"content\"", "source = \"out/content\"")
            .replace("output_dir = \".\"", "output_dir = \"out\""),
        Path::new("/srv/site/config.toml"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "/srv/site/config.toml:4: [site] output_dir out holds feed `reviews`'s source folder out/content: its drafts would be served and published with the feeds; give the feeds a folder of their own, like output_dir = \"feeds\""
    );
    let e = Config::parse(
        &format!("{SITE}{FEED}").replace("title = \"R\"", "title = \" \""),
        Path::new("/srv/site/config.toml"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "/srv/site/config.toml:6: [[feed]] `reviews` has an empty title: every reader shows a feed by its title; write one"
    );
}

/// Feeds among the drafts, a state file read as an entry: refused with the key's line.
/// Audit: an empty site title and a feed description of spaces were accepted (the
/// description failed the output check, R9, without the config's line).
#[test]
fn blank_titles_and_descriptions_are_refused_at_their_lines() {
    let parse = |text: &str| {
        Config::parse(text, Path::new("/srv/site/config.toml"))
            .unwrap_err()
            .to_string()
    };
    let err = parse(&format!(
        "{}{FEED}",
        SITE.replace("title = \"T\"", "title = \"\u{200b} \"")
    ));
    assert_eq!(
        err,
        "/srv/site/config.toml:2: [site] title is empty: subscription lists and the feeds' pages show the site by its title; write one"
    );
    let err = parse(&format!("{SITE}{FEED}description = \"  \"\n"));
    assert_eq!(
        err,
        "/srv/site/config.toml:9: [[feed]] `reviews` has an empty description: RSS requires one, and directories show it under the title; write a sentence about the feed"
    );
}

/// Audit: nested source folders failed each file's build (exit 1) instead of the config.
#[test]
fn nested_source_folders_are_refused() {
    let all = "\n[[feed]]\nname = \"all\"\ntitle = \"A\"\nsource = \"content\"\n";
    let reviews = FEED.replace("\"content\"", "\"content/reviews\"");
    let text = format!("{SITE}{reviews}{all}");
    let err = Config::parse(&text, Path::new("/srv/site/config.toml"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "/srv/site/config.toml:13: [[feed]] `reviews`'s source folder content/reviews is inside [[feed]] `all`'s, content: its files would be entries of both; give the feeds the same source (they then share its entries) or folders side by side"
    );
}

/// Audit: `source = "."` published README.md and any notes beside config.toml.
#[test]
fn the_site_folder_as_a_source_is_refused() {
    for source in ["\".\"", "\"\"", "\"./\""] {
        let text = format!("{SITE}{}", FEED.replace("\"content\"", source));
        let err = Config::parse(&text, Path::new("/srv/site/config.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "/srv/site/config.toml:8: [[feed]] `reviews` has the whole site as its source folder: config.toml's folder also holds the state file, the output folder and any README.md or notes, which a build would read or publish as entries; give the entries a folder of their own, like source = \"content/reviews\"",
            "{source}"
        );
    }
}

#[test]
fn an_output_folder_or_state_file_in_a_source_folder_is_refused() {
    assert_eq!(
        problem("output_dir = \"content/out\"\n", ""),
        "/srv/site/config.toml:4: [site] output_dir content/out is inside feed `reviews`'s source folder content: the drafts and notes there would be published beside the feeds; give the feeds a folder of their own, like output_dir = \"feeds\""
    );
    assert_eq!(
        problem("state_file = \"content/zz-state.md\"\n", ""),
        "/srv/site/config.toml:4: [site] state_file content/zz-state.md is inside feed `reviews`'s source folder content: a build would read it as an entry; keep it beside config.toml (state_file = \"feedwright-state.toml\")"
    );
}

#[test]
fn feeds_writing_one_file_are_refused() {
    let second = "\n[[feed]]\nname = \"Reviews\"\ntitle = \"R2\"\nsource = \"c2\"\n";
    assert_eq!(
        problem("", second),
        "/srv/site/config.toml:11: [[feed]] names `reviews` (line 6) and `Reviews` differ only in case: on macOS and Windows both write the file Reviews.rss and one feed overwrites the other; rename one of them"
    );
    // `tags.rss` and the folder `tags/` are different names: a feed may be called `tags`.
    let tags = "\n[[feed]]\nname = \"tags\"\ntitle = \"T\"\nsource = \"c2\"\n";
    let text = format!("{SITE}{FEED}{tags}");
    assert!(Config::parse(&text, Path::new("/srv/site/config.toml")).is_ok());
}

#[test]
fn keys_are_found_in_their_own_table() {
    let text = "[site]\nstate_file = \"a\"\n[publish]\nurl = \"x\"\nstate_file = \"b\"\n";
    assert_eq!(table_key_line(text, "site", "state_file"), Some(2));
    assert_eq!(table_key_line(text, "publish", "state_file"), Some(5));
    assert_eq!(table_key_line(text, "publish", "state"), None);
}

/// Audit: `state_file = ""` was "state_file  is a folder", and the run lock's file was taken.
#[test]
fn an_empty_state_file_or_the_lock_s_is_refused() {
    for (value, why) in [
        ("", "is empty (the site's folder)"),
        (
            ".feedwright.lock",
            "is .feedwright.lock, the file that keeps two runs from overlapping",
        ),
    ] {
        let text = format!("{}state_file = \"{value}\"\n{FEED}", SITE);
        let err = Config::parse(&text, Path::new("/srv/site/config.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "/srv/site/config.toml:4: [site] state_file {why}: name a file of its own, like state_file = \"feedwright-state.toml\""
            )
        );
    }
}

/// Audit: `output_dir = "config.toml"` failed as it was written to (exit 7), naming no key.
#[test]
fn an_output_folder_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = format!("{}output_dir = \"config.toml\"\n{FEED}", SITE);
    std::fs::write(&config, &text).unwrap();
    let err = Config::parse(&text, &config).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:4: [site] output_dir = \"config.toml\" is a file, not a folder: give the feeds a folder of their own, like output_dir = \"feeds\"",
            config.display()
        )
    );
}

/// A typo in `extra_roots` is said at its line, not found later as a refused link.
#[test]
fn an_extra_root_that_is_not_a_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().display();
    assert_eq!(
        problem(
            &format!("extra_roots = [\"{site}\", \"/srv/archiv\"]\n"),
            ""
        ),
        "/srv/site/config.toml:4: [site] extra_roots names /srv/archiv, which does not exist or is not a folder: fix the path (a drive not mounted?) or take it out of the list"
    );
    let text = format!("{SITE}extra_roots = [\"{site}\"]{FEED}");
    assert!(Config::parse(&text, Path::new("/srv/site/config.toml")).is_ok());
}

/// Hostile-repository audit: `feeds -> ~/.config/…` (or `feeds/tags -> …`) committed in a
/// cloned site had the build replace files there.
#[cfg(unix)]
#[test]
fn an_output_folder_linked_out_of_the_site_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (site, victim) = (dir.path().join("site"), dir.path().join("victim"));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&victim).unwrap();
    let config = site.join("config.toml");
    let parse = || Config::parse(&format!("{SITE}{FEED}"), &config).map(|_| ());
    std::os::unix::fs::symlink("../victim", site.join("feeds")).unwrap();
    let real = std::fs::canonicalize(&victim).unwrap();
    let real = real.display();
    assert_eq!(
        parse().unwrap_err().to_string(),
        format!(
            "{}: feeds is a link to {real}, outside the site's folder: feedwright does not write through it (a link in a cloned repository may point anywhere); if the feeds belong there, write output_dir = \"{real}\"",
            config.display(),
        )
    );
    // Named in config.toml, the same folder is the user's choice.
    let named = format!("{SITE}output_dir = \"{real}\"\n{FEED}");
    assert!(Config::parse(&named, &config).is_ok());
    // A link inside the site is fine; one where the build writes its own folders is not.
    std::fs::remove_file(site.join("feeds")).unwrap();
    std::fs::create_dir_all(site.join("out/archive")).unwrap();
    std::os::unix::fs::symlink("out", site.join("feeds")).unwrap();
    assert!(parse().is_ok());
    std::os::unix::fs::symlink("../../victim", site.join("out/archive/reviews")).unwrap();
    assert_eq!(
        parse().unwrap_err().to_string(),
        format!(
            "{}: feeds/archive/reviews is a link: feedwright writes only its own files there and does not follow it (a link in a cloned repository may point anywhere); delete the link",
            config.display()
        )
    );
}

/// Hostile-repository audit: a podcast cover outside the site (`/proc/self/environ`, a link
/// out) was opened and measured; an episode's art never was.
#[cfg(unix)]
#[test]
fn a_cover_outside_the_site_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::write(dir.path().join("cover.png"), "x").unwrap();
    std::os::unix::fs::symlink("../../cover.png", site.join("static/cover.png")).unwrap();
    let config = |image: &str| {
        format!(
            "{SITE}language = \"en\"\n\n[[feed]]\nname = \"pod\"\nkind = \"podcast\"\ntitle = \"P\"\nsource = \"eps\"\n\n[feed.podcast]\nimage = \"{image}\"\ncategory = \"Arts\"\nexplicit = false\nmedia_base_url = \"https://m.example/\"\n"
        )
    };
    let path = site.join("config.toml");
    let real = std::fs::canonicalize(dir.path().join("cover.png")).unwrap();
    assert_eq!(
        Config::parse(&config("static/cover.png"), &path)
            .unwrap_err()
            .to_string(),
        format!(
            "{}:13: [feed.podcast] image static/cover.png is {}, outside the site's folder: a build reads and publishes nothing from there; move it into the folder of config.toml, or name its folder in [site] extra_roots",
            path.display(),
            real.display()
        )
    );
    let e = Config::parse(&config("/proc/self/environ"), &path)
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("/proc, /sys and /dev are never read, even when [site] extra_roots names them: copy what is meant into the folder of config.toml"), "{e}");
    std::fs::remove_file(site.join("static/cover.png")).unwrap();
    std::fs::write(site.join("static/cover.png"), "x").unwrap();
    assert!(Config::parse(&config("static/cover.png"), &path).is_ok());
}

/// Regression hunt: a `[[feed]] link` pattern, a feed title or a podcast author holding
/// `https://user:password@…` went into every feed.
#[test]
fn a_password_anywhere_in_the_config_is_refused_at_its_line() {
    let said = "holds a URL with a user name and password: what config.toml names goes into the feeds or into messages, where everyone reads it; take them out (and change that password); a push's secret goes in [publish] token_env or token_file";
    assert_eq!(
        problem("", "link = \"https://u:pw@staging.example/{slug}/\"\n"),
        format!("/srv/site/config.toml:9: {said}")
    );
    assert_eq!(
        problem("", "description = \"see https://u:pw@x.example\"\n"),
        format!("/srv/site/config.toml:9: {said}")
    );
    // A comment is not the config; an address is no password.
    let text = format!(
        "{SITE}author = {{ name = \"A\", email = \"a@b.example\" }}\n# was https://u:pw@old.example/\n{FEED}"
    );
    assert!(Config::parse(&text, Path::new("/srv/site/config.toml")).is_ok());
}
