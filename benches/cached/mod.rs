//! The content cache's rows of `cargo bench --bench build` (issue 19): the builds cron runs most,
//! each paired with the stat floor (`find content -type f -printf '%s %T@\n'`, the least any
//! build must do to see what changed) run just before it, with the child's peak memory.
//!
//! - no-change rebuild, warm page cache, for each limit (and `archive = true`);
//! - the same with the content files dropped from the page cache (`posix_fadvise(DONTNEED)`,
//!   no root needed; the kernel's inode and directory caches stay warm: not measured cold);
//! - one review added, one old review edited (each a separate file per run).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::corpus::{Corpus, NOW};
use super::{Run, measure, median, ms};

/// One config of the corpus: a limit, with or without archive pages.
#[derive(Clone, Copy)]
pub struct Variant {
    pub limit: usize,
    pub archive: bool,
}

impl Variant {
    fn tag(self) -> String {
        format!(
            "limit{}{}",
            self.limit,
            if self.archive { "-archive" } else { "" }
        )
    }

    fn label(self) -> String {
        let limit = if self.limit == 0 {
            "all".to_string()
        } else {
            self.limit.to_string()
        };
        if self.archive {
            format!("{limit}, archive")
        } else {
            limit
        }
    }

    /// Its config, written next to the corpus's own (its own output folder and state).
    fn config(self, corpus: &Corpus) -> PathBuf {
        let path = corpus
            .root
            .join(format!("config-cache-{}.toml", self.tag()));
        let base = std::fs::read_to_string(corpus.config(self.limit)).expect("corpus config");
        let limit = format!("limit = {}\n", self.limit);
        let text = base
            .replace(
                &format!("feeds-limit{}", self.limit),
                &format!("feeds-{}", self.tag()),
            )
            .replace(
                &format!("state-limit{}", self.limit),
                &format!("state-{}", self.tag()),
            )
            .replace(
                &limit,
                &if self.archive {
                    format!("{limit}archive = true\n")
                } else {
                    limit.clone()
                },
            );
        std::fs::write(&path, text).expect("writing a bench config");
        path
    }
}

fn build(bin: &Path, config: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg("--config")
        .arg(config)
        .args(["--now", NOW, "--quiet", "build"]);
    c
}

/// The stat floor: what `find` needs to list every content file with its size and time.
fn floor(corpus: &Corpus) -> Command {
    let mut c = Command::new("find");
    c.current_dir(&corpus.root)
        .args(["content", "-type", "f", "-printf", "%s %T@\n"]);
    c
}

/// Drops the content files' pages from the page cache.
fn drop_pages(files: &[PathBuf]) {
    use std::os::fd::AsRawFd;
    for f in files {
        if let Ok(file) = std::fs::File::open(f) {
            // SAFETY: a plain advice call on a descriptor we own.
            unsafe {
                libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
            }
        }
    }
}

/// A fresh output and state, a full build, a pause past the racily-clean window, and a
/// second build that writes the cache: what cron finds after the first run.
fn settle(bin: &Path, corpus: &Corpus, v: Variant, config: &Path) {
    let _ = std::fs::remove_dir_all(corpus.root.join(format!("feeds-{}", v.tag())));
    let _ = std::fs::remove_file(corpus.root.join(format!("state-{}.toml", v.tag())));
    // Starting over on purpose: without it, a build with neither state nor output is refused.
    let _ = std::fs::remove_file(corpus.root.join(format!(".state-{}.toml.written", v.tag())));
    measure(&mut build(bin, config));
    again(bin, config);
}

/// A pause, then a build (which writes the cache once nothing is racily clean).
fn again(bin: &Path, config: &Path) {
    std::thread::sleep(Duration::from_millis(150));
    measure(&mut build(bin, config));
}

/// Paired runs: `before` prepares each (untimed), then the floor and the build are timed.
fn paired(
    corpus: &Corpus,
    runs: usize,
    mut before: impl FnMut(usize),
    mut run: impl FnMut() -> Run,
) -> (Duration, Duration, f64, i64) {
    let (mut floors, mut walls, mut ratios, mut rss) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for k in 0..runs {
        before(k);
        let f = measure(&mut floor(corpus)).wall;
        let r = run();
        ratios.push(r.wall.as_secs_f64() / f.as_secs_f64());
        floors.push(f);
        walls.push(r.wall);
        rss = rss.max(r.max_rss_kb);
    }
    ratios.sort_by(f64::total_cmp);
    (median(floors), median(walls), ratios[ratios.len() / 2], rss)
}

fn row(
    n: usize,
    job: &str,
    v: Variant,
    (floor, wall, ratio, rss): (Duration, Duration, f64, i64),
) -> String {
    eprintln!(
        "n = {n}, {job}, limit {}: floor {}, build {} ({ratio:.2}x), {} MB",
        v.label(),
        ms(floor),
        ms(wall),
        rss / 1024
    );
    format!(
        "| {n} | {job} | {} | {} | {} | {ratio:.2}x | {:.1} MB |",
        v.label(),
        ms(floor),
        ms(wall),
        rss as f64 / 1024.0
    )
}

/// A review's text: dated long ago, or today.
fn review(title: &str, date: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = \"{date}\"\n+++\n{}\n",
        "A paragraph about the film, its light and its score. ".repeat(100)
    )
}

/// Every row of one corpus: no-change (warm, cold), add one, edit one.
pub fn rows(bin: &Path, corpus: &Corpus, runs: usize, variants: &[Variant]) -> Vec<String> {
    let n = corpus.files.len() * 10 / 11;
    let mut rows = Vec::new();
    for &v in variants {
        let config = v.config(corpus);
        settle(bin, corpus, v, &config);
        let warm = paired(corpus, runs, |_| {}, || measure(&mut build(bin, &config)));
        rows.push(row(n, "no-change rebuild", v, warm));
        if v.archive {
            // Cold reads the same as warm when nothing is read; measured once per corpus.
        } else if v.limit == 50 {
            let cold = paired(
                corpus,
                runs,
                |_| drop_pages(&corpus.files),
                || measure(&mut build(bin, &config)),
            );
            rows.push(row(
                n,
                "no-change rebuild, content not in page cache",
                v,
                cold,
            ));
        }
        if v.limit == 0 {
            continue;
        }
        let added = corpus.root.join("content/reviews/2026");
        std::fs::create_dir_all(&added).expect("a folder for new reviews");
        let add = paired(
            corpus,
            runs,
            |k| {
                again(bin, &config);
                let text = review(&format!("New film {k}"), "2026-11-24");
                std::fs::write(added.join(format!("bench-new-{k}.md")), text).expect("adding");
            },
            || measure(&mut build(bin, &config)),
        );
        rows.push(row(n, "add one review", v, add));
        let old = corpus.files[corpus.files.len() / 3].clone();
        let original = std::fs::read(&old).expect("an old review");
        let edit = paired(
            corpus,
            runs,
            |k| {
                again(bin, &config);
                let mut text = original.clone();
                text.extend_from_slice(format!("\nEdited, pass {k}.\n").as_bytes());
                std::fs::write(&old, text).expect("editing");
            },
            || measure(&mut build(bin, &config)),
        );
        rows.push(row(n, "edit one old review", v, edit));
        std::fs::write(&old, original).expect("restoring");
        for k in 0..runs {
            let _ = std::fs::remove_file(added.join(format!("bench-new-{k}.md")));
        }
        let _ = std::fs::remove_dir(&added);
    }
    rows
}

/// The corpus of `n` reviews kept under `target/` between runs of the bench (100,000 reviews
/// take a while to write); made on first use.
pub fn kept_corpus(n: usize) -> Corpus {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-corpus-{n}"));
    let list = root.join("files.lst");
    if let Ok(bytes) = std::fs::read(&list) {
        let files: Vec<PathBuf> = bytes
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect();
        let size = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        return Corpus {
            root,
            files,
            bytes: size,
        };
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("creating the kept corpus folder");
    eprintln!(
        "n = {n}: generating the kept corpus in {} (once)...",
        root.display()
    );
    let corpus = super::corpus::generate(&root, n).expect("writing the corpus");
    let mut text = Vec::new();
    for f in &corpus.files {
        text.extend_from_slice(f.as_os_str().as_encoded_bytes());
        text.push(0);
    }
    std::fs::write(&list, text).expect("writing the file list");
    corpus
}

pub fn print(rows: &[String]) {
    println!();
    println!(
        "Content cache (issue 19): each build paired with the stat floor (`find content -type f \
         -printf '%s %T@\\n'`) run just before it; medians; `÷ floor` is the median of the pairs; \
         peak RSS of the build. Add/edit: a new file (or an old one changed) before each run."
    );
    println!();
    println!("| reviews | job | limit | stat floor | build | ÷ floor | peak RSS |");
    println!("|---:|---|---|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
}
