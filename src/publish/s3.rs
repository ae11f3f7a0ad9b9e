//! A [`Target`] for S3-compatible object storage (AWS S3, Cloudflare R2, Backblaze B2,
//! MinIO, Garage…) through the `object_store` crate: typed conditional writes
//! (`PutMode::Create` for a new key, `PutMode::Update` with the recorded ETag for a known
//! one), Content-Type and Cache-Control on every object, and large files sent in parts.
//!
//! `object_store` is async; this target owns a small current-thread tokio runtime and blocks
//! on it for each call, so the push steps stay the same plain loop as for WebDAV. Its own
//! retries are off: [`super::retry`] retries every target the same way, honouring
//! `Retry-After`, which object_store does not see ([`super::s3_watch`] notes it).

use std::collections::BTreeMap;
use std::io::Read;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, ObjectStoreExt, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};
use secrecy::ExposeSecret;

use super::config::{PublishConfig, S3Settings};
pub use super::s3_keys::Keys;
use super::s3_keys::decode;
use super::s3_watch::{self, Connector, Shared};
use super::target::{Condition, Failure, FailureKind, Fetched, FromDisk, Put, Stored, Target};
use crate::error::{Error, Result};

/// Part size for large files: above S3's 5 MiB minimum, and the most held in memory.
pub(super) const PART: usize = 8 * 1024 * 1024;

/// Where a name goes: a bucket and a key.
struct Place {
    bucket: String,
    key: String,
}

pub struct S3 {
    runtime: tokio::runtime::Runtime,
    /// The bucket and key prefix of `[publish] url`.
    bucket: String,
    prefix: String,
    settings: S3Settings,
    timeout: std::time::Duration,
    /// One client per bucket (feeds, and media when they have a bucket of their own); made
    /// once the keys are known.
    stores: BTreeMap<String, AmazonS3>,
    keys: Option<Keys>,
    seen: Shared,
}

impl S3 {
    /// A target for `url` (`s3://bucket/prefix/`), not connected yet: a dry run needs no keys.
    pub fn new(url: &url::Url, publish: &PublishConfig) -> Result<S3> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Publish(format!("cannot start the S3 client's runtime: {e}")))?;
        Ok(S3 {
            runtime,
            bucket: url.host_str().unwrap_or_default().to_string(),
            prefix: decode(url.path().trim_start_matches('/')),
            settings: publish.s3.clone(),
            timeout: publish.timeout,
            stores: BTreeMap::new(),
            keys: None,
            seen: Shared::default(),
        })
    }

    /// Makes a client for each bucket in `buckets` (and the feeds' own) with `keys`.
    pub fn connect(&mut self, keys: Keys, buckets: &[String]) -> Result<()> {
        // The TLS provider the rest of feedwright uses; object_store's reqwest shares it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut all = vec![self.bucket.clone()];
        all.extend(buckets.iter().cloned());
        for bucket in all {
            if self.stores.contains_key(&bucket) {
                continue;
            }
            let store = self.client(&bucket, &keys).map_err(|e| {
                Error::Publish(format!(
                    "cannot set up the S3 client for bucket {bucket}: {}: check [publish] endpoint and region",
                    keys.scrub(&e.to_string())
                ))
            })?;
            self.stores.insert(bucket, store);
        }
        self.keys = Some(keys);
        Ok(())
    }

    fn client(&self, bucket: &str, keys: &Keys) -> object_store::Result<AmazonS3> {
        let s = &self.settings;
        let mut options = ClientOptions::new().with_timeout(self.timeout);
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&s.region)
            .with_access_key_id(&keys.access)
            .with_secret_access_key(keys.secret.expose_secret())
            .with_virtual_hosted_style_request(s.virtual_hosted)
            // One attempt per call: super::retry retries, with Retry-After.
            .with_retry(RetryConfig {
                max_retries: 0,
                retry_timeout: self.timeout,
                ..RetryConfig::default()
            })
            .with_http_connector(Connector {
                seen: self.seen.clone(),
                timeout: self.timeout,
                allow_http: s.endpoint.as_ref().is_some_and(|e| e.scheme() == "http"),
            });
        if let Some(endpoint) = &s.endpoint {
            options = options.with_allow_http(endpoint.scheme() == "http");
            builder = builder.with_endpoint(endpoint.as_str().trim_end_matches('/'));
        }
        if let Some(token) = &keys.token {
            builder = builder.with_token(token.expose_secret());
        }
        builder.with_client_options(options).build()
    }

    fn place(&self, name: &str) -> Place {
        match name.strip_prefix("s3://").and_then(|r| r.split_once('/')) {
            Some((bucket, key)) => Place {
                bucket: bucket.to_string(),
                key: decode(key),
            },
            // Names are relative URL references (a media file's is escaped, `ep%201.mp3`,
            // as its enclosure URL is): the key is what that URL decodes to.
            None => Place {
                bucket: self.bucket.clone(),
                key: format!("{}{}", self.prefix, decode(name)),
            },
        }
    }

    /// The client for `place`, or the failure of a push that never connected.
    fn store(&self, place: &Place, what: &str) -> std::result::Result<&AmazonS3, Failure> {
        self.stores.get(&place.bucket).ok_or_else(|| Failure {
            kind: FailureKind::Connect,
            request: what.to_string(),
            answer: format!("no client for bucket {}", place.bucket),
            retry_after: None,
        })
    }

    fn block<T>(&self, f: impl Future<Output = T>) -> T {
        s3_watch::take(&self.seen);
        self.runtime.block_on(f)
    }

    /// A [`Failure`] for `e`, from what the watcher saw of the answer.
    fn failure(&self, what: &str, e: &object_store::Error) -> Failure {
        use object_store::Error as E;
        let seen = s3_watch::take(&self.seen);
        let kind = match (e, seen.status, seen.transport) {
            (E::Precondition { .. } | E::AlreadyExists { .. }, _, _) => FailureKind::Status(412),
            (_, Some(status), _) if status >= 300 => FailureKind::Status(status),
            (_, _, Some(object_store::client::HttpErrorKind::Connect)) => FailureKind::Connect,
            (_, _, Some(object_store::client::HttpErrorKind::Timeout)) => FailureKind::Timeout,
            (E::NotFound { .. }, _, _) => FailureKind::Status(404),
            (E::Unauthenticated { .. }, _, _) => FailureKind::Status(401),
            (E::PermissionDenied { .. }, _, _) => FailureKind::Status(403),
            _ => FailureKind::Transport,
        };
        let mut answer = match kind {
            FailureKind::Status(s) => {
                let status = reqwest::StatusCode::from_u16(s)
                    .map(super::http::status_text)
                    .unwrap_or_else(|_| s.to_string());
                // Masked before it is shortened: a secret cut in half would not be found.
                let body = match &self.keys {
                    Some(keys) => keys.scrub(&seen.body),
                    None => seen.body.clone(),
                };
                let page = s3_watch::describe_error_page(&body);
                if page.is_empty() {
                    status
                } else {
                    format!("{status} \"{page}\"")
                }
            }
            FailureKind::Timeout => "no answer within the timeout".to_string(),
            _ => innermost(e),
        };
        if matches!(kind, FailureKind::Status(401 | 403)) {
            answer.push_str(&format!(
                " (check the key pair in the environment variables {} and {}, and that it may write to bucket {})",
                self.settings.access_key_env, self.settings.secret_key_env, self.bucket
            ));
        }
        if let Some(keys) = &self.keys {
            answer = keys.scrub(&answer);
        }
        // object_store's own text may quote the server's whole answer (an error in a 200's
        // body, S3's CompleteMultipartUpload): one short line, cut after it was masked.
        if !matches!(kind, FailureKind::Status(_)) {
            answer = s3_watch::describe_error_page(&answer);
        }
        Failure {
            kind,
            request: what.to_string(),
            answer,
            retry_after: seen.retry_after,
        }
    }
}

/// The object key `key`, byte for byte: `Key::from` would escape `%`, `[`, `#` and more into
/// the key itself (`100%.mp3` stored as `100%25.mp3`), away from where the feed points. Only
/// a key object_store refuses as it is (a `..` part, a control character) is escaped.
fn object_key(key: &str) -> Key {
    Key::parse(key).unwrap_or_else(|_| Key::from(key))
}

/// The deepest cause of `e`: object_store's outer texts repeat the request.
fn innermost(e: &object_store::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    text
}

fn attributes(put: &Put<'_>) -> Attributes {
    let mut a = Attributes::new();
    a.insert(Attribute::ContentType, put.content_type.into());
    if let Some(cc) = put.cache_control {
        a.insert(Attribute::CacheControl, cc.to_string().into());
    }
    a
}

fn mode(condition: &Condition) -> PutMode {
    match condition {
        Condition::Absent => PutMode::Create,
        Condition::Matches(etag) => PutMode::Update(UpdateVersion {
            e_tag: Some(etag.clone()),
            version: None,
        }),
        // S3 records never carry a date: every S3 answer has an ETag.
        Condition::Any | Condition::Unmodified(_) => PutMode::Overwrite,
    }
}

impl Target for S3 {
    fn location(&self, name: &str) -> String {
        let p = self.place(name);
        format!("s3://{}/{}", p.bucket, p.key)
    }

    fn key(&self, name: &str) -> String {
        self.place(name).key
    }

    fn fetch(&self, name: &str) -> std::result::Result<Option<Fetched>, Failure> {
        let place = self.place(name);
        let what = format!("GET {}", self.location(name));
        let store = self.store(&place, &what)?;
        let key = object_key(&place.key);
        let got = self.block(async {
            let r = store.get(&key).await?;
            let etag = r.meta.e_tag.clone();
            if r.meta.size > crate::net::FEED_CAP {
                return Ok(None);
            }
            Ok(Some((r.bytes().await?, etag)))
        });
        match got {
            Ok(Some((bytes, etag))) => Ok(Some(Fetched {
                bytes: bytes.to_vec(),
                etag,
            })),
            Ok(None) => Err(Failure {
                kind: FailureKind::TooLarge,
                request: what,
                answer: "the object is far larger than any feed".into(),
                retry_after: None,
            }),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.failure(&what, &e)),
        }
    }

    fn echoes_secret(&self, text: &str) -> bool {
        self.keys.as_ref().is_some_and(|k| k.scrub(text) != text)
    }

    fn upload(&self, put: &Put<'_>) -> std::result::Result<Stored, Failure> {
        let place = self.place(put.name);
        let what = format!("PUT {}", self.location(put.name));
        let store = self.store(&place, &what)?;
        let key = object_key(&place.key);
        let opts = PutOptions {
            mode: mode(&put.condition),
            attributes: attributes(put),
            ..PutOptions::default()
        };
        let payload = PutPayload::from(put.bytes.to_vec());
        match self.block(store.put_opts(&key, payload, opts)) {
            Ok(r) => Ok(Stored {
                etag: r.e_tag,
                answer: "200 OK".into(),
                ..Stored::default()
            }),
            Err(e) => Err(self.failure(&what, &e)),
        }
    }

    fn upload_from_disk(
        &self,
        put: &Put<'_>,
        file: &FromDisk<'_>,
    ) -> std::result::Result<Stored, Failure> {
        super::s3_parts::upload(self, put, file)
    }

    /// S3 has no conditional DELETE in object_store: the object's ETag is compared first
    /// (a HEAD), which leaves a moment between the look and the delete.
    fn delete(&self, name: &str, condition: &Condition) -> std::result::Result<String, Failure> {
        let place = self.place(name);
        let what = format!("DELETE {}", self.location(name));
        let store = self.store(&place, &what)?;
        let key = object_key(&place.key);
        if let Condition::Matches(want) = condition {
            match self.block(store.head(&key)) {
                Ok(meta) if meta.e_tag.as_deref() != Some(want.as_str()) => {
                    return Err(Failure {
                        kind: FailureKind::Status(412),
                        request: what,
                        answer: "412 Precondition Failed (the object there is not the one feedwright uploaded last)".into(),
                        retry_after: None,
                    });
                }
                Ok(_) => {}
                Err(object_store::Error::NotFound { .. }) => return Ok("already gone".into()),
                Err(e) => return Err(self.failure(&format!("HEAD {}", &what[7..]), &e)),
            }
        }
        match self.block(store.delete(&key)) {
            Ok(()) => Ok("204 No Content".into()),
            Err(object_store::Error::NotFound { .. }) => Ok("already gone".into()),
            Err(e) => Err(self.failure(&what, &e)),
        }
    }
}

/// What [`super::s3_parts`] needs of the target.
pub(super) struct Parts<'a> {
    pub store: &'a AmazonS3,
    pub key: Key,
    pub what: String,
    pub opts: PutMultipartOptions,
}

impl S3 {
    pub(super) fn parts(&self, put: &Put<'_>) -> std::result::Result<Parts<'_>, Failure> {
        let place = self.place(put.name);
        let what = format!("PUT {}", self.location(put.name));
        let store = self.store(&place, &what)?;
        Ok(Parts {
            store,
            key: object_key(&place.key),
            what,
            opts: PutMultipartOptions {
                attributes: attributes(put),
                ..PutMultipartOptions::default()
            },
        })
    }

    pub(super) fn run<T>(&self, f: impl Future<Output = T>) -> T {
        self.block(f)
    }

    pub(super) fn fail(&self, what: &str, e: &object_store::Error) -> Failure {
        self.failure(what, e)
    }
}

/// Reads up to one part from `reader` (fewer bytes only at the end of the file).
pub(super) fn read_part(reader: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(PART);
    reader.take(PART as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_the_prefix_or_to_their_own_bucket() {
        let mut cfg = PublishConfig::default();
        cfg.s3.endpoint = None;
        let url = url::Url::parse("s3://feeds-bucket/pod%20cast/").unwrap();
        let t = S3::new(&url, &cfg).unwrap();
        assert_eq!(t.location("a.rss"), "s3://feeds-bucket/pod cast/a.rss");
        assert_eq!(t.key("media/ep 1.mp3"), "pod cast/media/ep 1.mp3");
        assert_eq!(
            t.key("media/%C3%A9p%201%20100%.mp3"),
            "pod cast/media/ép 1 100%.mp3"
        );
        assert_eq!(
            object_key("a/ép [1] 100%#.mp3").as_ref(),
            "a/ép [1] 100%#.mp3"
        );
        assert_eq!(object_key("a/../b").as_ref(), "a/%2E%2E/b");
        assert_eq!(
            t.location("s3://media-bucket/audio/ep1.mp3"),
            "s3://media-bucket/audio/ep1.mp3"
        );
    }
}
