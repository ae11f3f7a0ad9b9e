//! The questions `doctor` asks one URL: a HEAD request, following at most a few redirects by
//! hand so the chain can be counted, then a `Range: bytes=0-1` GET on where it ended. Bodies
//! are never read: a server that ignores the range would send the whole file.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{self, HeaderMap};
use url::Url;

use crate::net::redact;

/// Redirects a podcast app follows without complaint; Apple asks for few.
const MAX_REDIRECTS: usize = 3;

/// How far a chain is followed before giving up, to name its length.
const GIVE_UP_AFTER: usize = 10;

/// What the feed says a URL is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// An enclosure: its `length` (bytes) and `type`.
    Audio { length: Option<u64>, mime: String },
    /// Cover or episode art: a JPEG or PNG.
    Art,
}

/// Every problem with `url`, each a sentence that says how to fix it; empty when all is well.
pub fn check(url: &str, expect: &Expect, timeout: Duration) -> Vec<String> {
    let client = match crate::net::builder(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => return vec![format!("cannot set up the HTTP client: {e}")],
    };
    let Ok(start) = Url::parse(url) else {
        return vec!["is not a URL: rebuild the feed".into()];
    };
    let mut problems = Vec::new();
    let (head, at) = match follow(&client, start.clone(), &mut problems) {
        Ok(found) => found,
        Err(problem) => {
            problems.push(problem);
            return problems;
        }
    };
    problems.extend(head_problems(&head, expect));
    // Content-Range repeats the length; it is compared unless HEAD stated another one (that
    // mismatch is said already).
    let expect_total = match expect {
        Expect::Audio { length, .. }
            if content_length(head.headers()).is_none_or(|got| Some(got) == *length) =>
        {
            *length
        }
        _ => None,
    };
    if let Err(problem) = ranged(&client, (&at, &shown_url(&at, &start)), expect_total) {
        problems.push(problem);
    }
    problems
}

/// HEAD `url`, following redirects; the final answer and where it came from. A chain longer
/// than [`MAX_REDIRECTS`] is a problem, but is followed on so the file itself is checked.
fn follow(
    client: &Client,
    mut url: Url,
    problems: &mut Vec<String>,
) -> Result<(Response, Url), String> {
    let first = url.clone();
    for hops in 0..=GIVE_UP_AFTER {
        let response = client
            .head(url.clone())
            .send()
            .map_err(|e| failed("HEAD", &shown_url(&url, &first), &e))?;
        let status = response.status();
        if !status.is_redirection() {
            if hops > MAX_REDIRECTS {
                problems.push(format!(
                    "redirects {hops} times before the file (more than {MAX_REDIRECTS}): some podcast apps give up; link the final URL ({}) or shorten the chain",
                    shown_url(&url, &first)
                ));
            }
            if matches!(status.as_u16(), 405 | 501) {
                return Err(format!(
                    "HEAD {} answered {status}: the server refuses HEAD requests, which podcast apps and directories use to check a file before they fetch it; allow HEAD on the server",
                    shown_url(&url, &first)
                ));
            }
            if !status.is_success() {
                return Err(format!(
                    "HEAD {} answered {status}: the file is not there or not public; check the URL and the server",
                    shown_url(&url, &first)
                ));
            }
            return Ok((response, url));
        }
        if status == StatusCode::NOT_MODIFIED {
            return Err(format!(
                "HEAD {} answered 304 Not Modified to a request that set no condition: the server (or a cache in front of it) is wrong; fix it to answer 200",
                shown_url(&url, &first)
            ));
        }
        let next = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .ok_or_else(|| {
                format!(
                    "HEAD {} answered {status} without a usable Location: fix the redirect on the server",
                    shown_url(&url, &first)
                )
            })?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(format!(
                "redirects to {}, which podcast apps cannot fetch: fix the redirect on the server to point to an http(s) URL",
                shown_url(&next, &first)
            ));
        }
        url = next;
    }
    Err(format!(
        "redirects more than {GIVE_UP_AFTER} times (a loop?): fix the redirects on the server"
    ))
}

/// `url` as a message shows it: without a user or password, and, when a redirect led there,
/// without its query, which a server may have signed (`X-Amz-Signature=…`, a token that opens
/// the file to anyone until it expires). The feed's own URL is public and shown whole.
fn shown_url(url: &Url, first: &Url) -> String {
    if url == first {
        return redact(url.as_str());
    }
    crate::net::redirect_shown(url)
}

fn failed(method: &str, url: &str, e: &reqwest::Error) -> String {
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else {
        // reqwest's own text names the URL with any password; show only the deepest cause
        // (a DNS or connection error), which says what is wrong.
        crate::net::error_causes(e)
            .pop()
            .map_or_else(|| "failed".to_string(), |c| format!("failed: {c}"))
    };
    format!("{method} {url} {why}: check that the server is up and the URL is right")
}

/// What the HEAD answer's headers say against what the feed says.
fn head_problems(head: &Response, expect: &Expect) -> Vec<String> {
    let headers = head.headers();
    let mut v = Vec::new();
    let served = content_type(headers);
    match expect {
        Expect::Audio { length, mime } => {
            if let (Some(want), Some(got)) = (length, content_length(headers))
                && *want != got
            {
                v.push(format!(
                    "is {got} bytes (Content-Length) but the feed's enclosure says length=\"{want}\": rebuild the feed (set `audio_length` to {got}, or let feedwright measure the file)"
                ));
            }
            if served.as_deref() != Some(mime.to_ascii_lowercase().as_str()) {
                v.push(format!(
                    "is served as {} but the enclosure says `{mime}`: configure the server to send Content-Type: {mime}",
                    shown(served.as_deref())
                ));
            }
        }
        Expect::Art => {
            if !matches!(served.as_deref(), Some("image/jpeg" | "image/png")) {
                v.push(format!(
                    "is served as {}; Apple accepts only image/jpeg and image/png artwork: serve a JPEG or PNG with that Content-Type",
                    shown(served.as_deref())
                ));
            }
        }
    }
    let modified = headers
        .get(header::LAST_MODIFIED)
        .map(|v| v.to_str().ok().filter(|d| is_http_date(d)));
    if let Some(None) = modified {
        v.push(
            "is served with a Last-Modified that is not an HTTP date: apps cannot use it; fix the server (or send an ETag)".into(),
        );
    }
    if !headers.contains_key(header::ETAG) && modified.is_none() {
        v.push(
            "is served without ETag or Last-Modified: apps cannot check cheaply whether it changed; turn either on in the server".into(),
        );
    }
    v
}

/// An HTTP date (RFC 9110 §5.6.7): servers send the IMF-fixdate form, which RFC 2822 reads.
fn is_http_date(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc2822(text.trim()).is_ok()
}

/// A `Range: bytes=0-1` GET: the answer must be 206 with those two bytes. The body is left
/// unread and the connection dropped.
fn ranged(client: &Client, (url, said): (&Url, &str), length: Option<u64>) -> Result<(), String> {
    let response = client
        .get(url.clone())
        .header(header::RANGE, "bytes=0-1")
        .send()
        .map_err(|e| failed("GET", said, &e))?;
    let status = response.status();
    if status != StatusCode::PARTIAL_CONTENT {
        return Err(format!(
            "answers a `Range: bytes=0-1` request with {status}, not 206 Partial Content: Apple Podcasts needs byte ranges to play and seek; turn on range requests in the server"
        ));
    }
    let total = response
        .headers()
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit_once('/'))
        .and_then(|(_, n)| n.trim().parse::<u64>().ok());
    match (length, total) {
        (Some(want), Some(got)) if want != got => Err(format!(
            "is {got} bytes (Content-Range) but the feed's enclosure says length=\"{want}\": rebuild the feed"
        )),
        _ => Ok(()),
    }
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(raw.split(';').next()?.trim().to_ascii_lowercase())
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn shown(mime: Option<&str>) -> String {
    mime.map_or_else(|| "no Content-Type".into(), |m| format!("`{m}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A server on 127.0.0.1 that answers its connections, one each, with `answers` in order.
    fn server(answers: &[&str]) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answers: Vec<String> = answers.iter().map(|a| a.to_string()).collect();
        std::thread::spawn(move || {
            for (answer, stream) in answers.into_iter().zip(listener.incoming()) {
                let mut stream = stream.unwrap();
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        url
    }

    fn audio(length: u64) -> Expect {
        Expect::Audio {
            length: Some(length),
            mime: "audio/mpeg".into(),
        }
    }

    const CLOSE: &str = "Content-Length: 0\r\nConnection: close\r\n\r\n";

    /// Audit: a HEAD refused with 405 was said to be a file that is not there; a 304 to a
    /// request without a condition was taken for a redirect without a Location.
    #[test]
    fn a_refused_head_and_an_unasked_304_are_named_for_what_they_are() {
        let url = server(&[&format!(
            "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n{CLOSE}"
        )]);
        let found = check(&format!("{url}/a.mp3"), &audio(5), Duration::from_secs(5));
        assert_eq!(
            found,
            [format!(
                "HEAD {url}/a.mp3 answered 405 Method Not Allowed: the server refuses HEAD requests, which podcast apps and directories use to check a file before they fetch it; allow HEAD on the server"
            )]
        );
        let url = server(&[&format!("HTTP/1.1 304 Not Modified\r\n{CLOSE}")]);
        let found = check(&format!("{url}/a.mp3"), &audio(5), Duration::from_secs(5));
        assert_eq!(
            found,
            [format!(
                "HEAD {url}/a.mp3 answered 304 Not Modified to a request that set no condition: the server (or a cache in front of it) is wrong; fix it to answer 200"
            )]
        );
    }

    /// Audit: a range answer whose total contradicts both HEAD and the feed was not said; a
    /// Last-Modified that is no date passed for a validator.
    #[test]
    fn a_range_total_that_disagrees_and_a_garbage_date_are_said() {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 1000\r\nLast-Modified: garbage\r\nConnection: close\r\n\r\n";
        let range = "HTTP/1.1 206 Partial Content\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 0-1/5\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab";
        let url = server(&[head, range]);
        let found = check(
            &format!("{url}/a.mp3"),
            &audio(1000),
            Duration::from_secs(5),
        );
        assert_eq!(
            found,
            [
                "is served with a Last-Modified that is not an HTTP date: apps cannot use it; fix the server (or send an ETag)",
                "is 5 bytes (Content-Range) but the feed's enclosure says length=\"1000\": rebuild the feed",
            ]
        );
        assert!(is_http_date("Sun, 06 Nov 1994 08:49:37 GMT"));
    }

    /// A redirect's query, fragment and path parameters (`;jsessionid=`) may open the file to
    /// anyone: none is shown. The feed's own URL is public and shown whole.
    #[test]
    fn a_redirect_target_is_shown_without_what_may_be_a_secret() {
        let first = Url::parse("https://cdn.example/a.mp3?public=1").unwrap();
        let to =
            Url::parse("https://s.example/f;jsessionid=SECRET/a.mp3;v=SECRET?sig=SECRET#SECRET")
                .unwrap();
        assert_eq!(shown_url(&to, &first), "https://s.example/f/a.mp3?…");
        assert_eq!(
            shown_url(&first, &first),
            "https://cdn.example/a.mp3?public=1"
        );
        let plain = Url::parse("https://s.example/a.mp3").unwrap();
        assert_eq!(shown_url(&plain, &first), "https://s.example/a.mp3");
    }
}
