//! The HTTP client: blocking reqwest over rustls (ring provider, no OpenSSL); a WebDAV PUT
//! goes through reqwest's async client instead ([`super::webdav_put`] says why).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::{self, HeaderMap};

use super::target::{Failure, FailureKind};
use crate::error::{Error, Result};

/// How much of an error page is quoted back to the user.
const ANSWER_EXCERPT: usize = 200;

/// How long an error page may take to arrive; it only adds detail to a failure already known.
pub(super) const ERROR_PAGE_DEADLINE: Duration = Duration::from_secs(10);

/// A client with the given timeout. Installing the TLS provider is idempotent.
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    // A Referer would hand the URL given, with any token in its query, to where a redirect
    // leads.
    builder(timeout)
        .referer(false)
        .build()
        .map_err(|e| Error::Fetch(format!("cannot set up the HTTP client: {e}")))
}

/// A client for uploads and hub pings: it never follows redirects, so a PUT (and its
/// credentials) is never re-sent somewhere the config did not name; a redirect is reported.
pub fn upload_client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    builder(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Publish(format!("cannot set up the HTTP client: {e}")))
}

/// A URL without its user and password, for messages; one that does not parse loses them too.
pub use super::config::shown_url as redact;
pub use crate::net::builder;

/// GETs `url` as text; any non-2xx answer is an error naming the URL, the status and, after
/// redirects, where they led. The body is read up to [`crate::net::FEED_CAP`], and `timeout`
/// bounds the whole exchange.
pub fn get_text(url: &str, timeout: Duration) -> Result<String> {
    let shown = redact(url);
    // Where redirects led, when somewhere else: the answer is that URL's. (reqwest moves a
    // user and password out of the URL it reports, so the two are compared as shown.)
    let moved = |to: Option<&url::Url>| match to {
        Some(to) if redact(to.as_str()) != shown => {
            format!(" (redirected to {})", crate::net::redirect_shown(to))
        }
        _ => String::new(),
    };
    let response = client(timeout)?.get(url).send().map_err(|e| {
        let at = moved(e.url());
        let (why, hint) = fetch_failure(&e, timeout);
        Error::Fetch(format!("GET {shown}{at} failed: {why}; {hint}"))
    })?;
    let at = moved(Some(response.url()));
    let status = response.status();
    if !status.is_success() {
        return Err(Error::Fetch(format!(
            "GET {shown}{at} answered {}: check that the URL names the published feed",
            status_text(status)
        )));
    }
    let bytes = crate::net::read_bounded(response, crate::net::FEED_CAP, timeout)
        .map_err(|e| Error::Fetch(format!("GET {shown}{at}: {}", e.describe())))?;
    crate::feed::read::decode_feed(&bytes)
        .map_err(|e| Error::Identity(format!("{shown}{at} is not a feed: {e}")))
}

/// Why a GET of a published feed got no answer, and what to check.
fn fetch_failure(e: &reqwest::Error, timeout: Duration) -> (String, &'static str) {
    if e.is_timeout() {
        return (
            format!("no answer within {} s", timeout.as_secs()),
            "check that the server is up, or retry later",
        );
    }
    let why = causes(e).unwrap_or_else(|| "the request could not be sent".into());
    let hint = if e.is_connect() {
        "check the host name and port in the URL, and that the server is running"
    } else if e.is_redirect() {
        "the redirects do not end (a loop?): give the feed's final address"
    } else if e.is_builder() {
        "check the URL: it must be a whole http:// or https:// address"
    } else {
        "check the URL, the network, and any proxy in between"
    };
    (why, hint)
}

/// What happened under reqwest's own text (see [`crate::net::error_causes`]), the causes
/// joined; `None` when there is none.
fn causes(e: &reqwest::Error) -> Option<String> {
    let causes = crate::net::error_causes(e);
    (!causes.is_empty()).then(|| causes.join(": "))
}

/// A [`Failure`] for a request that got no answer. `what` is method and URL (no credentials).
pub fn transport_failure(what: &str, e: &reqwest::Error) -> Failure {
    let kind = if e.is_timeout() {
        FailureKind::Timeout
    } else if e.is_connect() {
        FailureKind::Connect
    } else {
        FailureKind::Transport
    };
    let answer = match kind {
        FailureKind::Timeout => "no answer within the timeout".to_string(),
        _ => causes(e).unwrap_or_else(|| e.to_string()),
    };
    Failure {
        kind,
        request: what.to_string(),
        answer,
        retry_after: None,
    }
}

/// A [`Failure`] for a non-success answer: status, redirect target, `Retry-After`, and the
/// start of the body (error pages often say what is wrong). `mask` hides the secret in the
/// server's text as received, before it is shortened or reflowed.
pub fn status_failure(what: &str, response: Response, mask: &dyn Fn(&str) -> String) -> Failure {
    let status = response.status();
    let headers = response.headers().clone();
    let body = crate::net::read_prefix(response, crate::net::ERROR_PAGE_CAP, ERROR_PAGE_DEADLINE);
    answer_failure(what, status, &headers, &body, mask)
}

/// [`status_failure`] for an answer already read: its status, headers and the start of its
/// body.
/// A `Location` as a message shows it: as [`crate::net::redirect_shown`] shows a redirect's
/// URL (no userinfo, no query that may be a token or signature), a relative one too.
fn location_shown(location: &str) -> String {
    if let Ok(url) = url::Url::parse(location) {
        return crate::net::redirect_shown(&url);
    }
    let bare = location.split(['?', '#']).next().unwrap_or_default();
    let bare: Vec<&str> = bare
        .split('/')
        .map(|s| s.split(';').next().unwrap_or(s))
        .collect();
    let bare = bare.join("/");
    if bare.len() < location.len() {
        format!("{}?…", redact(&bare))
    } else {
        redact(location)
    }
}

pub fn answer_failure(
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    mask: &dyn Fn(&str) -> String,
) -> Failure {
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::retry::parse_retry_after(v, chrono::Utc::now()));
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| format!(" (to {})", location_shown(&mask(l))));
    let body = mask(&String::from_utf8_lossy(body));
    let body: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut answer = status_text(status);
    answer.push_str(location.as_deref().unwrap_or(""));
    if !body.is_empty() {
        let excerpt: String = body.chars().take(ANSWER_EXCERPT).collect();
        let more = if body.chars().count() > ANSWER_EXCERPT {
            "…"
        } else {
            ""
        };
        answer.push_str(&format!(" \"{excerpt}{more}\""));
    }
    Failure {
        kind: FailureKind::Status(status.as_u16()),
        request: what.to_string(),
        answer,
        retry_after,
    }
}

/// `201 Created`, or the bare code for statuses without a standard reason.
pub fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The response's ETag if it is strong: `If-Match` uses strong comparison, so a weak one
/// would make every later update fail with 412.
pub fn strong_etag(headers: &HeaderMap) -> Option<String> {
    let etag = headers.get(header::ETAG)?.to_str().ok()?.trim();
    (etag.starts_with('"') && etag.len() >= 2).then(|| etag.to_string())
}

/// The response's `Last-Modified`, when it is an HTTP-date: the validator an update falls
/// back on (`If-Unmodified-Since`) when the server gives no strong ETag.
pub fn last_modified(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::LAST_MODIFIED)?.to_str().ok()?.trim();
    chrono::DateTime::parse_from_rfc2822(value)
        .is_ok()
        .then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit: a hub's `307` to `…/hub?token=SECRET` was printed whole; doctor and the guard
    /// show a redirect without its query.
    #[test]
    fn a_redirect_s_query_is_not_shown() {
        let mut headers = HeaderMap::new();
        let failure = |headers: &HeaderMap| {
            answer_failure(
                "POST hub",
                StatusCode::TEMPORARY_REDIRECT,
                headers,
                b"",
                &|s| s.to_string(),
            )
            .answer
        };
        for (location, shown) in [
            (
                "http://127.0.0.1:9301/hub?token=REDIRSECRET",
                "http://127.0.0.1:9301/hub?…",
            ),
            (
                "https://u:pw@h.example/a;jsessionid=S/b#k",
                "https://h.example/a/b?…",
            ),
            ("/hub?token=REDIRSECRET", "/hub?…"),
            ("/plain/path", "/plain/path"),
        ] {
            headers.insert(header::LOCATION, location.parse().unwrap());
            assert_eq!(
                failure(&headers),
                format!("307 Temporary Redirect (to {shown})")
            );
        }
    }
}
