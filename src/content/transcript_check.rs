//! A basic syntax check of a local WebVTT or SubRip transcript: players that meet a broken
//! file show no captions at all, so the build names the first lines that would break it. The
//! check is of the structure only (the header, each cue's timing line), not of cue text.

use std::path::Path;

/// Which syntax a transcript file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Vtt,
    Srt,
}

impl Syntax {
    /// The syntax of a transcript type; `None` for one this check does not read.
    pub fn of_type(mime: &str) -> Option<Syntax> {
        match mime {
            "text/vtt" => Some(Syntax::Vtt),
            "application/x-subrip" | "application/srt" => Some(Syntax::Srt),
            _ => None,
        }
    }
}

/// At most this many problems are reported per file: the rest are usually the same mistake.
const MAX_PROBLEMS: usize = 5;

/// Checks `path`; each problem as `path:line: message`.
pub fn check_file(path: &Path, syntax: Syntax) -> Vec<String> {
    let shown = path.display();
    let text = match read_capped(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(why) => return vec![format!("file {shown} {why}")],
    };
    check(&text, syntax)
        .into_iter()
        .map(|(line, m)| format!("{shown}:{line}: {m}"))
        .collect()
}

/// The most of a transcript that is read: a ten-hour episode's captions are a few MB.
pub const MAX_BYTES: u64 = 32 << 20;

/// The file's bytes, refused past [`MAX_BYTES`] (checked before and while reading, as the file
/// may grow) and when it is not a regular file (a FIFO would block the build).
fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use crate::small_file::{self, Refusal};
    small_file::read(path, MAX_BYTES).map_err(|r| match r {
        Refusal::Io(e) => format!("cannot be read: {e}"),
        Refusal::NotRegular(_) => {
            "is not a regular file: point `file` at the transcript itself".into()
        }
        Refusal::TooBig(_) => format!(
            "is larger than {} MB, the most feedwright reads of a transcript: check that it is the transcript, or publish it by `url`",
            MAX_BYTES >> 20
        ),
    })
}

/// The problems of a transcript's text, each with its line (from 1).
pub fn check(text: &str, syntax: Syntax) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    if syntax == Syntax::Vtt {
        let first = text.lines().next().unwrap_or("");
        let rest = first.strip_prefix("WEBVTT");
        if !rest.is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t'])) {
            problems.push((
                1,
                "a WebVTT file must start with a `WEBVTT` line: add it as the first line".into(),
            ));
        }
    }
    let mut previous: Option<u64> = None;
    let mut cues = 0;
    for (i, line) in text.lines().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        if !line.contains("-->") {
            continue;
        }
        cues += 1;
        match timing(line, syntax) {
            Err(m) => problems.push((i + 1, m)),
            Ok((start, end)) => {
                if end <= start {
                    problems.push((i + 1, format!("cue `{}` ends before it starts: its end time must be later than its start", line.trim())));
                }
                if let Some(p) = previous
                    && start < p
                {
                    problems.push((
                        i + 1,
                        format!(
                            "cue `{}` starts before the cue above it: put the cues in time order",
                            line.trim()
                        ),
                    ));
                }
                previous = Some(start);
            }
        }
    }
    if cues == 0 {
        problems.push(no_cue(text, syntax));
    }
    problems
}

/// The most of a line a message quotes: the line may be a long run of cue text.
const QUOTED_CHARS: usize = 80;

/// The problem of a file with no `-->` line, hence no cue: players show no captions at all,
/// yet every other line may be fine. The first line meant as a timing (one with `->` or a
/// clock such as `00:02`) is named, as that is where the mistake usually is.
fn no_cue(text: &str, syntax: Syntax) -> (usize, String) {
    let example = match syntax {
        Syntax::Vtt => "00:00:01.000 --> 00:00:04.000",
        Syntax::Srt => "00:00:01,000 --> 00:00:04,000",
    };
    let clock = |l: &str| {
        l.as_bytes()
            .windows(3)
            .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit())
    };
    // The `WEBVTT` line may carry a title with a time in it: it is never a timing line.
    let suspect = text
        .lines()
        .enumerate()
        .filter(|(i, l)| !(*i == 0 && syntax == Syntax::Vtt && l.starts_with("WEBVTT")))
        .find(|(_, l)| l.contains("->") || clock(l));
    if let Some((i, line)) = suspect {
        let mut quoted: String = line.trim().chars().take(QUOTED_CHARS).collect();
        if line.trim().chars().count() > QUOTED_CHARS {
            quoted.push('…');
        }
        return (
            i + 1,
            format!(
                "`{quoted}` is not a cue timing line, so the file has no cue at all: write each timing line as `{example}`, with `-->` between the start and the end"
            ),
        );
    }
    let cue = match syntax {
        Syntax::Vtt => "a WebVTT cue is",
        Syntax::Srt => "a SubRip cue is a number,",
    };
    (
        1,
        format!("no cue found: {cue} a `{example}` line and its text"),
    )
}

/// A timing line's start and end, in milliseconds.
fn timing(line: &str, syntax: Syntax) -> Result<(u64, u64), String> {
    let (start, rest) = line.split_once("-->").unwrap_or((line, ""));
    // WebVTT cue settings follow the end time.
    let end = rest.split_whitespace().next().unwrap_or("");
    let example = match syntax {
        Syntax::Vtt => "00:01:02.500",
        Syntax::Srt => "00:01:02,500",
    };
    let parse = |t: &str| {
        time(t.trim(), syntax)
            .ok_or_else(|| format!("cue time `{}` is not a time such as {example}", t.trim()))
    };
    Ok((parse(start)?, parse(end)?))
}

/// `[hh:]mm:ss.ttt` (WebVTT) or `hh:mm:ss,ttt` (SubRip; a `.` is taken too, as players do).
fn time(t: &str, syntax: Syntax) -> Option<u64> {
    let (clock, millis) = match syntax {
        Syntax::Vtt => t.split_once('.')?,
        Syntax::Srt => t.split_once([',', '.'])?,
    };
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    let hours_ok = |p: &str| p.len() >= 2 && p.bytes().all(|b| b.is_ascii_digit());
    let (h, m, s) = match (syntax, parts.as_slice()) {
        (Syntax::Vtt, [m, s]) if two_digits(m) && two_digits(s) => ("0", *m, *s),
        (_, [h, m, s]) if hours_ok(h) && two_digits(m) && two_digits(s) => (*h, *m, *s),
        _ => return None,
    };
    let (h, m, s): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    if m >= 60 || s >= 60 {
        return None;
    }
    // Hours may have any number of digits: the total is checked, not trusted to fit.
    h.checked_mul(3600)?
        .checked_add(m * 60 + s)?
        .checked_mul(1000)?
        .checked_add(millis.parse::<u64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_files_pass() {
        let vtt = "WEBVTT\n\n00:00.000 --> 00:04.000\n<v Maya>Hello\n\n00:04.000 --> 01:00:05.500 align:start\nBye\n";
        assert_eq!(check(vtt, Syntax::Vtt), []);
        let srt =
            "1\n00:00:00,000 --> 00:00:04,000\nHello\n\n2\n00:00:04,000 --> 00:00:05,000\nBye\n";
        assert_eq!(check(srt, Syntax::Srt), []);
    }

    #[test]
    fn bad_vtt_names_lines() {
        let vtt = "WEBVTT-ish\n\n00:05.000 --> 00:04.000\nA\n\n00:01.000 --> 00:02.000\nB\n\n00:03 --> 00:04.000\n";
        assert_eq!(
            check(vtt, Syntax::Vtt),
            [
                (1, "a WebVTT file must start with a `WEBVTT` line: add it as the first line".to_string()),
                (3, "cue `00:05.000 --> 00:04.000` ends before it starts: its end time must be later than its start".to_string()),
                (6, "cue `00:01.000 --> 00:02.000` starts before the cue above it: put the cues in time order".to_string()),
                (9, "cue time `00:03` is not a time such as 00:01:02.500".to_string()),
            ]
        );
    }

    /// A 1 GB transcript (sparse: free to make) was read whole into memory.
    #[test]
    fn a_huge_or_strange_file_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.vtt");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        assert_eq!(
            check_file(&big, Syntax::Vtt),
            [format!(
                "file {} is larger than 32 MB, the most feedwright reads of a transcript: check that it is the transcript, or publish it by `url`",
                big.display()
            )]
        );
        let folder = dir.path().join("folder.vtt");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(
            check_file(&folder, Syntax::Vtt),
            [format!(
                "file {} is not a regular file: point `file` at the transcript itself",
                folder.display()
            )]
        );
    }

    #[test]
    fn hours_too_many_to_count_are_a_bad_time_not_a_panic() {
        let vtt =
            "WEBVTT\n\n18446744073709551615:00:00.000 --> 18446744073709551615:00:01.000\nx\n";
        assert_eq!(
            check(vtt, Syntax::Vtt),
            [(
                3,
                "cue time `18446744073709551615:00:00.000` is not a time such as 00:01:02.500"
                    .to_string()
            )]
        );
    }

    #[test]
    fn bom_crlf_and_binary() {
        let vtt = "\u{feff}WEBVTT\r\n\r\n00:00.000 --> 00:04.000\r\nHi\r\n";
        assert_eq!(check(vtt, Syntax::Vtt), []);
        let binary = String::from_utf8_lossy(&[0, 159, 146, 150, 0xFF, b'\n', 0x01]).into_owned();
        assert_eq!(check(&binary, Syntax::Vtt)[0].0, 1);
        assert_eq!(check(&binary, Syntax::Srt)[0].0, 1);
    }

    /// Audit: a WebVTT file whose one timing line had a single dash held no cue at all and
    /// was published, captions that no player shows.
    #[test]
    fn a_file_without_a_cue_names_its_broken_timing() {
        let vtt = "WEBVTT - recorded 10:30\n\n00:00:00.000 -> 00:00:02.000\nHello\n";
        assert_eq!(
            check(vtt, Syntax::Vtt),
            [(
                3,
                "`00:00:00.000 -> 00:00:02.000` is not a cue timing line, so the file has no cue at all: write each timing line as `00:00:01.000 --> 00:00:04.000`, with `-->` between the start and the end".to_string()
            )]
        );
        let srt = "1\n00:00:01,000 - 00:00:04,000\nHello\n";
        assert_eq!(
            check(srt, Syntax::Srt),
            [(
                2,
                "`00:00:01,000 - 00:00:04,000` is not a cue timing line, so the file has no cue at all: write each timing line as `00:00:01,000 --> 00:00:04,000`, with `-->` between the start and the end".to_string()
            )]
        );
        assert_eq!(
            check("WEBVTT\n\nHello\n", Syntax::Vtt),
            [(
                1,
                "no cue found: a WebVTT cue is a `00:00:01.000 --> 00:00:04.000` line and its text"
                    .to_string()
            )]
        );
        let long = format!("WEBVTT\n\n{}0:00 -> 0:01\n", "x".repeat(100));
        let (line, message) = &check(&long, Syntax::Vtt)[0];
        assert_eq!(*line, 3);
        assert!(
            message.starts_with(&format!("`{}…` is not", "x".repeat(80))),
            "{message}"
        );
    }

    #[test]
    fn srt_needs_cues_and_hours() {
        assert_eq!(check("hello\n", Syntax::Srt)[0].0, 1);
        assert_eq!(
            check("1\n00:01,000 --> 00:00:02,000\n", Syntax::Srt),
            [(
                2,
                "cue time `00:01,000` is not a time such as 00:01:02,500".to_string()
            )]
        );
    }
}
