//! The rules Apple Podcasts and the Podcasting 2.0 namespace set for a podcast feed, verified
//! on its settings and episodes before anything is written, so `feedwright check` lists every
//! violation at once.

use std::collections::HashMap;

use crate::config::podcast::Artwork;
use crate::config::{FeedConfig, Format};

/// Apple's categories and subcategories, with their exact case (R49).
pub const APPLE_CATEGORIES: &[(&str, &[&str])] = &[
    (
        "Arts",
        &[
            "Books",
            "Design",
            "Fashion & Beauty",
            "Food",
            "Performing Arts",
            "Visual Arts",
        ],
    ),
    (
        "Business",
        &[
            "Careers",
            "Entrepreneurship",
            "Investing",
            "Management",
            "Marketing",
            "Non-Profit",
        ],
    ),
    ("Comedy", &["Comedy Interviews", "Improv", "Stand-Up"]),
    (
        "Education",
        &["Courses", "How To", "Language Learning", "Self-Improvement"],
    ),
    ("Fiction", &["Comedy Fiction", "Drama", "Science Fiction"]),
    ("Government", &[]),
    ("History", &[]),
    (
        "Health & Fitness",
        &[
            "Alternative Health",
            "Fitness",
            "Medicine",
            "Mental Health",
            "Nutrition",
            "Sexuality",
        ],
    ),
    (
        "Kids & Family",
        &[
            "Education for Kids",
            "Parenting",
            "Pets & Animals",
            "Stories for Kids",
        ],
    ),
    (
        "Leisure",
        &[
            "Animation & Manga",
            "Automotive",
            "Aviation",
            "Crafts",
            "Games",
            "Hobbies",
            "Home & Garden",
            "Video Games",
        ],
    ),
    (
        "Music",
        &["Music Commentary", "Music History", "Music Interviews"],
    ),
    (
        "News",
        &[
            "Business News",
            "Daily News",
            "Entertainment News",
            "News Commentary",
            "Politics",
            "Sports News",
            "Tech News",
        ],
    ),
    (
        "Religion & Spirituality",
        &[
            "Buddhism",
            "Christianity",
            "Hinduism",
            "Islam",
            "Judaism",
            "Religion",
            "Spirituality",
        ],
    ),
    (
        "Science",
        &[
            "Astronomy",
            "Chemistry",
            "Earth Sciences",
            "Life Sciences",
            "Mathematics",
            "Natural Sciences",
            "Nature",
            "Physics",
            "Social Sciences",
        ],
    ),
    (
        "Society & Culture",
        &[
            "Documentary",
            "Personal Journals",
            "Philosophy",
            "Places & Travel",
            "Relationships",
        ],
    ),
    (
        "Sports",
        &[
            "Baseball",
            "Basketball",
            "Cricket",
            "Fantasy Sports",
            "Football",
            "Golf",
            "Hockey",
            "Rugby",
            "Running",
            "Soccer",
            "Softball",
            "Swimming",
            "Tennis",
            "Volleyball",
            "Wilderness",
            "Wrestling",
        ],
    ),
    ("Technology", &[]),
    ("True Crime", &[]),
    (
        "TV & Film",
        &[
            "After Shows",
            "Film History",
            "Film Interviews",
            "Film Reviews",
            "TV Reviews",
        ],
    ),
];

/// Enclosure types Apple accepts (R54).
pub const APPLE_MEDIA_TYPES: &[&str] = &[
    "audio/mpeg",
    "audio/x-m4a",
    "video/mp4",
    "video/x-m4v",
    "video/quicktime",
    "application/pdf",
];

/// A channel description over Apple's 4000 bytes (R46): the feed would cut it to fit, text lost
/// without a word, so it is said here.
fn description_too_long(feed: &FeedConfig) -> Option<String> {
    (feed.description.len() > 4000).then(|| {
        format!(
            "feed `{}`: description is {} bytes, more than the 4000 Apple Podcasts shows: shorten it",
            feed.name,
            feed.description.len()
        )
    })
}

/// Verifies a podcast feed's channel settings; every message names the rule.
pub fn channel(feed: &FeedConfig, language: Option<&str>) -> Vec<String> {
    let mut v = Vec::new();
    let Some(cfg) = &feed.podcast else {
        return v;
    };
    let name = &feed.name;
    v.extend(description_too_long(feed));
    if feed.formats.contains(&Format::Atom) {
        v.push(format!(
            "feed `{name}`: Apple accepts only RSS for podcasts: use formats = [\"rss\"], and a notes feed for Atom"
        ));
    }
    match &cfg.category {
        None => v.push(format!("feed `{name}`: [feed.podcast] category is required, e.g. \"TV & Film\"")),
        Some(cat) => match APPLE_CATEGORIES.iter().find(|(c, _)| c == cat) {
            None => v.push(format!(
                "feed `{name}`: category `{cat}` is not one of Apple's; exact case matters, e.g. \"TV & Film\""
            )),
            Some((_, subs)) => {
                if let Some(sub) = &cfg.subcategory
                    && !subs.contains(&sub.as_str()) {
                        v.push(format!(
                            "feed `{name}`: subcategory `{sub}` is not under `{cat}`; choose one of: {}",
                            if subs.is_empty() { format!("none: `{cat}` has no subcategories, leave subcategory out") } else { subs.join(", ") }
                        ));
                    }
            }
        },
    }
    match &cfg.explicit {
        None => v.push(format!(
            "feed `{name}`: [feed.podcast] explicit is required: true or false"
        )),
        Some(value) if value.as_bool().is_none() => v.push(format!(
            "feed `{name}`: explicit = {value} is not a boolean: write true or false"
        )),
        Some(_) => {}
    }
    if let Some(t) = &cfg.show_type
        && t != "episodic"
        && t != "serial"
    {
        v.push(format!(
            "feed `{name}`: type `{t}` must be episodic or serial"
        ));
    }
    if language.is_none() {
        v.push(format!(
            "feed `{name}`: a podcast needs [site] language, e.g. \"en\" (R46, R48)"
        ));
    }
    match &cfg.image {
        None => v.push(format!(
            "feed `{name}`: [feed.podcast] image is required: a square JPEG or PNG, 1400 to 3000 px"
        )),
        // Without resolve_lengths the extension decides; with it, the build asks the server.
        Some(Artwork::Remote(u)) if !cfg.resolve_lengths => {
            if let Err(problem) = crate::media::check_art("[feed.podcast] image", u.as_str(), None)
            {
                v.push(format!("feed `{name}`: {problem}"));
            }
        }
        Some(Artwork::Remote(_)) => {}
        Some(Artwork::Local { path, url }) => {
            if url.is_none() {
                v.push(format!(
                    "feed `{name}`: local image {} needs [feed.podcast] media_base_url to be published",
                    path.display()
                ));
            }
            if let Err(problem) = artwork(path) {
                v.push(format!(
                    "feed `{name}`: image {}: {problem}",
                    path.display()
                ));
            }
        }
    }
    if cfg.locked.is_some_and(|l| l) && cfg.owner.as_ref().and_then(|o| o.email.as_ref()).is_none()
    {
        v.push(format!(
            "feed `{name}`: locked = true needs owner = {{ name, email }} for podcast:locked"
        ));
    }
    for f in &cfg.funding {
        // A relative URL is a page of the site, joined to its base_url when the feed is built.
        if url::Url::parse(&f.url).is_ok_and(|u| u.scheme() != "https") || f.url.trim().is_empty() {
            v.push(format!(
                "feed `{name}`: funding URL `{}` must use https (R65, R73)",
                f.url
            ));
        }
    }
    if let Some(g) = &cfg.guid
        && uuid::Uuid::parse_str(g).is_err()
    {
        v.push(format!("feed `{name}`: guid `{g}` is not a UUID"));
    }
    v
}

/// A local cover: JPEG or PNG by content and by extension, square, 1400 to 3000 px, RGB
/// (see [`crate::measure::art`]).
pub fn artwork(path: &std::path::Path) -> Result<(), String> {
    crate::measure::art::check_file(path)
}

/// Item-level rules across the episodes that made it into the feed: `(source, message)`.
pub fn episodes<'a>(
    feed: &FeedConfig,
    items: impl IntoIterator<Item = (&'a str, &'a crate::feed::FeedItem)>,
) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let serial = feed
        .podcast
        .as_ref()
        .is_some_and(|c| c.show_type.as_deref() == Some("serial"));
    let mut urls: HashMap<&str, &str> = HashMap::new();
    for (source, item) in items {
        if let Some(enc) = &item.enclosure {
            if let Some(other) = urls.insert(&enc.url, source) {
                v.push((
                    source.to_string(),
                    format!("uses the same audio URL as {other}; Apple ignores duplicates"),
                ));
            }
            if !APPLE_MEDIA_TYPES.contains(&enc.mime.as_str()) {
                v.push((
                    source.to_string(),
                    format!(
                        "audio type `{}` is not one Apple accepts ({})",
                        enc.mime,
                        APPLE_MEDIA_TYPES.join(", ")
                    ),
                ));
            }
        }
        let number = item.episode.as_ref().and_then(|e| e.number);
        if serial && number.is_none() {
            v.push((
                source.to_string(),
                "a serial show needs `episode` on every episode".into(),
            ));
        }
    }
    v
}
