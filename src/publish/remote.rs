//! Choosing the [`Target`] from `[publish] url`: `http(s)://` is WebDAV, `s3://` object
//! storage. Both start without credentials (a dry run needs none) and get them in
//! [`Remote::connect`], once there is something to send.

use url::Url;

use super::auth::{self, Credentials};
use super::config::PublishConfig;
use super::s3::{Keys, S3};
use super::target::Target;
use super::webdav::WebDav;
use crate::config::Config;
use crate::error::{Error, Result};

pub enum Remote {
    Dav(Box<WebDav>),
    S3(Box<S3>),
}

impl Remote {
    /// The target `[publish] url` names, after refusing credentials over plain http.
    pub fn new(config: &Config, base: &Url) -> Result<Remote> {
        let publish = &config.publish;
        let refuse = |m: String| Error::config(&config.path, None, m);
        if publish.is_s3() {
            check_endpoint(publish).map_err(refuse)?;
            return Ok(Remote::S3(Box::new(S3::new(base, publish)?)));
        }
        auth::check_transport(publish, base).map_err(refuse)?;
        Ok(Remote::Dav(Box::new(WebDav::new(
            base.clone(),
            Credentials::None,
            publish.timeout,
        )?)))
    }

    pub fn target(&self) -> &dyn Target {
        match self {
            Remote::Dav(t) => t.as_ref(),
            Remote::S3(t) => t.as_ref(),
        }
    }

    /// Loads the secret and readies the clients; `names` are the files about to be sent
    /// (an `s3://` name in a bucket of its own needs a client of its own).
    pub fn connect(&mut self, publish: &PublishConfig, names: &[&str]) -> Result<()> {
        match self {
            Remote::Dav(t) => {
                t.set_credentials(Credentials::load(publish)?);
                Ok(())
            }
            Remote::S3(t) => {
                let mut buckets: Vec<String> = names
                    .iter()
                    .filter_map(|n| n.strip_prefix("s3://")?.split_once('/'))
                    .map(|(bucket, _)| bucket.to_string())
                    .collect();
                buckets.sort();
                buckets.dedup();
                t.connect(Keys::load(&publish.s3)?, &buckets)
            }
        }
    }
}

/// Signed S3 requests over plain http carry no secret, but anyone on the way can read and
/// replay them: only to this machine, unless `allow_insecure_auth`.
fn check_endpoint(publish: &PublishConfig) -> std::result::Result<(), String> {
    match &publish.s3.endpoint {
        Some(e)
            if e.scheme() == "http" && !publish.allow_insecure_auth && !auth::is_loopback(e) =>
        {
            Err(format!(
                "[publish] endpoint `{}` is plain http://: signed requests and the files would cross the network unencrypted. Use https://, or set allow_insecure_auth = true if the network is trusted",
                super::http::redact(e.as_str())
            ))
        }
        _ => Ok(()),
    }
}

/// The name a media file is uploaded under: relative to `[publish] url` when its
/// destination lies below it (the default), else the destination's absolute URL.
pub fn media_name(publish: &PublishConfig, destination: &Url, file: &str) -> Option<String> {
    // Escaped as the feed's URL is (`media::file_url`), so the two name the same object.
    let target = crate::media::file_url(destination, file)?;
    let base = publish.url.as_ref()?;
    Some(match target.as_str().strip_prefix(base.as_str()) {
        Some(rel) => rel.to_string(),
        None => target.to_string(),
    })
}
