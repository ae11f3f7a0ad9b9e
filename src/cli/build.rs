use std::process::ExitCode;

use super::Context;
use crate::build::{self, cache};
use crate::config::Config;
use crate::error::Result;
use crate::publish::Upload;
use crate::publish::push::Level;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// After writing, upload what changed to [publish] url and ping the hubs (see `push`).
    #[arg(long)]
    pub push: bool,

    /// With --push: re-send everything and skip the published-ids check.
    #[arg(long, requires = "push", conflicts_with = "take_over")]
    pub force: bool,

    /// With --push: also replace remote files feedwright did not write, if their published
    /// items keep their ids (see `push --take-over`).
    #[arg(long, requires = "push")]
    pub take_over: bool,

    /// Publish every valid entry and report the invalid ones (exit 1), instead of writing
    /// nothing when one file is broken.
    #[arg(long)]
    pub keep_going: bool,

    /// Build even when more than [site] max_drop_share of a feed's published entries (or all
    /// of them) vanished from the sources since the last build. Without it such a build is
    /// refused (exit 4) and nothing is written or pushed: a renamed content folder must not
    /// empty the feed.
    #[arg(long)]
    pub allow_drop: bool,

    /// Read every source and render every feed even when the content cache says nothing
    /// changed (the cache is written afresh). Output is the same either way.
    #[arg(long)]
    pub no_cache: bool,
}

/// The plan's options, and the push's when `--push` is given.
fn options_of(ctx: &Context, args: &Args) -> (build::PlanOptions, Option<crate::publish::Options>) {
    let options = build::PlanOptions {
        keep_going: args.keep_going,
        allow_drop: args.allow_drop,
        stage: true,
        // A push compares the entries with the feeds on the host.
        keep_entries: args.push,
        stream_first_build: true,
        ..Default::default()
    };
    let push = args.push.then(|| crate::publish::Options {
        overwrite: super::push::overwrite(args.force, args.take_over),
        dry_run: false,
        folder: crate::publish::Folder::JustWritten,
        prune: false,
        now: ctx.now,
    });
    (options, push)
}

pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let _lock = crate::lock::RunLock::acquire(&config)?;
    let (mut options, push) = options_of(ctx, &args);
    let mut spans = build::spans::Spans::start();
    let usable = cache::usable(&config);
    let key = cache::Key::of(&config, &options);
    // Taken before any source is read: what the cache records is what the build read.
    let scan = usable.then(|| cache::Scan::take(&config));
    spans.mark("config, scan");
    // Read once (after the scan, not beside it: at 100,000 reviews both at once went over the
    // no-change build's memory target): the no-change check, then (on a change) what it says
    // of archive pages.
    let hint_limit = scan.as_ref().map_or(0, |s| s.hint_limit(&config));
    let cached = (usable && !args.no_cache)
        .then(|| cache::text(&config, hint_limit))
        .flatten();
    if !args.no_cache
        && let Some(scan) = &scan
        && let Some(text) = &cached
        && let Some(hit) = cache::check(&config, text, &key, ctx.now, scan)
        && let Some(pushed) = settled(&config, &hit, push.as_ref())
    {
        ctx.report.warnings(&hit.warnings);
        hit.notes.iter().for_each(|n| ctx.report.note(n));
        summary(
            ctx,
            &config,
            (hit.entries, hit.outputs),
            &build::Written::default(),
        );
        // What the push would have said.
        let mut log = super::push::log(ctx);
        pushed.iter().for_each(|(level, line)| log(*level, line));
        return Ok(ExitCode::SUCCESS);
    }
    spans.mark("cache check");
    let spinner = ctx.report.spinner("reading and rendering the feeds");
    let (reuse, pages, bodies) = if !args.no_cache && scan.is_some() {
        last_build(&config, (&key, hint_limit), cached.as_deref())
    } else {
        (None, None, None)
    };
    // A state file put back since the last build is compared with the feeds, as a missing one.
    options.state_replaced = cached.as_deref().map(|t| cache::state_replaced(&config, t));
    let reusing = scan.as_ref().map(|scan| build::Reusing {
        key: &key,
        scan,
        reuse: reuse.as_ref(),
        pages: pages.as_ref(),
        bodies: bodies.as_ref(),
    });
    spans.mark("side file loaded");
    // After a change (the last build's side file read), the cache's source lines are formatted
    // beside the build, on a core it leaves idle. A full build formats them when it saves the
    // cache: it uses both cores, and at 100,000 sources they are 13 MB held through it.
    let beside = scan.as_ref().filter(|_| reuse.is_some());
    let (plan, _) = rayon::join(
        || build::plan_reusing(&config, ctx.now, options, reusing),
        || beside.map(cache::Scan::source_lines),
    );
    spinner.finish_and_clear();
    let plan = plan.inspect_err(|e| {
        cache::forget(&config);
        // Refused to keep ids and dates: the next run must know what this one knew.
        if let (crate::error::Error::Identity(_), Some(reuse)) = (e, &reuse) {
            reuse.keep_for_next_run(&config);
        }
    })?;
    // The next side file's writer holds what it still copies from it.
    drop(reuse);
    ctx.report.warnings(&plan.warnings);
    plan.notes.iter().for_each(|n| ctx.report.note(n));
    let written = write(&config, &plan, (&key, bodies.as_ref()))?;
    spans.mark("write");
    for f in &written.changed {
        ctx.report.out(format_args!(
            "wrote {}",
            crate::content::display_path(&f.path).display()
        ));
    }
    summary(
        ctx,
        &config,
        (plan.entry_count, plan.outputs.len()),
        &written,
    );
    // A push hashes every output; the cache keeps the hashes so that the next run can tell
    // whether there is anything to push without reading them.
    let files = match &push {
        Some(_) => super::push::uploads(&config, &plan)?,
        None => Vec::new(),
    };
    let hashes: Vec<String> = files.iter().map(|f| f.hash.clone()).collect();
    let next = (&key, ctx.now);
    keep_for_next(&config, next, scan.as_ref(), (&plan, &hashes));
    spans.mark("cache saved");
    if let Some(opts) = &push {
        super::push::publish_files(ctx, &config, &plan, files, opts)?;
    }
    // Everything is on disk: the process ends next, and the system takes back the memory of
    // the scan and the cache files at once (see `Plan::finish`).
    std::mem::forget((scan, cached, pages, bodies));
    plan.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the plan; the bodies kept for the next build are saved meanwhile (the write is mostly
/// waiting for the disk). A failed write removes them with the cache.
fn write<'p>(
    config: &Config,
    plan: &'p build::Plan,
    (key, bodies): (&cache::Key, Option<&build::bodies::KeptBodies>),
) -> Result<build::Written<'p>> {
    let (written, ()) = rayon::join(
        || build::write(config, plan),
        || match bodies {
            Some(b) => b.save(config, key),
            None => build::bodies::forget(config),
        },
    );
    written.inspect_err(|_| cache::forget(config))
}

/// What the next build starts from: the cache and its side file (the kept bodies are saved
/// beside the write).
fn keep_for_next(
    config: &Config,
    (key, now): (&cache::Key, chrono::DateTime<chrono::FixedOffset>),
    scan: Option<&cache::Scan>,
    (plan, hashes): (&build::Plan, &[String]),
) {
    let Some(scan) = scan else {
        cache::forget(config);
        return;
    };
    cache::save(config, key, now, scan, plan, hashes);
}

/// After a cache hit: what the push would say (nothing when there is no push) when it would
/// send nothing, so the build and the push can both be skipped; `None` when something is to
/// be pushed (a file changed since its last push, a failed upload or hub ping, a media file
/// changed on disk), and the full build and push run instead.
fn settled(
    config: &Config,
    hit: &cache::Hit,
    push: Option<&crate::publish::Options>,
) -> Option<Vec<(Level, String)>> {
    let Some(opts) = push else {
        return Some(Vec::new());
    };
    // A cache that does not list every output cannot say what a push would send.
    (hit.files.len() == hit.outputs).then_some(())?;
    let mut files = Vec::with_capacity(hit.files.len());
    for f in &hit.files {
        // Only an output recorded by a build that did not push is read here.
        let hash = match &f.hash {
            Some(h) => h.clone(),
            None => crate::publish::state::hash(&std::fs::read(&f.path).ok()?),
        };
        files.push(Upload::known(config, &f.name, &f.path, f.len, hash, f.feed));
    }
    let media = super::push::local_media(config, opts);
    let mut said = Vec::new();
    let mut log = |level: Level, line: &str| said.push((level, line.to_string()));
    crate::publish::push::settled(config, files, &media, opts, &mut log).then_some(said)
}

/// The line `--verbose` prints: entries and files (`counts`), what was written.
fn summary(ctx: &Context, config: &Config, counts: (usize, usize), written: &build::Written<'_>) {
    let (entries, outputs) = counts;
    ctx.report.detail(format_args!(
        "{entries} entries in {} feed(s); {} file(s) written, {} unchanged{}",
        config.feeds.len(),
        written.changed.len(),
        outputs - written.changed.len(),
        if written.state_changed {
            "; state file updated"
        } else {
            ""
        }
    ));
}

/// What the last build parsed (for the files whose stat did not change), the archive pages and
/// the bodies it wrote, read side by side for a build that found a change.
fn last_build(
    config: &Config,
    (key, limit): (&cache::Key, u64),
    cached: Option<&str>,
) -> (
    Option<std::sync::Arc<build::Reuse>>,
    Option<build::Pages>,
    Option<build::KeptBodies>,
) {
    let (reuse, (pages, bodies)) = rayon::join(
        || build::Reuse::load(config, key, limit).map(std::sync::Arc::new),
        || {
            let pages = cached.and_then(|text| cache::pages(text, key));
            (
                pages.unwrap_or_default(),
                build::KeptBodies::load(config, key, limit),
            )
        },
    );
    (reuse, Some(pages), Some(bodies))
}
