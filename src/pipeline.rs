//! A build as an ordered list of stages: read the state, collect and parse the content, give
//! every entry its permanent id and dates, render each feed, check the output. [`plan`] does
//! all of it in memory; [`write`] then puts the result on disk, state first.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Datelike, FixedOffset};
use url::Url;

use crate::config::{Config, FeedConfig, Format, Person};
use crate::content::{self, Entry, render::render};
use crate::error::{Diagnostic, Error, Result};
use crate::feed::{self, FeedDoc, FeedItem, check::check_feed};
use crate::identity::compare::PlannedEntry;
use crate::identity::{self, Identified, Note, State};

/// One rendered output file.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: PathBuf,
    /// Path relative to the output folder, `/`-separated (also its name on a remote host).
    pub name: String,
    pub format: Format,
    pub bytes: String,
}

/// What a build would write, and what it found on the way.
#[derive(Debug)]
pub struct Plan {
    pub outputs: Vec<OutputFile>,
    pub docs: Vec<(String, FeedDoc)>,
    /// Every publishable entry with its id and link, beyond any feed `limit`.
    pub entries: Vec<PlannedEntry>,
    pub state: State,
    pub previous_state: Option<State>,
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<Note>,
}

/// Reads everything and renders every feed, writing nothing.
pub fn plan(config: &Config, now: DateTime<FixedOffset>) -> Result<Plan> {
    let previous_state = identity::load_state(&config.site.state_file)?;
    let mut warnings = Vec::new();

    let site_id = match (&config.site.id, &previous_state) {
        (Some(id), _) => id.clone(),
        (None, Some(state)) => state.site_id.clone(),
        (None, None) => {
            let id = identity::site_id_from_host(&config.site.base_url);
            warnings.push(Diagnostic::new(
                &config.path,
                None,
                format!(
                    "[site] id is not set: ids are derived from the host `{}` and recorded in the state file; pin it with `id = \"tag:{},{}:\"` under [site]",
                    config.site.base_url.host_str().unwrap_or(""),
                    config.site.base_url.host_str().unwrap_or(""),
                    now.year()
                ),
            ));
            id
        }
    };
    let base_state = previous_state
        .clone()
        .unwrap_or_else(|| State::new(site_id.clone()));

    let mut errors = Vec::new();
    let mut present = BTreeSet::new();
    let mut publishable = Vec::new();
    for feed in &config.feeds {
        let collected = content::collect(&feed.source, &config.root, config.site.timezone);
        errors.extend(collected.errors);
        warnings.extend(collected.warnings);
        // Files that failed to parse are present too: not to be taken for vanished ones.
        present.extend(collected.found);
        for entry in collected.entries {
            let future = entry.date.is_some_and(|d| d > now);
            if !entry.draft && !future {
                publishable.push((feed.name.clone(), entry));
            }
        }
    }
    let assigned = identity::assign(&site_id, &base_state, publishable, &present, now);
    errors.extend(assigned.errors);
    if !errors.is_empty() {
        return Err(Error::Content(errors));
    }

    let mut entries = Vec::with_capacity(assigned.items.len());
    for it in &assigned.items {
        let feed = config
            .feeds
            .iter()
            .find(|f| f.name == it.feed)
            .expect("items come from configured feeds");
        entries.push(PlannedEntry {
            feed: it.feed.clone(),
            source: it.entry.source.clone(),
            id: it.id.clone(),
            title: it.entry.title.clone(),
            link: item_url(config, feed, &it.entry, it.published)?.to_string(),
            published: it.published,
            explicit_id: it.entry.id.is_some(),
        });
    }

    let mut outputs = Vec::new();
    let mut docs = Vec::new();
    let mut check_errors = Vec::new();
    for feed in &config.feeds {
        let mut items: Vec<&Identified> = assigned.items.iter().filter(|i| i.feed == feed.name).collect();
        items.sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id)));
        if feed.limit > 0 {
            items.truncate(feed.limit);
        }
        let doc = feed_doc(config, feed, &site_id, &items)?;
        for &format in &feed.formats {
            let name = feed.file_name(format);
            let path = config.site.output_dir.join(&name);
            let bytes = feed::render(&doc, format);
            for violation in check_feed(format, &bytes) {
                check_errors.push(Diagnostic::new(&path, None, violation));
            }
            if bytes.len() as u64 > config.site.size_budget {
                warnings.push(Diagnostic::new(
                    &path,
                    None,
                    format!(
                        "is {} KB, over the {} KB budget some readers enforce: lower `limit` for feed `{}`",
                        bytes.len() / 1024,
                        config.site.size_budget / 1024,
                        feed.name
                    ),
                ));
            }
            outputs.push(OutputFile {
                path,
                name,
                format,
                bytes,
            });
        }
        docs.push((feed.name.clone(), doc));
    }
    if !check_errors.is_empty() {
        return Err(Error::Content(check_errors));
    }

    Ok(Plan {
        outputs,
        docs,
        entries,
        state: assigned.state,
        previous_state,
        warnings,
        notes: assigned.notes,
    })
}

/// The public URL of an entry: its `link` key (absolute, or relative to `base_url`), else the
/// feed's link pattern.
pub fn item_url(config: &Config, feed: &FeedConfig, entry: &Entry, published: DateTime<FixedOffset>) -> Result<Url> {
    let local = published.with_timezone(&config.site.timezone);
    let relative = match &entry.link {
        Some(l) => l.clone(),
        None => feed
            .link
            .replace("{slug}", &entry.slug)
            .replace("{year}", &format!("{:04}", local.year()))
            .replace("{month}", &format!("{:02}", local.month()))
            .replace("{day}", &format!("{:02}", local.day())),
    };
    config.site.base_url.join(&relative).map_err(|e| {
        Error::Content(vec![Diagnostic::new(
            &entry.source,
            None,
            format!("link `{relative}` is not a valid URL ({e}); fix its `link` key"),
        )])
    })
}

fn author_of(config: &Config, entry: &Entry) -> Option<Person> {
    match (&entry.author, &config.site.author) {
        (Some(name), Some(site)) if *name == site.name => Some(site.clone()),
        (Some(name), _) => Some(Person {
            name: name.clone(),
            email: None,
        }),
        (None, site) => site.clone(),
    }
}

fn feed_doc(config: &Config, feed: &FeedConfig, site_id: &str, items: &[&Identified]) -> Result<FeedDoc> {
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let link = item_url(config, feed, &it.entry, it.published)?;
        let rendered = render(it.entry.kind, &it.entry.body, &link);
        let summary = it
            .entry
            .summary
            .clone()
            .unwrap_or(rendered.first_paragraph);
        out.push(FeedItem {
            id: it.id.clone(),
            title: it.entry.title.clone(),
            link,
            published: it.published,
            updated: it.updated,
            author: author_of(config, &it.entry),
            summary,
            html: rendered.html,
            tags: it.entry.tags.clone(),
        });
    }
    let self_urls = feed
        .formats
        .iter()
        .map(|&f| {
            let url = config
                .site
                .feeds_url
                .join(&feed.file_name(f))
                .expect("a safe file name joins to a URL");
            (f, url)
        })
        .collect();
    Ok(FeedDoc {
        id: identity::derive_id(site_id, "feed", &feed.name),
        title: feed.title.clone(),
        description: feed.description.clone(),
        home: config.site.base_url.clone(),
        self_urls,
        language: config.site.language.clone(),
        author: config.site.author.clone(),
        timezone: config.site.timezone,
        hubs: config.publish.hubs.clone(),
        items: out,
    })
}

/// What [`write`] changed on disk.
#[derive(Debug, Default)]
pub struct Written {
    pub changed: Vec<OutputFile>,
    pub state_changed: bool,
}

/// Writes the plan: the state first (so a crash never leaves a feed whose ids or dates the state
/// does not know), then every output file whose bytes changed.
pub fn write(config: &Config, plan: &Plan) -> Result<Written> {
    crate::output::clean_stale_temps(&config.site.output_dir);
    let state_changed = plan.previous_state.as_ref() != Some(&plan.state)
        && identity::save_state(&config.site.state_file, &plan.state)?;
    let mut changed = Vec::new();
    for out in &plan.outputs {
        if crate::output::write_if_changed(&out.path, out.bytes.as_bytes())? {
            changed.push(out.clone());
        }
    }
    Ok(Written {
        changed,
        state_changed,
    })
}
