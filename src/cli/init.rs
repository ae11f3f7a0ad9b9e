//! `feedwright init`: starts a site in a folder: a commented `config.toml`, the content folders
//! with one example entry as a draft and, with `--podcast`, a podcast feed with an example
//! episode and a placeholder cover. Writes nothing if any of its files already exists, asks
//! nothing unless a person is at the terminal and gave neither `--title` nor `--url`, and ends by
//! printing the commands to run next.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use url::Url;

use super::new::{markdown_entry, write_new_file};
use super::{Context, cover};
use crate::config::DEFAULT_CONFIG;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to start the site in; created when missing (default: the working directory).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also start a podcast feed, with an example episode and a placeholder cover to replace.
    #[arg(long)]
    pub podcast: bool,
    /// The site's title. On a terminal, without --title and --url, init asks for both.
    #[arg(long)]
    pub title: Option<String>,
    /// The site's public address, like https://example.com/ (item links are relative to it).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

const DEFAULT_TITLE: &str = "My Film Reviews";
const DEFAULT_URL: &str = "https://example.com/";
const COVER: &str = "static/cover.png";

/// One file init writes: where (relative to the site folder) and what.
struct NewFile {
    rel: String,
    bytes: Vec<u8>,
}

/// What a new site keeps out of version control: the run lock, and the content cache and its
/// side files beside the state file (commit `feedwright-state.toml` itself).
const GITIGNORE: &str = ".feedwright.lock\n.feedwright-state.toml.cache\n.feedwright-state.toml.entries\n.feedwright-state.toml.bodies\n.feedwright-state.toml.written\n";

pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let (title, url) = title_and_url(args.title, args.url)?;
    // The config written must be one the next build reads.
    let wrong_title = if title.chars().any(char::is_control) {
        Some("--title holds a control character, which a feed cannot carry")
    } else if title.trim().is_empty() {
        Some("--title is empty: feeds and directories show the site's title")
    } else {
        None
    };
    if let Some(message) = wrong_title {
        return Err(Error::Usage {
            message: message.into(),
            hint: Some("give the title as readers should see it".into()),
        });
    }
    if ctx.config_path != Path::new(crate::config::DEFAULT_CONFIG) {
        ctx.report.warn_text(format_args!(
            "init writes config.toml in the site's folder; -c (or FEEDWRIGHT_CONFIG) names the config of the other commands and is not used here"
        ));
    }
    if args.dir.exists() && !args.dir.is_dir() {
        return Err(Error::Usage {
            message: format!(
                "{} is a file, not a folder",
                crate::content::display_path(&args.dir).display()
            ),
            hint: Some(
                "give init the name of a folder to start the site in (it is made when missing)"
                    .into(),
            ),
        });
    }
    let files = site_files(ctx, &title, &url, args.podcast);
    // A folder of the new site linked to elsewhere (`content -> /etc`) is refused, as the build
    // would refuse to read it; a folder not made yet holds no link.
    if args.dir.exists() {
        let roots = crate::content::Roots::new(&args.dir, &[]);
        for file in &files {
            let path = args.dir.join(&file.rel);
            super::new::inside_site(&roots, path.parent().unwrap_or(&args.dir))?;
        }
    }
    let existing: Vec<String> = files
        .iter()
        .map(|f| shown(&args.dir, &f.rel))
        .filter(|p| Path::new(p).symlink_metadata().is_ok())
        .collect();
    if !existing.is_empty() {
        let verb = if existing.len() == 1 {
            "exists"
        } else {
            "exist"
        };
        return Err(Error::Usage {
            message: format!(
                "{} already {verb}; feedwright init never overwrites a file, so it wrote nothing",
                existing.join(", ")
            ),
            hint: Some(if existing.iter().any(|p| p.ends_with("config.toml")) {
                "start the site in a new or empty folder (`feedwright init FOLDER`), or edit the existing config.toml".into()
            } else {
                "start the site in a new or empty folder (`feedwright init FOLDER`), or move those files away first".into()
            }),
        });
    }
    for file in &files {
        let path = args.dir.join(&file.rel);
        write_new_file(&path, &file.bytes)?;
        ctx.report
            .out(format_args!("wrote {}", shown(&args.dir, &file.rel)));
    }
    // The run lock and the content cache are this machine's, not the site's. A .gitignore
    // that is already there is the user's: it is left as it is.
    let ignore = args.dir.join(".gitignore");
    if ignore.symlink_metadata().is_err() {
        write_new_file(&ignore, GITIGNORE.as_bytes())?;
        ctx.report
            .out(format_args!("wrote {}", shown(&args.dir, ".gitignore")));
    } else {
        let have = std::fs::read_to_string(&ignore).unwrap_or_default();
        let missing: Vec<&str> = GITIGNORE
            .lines()
            .filter(|l| !have.lines().any(|h| h.trim() == *l))
            .collect();
        if !missing.is_empty() {
            ctx.report.note_text(format_args!(
                "{} is yours and was left as it is: add these lines to it, so that this machine's lock and cache stay out of version control:\n  {}",
                shown(&args.dir, ".gitignore"),
                missing.join("\n  ")
            ));
        }
    }
    print_next_steps(ctx, &args.dir, args.podcast);
    Ok(ExitCode::SUCCESS)
}

/// From the options, else from the person at the terminal, else the defaults. A given but
/// unusable URL is a wrong command line.
fn title_and_url(title: Option<String>, url: Option<String>) -> Result<(String, Url)> {
    let ask = title.is_none() && url.is_none() && std::io::stdin().is_terminal();
    if !ask {
        let url = url.as_deref().unwrap_or(DEFAULT_URL);
        let url = parse_site_url(url).map_err(|message| Error::Usage {
            message: format!("--url {message}"),
            hint: Some(
                "give the site's address with its scheme, like --url https://example.com/".into(),
            ),
        })?;
        return Ok((title.unwrap_or_else(|| DEFAULT_TITLE.into()), url));
    }
    let title = prompt("Site title", DEFAULT_TITLE)?;
    loop {
        let answer = prompt("Site address", DEFAULT_URL)?;
        match parse_site_url(&answer) {
            Ok(url) => return Ok((title, url)),
            Err(message) => {
                let line = format!("{message}; type it like {DEFAULT_URL}\n");
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }
}

/// Asks on stderr, reads one line; an empty answer or the end of input takes `default`.
fn prompt(question: &str, default: &str) -> Result<String> {
    let stdin = Path::new("<stdin>");
    let mut err = std::io::stderr().lock();
    // One write, so that a terminal's echo of typed-ahead input cannot land inside it.
    err.write_all(format!("{question} [{default}]: ").as_bytes())
        .and_then(|()| err.flush())
        .map_err(|e| Error::io(Path::new("<stderr>"), "asking", e))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io(stdin, "reading the answer", e))?;
    let answer = line.trim();
    Ok(if answer.is_empty() { default } else { answer }.to_string())
}

/// An absolute http(s) URL with a host, its path ending in `/` (base URLs are joined with
/// relative links).
fn parse_site_url(text: &str) -> std::result::Result<Url, String> {
    let mut url = Url::parse(text.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| {
            format!(
                "`{}` is not an absolute http(s) URL",
                crate::config::publish::shown_url(text)
            )
        })?;
    if !url.username().is_empty() || url.password().is_some() {
        // It is written into config.toml, and from there into every feed's links.
        return Err(format!(
            "`{}` holds a user name or password: the site's address is public",
            crate::net::redact(url.as_str())
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        // Links are made by adding paths to it: a query or fragment would be lost.
        return Err(format!(
            "`{}` has a query or a fragment (`?…`, `#…`): give the site's address alone",
            crate::net::redact(url.as_str())
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Every file of the new site, in the order they are written and listed.
fn site_files(ctx: &Context, title: &str, url: &Url, podcast: bool) -> Vec<NewFile> {
    // The new config's timezone is UTC: dates in the examples are written in it.
    let now = ctx.now.with_timezone(&chrono_tz::UTC);
    let day = now.format("%Y-%m-%d");
    let mut files = vec![
        NewFile {
            rel: DEFAULT_CONFIG.into(),
            bytes: config_text(ctx, title, url, podcast).into_bytes(),
        },
        NewFile {
            rel: format!("content/reviews/{day}-my-first-review.md"),
            bytes: markdown_entry(
                "My first review",
                &now,
                "An example written by `feedwright init`. As a draft it is never published: write your\nreview here and delete the `draft = true` line above, or delete this file.\n",
            )
            .into_bytes(),
        },
    ];
    if podcast {
        files.push(NewFile {
            rel: format!("content/episodes/{day}-episode-1.md"),
            bytes: episode_text(&now.with_timezone(&Utc)).into_bytes(),
        });
        files.push(NewFile {
            rel: COVER.into(),
            bytes: cover::placeholder_png(),
        });
    }
    files
}

/// A TOML string literal, quoted and escaped.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `tag:<host>,<year>:` when the host can be a tag authority (not an IP address in brackets);
/// otherwise the key is left commented out and a UUID is recorded in the state file instead.
fn site_id_line(ctx: &Context, url: &Url) -> String {
    let id = format!(
        "tag:{},{}:",
        url.host_str().unwrap_or(""),
        ctx.now.format("%Y")
    );
    if crate::identity::check_site_id(&id).is_ok() {
        format!("id = {}", quoted(&id))
    } else {
        format!("# id = \"tag:example.com,{}:\"", ctx.now.format("%Y"))
    }
}

fn config_text(ctx: &Context, title: &str, url: &Url, podcast: bool) -> String {
    let mut text = format!(
        r#"# A feedwright site. Every key is described in feedwright's README ("Configuration
# reference"). Paths are relative to this file's folder.

[site]
title = {title}
# The site's public address; the entries' links are relative to it.
base_url = {url}
# The permanent id every entry id derives from. Never change it once the feeds are published,
# not even when the site moves to another address.
{id}
language = "en"
# Dates written without an offset are in this IANA timezone, e.g. "Europe/London".
timezone = "UTC"
# The feeds are written here, and published at base_url + "feeds/" (or set feeds_url).
output_dir = "feeds"
# A plain web page per feed (feeds/<feed>.html) listing its items and the addresses to
# subscribe with; browsers show it where they no longer style the XML feed itself.
html = true
# author = {{ name = "Your Name", email = "you@example.com" }}

# One [[feed]] table per feed. `feedwright new review "Title"` starts an entry in this one.
[[feed]]
name = "reviews"
title = {reviews_title}
description = "Film reviews."
source = "content/reviews"
link = "reviews/{{slug}}/"
formats = ["rss", "atom"]
"#,
        title = quoted(title),
        url = quoted(url.as_str()),
        id = site_id_line(ctx, url),
        reviews_title = quoted(&format!("{title}: reviews")),
    );
    if podcast {
        text.push_str(&podcast_config_text(title, url));
    }
    text
}

fn podcast_config_text(title: &str, url: &Url) -> String {
    let media = url
        .join("media/")
        .map_or_else(|_| url.to_string(), String::from);
    format!(
        r#"
# The podcast: `feedwright new podcast "Title"` starts an episode in this one.
[[feed]]
name = "podcast"
kind = "podcast"
title = {podcast_title}
description = "Talking about the films of the week."
source = "content/episodes"
link = "podcast/{{slug}}/"
formats = ["rss"]
limit = 0

[feed.podcast]
# A placeholder: replace {COVER} with your podcast's cover, a square JPEG or PNG of
# 1400 to 3000 px, before you send the feed to a podcast directory.
image = "{COVER}"
category = "TV & Film"
subcategory = "Film Reviews"
explicit = false
type = "episodic"
# Where the audio files and the cover are published.
media_base_url = {media}
# owner = {{ name = "Your Name", email = "you@example.com" }}
"#,
        podcast_title = quoted(&format!("{title}: the podcast")),
        media = quoted(&media),
    )
}

fn episode_text(now: &DateTime<Utc>) -> String {
    format!(
        r#"+++
title = "Episode 1"
date = "{}"
episode = 1
# The audio: a file relative to this one (its length is read from it), or a URL.
# audio = "media/episode-1.mp3"
# duration = "00:45:00"
# A draft is never published: delete the next line when the audio is in place.
draft = true
+++

What this episode is about: the show notes, in Markdown.
"#,
        now.format("%Y-%m-%d %H:%M")
    )
}

/// `rel` as the user would type it from the working directory.
fn shown(dir: &Path, rel: &str) -> String {
    if dir == Path::new(".") {
        rel.to_string()
    } else {
        dir.join(rel).display().to_string()
    }
}

/// A word for a POSIX shell: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,=".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn print_next_steps(ctx: &Context, dir: &Path, podcast: bool) {
    let r = &ctx.report;
    r.out("");
    r.out("The example entries are drafts: they are never published until you delete their `draft = true` line.");
    if podcast {
        r.out(format_args!(
            "{} is a placeholder: replace it with your podcast's cover (a square JPEG or PNG, 1400 to 3000 px).",
            shown(dir, COVER)
        ));
    }
    // --config or FEEDWRIGHT_CONFIG points elsewhere: the commands must name the new file.
    let config = if ctx.config_path == Path::new(DEFAULT_CONFIG) {
        String::new()
    } else {
        format!(" --config {DEFAULT_CONFIG}")
    };
    r.out("");
    r.out("Next:");
    if dir != Path::new(".") {
        r.out(format_args!(
            "  cd {}",
            shell_word(&dir.display().to_string())
        ));
    }
    r.out(format_args!(
        "  feedwright{config} new review \"The title of your review\""
    ));
    r.out(format_args!("  feedwright{config} check"));
    r.out(format_args!("  feedwright{config} build"));
}

#[cfg(test)]
mod tests {
    use super::parse_site_url;

    /// The address goes into config.toml and every feed: a password in it is refused, and
    /// never echoed.
    #[test]
    fn a_site_address_with_a_password_is_refused() {
        assert_eq!(
            parse_site_url("https://u:pw@x.example/").unwrap_err(),
            "`https://x.example/` holds a user name or password: the site's address is public"
        );
        assert_eq!(
            parse_site_url("https://u:pw@[bad/").unwrap_err(),
            "`https://u:***@[bad/` is not an absolute http(s) URL"
        );
        assert_eq!(
            parse_site_url("https://x.example").unwrap().as_str(),
            "https://x.example/"
        );
    }
}
