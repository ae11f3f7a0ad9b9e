//! Feeds: a format-neutral [`FeedDoc`] built from identified entries, and one renderer per
//! format. Renderers never read files or the clock; the same document gives the same bytes.

pub mod archive;
pub mod atom;
pub mod chapters;
pub mod extras;
pub mod html;
pub mod json;
pub mod opml;
mod pieces;

pub use pieces::Sink;
pub mod podcast;
pub mod read;
pub mod rss;
pub mod stylesheet;
pub mod tags;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use url::Url;

use crate::config::{Format, Person, PodcastConfig};
use crate::content::episode::Episode;

pub const GENERATOR: &str = "feedwright";

#[derive(Debug, Clone, PartialEq)]
pub struct FeedDoc {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The site's home page.
    pub home: Url,
    /// Public URL of this feed in each format it is written in.
    pub self_urls: Vec<(Format, Url)>,
    pub language: Option<String>,
    pub author: Option<Person>,
    pub timezone: Tz,
    /// WebSub hubs advertised with `rel="hub"` links (R89).
    pub hubs: Vec<Url>,
    pub items: Vec<FeedItem>,
    /// Channel settings of a podcast feed; `None` for notes feeds.
    pub podcast: Option<PodcastChannel>,
    /// RFC 5005 links of an archived feed or an archive page (R81-R84); `None` otherwise.
    pub paging: Option<archive::Paging>,
    /// Relative href of the browser stylesheet (`[site] stylesheet`); `None` without one.
    pub stylesheet: Option<String>,
    /// Atom's `updated` for a document without items (its last entry withdrawn): the last
    /// change the state recorded in the feed. `None` on a document with items (which have
    /// their own), and on one whose feed never had an entry.
    pub updated_if_empty: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodcastChannel {
    pub config: PodcastConfig,
    /// `podcast:guid`, computed once and kept (R66, R68).
    pub guid: String,
    pub image_url: Option<Url>,
}

/// A media file attached to an item (R20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enclosure {
    pub url: String,
    pub length: u64,
    pub mime: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The RSS guid and JSON Feed id.
    pub id: String,
    /// The Atom id: `id` when it is an absolute IRI, else one derived from it (R36).
    pub atom_id: String,
    pub title: String,
    pub link: Url,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub author: Option<Person>,
    pub summary: String,
    pub html: String,
    pub tags: Vec<String>,
    pub enclosure: Option<Enclosure>,
    pub episode: Option<Box<Episode>>,
}

impl FeedItem {
    /// An item that holds only its dates: it stands in the place of one on an archive page
    /// whose files are left as they are, so that splitting a feed into pages need not build
    /// the items of pages never rendered (see `build::pages`). Its empty id tells it apart;
    /// nothing renders it.
    pub(crate) fn placeholder(
        published: DateTime<FixedOffset>,
        updated: DateTime<FixedOffset>,
        link: Url,
    ) -> FeedItem {
        FeedItem {
            id: String::new(),
            atom_id: String::new(),
            title: String::new(),
            link,
            published,
            updated,
            author: None,
            summary: String::new(),
            html: String::new(),
            tags: Vec::new(),
            enclosure: None,
            episode: None,
        }
    }

    /// Whether this is a [`FeedItem::placeholder`].
    pub(crate) fn is_placeholder(&self) -> bool {
        self.id.is_empty()
    }

    /// The item without its body (for what the renderers derive from the other fields).
    pub(crate) fn without_body(&self) -> FeedItem {
        FeedItem {
            id: self.id.clone(),
            atom_id: self.atom_id.clone(),
            title: self.title.clone(),
            link: self.link.clone(),
            published: self.published,
            updated: self.updated,
            author: self.author.clone(),
            summary: self.summary.clone(),
            html: String::new(),
            tags: self.tags.clone(),
            enclosure: self.enclosure.clone(),
            episode: self.episode.clone(),
        }
    }
}

impl FeedDoc {
    pub fn self_url(&self, format: Format) -> Option<&Url> {
        self.self_urls
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, u)| u)
    }

    /// The newest `updated` of any item: the feed's own last-change time, never the clock.
    pub fn updated(&self) -> Option<DateTime<FixedOffset>> {
        self.items.iter().map(|i| i.updated).max()
    }

    /// The newest publication date of any item.
    pub fn last_published(&self) -> Option<DateTime<FixedOffset>> {
        self.items.iter().map(|i| i.published).max()
    }
}

/// [`render`] given to `sink` in parts as they are written, so that a large feed is never whole
/// in memory. `false` when the parts given do not make the document [`render`] gives (see
/// [`pieces`]): the caller then throws them away and uses [`render`].
pub fn render_into(doc: &FeedDoc, format: Format, sink: pieces::Sink<'_>) -> bool {
    match layout(doc, format) {
        Some(layout) => pieces::write_document(&doc.items, layout, sink),
        None => {
            sink(render(doc, format).as_bytes());
            true
        }
    }
}

/// [`render_into`] for several formats of `doc` at once, each to its sink, the items made ready
/// by `fill` (given the index of the first) one run at a time and written in every format
/// before the next run: a caller can render bodies there and hold only a run of them, not
/// every body of the feed. `false` when not every format can be written in pieces, or the
/// parts given do not make the documents: the caller throws away what it was given and writes
/// each file on its own, with every item filled in. `weights` are the items' source sizes
/// when known (see [`pieces::RUN_BYTES`]).
pub fn render_all_into<'d>(
    (doc, weights): (&'d FeedDoc, &[usize]),
    formats: &[Format],
    fill: impl Fn(usize, &'d [FeedItem]) -> std::borrow::Cow<'d, [FeedItem]> + Sync,
    sinks: &mut [pieces::Sink<'_>],
) -> bool {
    let Some(layouts) = formats
        .iter()
        .map(|&f| layout(doc, f))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    pieces::write_documents(&doc.items, (pieces::PIECE, weights), fill, &layouts, sinks)
}

/// How `doc` is written in pieces in `format` (the stylesheet instruction after the
/// declaration). `None` for JSON Feed, an archive page (written whole, see [`archive`]), or a
/// document the crates' output cannot be cut into pieces for.
fn layout(doc: &FeedDoc, format: Format) -> Option<pieces::Layout<'_, FeedItem>> {
    if doc.paging.as_ref().is_some_and(|p| p.archive) {
        return None;
    }
    let mut layout = match format {
        Format::Json => return None,
        Format::Rss if doc.podcast.is_some() => podcast::doc_layout(doc),
        Format::Rss => rss::doc_layout(doc),
        Format::Atom => atom::doc_layout(doc),
    }?;
    if let Some(href) = doc.stylesheet.as_deref() {
        let text = String::from_utf8_lossy(&layout.first).into_owned();
        layout.first = stylesheet::reference(text, Some(href)).into_bytes();
    }
    Some(layout)
}

/// Where `]]>`, the end of a CDATA section, first occurs in `hay`. One searcher serves every
/// body: building one for each search cost more than most of the searches.
pub(crate) fn find_cdata_end(hay: &[u8]) -> Option<usize> {
    static END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"]]>"));
    END.find(hay)
}

/// Renders `doc` in `format`.
pub fn render(doc: &FeedDoc, format: Format) -> String {
    let text = match format {
        Format::Rss if doc.podcast.is_some() => podcast::render(doc),
        Format::Rss => rss::render(doc),
        Format::Atom => atom::render(doc),
        Format::Json => return json::render(doc),
    };
    let text = archive::finish(text, format, doc);
    stylesheet::reference(text, doc.stylesheet.as_deref())
}
