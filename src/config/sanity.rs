//! Where the files go, checked once the config is resolved (issue 15, "Config sanity"): an
//! output folder that would hold the site itself, a state file that a build would overwrite
//! or publish, two feeds that write one file. Each is a configuration error naming the keys,
//! their lines and the fix, before anything is read or written.

use std::path::{Component, Path, PathBuf};

/// What [`check`] needs beyond the resolved paths: the values as written, for the messages.
pub(super) struct Written<'a> {
    pub text: &'a str,
    pub output_dir: Option<&'a Path>,
}

/// A problem: the line it is reported at and the message.
pub(super) type Problem = (Option<usize>, String);

/// Checks the resolved config `c`; `home` is the user's home folder when known.
pub(super) fn check(c: &super::Config, written: &Written, home: Option<&Path>) -> Option<Problem> {
    site_title(c, written)
        .or_else(|| output_dir(c, written, home))
        .or_else(|| state_files(c, written))
        .or_else(|| in_content(c, written))
        .or_else(|| feed_files(&c.feeds, written.text))
        .or_else(|| nested_sources(c, written.text))
        .or_else(|| extra_roots(c, written.text))
        .or_else(|| linked_output(c, written))
        .or_else(|| cover_outside(c, written.text))
        .or_else(|| password_anywhere(written.text))
}

/// A URL with a user name and password anywhere in config.toml: what the feeds carry (a
/// `link` pattern, a title, an author) every reader sees, and the rest is shown in messages;
/// `[publish]` keeps its secret in `token_env` or `token_file`. The keys that take a URL say
/// so in their own words first.
fn password_anywhere(text: &str) -> Option<Problem> {
    let at = text.lines().position(|l| {
        let l = l.trim_start();
        !l.starts_with('#') && crate::content::credentials::without_passwords(l.to_string()).1 > 0
    })?;
    Some((
        Some(at + 1),
        "holds a URL with a user name and password: what config.toml names goes into the feeds or into messages, where everyone reads it; take them out (and change that password); a push's secret goes in [publish] token_env or token_file".into(),
    ))
}

/// A podcast's local cover that really lies outside the site (and `extra_roots`), as an
/// episode's art may not: it was opened and measured even as `/proc/self/environ`.
fn cover_outside(c: &super::Config, text: &str) -> Option<Problem> {
    let roots = crate::content::Roots::new(&c.root, &c.site.extra_roots);
    c.feeds.iter().find_map(|feed| {
        let Some(super::podcast::Artwork::Local { path, .. }) = &feed.podcast.as_ref()?.image
        else {
            return None;
        };
        let real = path.canonicalize().ok().filter(|real| !roots.allows(real))?;
        // The line of the `image` key in a `[feed.podcast]` table that names this file.
        let name = path.file_name()?.to_string_lossy();
        let line = (text.lines().position(|l| is_key(l.trim(), "image") && l.contains(&*name)))
            .map(|i| i + 1);
        Some((
            line,
            format!(
                "[feed.podcast] image {} is {}, outside the site's folder: a build reads and publishes nothing from there; {}",
                shown(&c.root, path),
                real.display(),
                crate::content::Roots::fix_for(&real)
            ),
        ))
    })
}

/// An output folder written as one inside the site that a link takes out of it, or a link
/// where the build writes its own folders (`tags`, `chapters`, `archive/<feed>`): a cloned
/// repository holding `feeds -> ~/.config/…` had every feed written there, replacing what
/// had those names, and `serve` publishing the rest. A folder outside the site is named in
/// config.toml, where the user sees it.
fn linked_output(c: &super::Config, w: &Written) -> Option<Problem> {
    let out = &c.site.output_dir;
    let line = table_key_line(w.text, "site", "output_dir");
    let root = canonical(&c.root)?;
    let written_inside = same_or_inside(out, &c.root);
    if let Some(real) = canonical(out).filter(|r| written_inside && !r.starts_with(&root)) {
        return Some((
            line,
            format!(
                "{} is a link to {}, outside the site's folder: feedwright does not write through it (a link in a cloned repository may point anywhere); if the feeds belong there, write output_dir = \"{}\"",
                shown(&c.root, out),
                real.display(),
                real.display()
            ),
        ));
    }
    let archive = std::path::Path::new(crate::feed::extras::ARCHIVE_DIR);
    let own = [
        super::TAGS_DIR,
        "chapters",
        crate::feed::extras::ARCHIVE_DIR,
    ]
    .into_iter()
    .map(PathBuf::from)
    .chain(c.feeds.iter().map(|f| archive.join(&f.name)));
    let linked = own
        .map(|sub| out.join(sub))
        .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))?;
    Some((
        line,
        format!(
            "{} is a link: feedwright writes only its own files there and does not follow it (a link in a cloned repository may point anywhere); delete the link",
            shown(&c.root, &linked)
        ),
    ))
}

/// A folder in `[site] extra_roots` that is not there (a typo, a drive not mounted): content
/// linked into it could not be read, and the link's error would send the user back to a list
/// that already names it.
fn extra_roots(c: &super::Config, text: &str) -> Option<Problem> {
    let missing = c.site.extra_roots.iter().find(|root| !root.is_dir())?;
    Some((
        table_key_line(text, "site", "extra_roots"),
        format!(
            "[site] extra_roots names {}, which does not exist or is not a folder: fix the path \
             (a drive not mounted?) or take it out of the list",
            shown(&c.root, missing)
        ),
    ))
}

/// Two feeds whose source folders nest: the files of the inner one would be two feeds'
/// entries with one id (feeds that share one folder share its entries, by design).
fn nested_sources(c: &super::Config, text: &str) -> Option<Problem> {
    let feeds = &c.feeds;
    for (i, inner) in feeds.iter().enumerate() {
        for outer in feeds.iter().take(i).chain(feeds.iter().skip(i + 1)) {
            if inner.source != outer.source && same_or_inside(&inner.source, &outer.source) {
                let later = if feeds.iter().position(|f| f.name == outer.name) > Some(i) {
                    outer
                } else {
                    inner
                };
                return Some((
                    feed_key_line(text, &later.name, "source"),
                    format!(
                        "[[feed]] `{}`'s source folder {} is inside [[feed]] `{}`'s, {}: its \
                         files would be entries of both; give the feeds the same source (they \
                         then share its entries) or folders side by side",
                        inner.name,
                        shown(&c.root, &inner.source),
                        outer.name,
                        shown(&c.root, &outer.source)
                    ),
                ));
            }
        }
    }
    None
}

/// A site title that shows nothing (`""`, a zero-width space): the subscription list and the
/// feeds' pages name the site by it.
fn site_title(c: &super::Config, w: &Written) -> Option<Problem> {
    c.site
        .title
        .chars()
        .all(super::text::is_invisible)
        .then(|| {
            (
                table_key_line(w.text, "site", "title"),
                "[site] title is empty: subscription lists and the feeds' pages show the site by \
             its title; write one"
                    .to_string(),
            )
        })
}

/// The user's home folder, which must never be the output folder.
pub(super) fn home_folder() -> Option<PathBuf> {
    ["HOME", "USERPROFILE"]
        .into_iter()
        .filter_map(std::env::var_os)
        .find(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `path` with `.` and `..` folded away, without touching the disk (the folders may not exist
/// yet; symlinks are compared again once canonical, see [`same_or_inside`]).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(part);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `inner` is `outer` or lies inside it, lexically or once symlinks are resolved.
fn same_or_inside(inner: &Path, outer: &Path) -> bool {
    if normalize(inner).starts_with(normalize(outer)) {
        return true;
    }
    match (canonical(inner), std::fs::canonicalize(outer)) {
        (Some(i), Ok(o)) => i.starts_with(o),
        _ => false,
    }
}

/// The canonical form of `path`, or of its nearest existing ancestor with the rest appended,
/// so a state file not yet written is still placed right.
fn canonical(path: &Path) -> Option<PathBuf> {
    let path = normalize(path);
    let mut rest = Vec::new();
    let mut at = path.as_path();
    loop {
        if let Ok(found) = std::fs::canonicalize(at) {
            return Some(rest.iter().rev().fold(found, |p, r| p.join(r)));
        }
        rest.push(at.file_name()?.to_os_string());
        at = at.parent()?;
    }
}

fn output_dir(c: &super::Config, w: &Written, home: Option<&Path>) -> Option<Problem> {
    let out = &c.site.output_dir;
    if w.output_dir.is_some_and(|p| p.starts_with("~")) {
        return Some((
            table_key_line(w.text, "site", "output_dir"),
            "[site] output_dir starts with `~`, which is not your home folder here (only a shell expands it): write the folder's full path, or one relative to config.toml".into(),
        ));
    }
    let shown = w.output_dir.map_or_else(
        || "feeds".to_string(),
        |p| p.display().to_string().replace('\\', "/"),
    );
    if out.exists() && !out.is_dir() {
        return Some((
            table_key_line(w.text, "site", "output_dir"),
            format!(
                "[site] output_dir = \"{shown}\" is a file, not a folder: give the feeds a \
                 folder of their own, like output_dir = \"feeds\""
            ),
        ));
    }
    let is_root =
        normalize(out).parent().is_none() || canonical(out).is_some_and(|p| p.parent().is_none());
    let what = if is_root {
        "the filesystem root".to_string()
    } else if home.is_some_and(|h| same_or_inside(out, h) && same_or_inside(h, out)) {
        format!("your home folder ({})", out.display())
    } else if same_or_inside(&c.root, out) {
        format!(
            "{}, which holds the config's folder and your content",
            normalize(out).display()
        )
    } else {
        return None;
    };
    let line = table_key_line(w.text, "site", "output_dir");
    Some((
        line,
        format!(
            "[site] output_dir = \"{shown}\" is {what}: feedwright writes and replaces files there \
             and clears its leftovers, and everything in it gets published; \
             give the feeds a folder of their own, like output_dir = \"feeds\""
        ),
    ))
}

fn state_files(c: &super::Config, w: &Written) -> Option<Problem> {
    let out = &c.site.output_dir;
    let files = [
        ("site", &c.site.state_file, "feedwright-state.toml"),
        ("publish", &c.publish.state_file, "feedwright-push.toml"),
    ];
    for (table, file, default) in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let empty = normalize(file) == normalize(&c.root);
        if empty || name == super::LOCK_FILE {
            let why = if empty {
                "is empty (the site's folder)".to_string()
            } else {
                format!("is {name}, the file that keeps two runs from overlapping")
            };
            return Some((
                table_key_line(w.text, table, "state_file"),
                format!(
                    "[{table}] state_file {why}: name a file of its own, like state_file = \"{default}\""
                ),
            ));
        }
        if file.is_dir() {
            return Some((
                table_key_line(w.text, table, "state_file"),
                format!(
                    "[{table}] state_file {} is a folder: name a file, like state_file = \"{default}\"",
                    shown(&c.root, file)
                ),
            ));
        }
        if same_or_inside(file, out) {
            let out_line = table_key_line(w.text, "site", "output_dir")
                .map_or_else(String::new, |l| format!(" (line {l})"));
            return Some((
                table_key_line(w.text, table, "state_file"),
                format!(
                    "[{table}] state_file {} is inside [site] output_dir{out_line}: a build \
                     would publish it and could overwrite it; keep it beside config.toml \
                     (state_file = \"{default}\"), out of the output folder",
                    shown(&c.root, file)
                ),
            ));
        }
    }
    let (site, publish) = (&c.site.state_file, &c.publish.state_file);
    if normalize(site) == normalize(publish) {
        let site_line = table_key_line(w.text, "site", "state_file")
            .map_or_else(String::new, |l| format!(" (line {l})"));
        return Some((
            table_key_line(w.text, "publish", "state_file"),
            format!(
                "[publish] state_file and [site] state_file{site_line} are both {}: the ids \
                 and dates and the upload record would overwrite each other; \
                 give each its own file (the defaults are feedwright-state.toml and feedwright-push.toml)",
                shown(&c.root, site)
            ),
        ));
    }
    if normalize(site) == normalize(&c.path) || normalize(publish) == normalize(&c.path) {
        let table = if normalize(site) == normalize(&c.path) {
            "site"
        } else {
            "publish"
        };
        return Some((
            table_key_line(w.text, table, "state_file"),
            format!(
                "[{table}] state_file is the config file itself: a build would overwrite it; \
                 give it its own file"
            ),
        ));
    }
    None
}

/// The output folder or a state file inside a feed's source folder: the drafts and notes
/// there would be published beside the feeds, a state file read as an entry (or written over
/// one). A source folder that holds the whole site (`source = "."`) is left to the checks
/// above.
fn in_content(c: &super::Config, w: &Written) -> Option<Problem> {
    for feed in &c.feeds {
        let src = &feed.source;
        if same_or_inside(src, &c.site.output_dir) {
            return Some((
                table_key_line(w.text, "site", "output_dir"),
                format!(
                    "[site] output_dir {} holds feed `{}`'s source folder {}: its drafts would \
                     be served and published with the feeds; give the feeds a folder of their \
                     own, like output_dir = \"feeds\"",
                    shown(&c.root, &c.site.output_dir),
                    feed.name,
                    shown(&c.root, src)
                ),
            ));
        }
        let blank = |t: &str| t.chars().all(super::text::is_invisible);
        if blank(&feed.title) {
            return Some((
                name_line(w.text, &feed.name),
                format!(
                    "[[feed]] `{}` has an empty title: every reader shows a feed by its title; \
                     write one",
                    feed.name
                ),
            ));
        }
        if blank(&feed.description) {
            return Some((
                feed_key_line(w.text, &feed.name, "description"),
                format!(
                    "[[feed]] `{}` has an empty description: RSS requires one, and directories \
                     show it under the title; write a sentence about the feed",
                    feed.name
                ),
            ));
        }
        if normalize(src) == normalize(&c.root) {
            return Some((
                feed_key_line(w.text, &feed.name, "source"),
                format!(
                    "[[feed]] `{}` has the whole site as its source folder: config.toml's \
                     folder also holds the state file, the output folder and any README.md or \
                     notes, which a build would read or publish as entries; give the entries a \
                     folder of their own, like source = \"content/{}\"",
                    feed.name, feed.name
                ),
            ));
        }
        if same_or_inside(&c.root, src) {
            continue;
        }
        let folder = shown(&c.root, src);
        if same_or_inside(&c.site.output_dir, src) {
            return Some((
                table_key_line(w.text, "site", "output_dir"),
                format!(
                    "[site] output_dir {} is inside feed `{}`'s source folder {folder}: the drafts \
                     and notes there would be published beside the feeds; give the feeds a folder \
                     of their own, like output_dir = \"feeds\"",
                    shown(&c.root, &c.site.output_dir),
                    feed.name
                ),
            ));
        }
        let files = [
            ("site", &c.site.state_file, "feedwright-state.toml"),
            ("publish", &c.publish.state_file, "feedwright-push.toml"),
        ];
        for (table, file, default) in files {
            if same_or_inside(file, src) {
                return Some((
                    table_key_line(w.text, table, "state_file"),
                    format!(
                        "[{table}] state_file {} is inside feed `{}`'s source folder {folder}: a \
                         build would read it as an entry; keep it beside config.toml \
                         (state_file = \"{default}\")",
                        shown(&c.root, file),
                        feed.name
                    ),
                ));
            }
        }
    }
    None
}

/// Feed names are unique (checked as they are read) but a case-insensitive filesystem
/// (macOS, Windows) still gives `Reviews` and `reviews` one file each format.
fn feed_files(feeds: &[super::FeedConfig], text: &str) -> Option<Problem> {
    for (i, feed) in feeds.iter().enumerate() {
        let lower = feed.name.to_ascii_lowercase();
        if let Some(first) = feeds[..i]
            .iter()
            .find(|f| f.name.to_ascii_lowercase() == lower)
        {
            let format = feed.formats[0];
            let first_line =
                name_line(text, &first.name).map_or_else(String::new, |l| format!(" (line {l})"));
            return Some((
                name_line(text, &feed.name),
                format!(
                    "[[feed]] names `{}`{first_line} and `{}` differ only in case: on macOS and \
                     Windows both write the file {} and one feed overwrites the other; \
                     rename one of them",
                    first.name,
                    feed.name,
                    feed.file_name(format)
                ),
            ));
        }
    }
    None
}

/// 1-based line of `key` in the table `table` (`[table]` or `[[table]]`).
pub(super) fn table_key_line(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = "";
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            current = line.trim_matches(|c| c == '[' || c == ']').trim();
        } else if current == table && is_key(line, key) {
            return Some(i + 1);
        }
    }
    None
}

/// 1-based line of the `name = "<name>"` of a `[[feed]]`.
fn name_line(text: &str, name: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim();
            is_key(l, "name")
                && l.split_once('=')
                    .is_some_and(|(_, v)| v.trim().trim_matches(['"', '\'']) == name)
        })
        .map(|i| i + 1)
}

/// 1-based line of `key` in the `[[feed]]` named `name` (or of its name, without one).
fn feed_key_line(text: &str, name: &str, key: &str) -> Option<usize> {
    let start = name_line(text, name)?;
    let found = text
        .lines()
        .enumerate()
        .skip(start - 1)
        .take_while(|(i, l)| *i + 1 == start || !l.trim_start().starts_with('['))
        .find(|(_, l)| is_key(l.trim(), key));
    Some(found.map_or(start, |(i, _)| i + 1))
}

/// `path` as the user would write it: relative to the config's folder when inside it.
fn shown(root: &Path, path: &Path) -> String {
    let path = normalize(path);
    let text = match path.strip_prefix(normalize(root)) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    };
    text.replace('\\', "/")
}

fn is_key(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

#[cfg(test)]
#[path = "sanity_tests.rs"]
mod tests;
