//! `feedwright doctor`: asks the servers behind a built podcast feed whether podcast apps will
//! get on with them. For every enclosure and artwork URL in the podcast feeds of the output
//! folder: a HEAD request and a `Range: bytes=0-1` request, both with the project's client
//! settings ([`crate::net`]), and nothing read beyond the headers.

mod probe;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Config, FeedKind, Format};
use crate::error::{Error, Result};

pub use probe::{Expect, check};

/// How many servers are asked at once: enough that a feed of hundreds of episodes is done in
/// seconds, few enough not to look like an attack on one host.
const PARALLEL: usize = 8;

/// One URL to ask about, what its feed says of it, and where the feed says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub expect: Expect,
    /// The feed file that names it (the first one, when several do).
    pub feed: PathBuf,
}

/// A problem with one URL, for a line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The URL, with any credentials removed.
    pub url: String,
    pub feed: PathBuf,
    pub problem: String,
}

/// What the doctor found.
#[derive(Debug, Default)]
pub struct Report {
    /// How many distinct URLs were asked about.
    pub checked: usize,
    pub findings: Vec<Finding>,
}

/// Why a built feed was not read, in words.
fn refusal_text(e: &crate::small_file::Refusal, cap: u64) -> String {
    match e {
        crate::small_file::Refusal::Io(e) => e.to_string(),
        crate::small_file::Refusal::NotRegular(what) => format!("it is {what}"),
        crate::small_file::Refusal::TooBig(n) => format!("{n} bytes, more than {cap}"),
    }
}

/// Every enclosure and artwork URL of the podcast feeds built in `config`'s output folder,
/// each once. A podcast feed that was not built yet is an error saying to build it.
pub fn targets(config: &Config) -> Result<Vec<Target>> {
    let mut by_url: BTreeMap<String, Target> = BTreeMap::new();
    for feed in config.feeds.iter().filter(|f| f.kind == FeedKind::Podcast) {
        let path = config.site.output_dir.join(feed.file_name(Format::Rss));
        let cap = crate::small_file::MAX_OWN_FEED;
        let bytes = crate::small_file::read(&path, cap).map_err(|e| Error::Usage {
            message: format!(
                "podcast feed {} cannot be read ({}); doctor checks the built feeds",
                path.display(),
                refusal_text(&e, cap)
            ),
            hint: Some("run `feedwright build` first".into()),
        })?;
        let channel = rss::Channel::read_from(&bytes[..]).map_err(|e| {
            Error::Content(vec![crate::error::Diagnostic::new(
                &path,
                None,
                format!("is not an RSS feed doctor can read ({e}): run `feedwright build` again"),
            )])
        })?;
        for (url, expect) in urls_of(&channel) {
            by_url.entry(url.clone()).or_insert(Target {
                url,
                expect,
                feed: path.clone(),
            });
        }
    }
    Ok(by_url.into_values().collect())
}

/// The enclosures and images one podcast feed names.
fn urls_of(channel: &rss::Channel) -> Vec<(String, Expect)> {
    let mut v = Vec::new();
    let art = |v: &mut Vec<(String, Expect)>, url: &str| {
        if !url.is_empty() {
            v.push((url.to_string(), Expect::Art));
        }
    };
    if let Some(image) = &channel.image {
        art(&mut v, &image.url);
    }
    if let Some(href) = channel.itunes_ext.as_ref().and_then(|i| i.image.as_deref()) {
        art(&mut v, href);
    }
    for item in &channel.items {
        if let Some(enc) = &item.enclosure {
            v.push((
                enc.url.clone(),
                Expect::Audio {
                    length: enc.length.trim().parse().ok(),
                    mime: enc.mime_type.clone(),
                },
            ));
        }
        if let Some(href) = item.itunes_ext.as_ref().and_then(|i| i.image.as_deref()) {
            art(&mut v, href);
        }
    }
    v
}

/// Asks about every target, [`PARALLEL`] at a time, each request bounded by `timeout`.
pub fn examine(targets: &[Target], timeout: Duration) -> Report {
    let ask = || -> Vec<Finding> {
        use rayon::prelude::*;
        targets
            .par_iter()
            .flat_map_iter(|t| {
                check(&t.url, &t.expect, timeout)
                    .into_iter()
                    .map(|problem| Finding {
                        url: crate::net::redact(&t.url),
                        feed: t.feed.clone(),
                        problem,
                    })
            })
            .collect()
    };
    let findings = match rayon::ThreadPoolBuilder::new()
        .num_threads(PARALLEL)
        .build()
    {
        Ok(pool) => pool.install(ask),
        Err(_) => ask(),
    };
    Report {
        checked: targets.len(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enclosure_and_image_is_a_target() {
        let xml = r#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
            <title>t</title><link>https://p.example/</link><description>d</description>
            <image><url>https://p.example/logo.png</url><title>t</title><link>https://p.example/</link></image>
            <itunes:image href="https://p.example/cover.jpg"/>
            <item><title>1</title><enclosure url="https://m.example/1.mp3" length="123" type="audio/mpeg"/>
              <itunes:image href="https://p.example/1.png"/></item>
            <item><title>2</title><enclosure url="https://m.example/2.m4a" length="x" type="audio/x-m4a"/></item>
            <item><title>3 (no audio)</title></item>
        </channel></rss>"#;
        let channel = rss::Channel::read_from(xml.as_bytes()).unwrap();
        assert_eq!(
            urls_of(&channel),
            [
                ("https://p.example/logo.png".to_string(), Expect::Art),
                ("https://p.example/cover.jpg".to_string(), Expect::Art),
                (
                    "https://m.example/1.mp3".to_string(),
                    Expect::Audio {
                        length: Some(123),
                        mime: "audio/mpeg".into()
                    }
                ),
                ("https://p.example/1.png".to_string(), Expect::Art),
                (
                    "https://m.example/2.m4a".to_string(),
                    Expect::Audio {
                        length: None,
                        mime: "audio/x-m4a".into()
                    }
                ),
            ]
        );
    }
}
