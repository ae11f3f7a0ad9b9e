//! `cargo bench --bench build`: builds generated corpora with the real release binary and prints,
//! per corpus size, the `cat` floor (reading every file once), our median wall time, the ratio,
//! peak memory, and a rebuild with nothing changed (which must write nothing).
//!
//! Options (after `--`): `--n 1000,10000` sizes; `--full` adds 100,000 (or set
//! `FEEDWRIGHT_BENCH_FULL=1`); `--runs K` timed runs per figure (median reported);
//! `--keep DIR` only writes the corpus of the first size into DIR (for profiling) and exits;
//! `--cache-only` prints only the content cache's rows (see `cached/mod.rs`), over corpora kept
//! in `target/bench-corpus-N` between runs. Without it, the cache rows are printed for every
//! size of 10,000 and more after the full builds' table.
//! `FEEDWRIGHT_BIN` overrides the binary (default: the release build cargo made for this bench).

#![allow(
    unreachable_pub,
    reason = "a bench binary's modules share items with `pub`"
)]
#![allow(clippy::too_many_lines, reason = "the 100-line rule is for src/")]

mod cached;
mod corpus;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use corpus::{Corpus, LIMITS, NOW};

struct Options {
    sizes: Vec<usize>,
    runs: Option<usize>,
    keep: Option<PathBuf>,
    cache_only: bool,
}

fn options() -> Options {
    let mut sizes = vec![1_000, 10_000];
    let mut runs = None;
    let mut keep = None;
    let mut cache_only = false;
    let mut full = std::env::var("FEEDWRIGHT_BENCH_FULL").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--n" => {
                let list = args.next().expect("--n needs a list like 1000,10000");
                sizes = list
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .expect("--n takes numbers")
                    })
                    .collect();
            }
            "--full" => full = true,
            "--runs" => runs = Some(args.next().and_then(|r| r.parse().ok()).expect("--runs K")),
            "--keep" => keep = Some(PathBuf::from(args.next().expect("--keep DIR"))),
            "--cache-only" => cache_only = true,
            // cargo passes `--bench`; anything else is ignored like libtest filters.
            _ => {}
        }
    }
    if full && !sizes.contains(&100_000) {
        sizes.push(100_000);
    }
    Options {
        sizes,
        runs,
        keep,
        cache_only,
    }
}

/// Wall time and peak resident memory of one child process.
struct Run {
    wall: Duration,
    max_rss_kb: i64,
}

/// Runs `cmd` to completion, reaping it with `wait4` to read its own peak RSS.
// The child is reaped by `wait4` below, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("cannot start the command");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr).ok();
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    assert!(ok, "{cmd:?} failed (status {status}):\n{stderr}");
    Run {
        wall,
        max_rss_kb: usage.ru_maxrss,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn build_cmd(bin: &Path, corpus: &Corpus, limit: usize) -> Command {
    let mut c = Command::new(bin);
    c.arg("--config")
        .arg(corpus.config(limit))
        .args(["--now", NOW, "--quiet", "build"]);
    c
}

/// Everything a build leaves: the output, the state file, and the content cache's files beside
/// it (left there, the next build would reuse the parsed sources and not be a full build), and
/// the record of the state written last (left there, a build without the state and the
/// output is refused: it cannot tell what was published).
fn reset(corpus: &Corpus, limit: usize) {
    let _ = std::fs::remove_dir_all(corpus.output_dir(limit));
    let state = corpus.state_file(limit);
    let _ = std::fs::remove_file(&state);
    let name = state.file_name().unwrap_or_default().to_string_lossy();
    for kept in ["cache", "entries", "bodies", "written"] {
        let _ = std::fs::remove_file(state.with_file_name(format!(".{name}.{kept}")));
    }
}

/// Every output file and the state file with its modification time.
fn snapshot(corpus: &Corpus, limit: usize) -> Vec<(PathBuf, SystemTime)> {
    let mut paths = vec![corpus.state_file(limit)];
    if let Ok(dir) = std::fs::read_dir(corpus.output_dir(limit)) {
        paths.extend(dir.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let t = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .expect("output exists");
            (p, t)
        })
        .collect()
}

/// `feedwright check` of the full feed (limit all), the output of a build in place: its median
/// wall time, peak memory (the most of its runs) and whether it left every file as it was.
fn check_row(bin: &Path, corpus: &Corpus, n: usize, floor: Duration, runs: usize) -> String {
    let before = snapshot(corpus, 0);
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let mut c = Command::new(bin);
        c.arg("--config")
            .arg(corpus.config(0))
            .args(["--now", NOW, "--quiet", "check"]);
        let r = measure(&mut c);
        walls.push(r.wall);
        rss = rss.max(r.max_rss_kb);
    }
    let wall = median(walls);
    let untouched = snapshot(corpus, 0) == before;
    eprintln!(
        "n = {n}, limit 0: check {}, {} MB, wrote nothing: {untouched}",
        ms(wall),
        rss / 1024
    );
    format!(
        "| {n} | all | {} | {} | {:.2}x | {} MB | {} |",
        ms(floor),
        ms(wall),
        wall.as_secs_f64() / floor.as_secs_f64(),
        rss / 1024,
        if untouched {
            "nothing"
        } else {
            "SOMETHING (bug)"
        },
    )
}

/// The floor: `cat` of every corpus file (through `xargs`, a few `cat` processes in all).
fn cat_cmd(corpus: &Corpus) -> Command {
    let list = corpus.root.join("files.lst");
    if !list.exists() {
        let mut text = Vec::new();
        for f in &corpus.files {
            text.extend_from_slice(f.as_os_str().as_encoded_bytes());
            text.push(0);
        }
        std::fs::write(&list, text).expect("writing the file list");
    }
    let mut c = Command::new("xargs");
    c.arg("-0").arg("-a").arg(&list).arg("cat");
    c
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let opts = options();
    let bin = std::env::var_os("FEEDWRIGHT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_feedwright")));

    if let Some(dir) = &opts.keep {
        std::fs::create_dir_all(dir).expect("creating the corpus folder");
        let c = corpus::generate(dir, opts.sizes[0]).expect("writing the corpus");
        eprintln!(
            "wrote {} files, {} bytes into {}",
            c.files.len(),
            c.bytes,
            dir.display()
        );
        for limit in LIMITS {
            eprintln!(
                "  {:?} --config {} --now {NOW} build",
                bin,
                c.config(limit).display()
            );
        }
        return;
    }

    eprintln!("binary: {}", bin.display());
    let mut cache_rows = Vec::new();
    if opts.cache_only {
        for &n in &opts.sizes {
            let runs = opts.runs.unwrap_or(if n >= 100_000 { 3 } else { 7 });
            let corpus = cached::kept_corpus(n);
            cache_rows.extend(cached::rows(&bin, &corpus, runs, &cache_variants()));
        }
        cached::print(&cache_rows);
        return;
    }
    let mut rows = Vec::new();
    let mut check_rows = Vec::new();
    for &n in &opts.sizes {
        let runs = opts.runs.unwrap_or(if n >= 100_000 { 3 } else { 7 });
        let tmp = tempfile::Builder::new()
            .prefix("feedwright-bench-")
            .tempdir()
            .expect("creating a temp folder");
        eprintln!("n = {n}: generating corpus...");
        let corpus = corpus::generate(tmp.path(), n).expect("writing the corpus");
        measure(&mut cat_cmd(&corpus)); // warm the cache
        eprintln!(
            "n = {n}: {} files, {} bytes",
            corpus.files.len(),
            corpus.bytes
        );
        for limit in LIMITS {
            // One untimed build warms the binary and the page cache.
            reset(&corpus, limit);
            measure(&mut build_cmd(&bin, &corpus, limit));
            // Each build is paired with a `cat` run just before it, so both see the same load
            // from whatever else the machine is doing; the ratio is the median of the pairs.
            let (mut floors, mut walls, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            let mut rss = 0;
            for _ in 0..runs {
                let f = measure(&mut cat_cmd(&corpus)).wall;
                reset(&corpus, limit);
                let r = measure(&mut build_cmd(&bin, &corpus, limit));
                ratios.push(r.wall.as_secs_f64() / f.as_secs_f64());
                floors.push(f);
                walls.push(r.wall);
                rss = rss.max(r.max_rss_kb);
            }
            let floor = median(floors);
            let first = median(walls);
            ratios.sort_by(f64::total_cmp);
            let ratio = ratios[ratios.len() / 2];

            let before = snapshot(&corpus, limit);
            let mut rewalls = Vec::new();
            let mut re_rss = 0;
            for _ in 0..runs {
                let r = measure(&mut build_cmd(&bin, &corpus, limit));
                rewalls.push(r.wall);
                re_rss = re_rss.max(r.max_rss_kb);
            }
            let again = median(rewalls);
            let untouched = snapshot(&corpus, limit) == before;
            eprintln!(
                "n = {n}, limit {limit}: cat {}, build {} ({ratio:.2}x), {} MB; rebuild {} ({:.2}x floor), {} MB, wrote nothing: {untouched}",
                ms(floor),
                ms(first),
                rss / 1024,
                ms(again),
                again.as_secs_f64() / floor.as_secs_f64(),
                re_rss / 1024
            );
            if limit == 0 {
                check_rows.push(check_row(&bin, &corpus, n, floor, runs));
            }
            rows.push(format!(
                "| {n} | {} | {:.1} MB | {} | {} | {} | {:.2}x | {:.1} µs | {} MB | {} | {:.2}x | {} |",
                corpus.files.len(),
                corpus.bytes as f64 / 1e6,
                ms(floor),
                if limit == 0 { "all".to_string() } else { limit.to_string() },
                ms(first),
                ratio,
                first.as_secs_f64() * 1e6 / corpus.files.len() as f64,
                rss / 1024,
                ms(again),
                again.as_secs_f64() / first.as_secs_f64(),
                if untouched { "nothing" } else { "SOMETHING (bug)" },
            ));
        }
        if n >= 10_000 {
            cache_rows.extend(cached::rows(&bin, &corpus, runs, &cache_variants()));
        }
    }
    println!();
    println!(
        "Medians of timed runs after one warm-up; fresh output and state for each first build; \
         `÷ floor` is the median of (build / the `cat` run just before it)."
    );
    println!();
    println!(
        "| reviews | files | bytes | `cat` floor | limit | build | ÷ floor | per file | peak RSS | no-change rebuild | ÷ build | rebuild wrote |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in rows {
        println!("{r}");
    }
    println!();
    println!(
        "`check` of the full feed (limit all) after the build: renders and checks every file as the build does, writes nothing."
    );
    println!();
    println!("| reviews | limit | `cat` floor | check | ÷ floor | peak RSS | check wrote |");
    println!("|---:|---:|---:|---:|---:|---:|---|");
    for r in check_rows {
        println!("{r}");
    }
    if !cache_rows.is_empty() {
        cached::print(&cache_rows);
    }
}

/// The configs the cache rows are measured with.
fn cache_variants() -> [cached::Variant; 3] {
    [
        cached::Variant {
            limit: 50,
            archive: false,
        },
        cached::Variant {
            limit: 50,
            archive: true,
        },
        cached::Variant {
            limit: 0,
            archive: false,
        },
    ]
}
