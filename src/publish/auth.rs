//! Credentials for uploads: read from the environment variable or file that `[publish]` names,
//! never from config.toml, and never shown. The secret lives in a [`SecretString`], which
//! has no `Display` and whose `Debug` hides it, and every text from a server passes through
//! [`Credentials::scrub`] before anything else is done to it.

use std::net::{IpAddr, ToSocketAddrs};

use secrecy::{ExposeSecret, SecretString};

use url::{Host, Url};

use super::config::{AuthKind, PublishConfig};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub enum Credentials {
    None,
    Bearer(SecretString),
    Basic { user: String, secret: SecretString },
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
        let secret = SecretString::from(secret);
        Ok(match cfg.auth {
            AuthKind::None => Credentials::None,
            AuthKind::Bearer => Credentials::Bearer(secret),
            AuthKind::Basic => Credentials::Basic {
                user: cfg.user.clone().unwrap_or_default(),
                secret,
            },
        })
    }

    /// Every form in which a server may echo the secret back: as sent (plain, or the Base64
    /// `user:secret` of a Basic header), each also URL-encoded and HTML-escaped. Longest first,
    /// so a longer form is masked whole before a shorter one inside it.
    fn forms(&self) -> Vec<String> {
        let raw = match self {
            Credentials::None => return Vec::new(),
            Credentials::Bearer(s) => vec![s.expose_secret().to_string()],
            Credentials::Basic { user, secret } => vec![
                secret.expose_secret().to_string(),
                base64(format!("{user}:{}", secret.expose_secret()).as_bytes()),
            ],
        };
        let mut forms = Vec::new();
        for r in raw {
            forms.push(url_encoded(&r, "%20", true));
            forms.push(url_encoded(&r, "%20", false));
            forms.push(url_encoded(&r, "+", true));
            for apostrophe in ["&#39;", "&#x27;", "&apos;"] {
                forms.push(html_escaped(&r, apostrophe));
            }
            forms.push(r);
        }
        forms.retain(|f| !f.is_empty());
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        forms
    }

    /// `text` with every form of the secret masked. Servers echo headers back in error pages;
    /// this must run on the server's text as received, before it is shortened or its
    /// whitespace collapsed, or a secret cut in two or holding spaces would slip through.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in self.forms() {
            out = out.replace(&form, "***");
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
            Credentials::Bearer(s) => request.bearer_auth(s.expose_secret()),
            Credentials::Basic { user, secret } => {
                request.basic_auth(user, Some(secret.expose_secret()))
            }
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

pub(super) fn is_loopback(url: &Url) -> bool {
    is_loopback_with(url, &resolve)
}

/// Every address `host` resolves to, by the system resolver the upload will use too.
fn resolve(host: &str, port: u16) -> Vec<IpAddr> {
    (host, port)
        .to_socket_addrs()
        .map(|addrs| addrs.map(|a| a.ip()).collect())
        .unwrap_or_default()
}

/// `localhost` is loopback by name (RFC 6761), but a name under `.localhost` only when every
/// address it resolves to is: resolvers that do not special-case the zone may send it
/// anywhere, and the secret with it.
fn is_loopback_with(url: &Url, resolve: &dyn Fn(&str, u16) -> Vec<IpAddr>) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost" {
                return true;
            }
            if !d.ends_with(".localhost") {
                return false;
            }
            let addrs = resolve(&d, url.port_or_known_default().unwrap_or(80));
            !addrs.is_empty() && addrs.iter().all(IpAddr::is_loopback)
        }
        None => false,
    }
}

/// `s` percent-encoded, all but the unreserved characters of RFC 3986, with `space` for a
/// space (`%20` in paths, `+` in forms).
fn url_encoded(s: &str, space: &str, upper: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push_str(space),
            _ if upper => out.push_str(&format!("%{b:02X}")),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// `s` as HTML text; error pages spell the apostrophe several ways.
fn html_escaped(s: &str, apostrophe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            _ => out.push(c),
        }
    }
    out
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
    fn a_name_under_localhost_is_loopback_only_when_it_resolves_there() {
        let url = Url::parse("http://dav.localhost:8080/").unwrap();
        let loopback = |_: &str, _: u16| {
            vec![
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
            ]
        };
        let elsewhere =
            |_: &str, _: u16| vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from([203, 0, 113, 9])];
        let nowhere = |_: &str, _: u16| Vec::new();
        assert!(is_loopback_with(&url, &loopback));
        assert!(!is_loopback_with(&url, &elsewhere));
        assert!(!is_loopback_with(&url, &nowhere));
        let named = Url::parse("http://localhost/").unwrap();
        assert!(is_loopback_with(&named, &nowhere));
        let other = Url::parse("http://localhost.example/").unwrap();
        assert!(!is_loopback_with(&other, &loopback));
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
    fn scrub_masks_every_form_of_the_secret() {
        let c = Credentials::Basic {
            user: "editor".into(),
            secret: SecretString::from("s3 c&<'ret"),
        };
        let forms = [
            "s3 c&<'ret",
            "ZWRpdG9yOnMzIGMmPCdyZXQ=",
            "s3%20c%26%3C%27ret",
            "s3%20c%26%3c%27ret",
            "s3+c%26%3C%27ret",
            "s3 c&amp;&lt;&#39;ret",
            "s3 c&amp;&lt;&#x27;ret",
            "s3 c&amp;&lt;&apos;ret",
            "ZWRpdG9yOnMzIGMmPCdyZXQ%3D",
        ];
        for form in forms {
            let s = c.scrub(&format!("before {form} after"));
            assert_eq!(s, "before *** after", "{form}");
        }
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3"), "{shown}");
        assert_eq!(Credentials::None.scrub("s3 c"), "s3 c");
    }
}
