//! HTTP client settings shared by every stage that talks to a server: the media stage's
//! length probe (a HEAD request) and publishing. One place sets the TLS provider, timeouts and
//! the user agent, and removes credentials from URLs shown in messages. Nothing here knows
//! what is sent or why.

use std::io::Read;
use std::time::{Duration, Instant};

use url::Url;

/// The most a published feed may weigh when feedwright reads it back: far above any real
/// feed, far below what would exhaust memory.
pub const FEED_CAP: u64 = 16 * 1024 * 1024;

/// The most of an error page that is read; only its start is ever shown.
pub const ERROR_PAGE_CAP: u64 = 64 * 1024;

/// Why reading a response body stopped before its end.
#[derive(Debug)]
pub enum BodyError {
    /// The body is longer than the cap, in bytes.
    TooLarge(u64),
    /// The body was still arriving when the overall deadline passed.
    Deadline(Duration),
    /// The connection broke while reading.
    Read(std::io::Error),
}

impl BodyError {
    /// The problem, for a message that already names the request (`GET <url>`).
    pub fn describe(&self) -> String {
        match self {
            BodyError::TooLarge(cap) => format!(
                "the answer is larger than {}, the most feedwright reads; check that the URL names a feed",
                size_text(*cap)
            ),
            BodyError::Deadline(d) => format!(
                "the answer was still arriving after {} s and was abandoned; check the server, or retry later",
                d.as_secs()
            ),
            BodyError::Read(e) => format!("reading the answer failed: {e}"),
        }
    }
}

/// Reads `body` to its end, but never more than `cap` bytes and never for longer than
/// `deadline` in all: a per-read timeout alone lets a server that sends one byte at a time
/// hold a run forever. One read may still block for the client's own timeout past the deadline.
pub fn read_bounded(body: impl Read, cap: u64, deadline: Duration) -> Result<Vec<u8>, BodyError> {
    match read_until(body, cap, deadline) {
        (bytes, None) => Ok(bytes),
        (_, Some(e)) => Err(e),
    }
}

/// What arrives of `body` within `cap` bytes and `deadline`, and nothing more: for error
/// pages, whose start is all that is shown.
pub fn read_prefix(body: impl Read, cap: u64, deadline: Duration) -> Vec<u8> {
    read_whole_prefix(body, cap, deadline).0
}

/// [`read_prefix`], and whether its time ran out before `cap` bytes or the answer's end (a
/// server that stalls or trickles): what came is then not what the server means to send. (One
/// that closes the connection early sent what it had.)
pub fn read_whole_prefix(body: impl Read, cap: u64, deadline: Duration) -> (Vec<u8>, bool) {
    let (mut bytes, error) = read_until(body, cap, deadline);
    let broken = matches!(error, Some(BodyError::Deadline(_))) && (bytes.len() as u64) < cap;
    bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    (bytes, broken)
}

/// Whether a read failed because its time ran out: the client's own timeout comes wrapped, a
/// decoding error whose source timed out (it was said as "error decoding response body").
fn timed_out(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}

fn read_until(body: impl Read, cap: u64, deadline: Duration) -> (Vec<u8>, Option<BodyError>) {
    let start = Instant::now();
    let mut limited = body.take(cap.saturating_add(1));
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if start.elapsed() > deadline {
            return (out, Some(BodyError::Deadline(deadline)));
        }
        let n = match limited.read(&mut chunk) {
            Ok(0) => return (out, None),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if timed_out(&e) => return (out, Some(BodyError::Deadline(deadline))),
            Err(e) => return (out, Some(BodyError::Read(e))),
        };
        out.extend_from_slice(&chunk[..n]);
        if out.len() as u64 > cap {
            return (out, Some(BodyError::TooLarge(cap)));
        }
    }
}

/// `16 MB`, `64 KB`: caps are whole powers of 1024.
fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// A client builder with the given timeout (connect and whole request). Installing the TLS
/// provider is idempotent.
pub fn builder(timeout: Duration) -> reqwest::blocking::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("feedwright/", env!("CARGO_PKG_VERSION")))
}

/// [`builder`] for reqwest's async client (the WebDAV PUT, which must see an answer that
/// arrives before the whole body is sent): the same timeouts and user agent.
pub fn async_builder(timeout: Duration) -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("feedwright/", env!("CARGO_PKG_VERSION")))
}

/// A URL a redirect led to, as a message shows it: without a user or password, and without
/// what a server may have signed or keyed to a session (the query, `X-Amz-Signature=…`; path
/// parameters, `;jsessionid=…`; the fragment), which would open the file to anyone. `?…` marks
/// that something was left out.
pub fn redirect_shown(url: &Url) -> String {
    let params = url.path().contains(';');
    if url.query().is_none() && url.fragment().is_none() && !params {
        return redact(url.as_str());
    }
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    if params {
        let path: Vec<&str> = url
            .path()
            .split('/')
            .map(|s| s.split(';').next().unwrap_or(s))
            .collect();
        bare.set_path(&path.join("/"));
    }
    format!("{}?…", redact(bare.as_str()))
}

/// `url` with any user name and password removed, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        // What the parser gives up on (`https://bob:pw@[bad/`) loses its userinfo by its text.
        Err(_) => without_userinfo(url),
    }
}

/// `text` (a message that may quote a value, such as a parser's `invalid type: string "…"`)
/// with the userinfo of every `scheme://userinfo@host` in it masked as [`without_userinfo`]
/// masks it: a token alone, or a user name and password.
pub fn redact_in_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends where a URL's path, query or fragment starts, or the quoting does
        // (not at `'`, which a password may hold: RFC 3986's sub-delims).
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '`' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(last) => {
                let shown = match authority[..last].split_once(':') {
                    Some((user, _)) => format!("{user}:***"),
                    None => "***".to_string(),
                };
                out.push_str(&shown);
                out.push_str(&authority[last..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `url` with what stands before its last `@` (after the scheme) taken for the userinfo.
pub fn without_userinfo(url: &str) -> String {
    // The last `@` ends the userinfo, as in the URL standard: a password may hold `@` or `/`.
    let Some(at) = url.rfind('@') else {
        return url.to_string();
    };
    let start = url[..at].find("://").map_or(0, |i| i + 3);
    let shown = match url[start..at].split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        // A lone name may be a token (`https://TOKEN@host`).
        None => "***".to_string(),
    };
    format!("{}{shown}{}", &url[..start], &url[at..])
}

/// Why a HEAD request got no answer, in words that say what to check (reqwest's own, "error
/// following redirect for url", named no loop).
fn head_failed(shown: &str, e: &reqwest::Error) -> String {
    if e.is_redirect() {
        format!(
            "HEAD {shown} was redirected too many times (a redirect loop?); check the URL in a browser"
        )
    } else if e.is_connect() {
        format!(
            "HEAD {shown}: no connection could be made ({e}); check the host name, or build again later"
        )
    } else {
        format!("HEAD {shown} failed: {e}; check the URL, or build again later")
    }
}

/// Learns a remote file's length with a HEAD request (see [`crate::media::Probe`]).
///
/// Each request waits at most `timeout`; once requests that timed out have cost
/// [`HeadProbe::BUDGET`] timeouts in all, no more are sent: a server that takes connections
/// and never answers held a build one timeout per episode (22 episodes, eleven minutes at the
/// default 30 s, past a cron period) with the run lock. Answers that come, however slowly,
/// cost nothing from it: a long back catalogue is learnt in one build.
#[derive(Debug, Clone)]
pub struct HeadProbe {
    pub timeout: Duration,
    /// Milliseconds waited on requests that timed out, shared by the probe's copies.
    lost: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl HeadProbe {
    /// How many timeouts one build may lose to media servers in all.
    const BUDGET: u32 = 4;

    /// A probe whose requests wait `timeout` each.
    pub fn new(timeout: Duration) -> HeadProbe {
        HeadProbe {
            timeout,
            lost: std::sync::Arc::default(),
        }
    }

    fn budget(&self) -> Duration {
        self.timeout.saturating_mul(Self::BUDGET)
    }

    /// How long the next request may wait, or why it is not sent.
    fn wait(&self, shown: &str) -> Result<Duration, String> {
        let lost = Duration::from_millis(self.lost.load(std::sync::atomic::Ordering::Relaxed));
        if lost >= self.budget() {
            return Err(format!(
                "{shown} was not asked: this build already lost {} s to media servers that did not answer in time; add `audio_length` by hand, or build again later",
                self.budget().as_secs()
            ));
        }
        Ok(self.timeout)
    }

    /// Counts `started`'s wait against the budget when the request timed out.
    fn timed_out(&self, started: Instant) {
        let waited = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.lost
            .fetch_add(waited, std::sync::atomic::Ordering::Relaxed);
    }
}

impl crate::media::Probe for HeadProbe {
    fn image_prefix(&self, url: &Url) -> Option<Vec<u8>> {
        let wait = self.wait("").ok()?;
        let started = Instant::now();
        let got = crate::measure::remote::prefix(url, wait);
        if got.is_none() && started.elapsed() >= wait {
            self.timed_out(started);
        }
        got
    }

    fn content_type(&self, url: &Url) -> Result<Option<String>, String> {
        let shown = redact(url.as_str());
        let client = builder(self.wait(&shown)?)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        let started = Instant::now();
        let response = client.head(url.clone()).send().map_err(|e| {
            if e.is_timeout() {
                self.timed_out(started);
            }
            head_failed(&shown, &e)
        })?;
        if !response.status().is_success() {
            return Err(format!("HEAD {shown} answered {}", response.status()));
        }
        Ok(response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string))
    }

    fn length(&self, url: &Url) -> Result<u64, String> {
        let shown = redact(url.as_str());
        let client = builder(self.wait(&shown)?)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        let started = Instant::now();
        let response = client.head(url.clone()).send().map_err(|e| {
            if e.is_timeout() {
                self.timed_out(started);
                format!(
                    "HEAD {shown} timed out after {} s; add `audio_length` by hand or retry later",
                    self.timeout.as_secs()
                )
            } else {
                head_failed(&shown, &e)
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "HEAD {shown} answered {status}; check the audio URL"
            ));
        }
        // A login or error page answered with 200: its length is no episode's.
        let kind = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if kind.starts_with("text/html") {
            return Err(format!(
                "HEAD {shown} answered with a web page ({kind}), not audio (a login or error page?); check the audio URL, or add `audio_length` by hand"
            ));
        }
        response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                format!(
                    "HEAD {shown} gave no Content-Length; add `audio_length` (bytes) to the episode"
                )
            })
    }
}

/// What happened under reqwest's own text (which repeats the URL, with any password): each
/// cause in turn, outermost first.
pub fn error_causes(e: &reqwest::Error) -> Vec<String> {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL the parser gives up on still loses its password.
    /// Audit: `hubs = "https://alice:HUBPW@hub.example/"` (no brackets) was quoted whole by
    /// the parser's type error.
    #[test]
    fn a_message_quoting_urls_shows_no_userinfo() {
        assert_eq!(
            redact_in_text(
                r#"`hubs`: invalid type: string "https://alice:HUBPW@hub.example/", expected a sequence"#
            ),
            r#"`hubs`: invalid type: string "https://alice:***@hub.example/", expected a sequence"#
        );
        assert_eq!(
            redact_in_text(
                "a https://TOKEN99@h.example/x and ftp://u:p@w@f.example, mail ann@films.example, http://plain.example/@x"
            ),
            "a https://***@h.example/x and ftp://u:***@f.example, mail ann@films.example, http://plain.example/@x"
        );
        // A password may hold `'`.
        assert_eq!(
            redact_in_text(r#"string "https://u:pa'PW3@x.example/", 'https://tok'PW@y.example'"#),
            r#"string "https://u:***@x.example/", 'https://***@y.example'"#
        );
    }

    #[test]
    fn redact_hides_a_password_even_in_a_url_that_does_not_parse() {
        assert_eq!(redact("https://bob:pw@x.example/a"), "https://x.example/a");
        assert_eq!(redact("https://bob:pw@[bad/"), "https://bob:***@[bad/");
        assert_eq!(redact("no url at all"), "no url at all");
    }

    /// A body that never ends, one byte per read.
    struct Trickle;

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_millis(5));
            buf[0] = b'x';
            Ok(1)
        }
    }

    #[test]
    fn bodies_stop_at_the_cap_and_the_deadline() {
        assert_eq!(
            read_bounded(&b"abcd"[..], 4, Duration::from_secs(5)).unwrap(),
            b"abcd"
        );
        let e = read_bounded(&b"abcde"[..], 4, Duration::from_secs(5)).unwrap_err();
        assert!(matches!(e, BodyError::TooLarge(4)), "{e:?}");
        let e = read_bounded(Trickle, u64::MAX, Duration::from_millis(50)).unwrap_err();
        assert!(matches!(e, BodyError::Deadline(_)), "{e:?}");
        assert_eq!(
            BodyError::TooLarge(FEED_CAP).describe(),
            "the answer is larger than 16 MB, the most feedwright reads; check that the URL names a feed"
        );
        assert_eq!(size_text(ERROR_PAGE_CAP), "64 KB");
        assert_eq!(
            read_prefix(&b"abcde"[..], 4, Duration::from_secs(5)),
            b"abcd"
        );
    }
}
