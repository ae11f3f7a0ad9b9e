//! The local files a podcast publishes besides its feeds: episode audio, the cover art, and
//! the episode art, transcripts and chapters that name a file beside the notes. Each is
//! published under its podcast's `media_base_url` by its file name (as `media.rs` writes the
//! URLs into the feed), so `push` with `[publish] media = true` can upload them where the
//! feed points. Only the config and the content parsing stages are used: no ids, no render.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use url::Url;

use crate::config::Config;
use crate::config::podcast::Artwork;
use crate::content::episode::{AudioSource, Episode};

/// A local file a feed points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MediaFile {
    /// The podcast's `media_base_url`.
    pub base_url: Url,
    /// The file's name below `base_url` (its public URL is `media::file_url(base_url, name)`).
    pub name: String,
    pub path: PathBuf,
}

/// Every local media file of the podcast feeds' publishable episodes (no drafts, nothing
/// dated after `now`), one per public URL, sorted. Files that fail to parse are left out:
/// the build that runs first reports them.
pub fn media_files(config: &Config, now: DateTime<FixedOffset>) -> Vec<MediaFile> {
    let mut found: BTreeMap<(Url, String), PathBuf> = BTreeMap::new();
    let roots = crate::content::Roots::new(&config.root, &config.site.extra_roots);
    let mut read: Vec<&Path> = Vec::new();
    for feed in &config.feeds {
        let Some(podcast) = &feed.podcast else {
            continue;
        };
        let Some(base) = &podcast.media_base_url else {
            continue;
        };
        if let Some(Artwork::Local { path, .. }) = &podcast.image {
            add(&mut found, base, path);
        }
        if read.contains(&feed.source.as_path()) {
            continue;
        }
        read.push(&feed.source);
        let collected = crate::content::collect_within(
            &feed.source,
            &config.root,
            &roots,
            config.site.timezone,
            false,
        );
        for entry in collected.entries {
            if entry.draft || entry.date.is_some_and(|d| d > now) {
                continue;
            }
            if let Some(episode) = entry.episode() {
                for path in episode_files(episode) {
                    add(&mut found, base, &path);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|((base_url, name), path)| MediaFile {
            base_url,
            name,
            path,
        })
        .collect()
}

/// The local files `episode` names: its audio, and the art, transcripts, chapters and chapter
/// images that are files beside the notes (a value that is not a URL and names no file is a link).
fn episode_files(episode: &Episode) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(AudioSource::Local(path)) = &episode.audio {
        files.push(path.clone());
    }
    files.extend(
        local_references(episode)
            .into_iter()
            .filter(|p| p.is_file()),
    );
    files
}

/// Every path beside the notes that `episode`'s art, chapters, chapter images and transcripts
/// could name, whether or not a file is there: whether one is decides what the feed says.
pub(super) fn local_references(episode: &Episode) -> Vec<PathBuf> {
    episode
        .image
        .iter()
        .chain(episode.chapters.iter())
        .chain(episode.chapter_list.iter().filter_map(|c| c.image.as_ref()))
        .chain(episode.transcripts.iter().map(|t| &t.url))
        .filter(|value| Url::parse(value).is_err())
        .map(|value| episode.dir.join(value))
        .collect()
}

/// Adds `path` under its file name; the first file to claim a public URL keeps it.
fn add(found: &mut BTreeMap<(Url, String), PathBuf>, base: &Url, path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    found
        .entry((base.clone(), name.to_string()))
        .or_insert_with(|| path.to_path_buf());
}

/// The build reads nothing outside the site's folder (and `[site] extra_roots`): an episode
/// whose audio, art, transcript, chapters or chapter image is a file that really lies
/// elsewhere (`../../etc/passwd`, an absolute path, a link out) is an entry problem, said
/// before anything measures or publishes the file.
pub(super) fn outside_roots(
    roots: &crate::content::Roots,
    entry: &crate::content::Entry,
) -> Option<crate::error::Diagnostic> {
    let episode = entry.episode()?;
    episode_files(episode).into_iter().find_map(|path| {
        let real = path.canonicalize().ok()?;
        if roots.allows(&real) {
            return None;
        }
        let really = if real == path {
            String::new()
        } else {
            format!(" (really {})", real.display())
        };
        Some(crate::error::Diagnostic::new(
            &*entry.source,
            None,
            format!(
                "names the file {}{really}, outside the site's folder: a build reads and publishes nothing from there; {}",
                path.display(),
                crate::content::Roots::fix_for(&real)
            ),
        ))
    })
}

/// Local files that a podcast would publish at one URL: each is published under its podcast's
/// `media_base_url` by its bare file name, so two different files named `art.jpg` (or
/// `transcript.vtt`, or the cover's name) beside two episodes would be one URL, and one
/// episode would show the other's. Audio is left to the feed check, which compares the
/// enclosures' URLs.
pub(super) fn clashes(
    config: &Config,
    items: &[crate::identity::Identified],
) -> Vec<crate::error::Diagnostic> {
    let mut problems = Vec::new();
    for feed in &config.feeds {
        let Some(podcast) = &feed.podcast else {
            continue;
        };
        // By public name: the file, and who named it first. Two paths with one name are
        // resolved only then: one file reached two ways (`../ep1/art.jpg`) is no clash.
        let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let mut claimed: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
        let mut claim = |path: &Path, by: &str| {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                return;
            };
            match claimed.get(name) {
                None => {
                    claimed.insert(name.to_string(), (path.to_path_buf(), by.to_string()));
                }
                Some((first, other)) if real(first) != real(path) => problems.push(crate::error::Diagnostic::new(
                    by,
                    None,
                    format!(
                        "names the file {}, which would be published at the same URL as {} named by {other} (media files are published by their file name): rename one of them",
                        crate::content::display_path(path).display(),
                        crate::content::display_path(first).display()
                    ),
                )),
                Some(_) => {}
            }
        };
        if let Some(Artwork::Local { path, .. }) = &podcast.image {
            claim(
                path,
                &crate::content::display_path(&config.path)
                    .display()
                    .to_string(),
            );
        }
        let episodes = items
            .iter()
            .filter(|it| it.feed() == feed.name)
            .filter_map(|it| Some((it, it.entry.episode()?)));
        for (it, episode) in episodes {
            for path in local_references(episode).iter().filter(|p| p.is_file()) {
                claim(path, &it.entry.source);
            }
        }
    }
    problems
}

/// A transcript saved as `.txt` (or `.md`) in a source folder is also an entry of its feed:
/// it would be published as an episode of its own, titled by its file name. Refused, naming
/// both files (`entries` are one source folder's).
pub(super) fn transcripts_read_as_entries(
    config: &Config,
    entries: &[Box<crate::content::Entry>],
) -> Vec<crate::error::Diagnostic> {
    let transcripts: Vec<(PathBuf, &str)> = entries
        .iter()
        .filter_map(|e| Some((e.episode()?, &*e.source)))
        .flat_map(|(episode, by)| {
            episode
                .transcripts
                .iter()
                .filter(|t| Url::parse(&t.url).is_err())
                .map(move |t| (episode.dir.join(&t.url), by))
        })
        .filter(|(path, _)| crate::content::source::kind_of(path).is_some())
        .filter_map(|(path, by)| Some((path.canonicalize().ok()?, by)))
        .collect();
    if transcripts.is_empty() {
        return Vec::new();
    }
    entries
        .iter()
        .filter_map(|e| {
            let real = config.root.join(&*e.source).canonicalize().ok()?;
            let (_, by) = transcripts.iter().find(|(t, _)| *t == real)?;
            Some(crate::error::Diagnostic::new(
                &*e.source,
                None,
                format!(
                    "is the transcript of {by}, and a `.txt` or `.md` file in a source folder is an entry too: it would be published as an episode; move the transcript out of the source folder, or save it as .vtt or .srt"
                ),
            ))
        })
        .collect()
}
