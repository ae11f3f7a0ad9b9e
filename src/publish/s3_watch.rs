//! What the S3 target needs from each answer that `object_store`'s errors do not carry: the
//! status, the `Retry-After` and the start of an error page (S3 says `<Code>SlowDown</Code>`
//! or `SignatureDoesNotMatch` there). A thin [`HttpService`] around object_store's own reqwest
//! client notes them for the request in flight; nothing else is changed, and nothing of the
//! request (its signature) is kept.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
    HttpResponseBody, HttpService, ReqwestConnector,
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

/// Makes object_store's reqwest client, wrapped.
#[derive(Debug)]
pub(super) struct Connector {
    pub seen: Shared,
}

impl HttpConnector for Connector {
    fn connect(&self, options: &object_store::ClientOptions) -> object_store::Result<HttpClient> {
        let inner = ReqwestConnector::default().connect(options)?;
        Ok(HttpClient::new(Watch {
            inner,
            seen: self.seen.clone(),
        }))
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
            return Ok(response);
        }
        let short = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_none_or(|n| n <= ERROR_PAGE_CAP);
        let (parts, body) = response.into_parts();
        let bytes = if short {
            body.bytes().await.unwrap_or_default()
        } else {
            Default::default()
        };
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

/// `Code: Message` from an S3 error page, or its start when it is not one.
pub(super) fn describe_error_page(body: &str) -> String {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].trim().to_string())
    };
    match (tag("Code"), tag("Message")) {
        (Some(code), Some(message)) if !message.is_empty() => format!("{code}: {message}"),
        (Some(code), _) => code,
        _ => {
            let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
            flat.chars().take(200).collect()
        }
    }
}

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
}
