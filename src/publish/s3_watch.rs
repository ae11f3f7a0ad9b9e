//! What the S3 target needs from each answer that `object_store`'s errors do not carry: the
//! status, the `Retry-After` and the start of an error page (S3 says `<Code>SlowDown</Code>`
//! or `SignatureDoesNotMatch` there). A thin [`HttpService`] around object_store's own reqwest
//! client notes them for the request in flight; nothing else is changed, and nothing of the
//! request (its signature) is kept.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
    HttpResponseBody, HttpService,
};

/// Error pages longer than this are not read (S3's are a few hundred bytes).
const ERROR_PAGE_CAP: u64 = 64 * 1024;

/// The last answer (or transport failure) of the current operation.
#[derive(Debug, Default, Clone)]
pub(super) struct Seen {
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
    /// The error page, for a non-success status.
    pub body: String,
    /// Set when no answer came.
    pub transport: Option<HttpErrorKind>,
}

pub(super) type Shared = Arc<Mutex<Seen>>;

/// Takes what was seen, leaving it empty for the next operation.
pub(super) fn take(seen: &Shared) -> Seen {
    seen.lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default()
}

/// Makes the reqwest client object_store sends with, wrapped: feedwright's own, which follows
/// no redirect (object_store's followed them to any host, with the session token, which is
/// a header of its own that reqwest does not drop) and sends no `Referer`.
#[derive(Debug)]
pub(super) struct Connector {
    pub seen: Shared,
    pub timeout: Duration,
    /// Plain http allowed (a local endpoint); https only otherwise.
    pub allow_http: bool,
}

impl HttpConnector for Connector {
    fn connect(&self, _: &object_store::ClientOptions) -> object_store::Result<HttpClient> {
        let client = crate::net::async_builder(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .https_only(!self.allow_http)
            .build()
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?;
        Ok(HttpClient::new(Watch {
            inner: HttpClient::new(client),
            seen: self.seen.clone(),
        }))
    }
}

/// The most of a successful answer read: a GET's is an object, which a feed never outweighs
/// ([`crate::net::FEED_CAP`]); the others are S3's XML of a few KB. A body past this is an
/// error (one that never ended took gigabytes).
fn answer_cap(method: &http::Method) -> usize {
    if method == http::Method::GET {
        usize::try_from(crate::net::FEED_CAP).unwrap_or(usize::MAX) + 1
    } else {
        1 << 20
    }
}

#[derive(Debug)]
struct Watch {
    inner: HttpClient,
    seen: Shared,
}

impl Watch {
    fn note(&self, f: impl FnOnce(&mut Seen)) {
        if let Ok(mut s) = self.seen.lock() {
            f(&mut s);
        }
    }
}

#[async_trait::async_trait]
impl HttpService for Watch {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let cap = answer_cap(req.method());
        let response = match self.inner.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                self.note(|s| {
                    *s = Seen {
                        transport: Some(e.kind()),
                        ..Seen::default()
                    }
                });
                return Err(e);
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| super::retry::parse_retry_after(v, chrono::Utc::now()));
        if status.is_success() || status.as_u16() == 304 {
            self.note(|s| {
                *s = Seen {
                    status: Some(status.as_u16()),
                    ..Seen::default()
                }
            });
            let (parts, body) = response.into_parts();
            let limited =
                http_body_util::BodyExt::map_err(http_body_util::Limited::new(body, cap), |e| {
                    HttpError::new_boxed(HttpErrorKind::Decode, e)
                });
            return Ok(HttpResponse::from_parts(
                parts,
                HttpResponseBody::new(limited),
            ));
        }
        let (parts, body) = response.into_parts();
        let bytes = error_page(body).await;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.note(|s| {
            *s = Seen {
                status: Some(status.as_u16()),
                retry_after,
                body: text,
                transport: None,
            }
        });
        Ok(HttpResponse::from_parts(
            parts,
            HttpResponseBody::from(bytes),
        ))
    }
}

/// The start of an error page, never more than [`ERROR_PAGE_CAP`] bytes whatever its
/// Content-Length says: a page sent in chunks has none, and may never end.
async fn error_page(body: HttpResponseBody) -> Vec<u8> {
    let mut stream = body.bytes_stream();
    let mut page = Vec::new();
    while let Some(Ok(chunk)) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        let room = usize::try_from(ERROR_PAGE_CAP).unwrap_or(usize::MAX) - page.len();
        page.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if page.len() as u64 >= ERROR_PAGE_CAP {
            break;
        }
    }
    page
}

/// `Code: Message` from an S3 error page, or its start when it is not one.
pub(super) fn describe_error_page(body: &str) -> String {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].trim().to_string())
    };
    let text = match (tag("Code"), tag("Message")) {
        (Some(code), Some(message)) if !message.is_empty() => format!("{code}: {message}"),
        (Some(code), _) => code,
        _ => body.to_string(),
    };
    // The server's words go to a terminal: one line, no escape sequences, not a page long.
    let flat = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    flat.chars().take(SHOWN_CHARS).collect()
}

/// How much of a server's error text a message shows.
const SHOWN_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_error_page_becomes_code_and_message() {
        let page = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>1</RequestId></Error>";
        assert_eq!(
            describe_error_page(page),
            "SlowDown: Please reduce your request rate."
        );
        assert_eq!(describe_error_page("<Error><Code>X</Code></Error>"), "X");
        assert_eq!(describe_error_page(" bad\n gateway "), "bad gateway");
    }

    #[test]
    fn server_text_is_one_short_line_without_escapes() {
        let page = format!(
            "<Error><Code>X\u{1b}[2J</Code><Message>a\r\nb\u{7}{}</Message></Error>",
            "m".repeat(10_000)
        );
        let shown = describe_error_page(&page);
        assert!(shown.starts_with("X [2J: a b m"), "{shown}");
        assert_eq!(shown.chars().count(), SHOWN_CHARS);
        assert!(!shown.chars().any(char::is_control));
    }
}
