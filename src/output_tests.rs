//! Tests of [`super`]: files written whole or not at all, only when changed.

use super::*;

/// Audit: a state file linked from elsewhere became a file of its own on the next write,
/// and the one it pointed to went stale.
#[cfg(unix)]
#[test]
fn a_file_that_is_a_link_is_written_through_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("kept")).unwrap();
    let real = dir.path().join("kept/state.toml");
    std::fs::write(&real, "one").unwrap();
    let link = dir.path().join("state.toml");
    // Out of its folder: refused, nothing written either side.
    std::fs::create_dir(dir.path().join("site")).unwrap();
    let out = dir.path().join("site/state.toml");
    std::os::unix::fs::symlink("../kept/state.toml", &out).unwrap();
    let e = write_if_changed(&out, b"two").unwrap_err().to_string();
    assert!(
        e.contains("site/state.toml: replacing (nothing was written): it is a symbolic link to "),
        "{e}"
    );
    assert!(e.ends_with("kept/state.toml, outside its folder, which feedwright does not write through (a link in a cloned repository may point anywhere): name that file in config.toml instead, or put the file itself here"), "{e}");
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "one");
    assert!(
        std::fs::symlink_metadata(&out)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    std::os::unix::fs::symlink("kept/state.toml", &link).unwrap();
    assert!(write_if_changed(&link, b"two").unwrap());
    let tmp = stage_if_changed(&link, b"three").unwrap().unwrap();
    commit(tmp, &link).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "three");
    let mut s = StagedStream::new(&link).unwrap();
    s.put(b"four").unwrap();
    commit(s.finish().unwrap().unwrap(), &link).unwrap();
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "four");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A link to nothing is replaced by the file.
    let dangling = dir.path().join("gone.toml");
    std::os::unix::fs::symlink("nowhere/x", &dangling).unwrap();
    assert!(write_if_changed(&dangling, b"five").unwrap());
    assert!(std::fs::symlink_metadata(&dangling).unwrap().is_file());
}

#[cfg(unix)]
#[test]
fn new_files_get_the_usual_mode_and_replaced_ones_keep_theirs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let usual = dir.path().join("usual");
    std::fs::File::create(&usual).unwrap();
    let fresh = dir.path().join("a.rss");
    assert!(write_if_changed(&fresh, b"one").unwrap());
    assert_eq!(mode(&fresh), mode(&usual));
    std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(write_if_changed(&fresh, b"two").unwrap());
    assert_eq!(mode(&fresh), 0o640);
}

/// Streams `parts` to `path` and commits; returns whether it wrote.
fn stream(path: &Path, parts: &[&[u8]]) -> bool {
    let mut s = StagedStream::new(path).unwrap();
    for p in parts {
        s.put(p).unwrap();
    }
    assert_eq!(s.len(), parts.iter().map(|p| p.len() as u64).sum::<u64>());
    match s.finish().unwrap() {
        Some(tmp) => {
            commit(tmp, path).unwrap();
            true
        }
        None => false,
    }
}

#[test]
fn a_streamed_file_is_written_only_when_it_differs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/a.rss");
    assert!(stream(&p, &[b"one ", b"two"]));
    assert_eq!(std::fs::read(&p).unwrap(), b"one two");
    let before = std::fs::metadata(&p).unwrap().modified().unwrap();
    // The same bytes in other parts: nothing written, the file untouched.
    assert!(!stream(&p, &[b"on", b"e two"]));
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
    // A difference after a matching start; a longer file; a shorter one; an empty one.
    for parts in [
        &[&b"one "[..], b"too"][..],
        &[b"one too", b" three"],
        &[b"one"],
        &[],
    ] {
        assert!(stream(&p, parts));
        assert_eq!(std::fs::read(&p).unwrap(), parts.concat());
    }
    let leftovers = std::fs::read_dir(dir.path().join("sub")).unwrap().count();
    assert_eq!(leftovers, 1, "no temp file is left behind");
}

#[test]
fn a_large_streamed_file_is_flushed_as_it_grows_and_whole_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.atom");
    let part = vec![b'x'; 1 << 20];
    let mut s = StagedStream::new(&p).unwrap();
    for _ in 0..(FLUSH_EVERY >> 20) * 2 + 1 {
        s.put(&part).unwrap();
    }
    assert_eq!(
        s.flushes.len(),
        2,
        "a flush started every {FLUSH_EVERY} bytes"
    );
    commit(s.finish().unwrap().unwrap(), &p).unwrap();
    assert_eq!(
        std::fs::metadata(&p).unwrap().len(),
        (FLUSH_EVERY * 2) + (1 << 20)
    );
}

#[test]
fn writes_only_when_changed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/a.rss");
    assert!(write_if_changed(&p, b"one").unwrap());
    assert!(!write_if_changed(&p, b"one").unwrap());
    assert!(write_if_changed(&p, b"two").unwrap());
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    let names: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
    assert_eq!(names.len(), 1, "no temp file left behind");
}

#[test]
fn holds_compares_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a");
    assert!(!holds(&p, b"").unwrap(), "a missing file holds nothing");
    std::fs::write(&p, b"").unwrap();
    assert!(holds(&p, b"").unwrap());
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&p, &big).unwrap();
    assert!(holds(&p, &big).unwrap());
    let mut other = big.clone();
    other[2_500_000] ^= 1;
    assert!(!holds(&p, &other).unwrap());
    assert!(!holds(&p, &big[..big.len() - 1]).unwrap());
}

#[test]
fn staged_files_appear_only_when_committed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.rss");
    let tmp = stage_if_changed(&p, b"one").unwrap().unwrap();
    assert!(!p.exists());
    commit(tmp, &p).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"one");
    assert!(stage_if_changed(&p, b"one").unwrap().is_none());
    drop(stage_if_changed(&p, b"two").unwrap().unwrap());
    assert_eq!(std::fs::read(&p).unwrap(), b"one");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "dropped temp removed"
    );
}

#[test]
fn stale_temps_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".feedwright-abc.tmp"), "x").unwrap();
    std::fs::write(dir.path().join("keep.rss"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join("archive/reviews")).unwrap();
    std::fs::write(dir.path().join("archive/reviews/.feedwright-x.tmp"), "x").unwrap();
    assert_eq!(clean_stale_temps(dir.path()), 1);
    assert_eq!(clean_stale_temps_tree(dir.path()), 1);
    assert!(
        !dir.path()
            .join("archive/reviews/.feedwright-x.tmp")
            .exists()
    );
    assert!(dir.path().join("keep.rss").exists());
}
