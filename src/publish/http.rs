//! The HTTP client: blocking reqwest over rustls (ring provider, no OpenSSL).

use std::time::Duration;

use crate::error::{Error, Result};

/// A client with the given timeout. Installing the TLS provider is idempotent.
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("feedwright/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Fetch(format!("cannot set up the HTTP client: {e}")))
}

/// `url` with any user name and password removed, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// GETs `url` as text; any non-2xx answer is an error naming the URL and the status.
pub fn get_text(url: &str, timeout: Duration) -> Result<String> {
    let shown = redact(url);
    let response = client(timeout)?
        .get(url)
        .send()
        .map_err(|e| Error::Fetch(format!("GET {shown} failed: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::Fetch(format!("GET {shown} answered {status}")));
    }
    response
        .text()
        .map_err(|e| Error::Fetch(format!("GET {shown}: reading the body failed: {e}")))
}

/// Reads a feed from a local path or an http(s) URL.
pub fn read_feed_source(source: &str) -> Result<String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        get_text(source, Duration::from_secs(30))
    } else {
        let path = std::path::Path::new(source);
        std::fs::read_to_string(path).map_err(|e| Error::io(path, "reading the feed", e))
    }
}
