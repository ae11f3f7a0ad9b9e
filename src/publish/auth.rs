//! Credentials for uploads: read from the environment variable or file that `[publish]` names,
//! never from config.toml, and never shown. The secret lives in a [`SecretString`], which
//! has no `Display` and whose `Debug` hides it, and every text from a server passes through
//! [`Credentials::scrub`] before anything else is done to it.

use std::net::{IpAddr, ToSocketAddrs};

use secrecy::{ExposeSecret, SecretString};

use url::{Host, Url};

use super::config::{AuthKind, PublishConfig};
use super::mask::Secrets;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub enum Credentials {
    None,
    Bearer(SecretString),
    Basic { user: String, secret: SecretString },
}

/// The longest upload secret taken: tokens are a few hundred bytes, signed ones a few KB.
const MAX_SECRET_BYTES: usize = 16 << 10;

/// The text of `[publish] token_file`: only a regular file (`/dev/zero` grew without end, a
/// FIFO waited forever), and not much more than a secret can be.
fn read_secret_file(path: &std::path::Path) -> Result<String> {
    use crate::small_file::{Refusal, read};
    let refused = |why: String| {
        Error::Publish(format!(
            "{} (named by [publish] token_file) {why}",
            path.display()
        ))
    };
    // Room for a byte-order mark and blank lines around the longest secret.
    let cap = u64::try_from(MAX_SECRET_BYTES).unwrap_or(u64::MAX) + 1024;
    match read(path, cap) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| refused("is not UTF-8 text: save the secret as plain text".into())),
        Err(Refusal::Io(e)) => Err(Error::io(
            path,
            "reading the upload secret ([publish] token_file)",
            e,
        )),
        Err(Refusal::NotRegular(what)) => Err(refused(format!(
            "is {what}, not a file: name a file that holds the secret"
        ))),
        Err(Refusal::TooBig(len)) => Err(refused(format!(
            "is {len} bytes or more, more than the {MAX_SECRET_BYTES} an upload secret may have: is it the right file?"
        ))),
    }
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
            let text = read_secret_file(path)?;
            // A byte-order mark an editor saved in front is no part of the secret.
            let text = text.trim_start_matches('\u{feff}').trim();
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
        // A header cannot carry it: every request would fail as if the network had, and be
        // retried. Said before any is sent, naming where it came from, never its value.
        let from = || match (&cfg.token_env, &cfg.token_file) {
            (Some(var), _) => {
                format!("the environment variable {var} (named by [publish] token_env)")
            }
            (None, Some(path)) => format!("{} (named by [publish] token_file)", path.display()),
            (None, None) => "the upload secret".into(),
        };
        if secret
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
        {
            return Err(Error::Publish(format!(
                "{} holds a line break or another control character (pasted across two lines?): write the secret again on one line",
                from()
            )));
        }
        // Every answer is searched for it in many spellings (`mask.rs`): a megabyte "token"
        // (the wrong file named) cost a hundred times its size, and went in every header.
        if secret.len() > MAX_SECRET_BYTES {
            return Err(Error::Publish(format!(
                "{} holds {} bytes, more than the {MAX_SECRET_BYTES} an upload secret may have: is it the right one?",
                from(),
                secret.len()
            )));
        }
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

    /// `text` with the secret masked in every form and spelling a server may echo it in (see
    /// [`super::mask`]). Servers echo headers back in error pages; this must run on the
    /// server's text as received, before it is shortened or its whitespace collapsed, or a
    /// secret cut in two or holding spaces would slip through.
    pub fn scrub(&self, text: &str) -> String {
        let secrets = match self {
            Credentials::None => return text.to_string(),
            Credentials::Bearer(s) => Secrets::new([s.expose_secret()]),
            Credentials::Basic { user, secret } => {
                let header = format!("{user}:{}", secret.expose_secret());
                Secrets::new([secret.expose_secret()]).with_encoded(&header)
            }
        };
        secrets.scrub(text)
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

impl Credentials {
    /// [`Credentials::apply`] for the async client that sends PUTs.
    pub fn apply_async(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
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
        // A bearer token as the audit's echo servers quoted it: JSON-escaped, Go's HTML
        // escaping, Python's `quote()` keeping `/`, Base64 of the token alone.
        let c = Credentials::Bearer(SecretString::from("pa\"ss\\wo+rd/=x"));
        for form in [
            "pa\\\"ss\\\\wo+rd/=x",
            "pa&#34;ss\\wo&#43;rd/=x",
            "pa%22ss%5Cwo%2Brd/%3Dx",
            "cGEic3Ncd28rcmQvPXg=",
        ] {
            let s = c.scrub(&format!("before {form} after"));
            assert_eq!(s, "before *** after", "{form}");
        }
        assert_eq!(Credentials::None.scrub("s3 c"), "s3 c");
    }
}
