//! `feedwright new`: starts an entry as a draft, in Markdown with front matter or (`--txt`) as a
//! plain-text column with header lines, optionally with the text of a pasted column (`--from`).
//! Never overwrites a file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::DateTime;

use super::{Context, paste};
use crate::config::{Config, FeedConfig};
use crate::content::slug::{shorten, slugify, title_from_file_name};
use crate::content::{BodyKind, Roots, display_path, parse_entry};
use crate::error::{Diagnostic, Error, Result};

#[derive(Debug, clap::Args)]
// The title is optional with --from or --title; clap's usage line would call it required.
#[command(override_usage = "feedwright new [OPTIONS] <FEED> <TITLE>\n       \
    feedwright new [OPTIONS] <FEED> --title <TITLE>\n       \
    feedwright new [OPTIONS] <FEED> --from <FILE> [TITLE]")]
pub struct Args {
    /// Which feed: its name (`reviews`) or that name without the final s (`review`).
    pub feed: String,
    /// The entry's title. With --from it may be left out: the pasted file's name gives it.
    #[arg(required_unless_present_any = ["title_flag", "from"], conflicts_with = "title_flag")]
    pub title: Option<String>,
    /// The entry's title, as an option (the same as the TITLE argument).
    #[arg(long = "title", value_name = "TITLE")]
    pub title_flag: Option<String>,
    /// Write a plain-text entry (<date>-<slug>.txt with `Title:` and `Date:` header lines): every
    /// line is a paragraph and nothing is read as Markdown.
    #[arg(long)]
    pub txt: bool,
    /// Copy the text of FILE (a column pasted into a file; `-` reads standard input) as the
    /// entry's body; the file's name is the title unless one is given.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

/// The body a new entry starts with when no text is pasted.
const PLACEHOLDER_BODY: &str = "Write here.\n";

pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let feed = find_feed(&config, &args.feed)?;
    let title = match (args.title.or(args.title_flag), &args.from) {
        (Some(t), _) => t,
        (None, Some(file)) if file == Path::new("-") => {
            return Err(Error::Usage {
                message:
                    "--from - reads standard input, which has no file name to take the title from"
                        .into(),
                hint: Some("give the title too: feedwright new FEED \"Title\" --from -".into()),
            });
        }
        (None, Some(file)) => title_from_file_name(
            &file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        // clap requires a title unless --from is given.
        (None, None) => String::new(),
    };
    let mut slug = shorten(&slugify(&title)).to_string();
    // `★★★` or `🎬`: a title the build takes, with no letter to name the file by.
    let unnamed = slug.is_empty() && !title.trim().is_empty();
    if unnamed {
        slug = "entry".to_string();
    }
    if slug.is_empty() {
        return Err(Error::Usage {
            message: "the title is blank: give the entry a title".into(),
            hint: Some("feedwright new review \"The Zone of Interest\"".into()),
        });
    }
    let roots = Roots::new(&config.root, &config.site.extra_roots);
    inside_site(&roots, &feed.source)?;
    let (slug, taken_by) = free_slug(&config, &roots, feed, slug)?;
    let body = match &args.from {
        Some(file) => paste::read(file)?,
        None => PLACEHOLDER_BODY.to_string(),
    };
    let when = ctx.now.with_timezone(&config.site.timezone);
    let extension = if args.txt { "txt" } else { "md" };
    let path = feed
        .source
        .join(format!("{}-{slug}.{extension}", when.format("%Y-%m-%d")));
    let text = if args.txt {
        text_entry(&title, &when, &body)
    } else {
        markdown_entry(&title, &when, &body)
    };
    refuse_unbuildable(&config, &path, &text, args.txt)?;
    write_new_file(&path, text.as_bytes())?;
    let shown = display_path(&path);
    ctx.report.out(shown.display());
    if let Some(other) = taken_by {
        ctx.report.note_text(format_args!(
            "{other} already has the slug you asked for: this entry's is `{slug}` (its link and id); set `slug` in either file to change it"
        ));
    }
    if unnamed {
        ctx.report.note_text(format_args!(
            "the title `{title}` has no letter or digit to name the file by: its slug is `{slug}` (its link and id); set `slug` in the file to change it before it is published"
        ));
    }
    if args.from.is_some() {
        warn_about_wrapping(ctx, &shown, &text, &body, args.txt);
    }
    let draft_line = if args.txt {
        "Draft: true"
    } else {
        "draft = true"
    };
    ctx.report.note_text(format_args!(
        "{} is a draft: delete its `{draft_line}` line when it is ready to publish",
        shown.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Refuses an entry the build would refuse (a title or body too long, say): written, it would
/// fail every build from then on, draft or not.
fn refuse_unbuildable(config: &Config, path: &Path, text: &str, txt: bool) -> Result<()> {
    let kind = if txt {
        BodyKind::Text
    } else {
        BodyKind::Markdown
    };
    let shown = display_path(path);
    let parsed = parse_entry(text.as_bytes(), &shown, "new", kind, config.site.timezone);
    // Its body is rendered too: one that renders past what an item may carry fails every build.
    let rendered = |(entry, _): (crate::content::Entry, _)| {
        let html = crate::content::render::render(kind, entry.body(), &config.site.base_url).html;
        match crate::content::render::html_too_large(html.len()) {
            Some(problem) => Err(vec![crate::error::Diagnostic::new(&shown, None, problem)]),
            None => Ok(()),
        }
    };
    match parsed.and_then(rendered) {
        Ok(()) => Ok(()),
        Err(errors) => Err(Error::Usage {
            message: format!(
                "the new entry would not build: {}",
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            hint: Some(
                "nothing was written; shorten the title or the text and run it again".into(),
            ),
        }),
    }
}

/// Refuses a folder that really lies outside the site (a link to elsewhere): the build would
/// refuse to read what was written there, and `new` must not write outside the site.
pub(super) fn inside_site(roots: &Roots, dir: &Path) -> Result<()> {
    let dir = std::path::absolute(dir).map_err(|e| Error::io(dir, "finding the folder", e))?;
    // The folder may not exist yet: the part of it that does tells where it would be made.
    let Some(real) = dir.ancestors().find_map(|a| a.canonicalize().ok()) else {
        return Ok(());
    };
    if roots.allows(&real) {
        return Ok(());
    }
    Err(Error::Usage {
        message: format!(
            "{} really is {}, outside the site's folder: nothing was written there",
            display_path(&dir).display(),
            real.display()
        ),
        hint: Some(
            "move the folder into the site's folder, or name its real folder in [site] extra_roots"
                .into(),
        ),
    })
}

/// `slug`, or when an entry of the feed has it, `slug-2`, `slug-3`… (two entries with one slug
/// get one id, and the build refuses both), with the file that has it.
fn free_slug(
    config: &Config,
    roots: &Roots,
    feed: &FeedConfig,
    slug: String,
) -> Result<(String, Option<String>)> {
    if !feed.source.is_dir() {
        return Ok((slug, None));
    }
    let tz = config.site.timezone;
    let found = crate::content::collect_within(&feed.source, &config.root, roots, tz, false);
    let taken: std::collections::HashMap<&str, &str> = found
        .entries
        .iter()
        .map(|e| (&*e.slug, &*e.source))
        .collect();
    let Some(by) = taken.get(slug.as_str()) else {
        return Ok((slug, None));
    };
    let free = (2..=taken.len() + 2)
        .map(|n| format!("{slug}-{n}"))
        .find(|s| !taken.contains_key(s.as_str()) && shorten(s) == s.as_str());
    match free {
        Some(s) => Ok((s, Some((*by).to_string()))),
        None => Err(Error::Usage {
            message: format!("the slug `{slug}` is taken by {by}"),
            hint: Some("pick another title".into()),
        }),
    }
}

/// The feed `name` asks for: a feed's name, or that name without its final `s`. An unknown
/// name is a wrong command line (exit 2) with the closest name as a hint.
pub(super) fn find_feed<'c>(config: &'c Config, name: &str) -> Result<&'c FeedConfig> {
    if let Some(feed) = config
        .feeds
        .iter()
        .find(|f| f.name == name || f.name == format!("{name}s"))
    {
        return Ok(feed);
    }
    let names: Vec<&str> = config.feeds.iter().map(|f| f.name.as_str()).collect();
    let singulars: Vec<&str> = names.iter().filter_map(|n| n.strip_suffix('s')).collect();
    let candidates = names.iter().chain(&singulars).copied();
    Err(Error::Usage {
        message: format!(
            "no feed named `{name}` in {}; the feeds are: {}",
            display_path(&config.path).display(),
            names.join(", ")
        ),
        hint: did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?")),
    })
}

/// The candidate closest to `wrong` by edit distance (a swap of two letters counts once), if it
/// is close enough to be a typo: at most a third of the word's letters, at least one.
pub(super) fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    crate::config::hint::closest(wrong, candidates)
}

/// A Markdown entry with TOML front matter, as a draft.
pub(super) fn markdown_entry(title: &str, when: &DateTime<chrono_tz::Tz>, body: &str) -> String {
    let title = toml::Value::String(title.to_string()).to_string();
    format!(
        "+++\ntitle = {title}\ndate = \"{}\"\n# summary = \"One line for feed readers\"\n# tags = [\"drama\"]\n# A draft is never published, so a cron build cannot send it out half-written:\n# delete the next line when the review is ready.\ndraft = true\n+++\n\n{body}",
        date_text(when)
    )
}

/// A plain-text entry: `Title:`, `Date:` and `Draft:` header lines, a blank line, the body. A
/// header line is one line, so any line break in the title becomes a space.
pub(super) fn text_entry(title: &str, when: &DateTime<chrono_tz::Tz>, body: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "Title: {title}\nDate: {}\nDraft: true\n\n{body}",
        date_text(when)
    )
}

/// `when` to the minute as the site's wall clock shows it; with its offset where the wall
/// clock shows that minute twice (the hour repeated when clocks go back): written plain, a
/// build reads it as the first (an entry made in the second was dated an hour early) and
/// warns on every run.
fn date_text(when: &DateTime<chrono_tz::Tz>) -> String {
    use chrono::TimeZone as _;
    let plain = when.format("%Y-%m-%d %H:%M").to_string();
    let minute = when.timestamp() - when.timestamp().rem_euclid(60);
    let read = crate::content::date::parse_date(&plain, when.timezone());
    // Either pass of the repeated hour: a build warns of a plain one on every run.
    let twice = matches!(
        when.timezone().from_local_datetime(&when.naive_local()),
        chrono::LocalResult::Ambiguous(..)
    );
    if !twice && read.is_some_and(|d| d.timestamp() == minute) {
        plain
    } else {
        when.format("%Y-%m-%d %H:%M:00%:z").to_string()
    }
}

/// Creates `path` (and its folder) with `bytes`; an existing file is an error and stays as it is.
pub(super) fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating the folder", e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Usage {
                    message: format!("{} already exists", display_path(path).display()),
                    hint: Some("feedwright never overwrites a file: rename or move it first, or pick another title".into()),
                }
            } else {
                Error::io(path, "creating the file", e)
            }
        })?;
    std::io::Write::write_all(&mut file, bytes).map_err(|e| Error::io(path, "writing", e))
}

/// Warns when the pasted text's line breaks mean something else in the chosen format (see
/// `paste`), naming the entry and the line its body starts on.
fn warn_about_wrapping(ctx: &Context, shown: &Path, text: &str, body: &str, txt: bool) {
    let line = Some(text[..text.len() - body.len()].lines().count() + 1);
    let message = if txt {
        paste::hard_wrapped(body).then(|| {
            "the pasted paragraphs are wrapped inside sentences, and in a plain-text entry every line is a paragraph of its own; join each paragraph's lines into one, or write the entry as Markdown (leave out --txt), which joins them".to_string()
        })
    } else {
        paste::soft_wrapped_lines(body).map(|n| {
            format!(
                "the pasted text has {n} lines and no blank line between them, so Markdown joins them into one paragraph; put a blank line between paragraphs, or write the entry as plain text with --txt, where every line is a paragraph"
            )
        })
    };
    if let Some(message) = message {
        ctx.report.warn(&Diagnostic::new(shown, line, message));
    }
    // A paste that brings its own `Title:`/`Date:` lines: under the header written here they
    // are the body's first paragraph, published as text.
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if txt && crate::content::meta::is_header_line(first) {
        let said = format!(
            "the pasted text starts with a header line (`{}`), which below the header written here is published as the body's first paragraph: move its value into the header above, and delete it",
            first.trim()
        );
        ctx.report.warn(&Diagnostic::new(shown, line, said));
    }
}

#[cfg(test)]
mod tests {
    use super::date_text;

    /// Audit: `new` in the hour repeated when clocks go back wrote `02:30`, which a build
    /// reads as the first 02:30: the entry was dated an hour early, with a warning each build.
    #[test]
    fn a_time_the_clock_shows_twice_is_written_with_its_offset() {
        let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        let at = |utc: &str| {
            let when = chrono::DateTime::parse_from_rfc3339(utc)
                .unwrap()
                .with_timezone(&paris);
            let text = date_text(&when);
            let read = crate::content::date::parse_date(&text, paris).unwrap();
            assert_eq!(read.timestamp() % 60, 0);
            assert_eq!(read.timestamp() / 60, when.timestamp() / 60, "{text}");
            text
        };
        assert_eq!(at("2026-10-25T00:30:40Z"), "2026-10-25 02:30:00+02:00");
        assert_eq!(at("2026-10-25T01:30:40Z"), "2026-10-25 02:30:00+01:00");
        assert_eq!(at("2026-11-25T09:00:00Z"), "2026-11-25 10:00");
    }
}
