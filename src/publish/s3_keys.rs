//! The S3 key pair, read from the environment variables `[publish]` names (never from
//! config.toml), held as secrets and masked in every text a server sends back.

use secrecy::{ExposeSecret, SecretString};

use super::config::S3Settings;
use crate::error::{Error, Result};

/// The keys, read from the environment variables `[publish]` names.
pub struct Keys {
    pub(super) access: String,
    pub(super) secret: SecretString,
    pub(super) token: Option<SecretString>,
}

impl Keys {
    /// Reads the key pair (and `AWS_SESSION_TOKEN`, if set); errors name the variable only.
    pub fn load(s3: &S3Settings) -> Result<Keys> {
        let var = |name: &str, key: &str| match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => Err(Error::Publish(format!(
                "the environment variable {name} (named by [publish] {key}) is not set or empty: export it before running feedwright push (the keys never go in config.toml)"
            ))),
        };
        Ok(Keys {
            access: var(&s3.access_key_env, "access_key_env")?,
            secret: SecretString::from(var(&s3.secret_key_env, "secret_key_env")?),
            token: std::env::var("AWS_SESSION_TOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty())
                .map(SecretString::from),
        })
    }

    /// `text` with the secret and the session token masked.
    pub(super) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in std::iter::once(&self.secret).chain(self.token.iter()) {
            let s = s.expose_secret();
            if s.len() >= 4 {
                out = out.replace(s, "****");
            }
        }
        out
    }
}

/// `%XX` escapes of a URL path decoded (a key may hold any character).
pub(super) fn decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}
