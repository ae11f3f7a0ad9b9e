//! Rules between the keys of one `[[feed]]` and across feeds, checked as each feed is resolved:
//! what `tags` and `archive` need. Only the config is read here.

use super::{FeedConfig, FeedKind, Format, TAGS_DIR};

/// Config rules for `tags` and `archive`, checked after each `[[feed]]` is resolved (the last
/// one in `feeds` is the new one): the key to point at and the message.
pub(super) fn check_config(feeds: &[FeedConfig]) -> Option<(&'static str, String)> {
    let feed = feeds.last()?;
    if feed.kind == FeedKind::Podcast && (feed.tags || feed.archive) {
        return Some((
            "kind",
            format!(
                "[[feed]] `{}` is a podcast: `tags` and `archive` are for notes feeds (podcast apps list every episode; keep limit = 0)",
                feed.name
            ),
        ));
    }
    if feed.archive && feed.limit == 0 {
        return Some((
            "archive",
            format!(
                "[[feed]] `{}` sets archive = true but limit = 0: set a limit, the number of items in the feed and in each archive page",
                feed.name
            ),
        ));
    }
    if feed.archive
        && !feed
            .formats
            .iter()
            .any(|f| matches!(f, Format::Rss | Format::Atom))
    {
        return Some((
            "archive",
            format!(
                "[[feed]] `{}`: archive pages are written in RSS and Atom; add one of them to formats",
                feed.name
            ),
        ));
    }
    if feed.tags
        && let Some(other) = feeds[..feeds.len() - 1].iter().find(|f| f.tags)
    {
        return Some((
            "tags",
            format!(
                "[[feed]] `{}` and `{}` both set tags = true: tag feeds share the folder {TAGS_DIR}/, so only one feed can have them",
                other.name, feed.name
            ),
        ));
    }
    None
}
