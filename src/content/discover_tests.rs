//! Tests of [`super`]: the walk's names, links, roots and errors.

use super::*;

#[test]
fn ignores_non_content() {
    for name in [".hidden.md", "a.md~", "#a.md#", ".a.md.swp", "x.tmp"] {
        assert!(is_ignored(name), "{name}");
    }
    assert!(!is_ignored("a.md"));
}

#[test]
fn a_key_is_the_same_with_or_without_the_byte_shortcut() {
    let slow = |path: &str, root: &str| {
        let rel = Path::new(path)
            .strip_prefix(root)
            .unwrap_or(Path::new(path));
        let parts: Vec<_> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect();
        parts.join("/")
    };
    for (path, root) in [
        ("/s/content/a.md", "/s"),
        ("/s/content//a.md", "/s"),
        ("/s/./content/a.md", "/s"),
        ("/s/content/../a.md", "/s"),
        ("/s/content/a.md", "/s/"),
        ("/s/content/a.md", "/t"),
        ("/s2/a.md", "/s"),
        ("content/a.md", ""),
        ("/a.md", "/"),
    ] {
        assert_eq!(
            &*state_key(Path::new(path), Path::new(root)),
            slow(path, root),
            "{path} {root}"
        );
    }
    assert_eq!(last_name(Path::new("/s/content/b c.md")), "b c.md");
}

#[test]
fn finds_sorted_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let src = root.join("content");
    std::fs::create_dir_all(src.join("sub/.git")).unwrap();
    for f in [
        "b.md",
        "a.txt",
        "sub/c.markdown",
        "sub/.git/x.md",
        ".d.md",
        "e.jpg",
        "f.md~",
    ] {
        std::fs::write(src.join(f), "x").unwrap();
    }
    let found = find_sources(&src, root, &Roots::new(root, &[]));
    assert!(found.errors.is_empty() && found.warnings.is_empty());
    let keys: Vec<_> = found.files.iter().map(|f| &*f.key).collect();
    assert_eq!(
        keys,
        ["content/a.txt", "content/b.md", "content/sub/c.markdown"]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("c");
    std::fs::create_dir_all(src.join("x")).unwrap();
    std::os::unix::fs::symlink(&src, src.join("x/loop")).unwrap();
    std::fs::write(src.join("a.md"), "x").unwrap();
    let found = find_sources(&src, dir.path(), &Roots::new(dir.path(), &[]));
    assert_eq!(found.files.len(), 1);
    assert!(found.errors.is_empty());
    assert!(found.warnings[0].message.contains("loop"));
}

#[test]
fn a_missing_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let found = find_sources(
        &dir.path().join("gone"),
        dir.path(),
        &Roots::new(dir.path(), &[]),
    );
    assert!(found.files.is_empty() && found.warnings.is_empty());
    assert!(found.errors[0].message.contains("does not exist"));
}

#[cfg(unix)]
#[test]
fn links_out_of_the_roots_are_refused_links_inside_are_not_walked_twice() {
    let site = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let src = site.path().join("content");
    std::fs::create_dir_all(src.join("real")).unwrap();
    std::fs::write(src.join("real/a.md"), "x").unwrap();
    std::fs::write(outside.path().join("secret.md"), "x").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), src.join("s.md")).unwrap();
    std::os::unix::fs::symlink(outside.path(), src.join("dir")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", src.join("env.md")).unwrap();
    std::os::unix::fs::symlink(src.join("real"), src.join("inside")).unwrap();
    let found = find_sources(&src, site.path(), &Roots::new(site.path(), &[]));
    let keys: Vec<_> = found.files.iter().map(|f| &*f.key).collect();
    assert_eq!(keys, ["content/real/a.md"]);
    assert_eq!(found.warnings.len(), 1, "inside: {:?}", found.warnings);
    assert_eq!(found.errors.len(), 3, "{:?}", found.errors);
    assert!(
        found
            .errors
            .iter()
            .all(|e| e.message.contains("outside the site's folder"))
    );
    // Named as an extra root, the outside folder is content too.
    let roots = Roots::new(site.path(), &[outside.path().to_path_buf()]);
    let found = find_sources(&src, site.path(), &roots);
    assert_eq!(found.files.len(), 3, "{:?}", found.errors);
    assert_eq!(found.errors.len(), 1, "/proc is never read");
}

/// Audit: a link to an episode's audio in the source folder was said to be "skipped, so that
/// it is published once", and published (it is an enclosure, not an entry): nothing is said.
#[cfg(unix)]
#[test]
fn a_link_to_a_media_file_in_the_folder_is_not_said() {
    let site = tempfile::tempdir().unwrap();
    let src = site.path().join("content");
    std::fs::create_dir_all(src.join("media")).unwrap();
    std::fs::write(src.join("media/e1.mp3"), "x").unwrap();
    std::fs::write(src.join("e1.md"), "x").unwrap();
    std::os::unix::fs::symlink(src.join("media/e1.mp3"), src.join("media/link.mp3")).unwrap();
    std::os::unix::fs::symlink(src.join("e1.md"), src.join("e1.bak")).unwrap();
    let found = find_sources(&src, site.path(), &Roots::new(site.path(), &[]));
    let keys: Vec<_> = found.files.iter().map(|f| &*f.key).collect();
    assert_eq!(keys, ["content/e1.md"]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
}

/// A link to a file or folder the walk finds anyway would publish its entries twice.
#[cfg(unix)]
#[test]
fn links_within_the_folder_are_skipped_with_a_warning() {
    let site = tempfile::tempdir().unwrap();
    let src = site.path().join("content");
    std::fs::create_dir_all(src.join("real")).unwrap();
    std::fs::write(src.join("real/a.md"), "x").unwrap();
    std::fs::write(src.join(".hidden.md"), "x").unwrap();
    std::os::unix::fs::symlink(src.join("real/a.md"), src.join("again.md")).unwrap();
    std::os::unix::fs::symlink(src.join("real"), src.join("copy")).unwrap();
    std::os::unix::fs::symlink(src.join(".hidden.md"), src.join("shown.md")).unwrap();
    let found = find_sources(&src, site.path(), &Roots::new(site.path(), &[]));
    let keys: Vec<_> = found.files.iter().map(|f| &*f.key).collect();
    assert_eq!(keys, ["content/real/a.md", "content/shown.md"]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(found.warnings.len(), 2, "{:?}", found.warnings);
    assert!(
        found.warnings[0]
            .message
            .ends_with("which is in the same source folder: skipped, so that it is published once (remove the link)"),
        "{}",
        found.warnings[0]
    );
}

/// Audit: Emacs keeps `.#x.md` as a link to nothing while `x.md` is open, and every cron
/// build failed; a link loop was "not there" and failed too.
#[cfg(unix)]
#[test]
fn editor_locks_and_link_loops_do_not_fail_the_walk() {
    let site = tempfile::tempdir().unwrap();
    let src = site.path().join("content");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("x.md"), "x").unwrap();
    let link = |to: &str, name: &str| std::os::unix::fs::symlink(to, src.join(name)).unwrap();
    link("user@host.123:1700000000", ".#x.md");
    link("/nonexistent/x.md", "x.md~");
    link("self.md", "self.md");
    link("b.md", "a.md");
    link("a.md", "b.md");
    link("/nonexistent/poster.jpg", "poster.jpg");
    let found = find_sources(&src, site.path(), &Roots::new(site.path(), &[]));
    let keys: Vec<_> = found.files.iter().map(|f| &*f.key).collect();
    assert_eq!(keys, ["content/x.md"]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let said: Vec<String> = found.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 4, "{said:?}");
    assert!(
        said.iter()
            .filter(|w| w
                .ends_with("symbolic link loop; skipped (remove the link that points back up)"))
            .count()
            == 3,
        "{said:?}"
    );
    assert!(said.iter().any(|w| w.ends_with("is a link to /nonexistent/poster.jpg, which is not there: skipped, its name is not a content file's (remove the link)")), "{said:?}");
}

/// A link to nothing says so, not "fix its permissions".
#[cfg(unix)]
#[test]
fn a_dangling_link_is_named_as_one() {
    let site = tempfile::tempdir().unwrap();
    let src = site.path().join("content");
    std::fs::create_dir_all(&src).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.md", src.join("gone.md")).unwrap();
    let found = find_sources(&src, site.path(), &Roots::new(site.path(), &[]));
    assert_eq!(found.errors.len(), 1, "{:?}", found.errors);
    assert_eq!(
        found.errors[0].message,
        "is a link to /nonexistent/x.md, which is not there: fix or remove the link (the feed would lose what it named)"
    );
}

/// A name that is not UTF-8 cannot be a state key: an error, never a silent loss.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_an_error() {
    use std::os::unix::ffi::OsStrExt;
    let site = tempfile::tempdir().unwrap();
    let src = site.path().join("content");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("ok.md"), "x").unwrap();
    std::fs::write(src.join(std::ffi::OsStr::from_bytes(b"caf\xe9.md")), "x").unwrap();
    std::fs::write(src.join(std::ffi::OsStr::from_bytes(b"notes\xe9.bin")), "x").unwrap();
    let folder = src.join(std::ffi::OsStr::from_bytes(b"d\xfe"));
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("x.md"), "x").unwrap();
    let found = find_sources(&src, site.path(), &Roots::new(site.path(), &[]));
    let keys: Vec<_> = found.files.iter().map(|f| &*f.key).collect();
    assert_eq!(keys, ["content/ok.md"]);
    assert_eq!(found.errors.len(), 2, "{:?}", found.errors);
    assert_eq!(
        found.errors[0].message,
        "its file name is not valid UTF-8 (\u{fffd} marks the bytes that are not); rename the file: its name is its key in the state file"
    );
    let named = found.errors[0].path.to_string_lossy();
    assert!(named.ends_with("content/caf\u{fffd}.md"), "{named}");
}

#[test]
fn size_is_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.md");
    let file = std::fs::File::create(&big).unwrap();
    // Sparse: a gigabyte that costs nothing on disk, and must cost nothing to refuse.
    file.set_len(1 << 30).unwrap();
    let err = read_source(&big).unwrap_err();
    assert!(
        err.message
            .starts_with("is 1024.0 MB; an entry may be at most 8 MB"),
        "{err}"
    );
    std::fs::write(&big, "ok").unwrap();
    assert_eq!(read_source(&big).unwrap(), b"ok");
}

/// Audit: one byte over the limit was "8.0 MB; an entry may be at most 8 MB".
#[test]
fn a_size_just_over_the_limit_is_said_in_bytes() {
    assert_eq!(
        too_big(8 * 1024 * 1024 + 1),
        "is 8388609 bytes; an entry may be at most 8 MB (8388608 bytes)"
    );
    assert_eq!(
        too_big(9 * 1024 * 1024),
        "is 9.0 MB; an entry may be at most 8 MB"
    );
}
