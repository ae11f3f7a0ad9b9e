//! The resolve stage: every entry's public URL ([`item_url`], [`links`]), each feed's items
//! picked, ordered and cut to its limit with their audio enclosures ([`feeds`]), and each
//! podcast's channel. It is the last stage that records anything in the state (remote media
//! lengths, podcast guids); it hands the state on as a [`FinalState`], only read from then on.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;
use url::Url;

use super::gather::owner_of;
use super::links::item_url;
use super::problems::Problems;
use crate::config::podcast::{Artwork, MissingAudio, PodcastConfig};
use crate::config::{Config, FeedConfig, FeedKind, Format};
use crate::content::episode::Episode;
use crate::error::Diagnostic;
use crate::feed::{self, Enclosure, PodcastChannel, podcast};
use crate::identity::{Identified, State};
use crate::media::{self, MediaRules};
use crate::verify;

/// The state once every entry, media length and podcast guid is recorded in it.
#[derive(Debug)]
pub(super) struct FinalState(State);

impl FinalState {
    pub(super) fn into_inner(self) -> State {
        self.0
    }
}

impl std::ops::Deref for FinalState {
    type Target = State;
    fn deref(&self) -> &State {
        &self.0
    }
}

/// One item picked for a feed.
pub(super) struct Pick {
    /// Where its entry is among the identified items.
    pub at: usize,
    pub enclosure: Option<Enclosure>,
    /// Its episode keys, with a podcast feed's URLs made absolute.
    pub episode: Option<Box<Episode>>,
}

/// What goes into one feed, ready to render.
pub(super) struct FeedItems<'a> {
    pub feed: &'a FeedConfig,
    /// Newest first (ties by id), cut to the feed's limit unless it keeps every item.
    pub picks: Vec<Pick>,
    pub podcast: Option<PodcastChannel>,
    /// This feed's entry problems and warnings (audio missing or unreadable).
    pub problems: Problems,
    /// The feed's document's `updated` if it has no item (see [`last_change`]).
    pub updated_if_empty: Option<DateTime<FixedOffset>>,
}

/// The last change the state recorded among the entries of `feed`'s folder: when one was
/// first seen, changed or found gone. An emptied feed's Atom `updated` (its last entry
/// withdrawn), which went back to 1970. Only times a build saw, never a `date` key (which may
/// lie ahead): a rebuild without a change gives the same.
fn last_change(config: &Config, feed: &FeedConfig, state: &State) -> Option<DateTime<FixedOffset>> {
    let owner = owner_of(config, feed);
    state
        .entries
        .iter()
        .filter(|r| *r.feed == *owner)
        .flat_map(|r| [Some(r.first_seen), r.changed, r.gone])
        .flatten()
        .max()
}

/// The `[feed.podcast]` keys a channel rule may name, longest first where one holds another.
const PODCAST_KEYS: [&str; 18] = [
    "subcategory",
    "category",
    "owner_email_until",
    "owner",
    "explicit",
    "type",
    "image",
    "author",
    "media_base_url",
    "locked",
    "funding",
    "guid",
    "medium",
    "update_frequency",
    "new_feed_url",
    "txt",
    "missing_audio",
    "chapters_in_description",
];

/// Keys of a `[[feed]]` table itself that a channel rule may be about.
const FEED_KEYS: [&str; 2] = ["formats", "description"];

/// The line of the key a channel rule of feed `feed` is about: the first of [`PODCAST_KEYS`]
/// the rule names as a word, looked up in that feed's `[feed.podcast]` table, else the first of
/// [`FEED_KEYS`], in its `[[feed]]` table (a rule about a key that is missing, or another
/// table's, gives none).
fn value_line(text: &str, feed: &str, rule: &str) -> Option<usize> {
    let named = |k: &str| {
        rule.match_indices(k).any(|(at, _)| {
            let before = rule[..at].chars().next_back();
            let after = rule[at + k.len()..].chars().next();
            matches!(before, Some(' ' | '[' | '.'))
                && matches!(after, Some(' ' | '=' | '`' | ':' | ','))
        })
    };
    let lines: Vec<&str> = text.lines().collect();
    let name_at = lines.iter().position(|l| {
        l.trim_start().starts_with("name")
            && l.split_once('=').is_some_and(|(k, v)| {
                k.trim() == "name" && v.trim().trim_matches(['"', '\'']) == feed
            })
    })?;
    let key_in = |start: usize, key: &str| {
        (start..lines.len())
            .take_while(|&i| i == start || !lines[i].trim_start().starts_with('['))
            .find(|&i| {
                let l = lines[i].trim_start();
                l.starts_with(key) && l[key.len()..].trim_start().starts_with('=')
            })
            .map(|i| i + 1)
    };
    if let Some(key) = PODCAST_KEYS.into_iter().find(|k| named(k)) {
        let table = (name_at..lines.len())
            .take_while(|&i| i == name_at || !lines[i].trim_start().starts_with("[["))
            .find(|&i| lines[i].trim() == "[feed.podcast]")?;
        return key_in(table, key);
    }
    let key = FEED_KEYS.into_iter().find(|k| named(k))?;
    let table = (0..=name_at)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with('['))?;
    key_in(table, key)
}

/// Every feed's items, in the configured order, and the state they were resolved with.
pub(super) struct Resolved<'a> {
    pub feeds: Vec<FeedItems<'a>>,
    pub state: FinalState,
}

/// The podcast channel rules of every feed (errors: they name the config file).
pub(super) fn check_channels(config: &Config, problems: &mut Problems) {
    // Read again only to name the line of a bad value; the config was parsed from it.
    let text = std::fs::read_to_string(&config.path).unwrap_or_default();
    for feed in &config.feeds {
        let tags = verify::podcast_tags::channel(feed);
        // A MUST of the namespace (R65), but apps fetch http: said, not refused.
        for page in verify::podcast_tags::https_pages(feed, &config.site.base_url) {
            let line = value_line(&text, &feed.name, &page);
            problems.warn(Diagnostic::new(&config.path, line, page));
        }
        for rule in verify::podcast::channel(feed, config.site.language.as_deref())
            .into_iter()
            .chain(tags)
        {
            let line = value_line(&text, &feed.name, &rule);
            problems
                .settings
                .push(Diagnostic::new(&config.path, line, rule));
        }
        // Cover art without a JPEG or PNG extension: the server is asked only when the feed
        // lets the build use the network (verify::podcast decides by extension otherwise).
        if let Some(p) = &feed.podcast
            && p.resolve_lengths
            && let Some(Artwork::Remote(u)) = &p.image
        {
            let probe = crate::net::HeadProbe::new(config.publish.timeout);
            if let Err(problem) = media::check_art("[feed.podcast] image", u.as_str(), Some(&probe))
            {
                let message = format!("feed `{}`: {problem}", feed.name);
                problems
                    .settings
                    .push(Diagnostic::new(&config.path, None, message));
            }
        }
    }
}

/// Picks each feed's items and resolves their enclosures and each podcast's channel,
/// recording remote media lengths and podcast guids in `state`, which is final afterwards.
pub(super) fn feeds<'a>(
    config: &'a Config,
    items: &[Identified],
    mut state: State,
    policy: &Problems,
) -> Resolved<'a> {
    let probe = crate::net::HeadProbe::new(config.publish.timeout);
    let feeds = config
        .feeds
        .iter()
        .map(|feed| {
            let mut problems = policy.for_feed();
            let mut order = newest_first(config, feed, items);
            let media = media_rules(config, feed, &probe);
            let lengths = &mut state.media_lengths;
            let limited = feed.limit > 0 && !feed::extras::keeps_all_items(feed);
            let mut picks = match feed.kind {
                FeedKind::Podcast => {
                    let at = Place {
                        config,
                        feed,
                        items,
                    };
                    episodes(at, order, &media, lengths, &mut problems)
                }
                FeedKind::Notes => {
                    // A notes item past the limit says nothing (its enclosure is resolved
                    // without the network, and kept nowhere): it is not resolved at all.
                    if limited {
                        order.truncate(feed.limit);
                    }
                    notes(items, order, (media, lengths), &mut problems)
                }
            };
            if limited {
                picks.truncate(feed.limit);
                picks.shrink_to_fit();
            }
            let podcast = feed
                .podcast
                .as_ref()
                .map(|p| channel(config, feed, p, &mut state.podcast_guids));
            FeedItems {
                feed,
                picks,
                podcast,
                problems,
                updated_if_empty: last_change(config, feed, &state),
            }
        })
        .collect();
    Resolved {
        feeds,
        state: FinalState(state),
    }
}

/// Where the items of `feed` (those of the feed that owns its folder) are, newest first, ties
/// by id.
fn newest_first(config: &Config, feed: &FeedConfig, items: &[Identified]) -> Vec<usize> {
    let owner = owner_of(config, feed);
    let mut order: Vec<usize> = (0..items.len())
        .filter(|&at| items[at].feed() == owner)
        .collect();
    // On every core; the index last, so that the order is total whatever the ids.
    order.par_sort_unstable_by(|&a, &b| {
        let (ia, ib) = (&items[a], &items[b]);
        ib.published()
            .cmp(&ia.published())
            .then_with(|| ia.id().cmp(ib.id()))
            .then(a.cmp(&b))
    });
    order
}

/// A notes feed's items: every one, with an enclosure when one resolves without asking the
/// network.
fn notes(
    items: &[Identified],
    order: Vec<usize>,
    (media, lengths): (MediaRules<'_>, &mut BTreeMap<String, u64>),
    problems: &mut Problems,
) -> Vec<Pick> {
    let offline = MediaRules {
        probe: None,
        ..media
    };
    order
        .into_iter()
        .map(|at| {
            let mut episode = items[at].entry.episode().cloned().map(Box::new);
            // Audio that cannot be an enclosure (no length, no type) left the item without
            // one, unsaid: the notes still go out, and the reason is said.
            let found = episode.as_ref().and_then(|ep| {
                media::enclosure(ep, &offline, lengths)
                    .map_err(|why| {
                        // The reason, without a podcast's remedy (`media_base_url`,
                        // `resolve_lengths`), which a notes feed cannot take.
                        let reason = why.split(": ").next().unwrap_or(&why);
                        let said = format!("{reason}: a notes feed carries audio as an enclosure when `audio` is an http(s) URL with `audio_length` (and `audio_type` where its name does not tell); the item goes out without one");
                        problems.warn(Diagnostic::new(&*items[at].entry.source, None, said));
                    })
                    .ok()
                    .flatten()
            });
            if let (Some(ep), Some(found)) = (episode.as_mut(), found.as_ref()) {
                ep.duration = found.duration;
                for w in &found.warnings {
                    let source = &*items[at].entry.source;
                    problems.warn(Diagnostic::new(source, None, w.clone()));
                }
            }
            Pick {
                at,
                episode,
                enclosure: found.map(|found| found.enclosure),
            }
        })
        .collect()
}

/// Where a podcast feed's items come from.
#[derive(Clone, Copy)]
struct Place<'a> {
    config: &'a Config,
    feed: &'a FeedConfig,
    items: &'a [Identified],
}

/// A podcast feed's items: only the episodes with audio (so its limit counts those). The others
/// are left out with a warning, or are entry problems under `missing_audio = "error"`, as is
/// audio that cannot be resolved.
fn episodes(
    Place {
        config,
        feed,
        items,
    }: Place<'_>,
    order: Vec<usize>,
    media: &MediaRules<'_>,
    lengths: &mut BTreeMap<String, u64>,
    problems: &mut Problems,
) -> Vec<Pick> {
    let skip_is_error = feed
        .podcast
        .as_ref()
        .is_some_and(|p| p.missing_audio == MissingAudio::Error);
    let notes_too = config
        .feeds
        .iter()
        .any(|f| f.source == feed.source && f.podcast.is_none());
    let mut picks = Vec::with_capacity(order.len());
    for at in order {
        let source: &str = &items[at].entry.source;
        let entry = &items[at].entry;
        let resolved = match entry.episode() {
            Some(ep) => media::enclosure(ep, media, lengths).and_then(|found| {
                let Some(media::Found {
                    enclosure: enc,
                    duration,
                    warnings,
                }) = found
                else {
                    return Ok(None);
                };
                for w in warnings {
                    problems.warn(Diagnostic::new(source, None, w));
                }
                let mut ep = ep.clone();
                ep.duration = duration;
                // A link that does not join is reported when the item is rendered.
                let Ok(link) = item_url(config, feed, entry, items[at].published()) else {
                    return Ok(Some((enc, Box::new(ep))));
                };
                let json = feed::chapters::json_url(&config.site.feeds_url, &entry.slug);
                let urls = media::episode_urls(&ep, &link, media.base_url, &json)?;
                // A name that is no file is a link to a page of the site: a typo would be one
                // too, a broken link in the feed, so it is said.
                for path in super::media_files::local_references(&ep) {
                    if !path.exists() {
                        problems.warn(Diagnostic::new(source, None, format!(
                            "names {}, which is not there: it is published as a link relative to the episode's page; check the name, or give an https URL",
                            crate::content::display_path(&path).display()
                        )));
                    }
                }
                // After the URLs, so a missing media_base_url is named before the picture.
                crate::measure::art::episode_image(&ep)?;
                let ep = urls;
                if let Some(image) = &ep.image {
                    media::check_art("episode image", image, media.probe)?;
                }
                Ok(Some((enc, Box::new(ep))))
            }),
            None => Ok(None),
        };
        match resolved {
            Ok(Some((enc, episode))) => picks.push(Pick {
                at,
                enclosure: Some(enc),
                episode: Some(episode),
            }),
            Ok(None) if skip_is_error => problems.entry_problem(Diagnostic::new(
                source,
                None,
                format!(
                    "has no `audio`, and podcast feed `{}` sets missing_audio = \"error\"",
                    feed.name
                ),
            )),
            Ok(None) => problems.warn(Diagnostic::new(
                source,
                None,
                format!(
                    "has no `audio`; left out of podcast feed `{}`{}",
                    feed.name,
                    if notes_too {
                        " (it stays in the notes feeds)"
                    } else {
                        ""
                    }
                ),
            )),
            Err(problem) => {
                let line = problem_line(config, source, &problem);
                problems.entry_problem(Diagnostic::new(source, line, problem));
            }
        }
    }
    picks
}

/// The line of the key an episode's media problem is about (`audio …`, `enclosure …`,
/// `episode image …`), read again from the notes: problems are rare, and named with their line.
fn problem_line(config: &Config, source: &str, problem: &str) -> Option<usize> {
    let key = if problem.starts_with("audio") || problem.starts_with("enclosure") {
        "audio"
    } else if problem.starts_with("episode image") {
        "image"
    } else {
        return None;
    };
    crate::content::source::key_line_in(&config.root, source, key)
}

/// A podcast feed's channel: its guid (configured, else the one recorded for the feed, else
/// one made from the feed's URL and recorded) and artwork URL.
fn channel(
    config: &Config,
    feed: &FeedConfig,
    p: &PodcastConfig,
    guids: &mut BTreeMap<String, String>,
) -> PodcastChannel {
    let self_url = feed_url(config, feed, Format::Rss);
    let guid = match &p.guid {
        Some(g) => g.clone(),
        None => guids
            .entry(feed.name.clone())
            .or_insert_with(|| podcast::podcast_guid(self_url.as_str()))
            .clone(),
    };
    let image_url = match &p.image {
        Some(Artwork::Remote(u)) => Some(u.clone()),
        Some(Artwork::Local { url, .. }) => url.clone(),
        None => None,
    };
    let mut config_out = p.clone();
    for f in &mut config_out.funding {
        // A relative funding URL is a page of the site (the channel's link).
        if let Ok(u) = config.site.base_url.join(&f.url)
            && Url::parse(&f.url).is_err()
        {
            f.url = u.to_string();
        }
    }
    PodcastChannel {
        config: config_out,
        guid,
        image_url,
    }
}

fn media_rules<'a>(
    config: &'a Config,
    feed: &'a FeedConfig,
    probe: &'a dyn media::Probe,
) -> MediaRules<'a> {
    // A notes feed of the same episodes publishes local audio where the podcast feed does.
    let podcast = feed.podcast.as_ref().or_else(|| {
        config
            .feeds
            .iter()
            .find(|f| f.source == feed.source && f.podcast.is_some())
            .and_then(|f| f.podcast.as_ref())
    });
    MediaRules {
        base_url: podcast.and_then(|p| p.media_base_url.as_ref()),
        probe: podcast.is_some_and(|p| p.resolve_lengths).then_some(probe),
    }
}

/// The public URL of a feed file.
pub fn feed_url(config: &Config, feed: &FeedConfig, format: Format) -> Url {
    config
        .site
        .feeds_url
        .join(&feed.file_name(format))
        .expect("a safe file name joins to a URL")
}

#[cfg(test)]
mod tests {
    /// Audit: most podcast config errors named no line (only category's did).
    #[test]
    fn a_channel_rule_names_its_key_s_line_in_its_feed_s_table() {
        let text = "[site]\ntitle = \"T\"\n\n[[feed]]\nname = \"notes\"\n[feed.podcast]\ntype = \"serial\"\n\n[[feed]]\nname = \"podcast\"\n\n[feed.podcast]\nimage = \"c.png\"\nexplicit = \"yes\"\ntype = \"weekly\"\ncategory = \"TV and Film\"\n";
        let line = |rule: &str| super::value_line(text, "podcast", rule);
        assert_eq!(
            line("feed `podcast`: explicit = \"yes\" is not a boolean: write true or false"),
            Some(14)
        );
        assert_eq!(
            line("feed `podcast`: type `weekly` must be episodic or serial"),
            Some(15)
        );
        assert_eq!(
            line("feed `podcast`: category `TV and Film` is not one of Apple's"),
            Some(16)
        );
        assert_eq!(
            line("feed `podcast`: [feed.podcast] locked needs an owner"),
            None
        );
        assert_eq!(
            line("feed `podcast`: a podcast needs [site] language"),
            None
        );
        // Audit: a rule about the `[[feed]]` table's own keys had no line.
        let text = "[site]\ntitle = \"T\"\n\n[[feed]]\nname = \"notes\"\nformats = [\"atom\"]\n\n[[feed]]\nname = \"podcast\"\nformats = [\"rss\", \"atom\"]\n[feed.podcast]\nformats = 1\n";
        let rule = "feed `podcast`: Apple accepts only RSS for podcasts: use formats = [\"rss\"], and a notes feed for Atom";
        assert_eq!(super::value_line(text, "podcast", rule), Some(10));
        assert_eq!(super::value_line(text, "notes", rule), Some(6));
    }
}
