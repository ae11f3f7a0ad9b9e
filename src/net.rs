//! HTTP client settings shared by every stage that talks to a server: the media stage's
//! length probe (a HEAD request) and publishing. One place sets the TLS provider, timeouts and
//! the user agent, and removes credentials from URLs shown in messages. Nothing here knows
//! what is sent or why.

use std::time::Duration;

use url::Url;

/// A client builder with the given timeout (connect and whole request). Installing the TLS
/// provider is idempotent.
pub fn builder(timeout: Duration) -> reqwest::blocking::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("feedwright/", env!("CARGO_PKG_VERSION")))
}

/// `url` with any user name and password removed, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// Learns a remote file's length with a HEAD request (see [`crate::media::Probe`]).
#[derive(Debug, Clone, Copy)]
pub struct HeadProbe {
    pub timeout: Duration,
}

impl crate::media::Probe for HeadProbe {
    fn content_type(&self, url: &Url) -> Result<Option<String>, String> {
        let shown = redact(url.as_str());
        let client = builder(self.timeout)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        let response = client
            .head(url.clone())
            .send()
            .map_err(|e| format!("HEAD {shown} failed: {e}"))?;
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
        let client = builder(self.timeout)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        let response = client.head(url.clone()).send().map_err(|e| {
            if e.is_timeout() {
                format!(
                    "HEAD {shown} timed out after {} s; add `audio_length` by hand or retry later",
                    self.timeout.as_secs()
                )
            } else {
                format!("HEAD {shown} failed: {e}")
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "HEAD {shown} answered {status}; check the audio URL"
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
