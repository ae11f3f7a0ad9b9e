//! The WebDAV `PUT` exchange itself, on reqwest's async client in a small current-thread
//! runtime of its own. The blocking client hands over the whole body before it looks at the
//! answer, so a server that answers `201 Created` right after the headers (and never reads
//! the file) either looked like a stored upload (a body sent from memory) or held the run for
//! the whole timeout (a body streamed from disk). Here the answer is seen the moment it
//! arrives, and compared with how much of the body the client had taken by then
//! ([`super::webdav_body::Streamed`]): a 2xx before the whole file is a failed upload.
//!
//! This module sends one request and reads at most the start of an error page; it never
//! retries, never prints, and puts no credential into what it returns.

use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::target::{Failure, FailureKind};
use super::webdav_body::Streamed;
use crate::error::{Error, Result};

/// The runtime and client that send PUTs.
pub(super) struct Putter {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

/// A server's answer to a PUT: what [`super::webdav::WebDav`] needs of it.
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The start of an error page (empty for a success): only ever quoted in a failure.
    pub body: Vec<u8>,
}

impl Putter {
    /// Like [`super::http::upload_client`]: never follows a redirect, so a PUT and its
    /// credentials go only where the config says.
    pub(super) fn new(timeout: Duration) -> Result<Putter> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Publish(format!("cannot start the upload client's runtime: {e}"))
            })?;
        let client = crate::net::async_builder(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Publish(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Putter { runtime, client })
    }

    /// A request to build on (method, URL, headers, credentials).
    pub(super) fn request(&self, url: &url::Url) -> reqwest::RequestBuilder {
        self.client.put(url.clone())
    }

    /// Sends `request` with `body` (`len` bytes); `what` is method and URL, for failures.
    pub(super) fn send(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
        body: Box<dyn std::io::Read + Send + Sync>,
        len: u64,
    ) -> std::result::Result<Answer, Failure> {
        let (body, taken) = Streamed::new(body, len);
        let request = request.body(reqwest::Body::wrap(body));
        self.runtime.block_on(async {
            let response = request
                .send()
                .await
                .map_err(|e| super::http::transport_failure(what, &e))?;
            let status = response.status();
            let headers = response.headers().clone();
            let taken = taken.load(Ordering::SeqCst);
            if status.is_success() && taken < len {
                // Dropping the response drops the connection and the rest of the body.
                return Err(early(what, status, taken, len));
            }
            let body = if status.is_success() {
                Vec::new()
            } else {
                error_page(response).await
            };
            Ok(Answer {
                status,
                headers,
                body,
            })
        })
    }
}

/// The failure for a 2xx that came before the whole body was taken: the server cannot have
/// stored the file, whatever it says.
fn early(what: &str, status: StatusCode, taken: u64, len: u64) -> Failure {
    Failure {
        kind: FailureKind::Early,
        request: what.to_string(),
        answer: format!(
            "{} before it had the whole file (it had been sent {taken} of {len} bytes)",
            super::http::status_text(status)
        ),
        retry_after: None,
    }
}

/// The start of an error page: up to [`crate::net::ERROR_PAGE_CAP`], for as long as
/// [`super::http::ERROR_PAGE_DEADLINE`]; it only adds detail to a failure already known.
async fn error_page(mut response: reqwest::Response) -> Vec<u8> {
    let cap = usize::try_from(crate::net::ERROR_PAGE_CAP).unwrap_or(usize::MAX);
    let mut page = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = response.chunk().await {
            page.extend_from_slice(&chunk);
            if page.len() >= cap {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(super::http::ERROR_PAGE_DEADLINE, read).await;
    page.truncate(cap);
    page
}
