//! `config.toml`: parsed into raw serde structs, then resolved into a [`Config`] with absolute
//! paths, parsed URLs and a timezone, before any work starts. Relative paths are resolved against
//! the config file's folder, never the working directory (cron runs from `$HOME`).

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use crate::error::{Error, Result};

mod fields;
pub use fields::check_language;
mod file;
pub mod hint;
mod languages;
mod link_pattern;
pub mod podcast;
pub mod publish;
mod rules;
pub mod sanity;
pub mod site_id;
mod syntax;
pub mod text;

/// The run lock's file beside the config (see `crate::lock`): no state file may be it.
pub const LOCK_FILE: &str = ".feedwright.lock";

/// The folder of tag feeds in the output folder (`tags/<slug>.rss`).
pub const TAGS_DIR: &str = "tags";
pub use podcast::PodcastConfig;

/// The default config file name, looked up in the working directory.
pub const DEFAULT_CONFIG: &str = "config.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    site: RawSite,
    #[serde(default, rename = "feed")]
    feeds: Vec<RawFeed>,
    publish: Option<publish::RawPublish>,
}

/// Default of `[site] max_drop_share` (see [`crate::identity::drops`]): a build that would
/// drop more than a quarter of a feed's published entries is refused.
pub const DEFAULT_MAX_DROP_SHARE: f64 = 0.25;
/// Default of `[site] max_tags_per_entry`: a column has a handful of tags.
pub const DEFAULT_MAX_TAGS_PER_ENTRY: usize = 50;
/// Default of `[site] max_tag_feeds`: each is a file per format on every build.
pub const DEFAULT_MAX_TAG_FEEDS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    title: String,
    base_url: String,
    id: Option<String>,
    language: Option<String>,
    timezone: Option<String>,
    author: Option<Person>,
    output_dir: Option<PathBuf>,
    feeds_url: Option<String>,
    state_file: Option<PathBuf>,
    size_budget_kb: Option<u64>,
    /// The share of a feed's published entries that may vanish in one build (issue 13).
    max_drop_share: Option<f64>,
    /// Bounds on tags, so one hostile entry cannot write thousands of files (issue 15).
    max_tags_per_entry: Option<usize>,
    max_tag_feeds: Option<usize>,
    /// Folders outside the config's folder that content may really live in (issue 15).
    #[serde(default)]
    extra_roots: Vec<PathBuf>,
    /// Reference the browser stylesheet `feed.xsl` from every RSS and Atom file (README: "JSON Feed, tag feeds, archives…").
    #[serde(default)]
    stylesheet: bool,
    /// Write `index.opml` listing every feed (README: "JSON Feed, tag feeds, archives…").
    #[serde(default)]
    opml: bool,
    /// Write `<feed>.html`, a plain page of each feed, for browsers without XSLT (issue 18).
    #[serde(default)]
    html: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: String,
    title: String,
    description: Option<String>,
    source: PathBuf,
    link: Option<String>,
    formats: Option<Vec<Format>>,
    limit: Option<usize>,
    kind: Option<FeedKind>,
    podcast: Option<podcast::RawPodcast>,
    /// One feed per tag under `tags/` (README: "JSON Feed, tag feeds, archives…").
    #[serde(default)]
    tags: bool,
    /// RFC 5005 archive pages under `archive/<name>/` (README: "JSON Feed, tag feeds, archives…").
    #[serde(default)]
    archive: bool,
    /// Overrides `[site] html` for this feed.
    html: Option<bool>,
}

/// What a feed is for: notes (reviews, show notes) or a podcast (RSS with enclosures, itunes
/// and podcast namespace tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    #[default]
    Notes,
    Podcast,
}

/// An output format of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Rss,
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// File extension; `.rss` and `.atom` are mapped to the right Content-Type by nginx's and
    /// Apache's stock MIME tables, unlike `.xml`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}

/// The resolved configuration: everything absolute, defaults filled in.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub root: PathBuf,
    pub site: Site,
    pub feeds: Vec<FeedConfig>,
    /// `[publish]`; defaults (no upload, no hubs) when absent.
    pub publish: publish::PublishConfig,
}

#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    pub base_url: Url,
    /// `[site] id` when pinned by the user.
    pub id: Option<String>,
    pub language: Option<String>,
    pub timezone: Tz,
    pub author: Option<Person>,
    pub output_dir: PathBuf,
    /// Public URL of `output_dir`, used for self links.
    pub feeds_url: Url,
    pub state_file: PathBuf,
    pub size_budget: u64,
    /// `[site] max_drop_share`: a build that would drop more of a feed's published entries
    /// (their files vanished) is refused unless `--allow-drop`.
    pub max_drop_share: f64,
    /// `[site] max_tags_per_entry`: more tags on one entry is a content error.
    pub max_tags_per_entry: usize,
    /// `[site] max_tag_feeds`: more tag feeds in one feed is an error.
    pub max_tag_feeds: usize,
    /// `[site] extra_roots`, absolute: folders outside the config's one that sources (or the
    /// links in them) may really lie in.
    pub extra_roots: Vec<PathBuf>,
    /// `[site] stylesheet`: RSS and Atom files reference `feed.xsl`.
    pub stylesheet: bool,
    /// `[site] opml`: write `index.opml`.
    pub opml: bool,
    /// `[site] html`: the default of every feed's `html`.
    pub html: bool,
}

#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub name: String,
    pub title: String,
    pub description: String,
    pub source: PathBuf,
    pub link: String,
    pub formats: Vec<Format>,
    pub limit: usize,
    pub kind: FeedKind,
    /// `[feed.podcast]`, present for podcast feeds.
    pub podcast: Option<PodcastConfig>,
    /// `tags = true`: one feed per tag under `tags/`.
    pub tags: bool,
    /// `archive = true`: RFC 5005 archive pages for the items beyond `limit`.
    pub archive: bool,
    /// `html` (else `[site] html`): write `<name>.html`, a page of the feed for browsers.
    pub html: bool,
}

impl FeedConfig {
    /// Output file name of this feed in `format`, relative to the output folder.
    pub fn file_name(&self, format: Format) -> String {
        format!("{}.{}", self.name, format.extension())
    }
}

impl Config {
    /// Reads and resolves the config file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = file::read_bounded(path).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                " (run `feedwright init` to start a site here, or pass --config PATH or set FEEDWRIGHT_CONFIG)"
            } else {
                ""
            };
            Error::config(
                path,
                None,
                format!("cannot read the config file: {e}{hint}"),
            )
        })?;
        let path = std::path::absolute(path).map_err(|e| Error::io(path, "resolving", e))?;
        Config::parse(&text, &path)
    }

    /// Parses config text as if read from `path` (which only names it in errors and anchors
    /// relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let at = line.and_then(|l| text.lines().nth(l - 1));
            // A type error quotes the value; a URL's password in it is masked where every
            // diagnostic is shown (`Diagnostic`'s display).
            let raw = e.message().trim();
            // A syntax error: where the mistake is, rather than where the parser stopped.
            let found = line.and_then(|l| syntax::located(text, l, raw));
            if let Some((line, said)) = found {
                return Error::config(path, Some(line), format!("{raw}: {said}"));
            }
            let message = hint::in_words(raw, at);
            let message = match hint::unknown_key(&message, &[]) {
                Some(hint) => format!("{message}; {hint}"),
                None => message.to_string(),
            };
            Error::config(path, line, message)
        })?;
        let illegal = text::illegal(text).into_iter();
        fields::all_of(
            illegal
                .map(|(line, m)| Error::config(path, line, m))
                .collect(),
        )?;
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let written_out = raw.site.output_dir.clone();
        let config = resolve(raw, path, root, text)?;
        let written = sanity::Written {
            text,
            output_dir: written_out.as_deref(),
        };
        match sanity::check(&config, &written, sanity::home_folder().as_deref()) {
            Some((line, message)) => Err(Error::config(path, line, message)),
            None => Ok(config),
        }
    }
}

/// 1-based line number of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of `key` in `[table]` of the config file at `path`, read again: for an error found
/// after the config was read.
pub(crate) fn line_in_file(path: &Path, table: &str, key: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    sanity::table_key_line(&text, table, key)
}

fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i + 1)
}

fn resolve(raw: RawConfig, path: &Path, root: PathBuf, text: &str) -> Result<Config> {
    let err = |key: &str, msg: String| Error::config(path, key_line(text, key), msg);
    let site = raw.site;

    let values =
        fields::site_values(&site).map_err(|found| fields::into_error(path, text, found))?;
    let (base_url, feeds_url, timezone) = (values.base_url, values.feeds_url, values.timezone);
    let output_dir = root.join(site.output_dir.unwrap_or_else(|| PathBuf::from("feeds")));
    if raw.feeds.is_empty() {
        return Err(Error::config(
            path,
            None,
            "no [[feed]] table: add at least one, with name, title and source",
        ));
    }

    // Every feed's problems at once; a rule between feeds stops at the first.
    let (mut feeds, mut wrong) = (Vec::new(), Vec::new());
    for feed in raw.feeds {
        let html = feed.html.unwrap_or(site.html);
        match resolve_feed(feed, &feeds, &root, &err) {
            Ok(resolved) => feeds.push(FeedConfig { html, ..resolved }),
            Err(e) => wrong.push(e),
        }
        if let Some((key, problem)) = rules::check_config(&feeds) {
            wrong.push(err(key, problem));
            break;
        }
    }
    fields::all_of(wrong)?;

    let state_file = root.join(
        site.state_file
            .unwrap_or_else(|| PathBuf::from("feedwright-state.toml")),
    );

    let max_drop_share = values.max_drop_share;

    let extra_roots = site.extra_roots.iter().map(|p| root.join(p)).collect();
    let publish = match raw.publish {
        Some(p) => p.resolve(&root).map_err(|e| e.into_error(path, text))?,
        None => publish::PublishConfig {
            state_file: root.join("feedwright-push.toml"),
            ..Default::default()
        },
    };

    let config = Config {
        path: path.to_path_buf(),
        publish,
        root,
        site: Site {
            title: site.title,
            base_url,
            id: site.id,
            language: site.language,
            timezone,
            author: site.author,
            output_dir,
            feeds_url,
            state_file,
            size_budget: site.size_budget_kb.unwrap_or(512) * 1024,
            max_drop_share,
            max_tags_per_entry: site
                .max_tags_per_entry
                .unwrap_or(DEFAULT_MAX_TAGS_PER_ENTRY),
            max_tag_feeds: site.max_tag_feeds.unwrap_or(DEFAULT_MAX_TAG_FEEDS),
            extra_roots,
            stylesheet: site.stylesheet,
            opml: site.opml,
            html: site.html,
        },
        feeds,
    };
    publish::check_media(&config).map_err(|e| e.into_error(path, text))?;
    Ok(config)
}

/// One `[[feed]]` table checked and resolved; `before` are the feeds resolved so far.
fn resolve_feed(
    feed: RawFeed,
    before: &[FeedConfig],
    root: &Path,
    err: &dyn Fn(&str, String) -> Error,
) -> Result<FeedConfig> {
    if !is_safe_name(&feed.name) {
        let why = if feed.name.len() > 100 {
            format!("is {} bytes long; 100 at most", feed.name.len())
        } else {
            "must be made of ASCII letters, digits, `-` and `_`".into()
        };
        let shown: String = feed.name.chars().take(60).collect();
        return Err(err(
            "name",
            format!("[[feed]] name `{shown}` {why} (it becomes a file name)"),
        ));
    }
    if before.iter().any(|f| f.name == feed.name) {
        return Err(err(
            "name",
            format!(
                "two [[feed]] tables are named `{}`; names must be unique",
                feed.name
            ),
        ));
    }
    let link = feed
        .link
        .unwrap_or_else(|| format!("{}/{{slug}}/", feed.name));
    if !link.contains("{slug}") {
        return Err(err(
            "link",
            format!(
                "[[feed]] `{}`: link pattern `{link}` must contain {{slug}}",
                feed.name
            ),
        ));
    }
    if let Some(wrong) = link_pattern::unknown_placeholder(&link) {
        return Err(err(
            "link",
            format!("[[feed]] `{}`: link pattern `{link}` {wrong}", feed.name),
        ));
    }
    let mut formats = feed.formats.unwrap_or_else(|| match feed.kind {
        Some(FeedKind::Podcast) => vec![Format::Rss],
        _ => vec![Format::Rss, Format::Atom],
    });
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        return Err(err(
            "formats",
            format!(
                "[[feed]] `{}`: formats is empty; use [\"rss\", \"atom\"]",
                feed.name
            ),
        ));
    }
    let kind = feed.kind.unwrap_or_default();
    let podcast = match (kind, feed.podcast) {
        (FeedKind::Podcast, Some(p)) => Some(
            p.resolve(root)
                .map_err(|m| err(&podcast::key_named(&m), m))?,
        ),
        (FeedKind::Podcast, None) => {
            return Err(err(
                "kind",
                format!(
                    "[[feed]] `{}` is a podcast but has no [feed.podcast] table (image, category, explicit…)",
                    feed.name
                ),
            ));
        }
        (FeedKind::Notes, Some(_)) => {
            return Err(err(
                "[feed.podcast]",
                format!(
                    "[[feed]] `{}` has a [feed.podcast] table but no `kind = \"podcast\"`",
                    feed.name
                ),
            ));
        }
        (FeedKind::Notes, None) => None,
    };
    Ok(FeedConfig {
        kind,
        podcast,
        description: feed.description.unwrap_or_else(|| feed.title.clone()),
        name: feed.name,
        title: feed.title,
        source: root.join(feed.source),
        link,
        formats,
        limit: feed.limit.unwrap_or(50),
        tags: feed.tags,
        archive: feed.archive,
        html: false,
    })
}

/// A name that is safe as a single path component on every platform.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const MINIMAL: &str = r#"
[site]
title = "T"
base_url = "https://example.com/blog"

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"
"#;

    #[test]
    fn resolves_paths_against_config_folder() {
        let c = Config::parse(MINIMAL, Path::new("/srv/site/config.toml")).unwrap();
        assert_eq!(c.feeds[0].source, Path::new("/srv/site/content/reviews"));
        assert_eq!(c.site.output_dir, Path::new("/srv/site/feeds"));
        assert_eq!(c.site.base_url.as_str(), "https://example.com/blog/");
        assert_eq!(c.site.feeds_url.as_str(), "https://example.com/blog/feeds/");
        assert_eq!(c.feeds[0].link, "reviews/{slug}/");
        assert_eq!(c.feeds[0].formats, vec![Format::Rss, Format::Atom]);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = MINIMAL.replace("title = \"T\"", "title = \"T\"\ntitel = \"x\"");
        let e = Config::parse(&text, Path::new("/c.toml")).unwrap_err();
        let Error::Config(d) = e else { panic!() };
        assert!(d.message.contains("titel"), "{}", d.message);
        assert_eq!(d.line, Some(4));
    }

    #[test]
    fn bad_timezone_and_base_url_are_errors() {
        let text = MINIMAL.replace(
            "title = \"T\"",
            "title = \"T\"\ntimezone = \"Mars/Olympus\"",
        );
        let e = Config::parse(&text, Path::new("/c.toml")).unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus"));
        let text = MINIMAL.replace("https://example.com/blog", "example.com");
        let e = Config::parse(&text, Path::new("/c.toml")).unwrap_err();
        assert!(e.to_string().contains("not an absolute"));
    }

    #[test]
    fn feed_name_cannot_escape_output_folder() {
        let text = MINIMAL.replace("name = \"reviews\"", "name = \"../etc\"");
        let e = Config::parse(&text, Path::new("/c.toml")).unwrap_err();
        assert!(e.to_string().contains("../etc"));
    }
}
