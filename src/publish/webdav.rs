//! A [`Target`] for any host that accepts WebDAV-style `PUT` (nginx's dav module, Apache
//! mod_dav, hosted WebDAV): each file is PUT to the base URL plus its name, in one request
//! carrying the whole body. A 409 (parent folder missing, RFC 4918 §9.7.1) makes the missing
//! folders with `MKCOL` and tries the PUT once more; it never retries blindly. Large files
//! are streamed from disk ([`super::webdav_body`]); the PUT itself is sent by
//! [`super::webdav_put`], which knows an answer that came before the whole body. A weak ETag
//! is not kept (`If-Match` compares strongly); the `Last-Modified` date is, for
//! `If-Unmodified-Since`. Credentials go only to the origin of the base URL, whatever a name
//! resolves to.

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, header};
use url::Url;

use super::auth::Credentials;
use super::http::{last_modified, status_text, strong_etag};
use super::target::{Condition, Failure, FailureKind, Fetched, FromDisk, Put, Stored, Target};
use super::webdav_body::CheckedFile;
use super::webdav_put::{Answer, Putter};
use crate::error::Result;

/// A PUT's body as the HTTP client reads it.
type Reader = Box<dyn std::io::Read + Send + Sync>;

pub struct WebDav {
    client: Client,
    /// PUTs go through this one ([`super::webdav_put`] says why).
    putter: Putter,
    /// Also the deadline for reading a whole fetched file.
    timeout: std::time::Duration,
    base: Url,
    credentials: Credentials,
}

impl WebDav {
    /// `base` must end with `/` (the resolved config guarantees it).
    pub fn new(base: Url, credentials: Credentials, timeout: std::time::Duration) -> Result<Self> {
        Ok(WebDav {
            client: super::http::upload_client(timeout)?,
            putter: Putter::new(timeout)?,
            timeout,
            base,
            credentials,
        })
    }

    /// Credentials are loaded only once there is something to send.
    pub fn set_credentials(&mut self, credentials: Credentials) {
        self.credentials = credentials;
    }

    fn url(&self, name: &str) -> Url {
        self.base.join(name).unwrap_or_else(|_| self.base.clone())
    }

    /// A request to `url`, carrying the credentials only when `url` is on the base URL's
    /// origin: a media file named by an absolute URL elsewhere must not receive them (the
    /// config refuses that combination; this holds even if it did not).
    fn request(&self, method: Method, url: &Url) -> RequestBuilder {
        let request = self.client.request(method, url.clone());
        if url.origin() == self.base.origin() {
            self.credentials.apply(request)
        } else {
            request
        }
    }

    fn send(&self, what: &str, builder: RequestBuilder) -> std::result::Result<Response, Failure> {
        builder.send().map_err(|e| self.transport_failure(what, &e))
    }

    fn transport_failure(&self, what: &str, e: &reqwest::Error) -> Failure {
        self.scrubbed(super::http::transport_failure(what, e))
    }

    fn body_failure(&self, what: &str, e: &crate::net::BodyError) -> Failure {
        use crate::net::BodyError;
        let kind = match e {
            BodyError::TooLarge(_) => FailureKind::TooLarge,
            BodyError::Deadline(_) => FailureKind::Timeout,
            BodyError::Read(_) => FailureKind::Transport,
        };
        self.scrubbed(Failure {
            kind,
            request: what.to_string(),
            answer: e.describe(),
            retry_after: None,
        })
    }

    fn status_failure(&self, what: &str, response: Response) -> Failure {
        let mask = |text: &str| self.credentials.scrub(text);
        // The answer is masked twice: once as received, and once whole (the status line and
        // the redirect target are the server's text too).
        self.scrubbed(super::http::status_failure(what, response, &mask))
    }

    fn scrubbed(&self, mut failure: Failure) -> Failure {
        failure.answer = self.credentials.scrub(&failure.answer);
        failure
    }

    /// The timeout bounds the whole exchange, so a large body gets it once per 8 MiB (what
    /// object storage gives each part), or no upload of an episode could finish.
    fn put(
        &self,
        url: &Url,
        upload: &Put<'_>,
        (reader, len): (Reader, u64),
    ) -> std::result::Result<Answer, Failure> {
        let per = super::s3::PART as u64;
        let slices = u32::try_from(len.div_ceil(per).max(1)).unwrap_or(u32::MAX);
        let mut builder = self
            .putter
            .request(url)
            .timeout(self.timeout.saturating_mul(slices))
            .header(header::CONTENT_TYPE, upload.content_type);
        // As in `request`: credentials only for the base URL's origin.
        if url.origin() == self.base.origin() {
            builder = self.credentials.apply_async(builder);
        }
        builder = match &upload.condition {
            Condition::Absent => builder.header(header::IF_NONE_MATCH, "*"),
            Condition::Matches(etag) => builder.header(header::IF_MATCH, etag.as_str()),
            Condition::Unmodified(date) => builder.header(header::IF_UNMODIFIED_SINCE, date),
            Condition::Any => builder,
        };
        self.putter
            .send(&format!("PUT {url}"), builder, reader, len)
            .map_err(|f| self.scrubbed(f))
    }

    /// The failure for a PUT's non-success answer, masked like [`Self::status_failure`].
    fn answer_failure(&self, what: &str, answer: &Answer) -> Failure {
        let mask = |text: &str| self.credentials.scrub(text);
        self.scrubbed(super::http::answer_failure(
            what,
            answer.status,
            &answer.headers,
            &answer.body,
            &mask,
        ))
    }

    /// Creates the missing folders above `url`, nearest first until one exists, then back down.
    fn make_parents(&self, url: &Url) -> std::result::Result<Vec<String>, Failure> {
        let mut parents = Vec::new();
        let mut path = url.path().trim_end_matches('/').to_string();
        while let Some((up, _)) = path.rsplit_once('/') {
            if up.is_empty() {
                break;
            }
            let mut p = url.clone();
            p.set_path(&format!("{up}/"));
            p.set_query(None);
            parents.push(p);
            path = up.to_string();
        }
        // Walk up until a MKCOL works (201) or finds the folder there (405).
        let mut missing = 0;
        let mut created = Vec::new();
        while let Some(folder) = parents.get(missing) {
            let what = format!("MKCOL {folder}");
            let response = self.send(&what, self.request(mkcol(), folder))?;
            match response.status().as_u16() {
                201 => {
                    created.push(folder.to_string());
                    break;
                }
                405 => break,
                409 => missing += 1,
                _ => return Err(self.status_failure(&what, response)),
            }
        }
        for folder in parents[..missing.min(parents.len())].iter().rev() {
            let what = format!("MKCOL {folder}");
            let response = self.send(&what, self.request(mkcol(), folder))?;
            match response.status().as_u16() {
                201 => created.push(folder.to_string()),
                405 => {}
                _ => return Err(self.status_failure(&what, response)),
            }
        }
        Ok(created)
    }

    /// Whether a HEAD of `url` finds nothing there.
    fn gone(&self, url: &Url) -> bool {
        self.request(Method::HEAD, url)
            .send()
            .is_ok_and(|r| matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::GONE))
    }

    /// The remote's validators for `url` (strong ETag, Last-Modified), for servers that give
    /// no strong ETag with the PUT (RFC 9110 §9.3.4 allows that); none when the HEAD fails.
    fn head_validators(&self, url: &Url) -> (Option<String>, Option<String>) {
        match self.request(Method::HEAD, url).send() {
            Ok(r) if r.status().is_success() => {
                (strong_etag(r.headers()), last_modified(r.headers()))
            }
            _ => (None, None),
        }
    }
}

impl Target for WebDav {
    fn location(&self, name: &str) -> String {
        super::http::redact(self.url(name).as_str())
    }

    fn fetch(&self, name: &str) -> std::result::Result<Option<Fetched>, Failure> {
        let url = self.url(name);
        let what = format!("GET {url}");
        let response = self.send(&what, self.request(Method::GET, &url))?;
        match response.status() {
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
            s if s.is_success() => {
                let etag = strong_etag(response.headers());
                let bytes = crate::net::read_bounded(response, crate::net::FEED_CAP, self.timeout)
                    .map_err(|e| self.body_failure(&what, &e))?;
                Ok(Some(Fetched { bytes, etag }))
            }
            _ => Err(self.status_failure(&what, response)),
        }
    }

    fn echoes_secret(&self, text: &str) -> bool {
        self.credentials.scrub(text) != text
    }

    fn upload(&self, upload: &Put<'_>) -> std::result::Result<Stored, Failure> {
        let url = self.url(upload.name);
        let body = || {
            let reader: Reader = Box::new(std::io::Cursor::new(upload.bytes.to_vec()));
            Ok((reader, upload.bytes.len() as u64))
        };
        self.upload_with(&url, upload, body)
    }

    /// One PUT streaming the file from disk, with `Content-Length` known up front; a
    /// second PUT (after `MKCOL`) and every retry open the file again.
    fn upload_from_disk(
        &self,
        upload: &Put<'_>,
        file: &FromDisk<'_>,
    ) -> std::result::Result<Stored, Failure> {
        let url = self.url(upload.name);
        let what = format!("PUT {url}");
        let problem = std::cell::RefCell::new(None);
        let body = || {
            let (reader, p) = CheckedFile::open(file).map_err(|e| Failure {
                kind: FailureKind::Changed,
                request: what.clone(),
                answer: format!("cannot read {}: {e}", file.path.display()),
                retry_after: None,
            })?;
            problem.replace(Some(p));
            Ok((Box::new(reader) as Reader, file.len))
        };
        let result = self.upload_with(&url, upload, body);
        // A body the reader stopped is a changed file, not a broken connection.
        let stopped = problem
            .borrow()
            .as_ref()
            .and_then(|p| p.lock().ok().and_then(|m| m.clone()));
        match (result, stopped) {
            (Err(_), Some(answer)) => Err(Failure {
                kind: FailureKind::Changed,
                request: what,
                answer,
                retry_after: None,
            }),
            (result, _) => result,
        }
    }

    /// A `207 Multi-Status` is no success: something in it failed (RFC 4918 §9.6.1). A 412
    /// for a file already gone (a server checks `If-Match` first) is no conflict.
    fn delete(&self, name: &str, condition: &Condition) -> std::result::Result<String, Failure> {
        let url = self.url(name);
        let what = format!("DELETE {url}");
        let builder = match condition {
            Condition::Matches(etag) => self
                .request(Method::DELETE, &url)
                .header(header::IF_MATCH, etag.as_str()),
            Condition::Unmodified(date) => self
                .request(Method::DELETE, &url)
                .header(header::IF_UNMODIFIED_SINCE, date.as_str()),
            Condition::Any | Condition::Absent => self.request(Method::DELETE, &url),
        };
        let response = self.send(&what, builder)?;
        match response.status() {
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok("already gone".into()),
            StatusCode::MULTI_STATUS => Err(self.status_failure(&what, response)),
            StatusCode::PRECONDITION_FAILED if self.gone(&url) => Ok("already gone".into()),
            s if s.is_success() => Ok(status_text(s)),
            _ => Err(self.status_failure(&what, response)),
        }
    }
}

impl WebDav {
    /// PUTs the body `body` makes (called again for the second PUT after a 409).
    fn upload_with(
        &self,
        url: &Url,
        upload: &Put<'_>,
        body: impl Fn() -> std::result::Result<(Reader, u64), Failure>,
    ) -> std::result::Result<Stored, Failure> {
        let what = format!("PUT {url}");
        let mut answer = self.put(url, upload, body()?)?;
        let mut created = Vec::new();
        if answer.status == StatusCode::CONFLICT {
            created = self.make_parents(url)?;
            answer = self.put(url, upload, body()?)?;
        }
        match answer.status.as_u16() {
            200 | 201 | 204 => {
                let (etag, last_modified) = self.validators(url, &answer.headers);
                Ok(Stored {
                    etag,
                    last_modified,
                    answer: status_text(answer.status),
                    created,
                })
            }
            _ => Err(self.answer_failure(&what, &answer)),
        }
    }

    /// The validators of what a PUT stored: from its answer, or from a HEAD when that has no
    /// strong ETag (a weak one cannot guard an update: `If-Match` compares strongly).
    fn validators(&self, url: &Url, headers: &HeaderMap) -> (Option<String>, Option<String>) {
        let put_date = last_modified(headers);
        match strong_etag(headers) {
            Some(etag) => (Some(etag), put_date),
            None => {
                let (etag, date) = self.head_validators(url);
                (etag, date.or(put_date))
            }
        }
    }
}

fn mkcol() -> Method {
    Method::from_bytes(b"MKCOL").expect("MKCOL is a valid method token")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Even a name that resolves to another origin (a media file's absolute URL) gets no
    /// credentials; names below the base, or elsewhere on its origin, do.
    #[test]
    fn credentials_go_only_to_the_base_origin() {
        let base = Url::parse("https://dav.example/feeds/").unwrap();
        let secret = secrecy::SecretString::from("s3cr3t".to_string());
        let dav = WebDav::new(
            base,
            Credentials::Bearer(secret),
            std::time::Duration::from_secs(5),
        )
        .unwrap();
        let auth = |name: &str| {
            let request = dav.request(Method::PUT, &dav.url(name)).build().unwrap();
            request.headers().get(header::AUTHORIZATION).is_some()
        };
        assert!(auth("a.rss"));
        assert!(auth("https://dav.example/media/ep1.mp3"));
        for elsewhere in [
            "https://cdn.example/media/ep1.mp3",
            "http://dav.example/media/ep1.mp3",
            "https://dav.example:8443/media/ep1.mp3",
        ] {
            assert!(!auth(elsewhere), "{elsewhere}");
        }
    }
}
