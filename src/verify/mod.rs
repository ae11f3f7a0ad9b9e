//! Every build verifies its own output: the bytes written are read back and must be
//! well-formed XML 1.0 (or JSON) and keep the RSS 2.0, Atom and JSON Feed rules that can be
//! verified mechanically. A violation is a bug or a bad input that slipped through, and fails
//! the build (the file is never renamed into place) rather than reaching subscribers;
//! `feedwright check` runs the same verification without writing.
//!
//! [`document`] verifies a whole document; [`Stream`] the same, given in parts as a large feed
//! is written, so it is never whole in memory. The well-formedness walk is [`xml`], the rules
//! of each format are [`rss`], [`atom`] and [`json`], and a podcast's settings and episodes are
//! verified before anything is rendered ([`podcast`]).

pub mod atom;
pub mod json;
mod lex;
pub mod podcast;
pub mod podcast_tags;
pub mod rss;
mod tags;
pub mod xml;

use crate::config::Format;

/// Verifies one rendered feed; returns every rule it breaks (empty when it keeps them all).
pub fn document(format: Format, text: &str) -> Vec<String> {
    match Stream::new(format) {
        Some(mut stream) => {
            stream.part(text.as_bytes());
            stream.finish()
        }
        None => json::verify(text),
    }
}

/// The verification of an RSS or Atom document given in parts, as it is written.
pub struct Stream {
    walker: xml::Walker,
    rules: Rules,
    error: Option<xml::XmlError>,
}

enum Rules {
    Rss(Box<rss::Rules>),
    Atom(Box<atom::Rules>),
}

impl Stream {
    /// `None` for a format that is verified whole ([`document`]: JSON).
    pub fn new(format: Format) -> Option<Self> {
        let rules = match format {
            Format::Rss => Rules::Rss(Box::default()),
            Format::Atom => Rules::Atom(Box::default()),
            Format::Json => return None,
        };
        Some(Stream {
            walker: xml::Walker::default(),
            rules,
            error: None,
        })
    }

    /// The next part of the document (cut anywhere).
    pub fn part(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let walked = match &mut self.rules {
            Rules::Rss(v) => self.walker.part(bytes, &mut **v),
            Rules::Atom(v) => self.walker.part(bytes, &mut **v),
        };
        self.error = walked.err();
    }

    /// Every rule the whole document breaks.
    pub fn finish(mut self) -> Vec<String> {
        let walked = match self.error {
            Some(e) => Err(e),
            None => match &mut self.rules {
                Rules::Rss(v) => self.walker.finish(&mut **v),
                Rules::Atom(v) => self.walker.finish(&mut **v),
            },
        };
        let walked = walked.map_err(|e| e.to_string());
        match self.rules {
            Rules::Rss(rules) => rules.finish(walked),
            Rules::Atom(rules) => rules.finish(walked),
        }
    }
}

/// The message for a document that is not well-formed: what broke, where, and what to do.
fn not_well_formed(format: &str, problem: &str) -> String {
    format!(
        "{format} is not well-formed XML: {problem} (readers would reject the file: fix the content or config that put it there)"
    )
}

fn is_absolute_http(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod xml_tests;
