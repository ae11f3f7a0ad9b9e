//! The HTTP rules `serve` applies, as plain functions of strings and numbers: dates, entity
//! tags and their comparison, Content-Type by extension and `Accept` negotiation, request paths
//! mapped into the output folder, and byte ranges. Nothing here touches a socket, so every rule
//! is tested without one.

use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Datelike as _, NaiveDateTime, Utc};

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate).
pub fn http_date(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// An HTTP-date in any of the three forms RFC 9110 §5.6.7 says a recipient must accept:
/// IMF-fixdate, and the obsolete RFC 850 and asctime forms that old clients and caches still
/// send.
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    parse_http_date_in(s, Utc::now().year())
}

/// [`parse_http_date`] as read in `this_year`, which an RFC 850 two-digit year depends on.
fn parse_http_date_in(s: &str, this_year: i32) -> Option<SystemTime> {
    let s = s.trim();
    let utc = DateTime::parse_from_rfc2822(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| rfc850(s, this_year))
        .or_else(|| {
            // The day is space-padded (`Dec  1`); a space in the format matches any run of them.
            NaiveDateTime::parse_from_str(s, "%a %b %e %H:%M:%S %Y")
                .ok()
                .map(|d| d.and_utc())
        })?;
    Some(SystemTime::from(utc))
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`. The weekday is skipped rather than checked: it is
/// redundant, and chrono would check it against its own century for the year, not RFC 9110's.
fn rfc850(s: &str, this_year: i32) -> Option<DateTime<Utc>> {
    let (_weekday, rest) = s.split_once(", ")?;
    let naive = NaiveDateTime::parse_from_str(rest, "%d-%b-%y %H:%M:%S GMT").ok()?;
    // RFC 9110: a two-digit year that would be more than 50 years in the future is the most
    // recent past year with those digits; so of the years with those digits, the one in
    // (this year - 50, this year + 50].
    let mut year = this_year - this_year.rem_euclid(100) + naive.year().rem_euclid(100);
    if year > this_year + 50 {
        year -= 100;
    } else if year + 100 <= this_year + 50 {
        year += 100;
    }
    Some(naive.with_year(year)?.and_utc())
}

/// `10/Oct/2000:13:55:36 +0000`, the time field of the common log format.
pub(crate) fn log_time(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%d/%b/%Y:%H:%M:%S %z")
        .to_string()
}

/// A strong entity tag: the first 128 bits of the BLAKE3 hash of the bytes.
pub fn etag(bytes: &[u8]) -> String {
    tag_of(&blake3::hash(bytes))
}

pub(crate) fn tag_of(hash: &blake3::Hash) -> String {
    format!("\"{}\"", &hash.to_hex()[..32])
}

/// Whether an `If-None-Match` value matches `tag`, by weak comparison (R96).
pub fn none_match(header: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header.trim() == "*" || header.split(',').any(|t| opaque(t) == opaque(tag))
}

/// Content-Type by extension: the site's one table ([`crate::media_types`]), so a file has
/// the type here that it gets when pushed.
pub fn content_type(name: &str) -> &'static str {
    crate::media_types::content_type(name)
}

/// The quality an `Accept` header gives `media` (`type/subtype`, no parameters).
fn quality(accept: &str, media: &str) -> f32 {
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let pattern = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let specificity = if pattern == media {
            3
        } else if pattern == format!("{kind}/*") {
            2
        } else if pattern == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Whether the request comes from a browser that would rather have a page than a feed.
pub(crate) fn prefers_html(accept: Option<&str>, media: &str) -> bool {
    let Some(accept) = accept else { return false };
    let base = media.split(';').next().unwrap_or(media).trim();
    quality(accept, "text/html") > quality(accept, base)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A file a request named inside the served folder.
#[derive(Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Its real path (symlinks followed, still inside the folder).
    pub path: PathBuf,
    /// Its name below the folder as requested, with `/` (what its type is judged by).
    pub name: String,
}

/// The file a request target names inside `root`, or why not: `..`, `.`-prefixed, absolute or
/// backslashed segments are refused before the file system is asked anything.
pub fn resolve(root: &Path, target: &str) -> Result<Resolved, u16> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = path.strip_prefix('/').ok_or(400u16)?;
    let decoded = percent_decode(path).ok_or(400u16)?;
    let mut out = root.to_path_buf();
    let mut name = Vec::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        name.push(segment);
        if segment.starts_with('.') || segment.contains(['\\', '\0', ':']) {
            return Err(if segment == ".." { 400 } else { 404 });
        }
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) => out.push(segment),
            _ => return Err(400),
        }
    }
    // A symlink inside the folder must not lead out of it.
    let real_root = root.canonicalize().map_err(|_| 404u16)?;
    match out.canonicalize() {
        // Nor to a hidden file in it (`reviews.rss -> .secret`, a build's temp file).
        Ok(real) if real.strip_prefix(&real_root).is_ok_and(is_hidden) => Err(404),
        Ok(real) if real.starts_with(&real_root) => Ok(Resolved {
            path: real,
            name: name.join("/"),
        }),
        Ok(_) => Err(404),
        Err(_) => Err(404),
    }
}

/// Why a request is not answered for the `Host` it names, with the status: HTTP/1.1 needs
/// exactly one (RFC 9112 §3.2), and a server on the loopback answers only names of this
/// machine or IP addresses. Any other name is a page of another site that made its name point
/// here (DNS rebinding) to read what the server serves through the visitor's browser.
pub(super) fn host_refusal(
    http11: bool,
    hosts: &[&str],
    local_only: bool,
) -> Option<(u16, &'static str)> {
    if hosts.len() > 1 || (http11 && hosts.is_empty()) {
        return Some((400, "a request needs exactly one Host header"));
    }
    let host = hosts.first()?.trim();
    // `[::1]:8080`, `127.0.0.1:8080`, `localhost`: the name without its port.
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let local = name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::IpAddr>().is_ok();
    (local_only && !local).then_some((
        421,
        "this server answers requests for localhost or an IP address only",
    ))
}

/// Whether a path below the served folder has a part whose name starts with a dot.
fn is_hidden(below: &Path) -> bool {
    below
        .components()
        .any(|c| c.as_os_str().as_encoded_bytes().starts_with(b"."))
}

/// What a `Range` header asks of a representation of `size` bytes (RFC 9110 §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// No usable range: send the whole representation (a unit other than bytes, a malformed
    /// value, or several ranges, which a server may answer in full).
    Whole,
    /// `start` and `len` of the one satisfiable range.
    Part { start: u64, len: u64 },
    /// Every range starts beyond the end: 416.
    Unsatisfiable,
}

/// Reads the decimal digits of a range bound; too many digits for a `u64` means "beyond any
/// file", which the callers treat as such.
fn bound(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse().unwrap_or(u64::MAX))
}

/// The range a `Range` header value selects from `size` bytes.
pub fn byte_range(header: &str, size: u64) -> ByteRange {
    let Some((unit, set)) = header.split_once('=') else {
        return ByteRange::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return ByteRange::Whole;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let (start, end) = match (first.trim().is_empty(), bound(first), bound(last)) {
        // `-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || size == 0 {
                return ByteRange::Unsatisfiable;
            }
            (size.saturating_sub(suffix), size - 1)
        }
        (false, Some(start), None) if last.trim().is_empty() => (start, u64::MAX),
        (false, Some(start), Some(end)) if start <= end => (start, end),
        _ => return ByteRange::Whole,
    };
    if start >= size {
        return ByteRange::Unsatisfiable;
    }
    let end = end.min(size - 1);
    ByteRange::Part {
        start,
        len: end - start + 1,
    }
}

/// Whether an `If-Range` value still names the representation, so the range applies: an
/// entity tag by strong comparison, or exactly its Last-Modified date.
pub fn if_range_holds(header: &str, tag: &str, modified: SystemTime) -> bool {
    let header = header.trim();
    if header.starts_with('"') || header.starts_with("W/") {
        return header == tag;
    }
    parse_http_date(header) == Some(modified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        let part = |start, len| ByteRange::Part { start, len };
        assert_eq!(byte_range("bytes=0-99", 1000), part(0, 100));
        assert_eq!(byte_range("bytes=990-", 1000), part(990, 10));
        assert_eq!(byte_range("bytes=990-5000", 1000), part(990, 10));
        assert_eq!(byte_range("bytes=-10", 1000), part(990, 10));
        assert_eq!(byte_range("bytes=-5000", 1000), part(0, 1000));
        assert_eq!(byte_range("BYTES = 5-5", 1000), part(5, 1));
        assert_eq!(byte_range("bytes=1000-", 1000), ByteRange::Unsatisfiable);
        assert_eq!(byte_range("bytes=-0", 1000), ByteRange::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-", 0), ByteRange::Unsatisfiable);
        assert_eq!(
            byte_range("bytes=99999999999999999999999-", 10),
            ByteRange::Unsatisfiable
        );
        for ignored in [
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes",
            "bytes=-",
            "bytes=1-2-3",
            "",
        ] {
            assert_eq!(byte_range(ignored, 1000), ByteRange::Whole, "{ignored}");
        }
    }

    #[test]
    fn if_range_needs_a_strong_match() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert!(if_range_holds("\"abc\"", "\"abc\"", t));
        assert!(!if_range_holds("W/\"abc\"", "\"abc\"", t));
        assert!(!if_range_holds("\"abd\"", "\"abc\"", t));
        assert!(if_range_holds(&http_date(t), "\"abc\"", t));
        assert!(!if_range_holds(
            "Mon, 01 Jan 2001 00:00:00 GMT",
            "\"abc\"",
            t
        ));
        assert!(!if_range_holds("yesterday", "\"abc\"", t));
    }

    /// Black-box audit D9: the obsolete forms got 200 where RFC 9110 §5.6.7 wants them read.
    #[test]
    fn all_three_http_date_forms_are_read() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_103_245);
        assert_eq!(http_date(t), "Tue, 01 Dec 2026 05:34:05 GMT");
        for form in [
            "Tue, 01 Dec 2026 05:34:05 GMT",
            "Tuesday, 01-Dec-26 05:34:05 GMT",
            "Tue Dec  1 05:34:05 2026",
            " Tue Dec 1 05:34:05 2026 ",
        ] {
            assert_eq!(parse_http_date_in(form, 2026), Some(t), "{form}");
        }
        assert_eq!(parse_http_date("Tuesday, 01-Dec-26 05:34:05 GMT"), Some(t));
        for not_a_date in [
            "",
            "yesterday",
            "Tuesday, 01-Dec-26 05:34:05",
            "Tue Dec 32 05:34:05 2026",
            "Tue Dec  1 05:34:05",
        ] {
            assert_eq!(parse_http_date_in(not_a_date, 2026), None, "{not_a_date:?}");
        }
    }

    #[test]
    fn a_two_digit_year_is_never_more_than_50_years_ahead() {
        let year = |s: &str, this_year| {
            let t = parse_http_date_in(s, this_year).unwrap();
            DateTime::<Utc>::from(t).year()
        };
        assert_eq!(year("Sunday, 06-Nov-94 08:49:37 GMT", 2026), 1994);
        assert_eq!(year("Friday, 06-Nov-76 08:49:37 GMT", 2026), 2076);
        assert_eq!(year("Sunday, 06-Nov-77 08:49:37 GMT", 2026), 1977);
        assert_eq!(year("Wednesday, 06-Nov-26 08:49:37 GMT", 2099), 2126);
        assert_eq!(year("Friday, 06-Nov-26 08:49:37 GMT", 2026), 2026);
    }

    #[test]
    fn log_time_is_the_common_log_format() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(971_186_136);
        assert_eq!(log_time(t), "10/Oct/2000:13:55:36 +0000");
    }
}
