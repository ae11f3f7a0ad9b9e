//! What one `[[feed]]` expands into beyond its main document: RFC 5005 archive pages
//! (`archive = true`), one feed per tag (`tags = true`), the browser stylesheet reference
//! (`[site] stylesheet`), and the site-wide files (`feed.xsl`, `index.opml`).
//!
//! Output layout, relative to the output folder:
//! - `<name>.<ext>`: the subscription document;
//! - `archive/<name>/<k>.<ext>`: archive page `k` (RSS and Atom only);
//! - `tags/<slug>.<ext>`: the feed of one tag, in every format of its feed;
//! - `feed.xsl`, `index.opml`.
//!
//! Everything here is a pure function of the configuration and the rendered items.

use std::collections::BTreeMap;

use crate::config::{Config, FeedConfig, Format};
use crate::feed::{FeedDoc, archive, stylesheet, tags};
use crate::identity::derive_id;

/// Folder of the tag feeds in the output folder.
pub use crate::config::TAGS_DIR;
/// Folder of the archive pages in the output folder.
pub const ARCHIVE_DIR: &str = "archive";
/// Name of the OPML subscription list in the output folder.
pub const OPML_FILE: &str = "index.opml";

/// Whether the pipeline must hand [`expand`] every item rather than the newest `limit`.
pub fn keeps_all_items(feed: &FeedConfig) -> bool {
    feed.tags || feed.archive
}

/// The files of a feed's archive page `number`: one per XML format, named by it.
pub fn archive_page_files(feed: &FeedConfig, number: usize) -> Vec<(Format, String)> {
    feed.formats
        .iter()
        .filter(|f| matches!(f, Format::Rss | Format::Atom))
        .map(|&f| {
            let name = format!("{ARCHIVE_DIR}/{}/{number}.{}", feed.name, f.extension());
            (f, name)
        })
        .collect()
}

/// What a document is to its feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Main,
    Archive,
    Tag,
}

/// One document and the file it is written to in each of its formats.
#[derive(Debug, Clone)]
pub struct Document {
    pub role: Role,
    pub doc: FeedDoc,
    /// `(format, name)`, the name relative to the output folder and `/`-separated.
    pub files: Vec<(Format, String)>,
}

/// A feed's documents; the main one first.
#[derive(Debug)]
pub struct Expanded {
    pub documents: Vec<Document>,
    /// Things the user should know, e.g. tags merged into one file.
    pub warnings: Vec<String>,
    /// Why the feed cannot be written as configured (too many tag feeds).
    pub errors: Vec<String>,
}

/// What expanding a feed found, about the config rather than one entry.
#[derive(Debug, Default)]
struct Problems {
    warnings: Vec<String>,
    errors: Vec<String>,
}

impl Expanded {
    /// Every file to write: the document, its format and its name.
    pub fn files(&self) -> impl Iterator<Item = (&FeedDoc, Format, &str)> {
        self.documents
            .iter()
            .flat_map(|d| d.files.iter().map(move |(f, n)| (&d.doc, *f, n.as_str())))
    }

    pub fn main(&self) -> &FeedDoc {
        &self.documents[0].doc
    }
}

fn public_url(config: &Config, name: &str) -> url::Url {
    config
        .site
        .feeds_url
        .join(name)
        .expect("a relative path of safe segments joins to a URL")
}

fn with_stylesheet(config: &Config, mut doc: FeedDoc, name_at_depth: &str) -> FeedDoc {
    doc.stylesheet = config
        .site
        .stylesheet
        .then(|| stylesheet::href(name_at_depth));
    doc
}

/// Expands `full`, the feed's document with every item newest first (or only the newest
/// `limit` when [`keeps_all_items`] is false), into the documents to write.
/// With `left_out`, `full` lacks the items of the archive pages it names (see
/// [`archive::LeftOut`]).
/// A tag feed found in the output folder, and when its Atom file says it was emptied (its
/// `updated` while it has no entry): kept, so that an emptied tag feed does not change again
/// with every change to the feed it came from.
pub type Retired = (String, Option<chrono::DateTime<chrono::FixedOffset>>);

/// `retired` names the tag feeds a build wrote before whose tag no item has now (their
/// files are found in the output folder): each is written again with no item.
pub fn expand(
    config: &Config,
    (feed, site_id, retired): (&FeedConfig, &str, &[Retired]),
    full: FeedDoc,
    left_out: Option<&archive::LeftOut>,
) -> Expanded {
    let mut documents = Vec::new();
    let mut problems = Problems::default();
    let main_files: Vec<_> = feed
        .formats
        .iter()
        .map(|&f| (f, feed.file_name(f)))
        .collect();
    let main_name = feed.file_name(feed.formats[0]);

    let tag_docs = if feed.tags {
        tag_documents(config, (feed, site_id, retired), &full, &mut problems)
    } else {
        Vec::new()
    };

    let (main, pages) = if feed.archive {
        let base = |rel: &str| public_url(config, rel).to_string();
        let page_base = |k| base(&format!("{ARCHIVE_DIR}/{}/{k}", feed.name));
        archive::split(full, feed.limit, (&base(&feed.name), page_base), left_out)
    } else {
        let mut main = full;
        if feed.limit > 0 {
            main.items.truncate(feed.limit);
        }
        (main, Vec::new())
    };
    documents.push(Document {
        role: Role::Main,
        doc: with_stylesheet(config, main, &main_name),
        files: main_files,
    });
    for page in pages {
        let files = archive_page_files(feed, page.number);
        let doc = with_stylesheet(config, page.doc, &files[0].1);
        documents.push(Document {
            role: Role::Archive,
            doc,
            files,
        });
    }
    documents.extend(tag_docs);
    // Only a document without items uses it (an archive page, its own paging's): left out
    // of the others, a change of it does not make them differ.
    for d in &mut documents {
        if !d.doc.items.is_empty() || d.role == Role::Archive {
            d.doc.updated_if_empty = None;
        }
    }
    Expanded {
        documents,
        warnings: problems.warnings,
        errors: problems.errors,
    }
}

/// `text` as one piece in a text joined from several (`title: tag`): a direction override or
/// embedding left open in it (U+202E) would reverse what follows, so such a text is wrapped in
/// a first-strong isolate. Texts without those characters, nearly all, are left as they are.
fn isolated(text: &str) -> std::borrow::Cow<'_, str> {
    let directional = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if text.contains(directional) {
        std::borrow::Cow::Owned(format!("\u{2068}{text}\u{2069}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A tag's spelling and the title of the first entry that has it (tags come from entries, and
/// a site has thousands: the title says which one to fix).
fn spelling_shown(spelling: &str, at: &[usize], items: &[crate::feed::FeedItem]) -> String {
    let first = at
        .iter()
        .map(|&i| &items[i])
        .find(|it| it.tags.iter().any(|t| t == spelling));
    let Some(item) = first else {
        return format!("`{spelling}`");
    };
    let mut title: String = item.title.chars().take(60).collect();
    if title.len() < item.title.len() {
        title.push('…');
    }
    format!("`{spelling}` (in “{title}”)")
}

fn tag_documents(
    config: &Config,
    (feed, site_id, retired): (&FeedConfig, &str, &[Retired]),
    full: &FeedDoc,
    problems: &mut Problems,
) -> Vec<Document> {
    let mut groups = tags::index(&full.items);
    if groups.len() > config.site.max_tag_feeds {
        problems.errors.push(format!(
            "feed `{}` would write {} tag feeds, more than [site] max_tag_feeds = {}: use fewer distinct tags, raise the limit, or set tags = false",
            feed.name,
            groups.len(),
            config.site.max_tag_feeds
        ));
        return Vec::new();
    }
    // A tag whose entries were all withdrawn (removed, made drafts, tagged otherwise): its
    // feed, left as it was, would go on publishing them. Emptied, under its file name (the
    // tag's own spelling is gone with its entries), within the limit on tag feeds.
    let room = config.site.max_tag_feeds - groups.len();
    let emptied: Vec<&Retired> = retired
        .iter()
        .filter(|(s, _)| !groups.contains_key(s))
        .take(room)
        .collect();
    let since: BTreeMap<&str, _> = emptied.iter().map(|(s, at)| (s.as_str(), *at)).collect();
    for (slug, _) in emptied {
        let group = tags::TagGroup {
            spellings: [slug.clone()].into(),
            items: Vec::new(),
        };
        groups.insert(slug.clone(), group);
    }
    // Every tag feed shares the feed's head; only the items differ (cloned once, not per tag).
    let mut head = full.clone();
    head.items = Vec::new();
    head.paging = None;
    let mut out = Vec::with_capacity(groups.len());
    for (slug, group) in groups {
        let label = group
            .spellings
            .first()
            .expect("a group has a spelling")
            .clone();
        if group.spellings.len() > 1 {
            let names: Vec<_> = group
                .spellings
                .iter()
                .map(|s| spelling_shown(s, &group.items, &full.items))
                .collect();
            problems.warnings.push(format!(
                "feed `{}`: tags {} share the file name {TAGS_DIR}/{slug}.*, so their items go into one tag feed: if they are one tag, spell them the same; if not, make them differ in their first {} bytes (tag file names are cut there)",
                feed.name,
                names.join(", "),
                tags::MAX_SLUG
            ));
        }
        let files: Vec<_> = feed
            .formats
            .iter()
            .map(|&f| (f, format!("{TAGS_DIR}/{slug}.{}", f.extension())))
            .collect();
        let take = if feed.limit > 0 {
            feed.limit
        } else {
            usize::MAX
        };
        let items = group
            .items
            .iter()
            .take(take)
            .map(|&at| full.items[at].clone())
            .collect();
        let doc = FeedDoc {
            id: derive_id(site_id, &format!("feed/{}/tags", feed.name), &slug),
            title: format!("{}: {}", isolated(&feed.title), isolated(&label)),
            description: format!(
                "{} (entries tagged “{}”)",
                isolated(feed.description.trim_end()),
                isolated(&label)
            ),
            self_urls: files
                .iter()
                .map(|(f, n)| (*f, public_url(config, n)))
                .collect(),
            // Emptied before: the date its file says (see [`Retired`]).
            updated_if_empty: since
                .get(slug.as_str())
                .copied()
                .flatten()
                .or(head.updated_if_empty),
            items,
            ..head.clone()
        };
        out.push(Document {
            role: Role::Tag,
            doc: with_stylesheet(config, doc, &files[0].1),
            files,
        });
    }
    out
}

/// One feed in the OPML list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub title: String,
    pub xml_url: String,
    pub html_url: String,
    pub format: Format,
}

/// The feeds of a site, gathered feed by feed for `index.opml`.
#[derive(Debug, Default)]
pub struct SiteIndex {
    /// Each main feed with its tag feeds.
    pub feeds: Vec<(Listed, Vec<Listed>)>,
}

/// The format a reader should subscribe to when a feed is written in several: RSS, the most
/// widely read, then Atom, then JSON.
fn preferred(doc: &FeedDoc) -> Option<(Format, &url::Url)> {
    [Format::Rss, Format::Atom, Format::Json]
        .into_iter()
        .find_map(|f| doc.self_url(f).map(|u| (f, u)))
}

fn listed(doc: &FeedDoc) -> Option<Listed> {
    preferred(doc).map(|(format, url)| Listed {
        title: doc.title.clone(),
        xml_url: url.to_string(),
        html_url: doc.home.to_string(),
        format,
    })
}

impl SiteIndex {
    pub fn add(&mut self, expanded: &Expanded) {
        let Some(main) = listed(expanded.main()) else {
            return;
        };
        let tags = expanded
            .documents
            .iter()
            // An emptied tag feed (see `tag_documents`) is no feed to subscribe to.
            .filter(|d| d.role == Role::Tag && !d.doc.items.is_empty())
            .filter_map(|d| listed(&d.doc))
            .collect();
        self.feeds.push((main, tags));
    }
}

/// The site-wide files `[site]` asks for: `(name, text)`.
pub fn site_files(config: &Config, index: &SiteIndex) -> Vec<(String, String)> {
    let mut files = Vec::new();
    if config.site.stylesheet {
        files.push((
            stylesheet::FILE_NAME.to_string(),
            stylesheet::XSL.to_string(),
        ));
    }
    if config.site.opml {
        files.push((
            OPML_FILE.to_string(),
            super::opml::render(&config.site.title, index),
        ));
    }
    files
}

#[cfg(test)]
mod tests {
    /// Audit: a feed title ending in an unclosed U+202E reversed the tag name joined after it
    /// (tag feeds' titles, the OPML list).
    #[test]
    fn a_text_with_an_open_override_is_isolated_when_joined() {
        assert_eq!(super::isolated("Reviews"), "Reviews");
        assert_eq!(
            super::isolated("Reviews \u{202e}"),
            "\u{2068}Reviews \u{202e}\u{2069}"
        );
    }
}
