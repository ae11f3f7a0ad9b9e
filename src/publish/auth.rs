//! Credentials for uploads: read from the environment variable or file that `[publish]` names,
//! never from config.toml, and never shown. The secret lives in a [`Secret`], whose `Debug`
//! hides it, and every text that reaches the user passes through [`Credentials::scrub`].

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

use super::config::{AuthKind, PublishConfig};
use crate::error::{Error, Result};

/// A secret value; printing it with `{:?}` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Bearer(Secret),
    Basic { user: String, secret: Secret },
}

impl Credentials {
    /// Reads the secret `cfg` points at. The error names the variable or file, never a value.
    pub fn load(cfg: &PublishConfig) -> Result<Credentials> {
        if cfg.auth == AuthKind::None {
            return Ok(Credentials::None);
        }
        let secret = if let Some(var) = &cfg.token_env {
            match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
                Ok(_) => {
                    return Err(Error::Publish(format!(
                        "the environment variable {var} (named by [publish] token_env) is empty: set it to the upload secret"
                    )));
                }
                Err(_) => {
                    return Err(Error::Publish(format!(
                        "the environment variable {var} (named by [publish] token_env) is not set: export it with the upload secret before running feedwright push"
                    )));
                }
            }
        } else if let Some(path) = &cfg.token_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::io(path, "reading the upload secret ([publish] token_file)", e)
            })?;
            let text = text.trim();
            if text.is_empty() {
                return Err(Error::Publish(format!(
                    "{}: the secret file (named by [publish] token_file) is empty",
                    path.display()
                )));
            }
            text.to_string()
        } else {
            // `PublishConfig` resolution already demands one of the two.
            return Err(Error::Publish(
                "[publish] auth needs token_env or token_file".into(),
            ));
        };
        let secret = Secret(secret);
        Ok(match cfg.auth {
            AuthKind::None => Credentials::None,
            AuthKind::Bearer => Credentials::Bearer(secret),
            AuthKind::Basic => Credentials::Basic {
                user: cfg.user.clone().unwrap_or_default(),
                secret,
            },
        })
    }

    fn secret(&self) -> Option<&str> {
        match self {
            Credentials::None => None,
            Credentials::Bearer(s) | Credentials::Basic { secret: s, .. } => Some(s.expose()),
        }
    }

    /// `text` with every occurrence of the secret (plain, or inside a Basic auth header) masked:
    /// servers echo headers back in error pages.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Credentials::Basic { user, secret } = self {
            let encoded = base64(format!("{user}:{}", secret.expose()).as_bytes());
            out = out.replace(&encoded, "***");
        }
        if let Some(s) = self.secret() {
            out = out.replace(s, "***");
        }
        out
    }

    /// Adds the credentials to a request.
    pub fn apply(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match self {
            Credentials::None => request,
            Credentials::Bearer(s) => request.bearer_auth(s.expose()),
            Credentials::Basic { user, secret } => request.basic_auth(user, Some(secret.expose())),
        }
    }
}

/// Refuses to send credentials over plain `http://` to anything but this machine, unless
/// `allow_insecure_auth` says the network in between is trusted.
pub fn check_transport(cfg: &PublishConfig, url: &Url) -> std::result::Result<(), String> {
    if cfg.auth == AuthKind::None || cfg.allow_insecure_auth || url.scheme() == "https" {
        return Ok(());
    }
    if is_loopback(url) {
        return Ok(());
    }
    Err(format!(
        "[publish] url `{}` is plain http:// and auth is set: the secret would cross the network unencrypted. Use https://, or set allow_insecure_auth = true if the network is trusted",
        super::http::redact(url.as_str())
    ))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// Standard base64 with padding (only used to find an echoed Basic header in server text).
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(auth: AuthKind, url: &str) -> (PublishConfig, Url) {
        let url = Url::parse(url).unwrap();
        (
            PublishConfig {
                url: Some(url.clone()),
                auth,
                token_env: Some("X".into()),
                ..Default::default()
            },
            url,
        )
    }

    #[test]
    fn credentials_over_plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080/dav/",
            "http://[::1]/",
            "http://localhost/",
            "https://films.example/",
        ] {
            let (c, u) = cfg(AuthKind::Bearer, ok);
            assert!(check_transport(&c, &u).is_ok(), "{ok}");
        }
        let (mut c, u) = cfg(AuthKind::Basic, "http://films.example/dav/");
        let e = check_transport(&c, &u).unwrap_err();
        assert!(e.contains("allow_insecure_auth"), "{e}");
        c.allow_insecure_auth = true;
        assert!(check_transport(&c, &u).is_ok());
        let (c, u) = cfg(AuthKind::None, "http://films.example/dav/");
        assert!(check_transport(&c, &u).is_ok());
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"editor:s3cret"), "ZWRpdG9yOnMzY3JldA==");
    }

    #[test]
    fn scrub_masks_plain_and_basic_encoded_secret() {
        let c = Credentials::Basic {
            user: "editor".into(),
            secret: Secret("s3cret".into()),
        };
        let s = c.scrub("got Authorization: Basic ZWRpdG9yOnMzY3JldA== and s3cret");
        assert!(
            !s.contains("s3cret") && !s.contains("ZWRpdG9yOnMzY3JldA=="),
            "{s}"
        );
        assert_eq!(format!("{c:?}"), "Basic { user: \"editor\", secret: *** }");
    }
}
