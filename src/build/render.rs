//! The render-documents stage: each feed's document ([`FeedDoc`]) built from its picked items,
//! its bodies rendered on every core (or left for the engine to render while the files are
//! written: see [`FeedDocs::bodies_later`]), the podcast episode rules checked, and the
//! document expanded into archive pages and tag feeds. Turning documents into file bytes is
//! the engine's ([`super::engine`]).

use rayon::prelude::*;
use url::Url;

use super::bodies::KeptBodies;
use super::links::item_url;
use super::pages::Pages;
use super::problems::Problems;
use super::resolve::{FeedItems, Pick, feed_url};
use crate::config::{Config, FeedConfig, FeedKind, Format, Person};
use crate::content::{self, Entry, render::render};
use crate::error::{Diagnostic, Error, Result};
use crate::feed::extras::{Expanded, SiteIndex};
use crate::feed::{self, FeedDoc, FeedItem, PodcastChannel};
use crate::identity::{self, Identified};
use crate::verify;

/// One feed's documents, ready to be written.
pub(super) struct FeedDocs<'a> {
    pub feed: &'a FeedConfig,
    /// Its main document, archive pages and tag feeds, and the files of each.
    pub expanded: Expanded,
    /// For a feed whose only files are its RSS and Atom documents: where its items are among
    /// the identified items, in the document's order. Its bodies are left empty here and
    /// rendered as its files are written, a run at a time (see [`super::engine`]); tag feeds,
    /// archive pages and JSON Feed read every body of the document, so those are rendered now.
    pub bodies_later: Option<Vec<usize>>,
    /// Its problems: those found picking its items, then the episode rules and the warnings of
    /// its expansion.
    pub problems: Problems,
    /// For each of its files (in [`Expanded::files`] order), its length when the file on disk
    /// already holds it (an archive page that did not change: see [`super::pages`]).
    pub kept: Vec<Option<u64>>,
    /// Each archive page file's digest, and what rendering each archived body said.
    pub pages: PageRecords,
    /// For a feed whose bodies are rendered as its files are written: its files' digests,
    /// recorded only when rendering its bodies said nothing (a document left as it is then
    /// has nothing to say either; see [`super::pages::unchanged_main`]).
    pub main_digests: Vec<(std::path::PathBuf, String)>,
}

/// What a build records of its archive pages for the next one (see [`super::pages`]).
#[derive(Debug, Default)]
pub struct PageRecords {
    pub files: Vec<(std::path::PathBuf, String)>,
    pub said: Vec<(String, Vec<Diagnostic>)>,
}

/// Every feed's documents, and the site's index of them (for `index.opml` and the like).
pub(super) struct Documents<'a> {
    pub feeds: Vec<FeedDocs<'a>>,
    pub site_index: SiteIndex,
}

impl Documents<'_> {
    /// Every feed's archive page records, taken out (they go to the plan).
    pub(super) fn take_page_records(&mut self) -> PageRecords {
        let mut all = PageRecords::default();
        for feed in &mut self.feeds {
            let taken = std::mem::take(&mut feed.pages);
            all.files.extend(taken.files);
            all.said.extend(taken.said);
        }
        all
    }
}

/// An item's rendered body.
#[derive(Debug, Default)]
pub(super) struct Body {
    pub html: String,
    /// The `summary` key, else the body's first paragraph.
    pub summary: String,
    /// What rendering changed in the body (see `content::render::Rendered::notes`).
    pub warnings: Vec<Diagnostic>,
}

/// Builds every feed's documents, in the configured order. A body that cannot be rendered (its
/// file changed or vanished since it was read) ends the build with that feed's problems.
pub(super) fn documents<'a>(
    config: &Config,
    site_id: &str,
    feeds: Vec<FeedItems<'a>>,
    items: &[Identified],
    (pages, bodies): (Option<&Pages>, &KeptBodies),
) -> Result<Documents<'a>> {
    let mut site_index = SiteIndex::default();
    let mut docs = Vec::with_capacity(feeds.len());
    for FeedItems {
        feed,
        picks,
        podcast,
        mut problems,
        updated_if_empty,
    } in feeds
    {
        let mut order: Vec<usize> = picks.iter().map(|p| p.at).collect();
        // The feed's page (`html`) shows the summaries, which come with the bodies.
        let later = !feed::extras::keeps_all_items(feed)
            && !feed.formats.contains(&Format::Json)
            && !feed.html;
        // Archive pages are rendered after they are split, only those that changed.
        let paged = pages.filter(|_| feed.archive && !feed.tags && feed.kind != FeedKind::Podcast);
        // Which pages are left as they are, known before their items are built.
        let page_plan = paged.map(|previous| {
            let podcast = podcast.as_ref();
            super::page_plan::plan(config, feed, site_id, items, &picks, podcast, previous)
        });
        let left_out_picks = page_plan
            .as_ref()
            .map(super::page_plan::PagePlan::left_out_picks);
        let marks = page_plan.as_ref().map_or(&[][..], |p| &p.placeholder[..]);
        let marks = (marks, left_out_picks.as_deref().unwrap_or_default());
        let (mut doc, body_warnings) = feed_doc(
            (config, bodies),
            feed,
            site_id,
            items,
            (picks, marks),
            podcast,
            later || paged.is_some(),
        )?;
        doc.updated_if_empty = updated_if_empty;
        body_warnings.into_iter().for_each(|w| problems.warn(w));
        let said_at = problems.warnings.len();
        if feed.kind == FeedKind::Podcast {
            withhold_failing_episodes(feed, items, &mut order, &mut doc, &mut problems);
        }
        // Archive pages and tag feeds (`archive`, `tags`) go through the same checks.
        let left_out = page_plan.as_ref().map(|p| &p.left_out);
        let retired = retired_tags(config, feed);
        let mut expanded = feed::extras::expand(config, (feed, site_id, &retired), doc, left_out);
        let (kept, records) = match paged.zip(page_plan.as_ref()) {
            Some((previous, plan)) => {
                let done = super::pages::render(
                    (config, bodies),
                    items,
                    &order,
                    &mut expanded,
                    previous,
                    plan,
                )?;
                // Where rendering every body first would have said them.
                let tail = problems.warnings.split_off(said_at);
                problems.warnings.extend(done.said_in_order);
                problems.warnings.extend(tail);
                (done.kept, done.records)
            }
            None => (vec![None; expanded.files().count()], PageRecords::default()),
        };
        // A 50-item feed whose document and files did not change is not rendered either.
        let (kept, main_digests, later) = match pages {
            Some(previous) if later && feed.kind != FeedKind::Podcast => {
                let main = super::pages::unchanged_main(config, items, &order, &expanded, previous);
                let later = main.kept.iter().any(Option::is_none);
                (main.kept, main.digests, later)
            }
            _ => (kept, Vec::new(), later),
        };
        // About the entries' tags, which the message names: no file of its own.
        for w in &expanded.warnings {
            problems.warn(Diagnostic::new("", None, w.as_str()));
        }
        for e in &expanded.errors {
            problems.error(Diagnostic::new(
                crate::content::display_path(&config.path),
                None,
                e.as_str(),
            ));
        }
        site_index.add(&expanded);
        docs.push(FeedDocs {
            feed,
            expanded,
            bodies_later: later.then_some(order),
            problems,
            kept,
            pages: records,
            main_digests,
        });
    }
    Ok(Documents {
        feeds: docs,
        site_index,
    })
}

/// The podcast rules that concern one episode (a duplicate audio URL, a type Apple refuses…):
/// fatal by default; under `--keep-going` the episode is withheld from this feed (it stays in
/// the notes feeds) and every other episode is published.
fn withhold_failing_episodes(
    feed: &FeedConfig,
    items: &[Identified],
    order: &mut Vec<usize>,
    doc: &mut FeedDoc,
    problems: &mut Problems,
) {
    let pairs = order
        .iter()
        .map(|&at| items[at].entry.source.as_ref())
        .zip(doc.items.iter());
    let mut withheld = std::collections::HashSet::new();
    let (chapter_errors, chapter_warnings) = verify::podcast_tags::episodes(feed, pairs.clone());
    for (source, w) in chapter_warnings {
        problems.warn(Diagnostic::new(&source, None, w));
    }
    for (source, problem) in verify::podcast::episodes(feed, pairs)
        .into_iter()
        .chain(chapter_errors)
    {
        problems.entry_problem(Diagnostic::new(&source, None, problem));
        withheld.insert(source);
    }
    if withheld.is_empty() || !problems.keeps_going() {
        return;
    }
    let keep: Vec<bool> = order
        .iter()
        .map(|&at| !withheld.contains(&*items[at].entry.source))
        .collect();
    let mut flags = keep.iter();
    order.retain(|_| *flags.next().unwrap_or(&true));
    let mut flags = keep.iter();
    doc.items.retain(|_| *flags.next().unwrap_or(&true));
}

/// A feed's full document: every picked item (each body rendered on every core, unless
/// `bodies_later`), the feed's URLs and the site's details. A pick marked in `placeholder`
/// (when there is one per pick) gets a [`FeedItem::placeholder`]: it is on an archive page
/// left as it is (see [`super::page_plan`]); one marked in `left_out` gets no item at all.
pub(super) fn feed_doc(
    (config, bodies): (&Config, &KeptBodies),
    feed: &FeedConfig,
    site_id: &str,
    items: &[Identified],
    (picks, (placeholder, left_out)): (Vec<Pick>, (&[bool], &[bool])),
    podcast: Option<PodcastChannel>,
    bodies_later: bool,
) -> Result<(FeedDoc, Vec<Diagnostic>)> {
    let stand_in = |p: usize| bodies_later && placeholder.get(p) == Some(&true);
    // Written in place, in order, on every core: a large feed's items are megabytes, and a
    // list of results moved into a list of items held them twice.
    let mut out: Vec<FeedItem> = Vec::new();
    let mut said: Vec<std::result::Result<Vec<Diagnostic>, Box<Error>>> = Vec::new();
    let built: Vec<(usize, Pick)> = picks
        .into_iter()
        .enumerate()
        .filter(|(p, _)| left_out.get(*p) != Some(&true))
        .collect();
    built
        .into_par_iter()
        .map(|(p, pick)| {
            let it = &items[pick.at];
            let stand =
                || FeedItem::placeholder(it.published(), it.updated, config.site.base_url.clone());
            if stand_in(p) {
                return (stand(), Ok(Vec::new()));
            }
            match feed_item((config, bodies), feed, site_id, it, pick, bodies_later) {
                Ok((item, warnings)) => (item, Ok(warnings)),
                Err(e) => (stand(), Err(Box::new(e))),
            }
        })
        .unzip_into_vecs(&mut out, &mut said);
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for s in said {
        match s {
            Ok(w) => warnings.extend(w),
            Err(e) => match *e {
                Error::Content(d) => problems.extend(d),
                e => return Err(e),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Error::Content(problems));
    }
    let self_urls = feed
        .formats
        .iter()
        .map(|&f| (f, feed_url(config, feed, f)))
        .collect();
    let doc = FeedDoc {
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
        podcast,
        paging: None,
        stylesheet: None,
        updated_if_empty: None,
    };
    Ok((doc, warnings))
}

/// One picked item of `feed`, its body rendered unless `bodies_later`, and what rendering it
/// said.
fn feed_item(
    (config, bodies): (&Config, &KeptBodies),
    feed: &FeedConfig,
    site_id: &str,
    it: &Identified,
    pick: Pick,
    bodies_later: bool,
) -> Result<(FeedItem, Vec<Diagnostic>)> {
    let link = item_url(config, feed, &it.entry, it.published())?;
    let mut body = if bodies_later {
        Body::default()
    } else {
        render_body((config, bodies), it, &link).map_err(Error::Content)?
    };
    if !bodies_later {
        let said = (pick.episode.as_deref(), body.summary.as_str());
        body.warnings
            .extend(blank_description(config, feed, it, said));
    }
    let item = FeedItem {
        id: it.id().to_string(),
        atom_id: identity::atom_id(site_id, it.id()),
        title: it.entry.title.to_string(),
        link,
        published: it.published(),
        updated: it.updated,
        author: author_of(config, &it.entry),
        summary: body.summary,
        html: body.html,
        tags: it.entry.tags.iter().map(|t| t.to_string()).collect(),
        enclosure: pick.enclosure,
        episode: pick.episode,
    };
    Ok((item, body.warnings))
}

/// What to say of a podcast item with no text for its description, once its summary is known
/// (see [`verify::podcast_tags::blank_description`]).
pub(super) fn blank_description(
    config: &Config,
    feed: &FeedConfig,
    it: &Identified,
    (episode, summary): (Option<&crate::content::episode::Episode>, &str),
) -> Option<Diagnostic> {
    let said = verify::podcast_tags::blank_description(feed, summary, episode)?;
    let display = content::display_path(&config.root.join(&*it.entry.source));
    Some(Diagnostic::new(&display, None, said))
}

/// An item's body as HTML, and its summary, its file read again unless its body was kept; as
/// the last build rendered it when it kept it (see [`super::bodies`]). Either way it is kept
/// for the next build.
pub(super) fn render_body(
    (config, bodies): (&Config, &KeptBodies),
    it: &Identified,
    link: &Url,
) -> std::result::Result<Body, Vec<Diagnostic>> {
    let body = match bodies.get(it, link) {
        Some(body) => body,
        None => rendered_body(config, it, link)?,
    };
    bodies.keep(it, link, &body);
    Ok(body)
}

/// Where a body's relative URLs start: the item's link, unless its `link` key sends it to
/// another site (a review linking to its Letterboxd page): the column's own images and pages
/// are on this site, so they start at `base_url` there.
fn body_base<'a>(config: &'a Config, it: &Identified, link: &'a Url) -> &'a Url {
    let off_site = it.entry.link().is_some() && link.origin() != config.site.base_url.origin();
    if off_site {
        &config.site.base_url
    } else {
        link
    }
}

/// An item's body rendered from its file (read again unless its body was kept).
fn rendered_body(
    config: &Config,
    it: &Identified,
    link: &Url,
) -> std::result::Result<Body, Vec<Diagnostic>> {
    let body = content::load_body(&config.root, &it.entry, config.site.timezone)?;
    let rendered = render(it.entry.kind, &body, body_base(config, it, link));
    let display = content::display_path(&config.root.join(&*it.entry.source));
    if let Some(problem) = content::render::html_too_large(rendered.html.len()) {
        return Err(vec![Diagnostic::new(&display, None, problem)]);
    }
    let mut notes = rendered.notes;
    let summary = match it.entry.summary() {
        // A `summary` key is published as written: a password in a URL there is taken out
        // as a body's is.
        Some(key) => {
            let (summary, removed) = content::credentials::without_passwords(key.to_string());
            if removed > 0 {
                notes.push(format!("summary: took the user name and password out of {removed} URL(s), which every reader of the feed would see (change that password)"));
            }
            summary
        }
        None => rendered.first_paragraph,
    };
    // What rendering changed (a script removed, an embed made a link): said once per file.
    let warnings = notes
        .into_iter()
        .map(|note| Diagnostic::new(&display, None, note))
        .collect();
    Ok(Body {
        html: rendered.html,
        summary,
        warnings,
    })
}

fn author_of(config: &Config, entry: &Entry) -> Option<Person> {
    match (entry.author(), &config.site.author) {
        (Some(name), Some(site)) if *name == site.name => Some(site.clone()),
        (Some(name), _) => Some(Person {
            name: name.to_string(),
            email: None,
        }),
        (None, site) => site.clone(),
    }
}

/// The tag feeds found in the output folder's `tags/` (one slug for all the feed's formats, in
/// order): a file named by a tag slug with one of the feed's extensions. Only the feed that
/// writes tag feeds has any.
fn retired_tags(config: &Config, feed: &crate::config::FeedConfig) -> Vec<feed::extras::Retired> {
    if !feed.tags {
        return Vec::new();
    }
    let folder = config.site.output_dir.join(feed::extras::TAGS_DIR);
    let Ok(listing) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let mut slugs = std::collections::BTreeSet::new();
    for entry in listing.flatten() {
        let name = entry.file_name();
        let Some((slug, extension)) = name.to_str().and_then(|n| n.rsplit_once('.')) else {
            continue;
        };
        let ours = feed.formats.iter().any(|f| f.extension() == extension)
            && entry.file_type().is_ok_and(|t| t.is_file())
            && feed::tags::tag_slug(slug) == slug;
        if ours {
            slugs.insert(slug.to_string());
        }
    }
    slugs
        .into_iter()
        .map(|slug| {
            let atom = folder.join(format!("{slug}.{}", Format::Atom.extension()));
            let since = feed
                .formats
                .contains(&Format::Atom)
                .then(|| emptied_at(&atom))
                .flatten();
            (slug, since)
        })
        .collect()
}

/// When the Atom tag feed at `path` was emptied, as it says: its `updated` while it has no
/// entry (not 1970, which older builds wrote).
fn emptied_at(path: &std::path::Path) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let text = crate::small_file::read_text(path, 64 * 1024)?;
    if text.contains("<entry") {
        return None;
    }
    let value = text.split("<updated>").nth(1)?.split("</updated>").next()?;
    let at = chrono::DateTime::parse_from_rfc3339(value.trim()).ok()?;
    (at.timestamp() > 0).then_some(at)
}
