//! The S3 key pair, read from the environment variables `[publish]` names (never from
//! config.toml), held as secrets and masked in every text a server sends back.

use secrecy::{ExposeSecret, SecretString};

use super::config::S3Settings;
use super::mask::Secrets;
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
        // A key pasted across two lines holds a line break, which no HTTP header may carry
        // (the signing library panicked on it): said, naming the variable, never its value.
        let broken = |name: &str| {
            Error::Publish(format!(
                "the environment variable {name} holds a line break or another control character (pasted across two lines?): export it again on one line"
            ))
        };
        let var = |name: &str, key: &str| match std::env::var(name) {
            Ok(v) if v.trim().chars().any(char::is_control) => Err(broken(name)),
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => Err(Error::Publish(format!(
                "the environment variable {name} (named by [publish] {key}) is not set or empty: export it before running feedwright push (the keys never go in config.toml)"
            ))),
        };
        let token = std::env::var("AWS_SESSION_TOKEN")
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if token
            .as_deref()
            .is_some_and(|t| t.chars().any(char::is_control))
        {
            return Err(broken("AWS_SESSION_TOKEN"));
        }
        Ok(Keys {
            access: var(&s3.access_key_env, "access_key_env")?,
            secret: SecretString::from(var(&s3.secret_key_env, "secret_key_env")?),
            token: token.map(SecretString::from),
        })
    }

    /// `text` with the secret key and the session token masked in every form and spelling a
    /// server may echo them in (the same rules as WebDAV's, [`super::mask`]).
    pub(super) fn scrub(&self, text: &str) -> String {
        let sent = std::iter::once(&self.secret).chain(self.token.iter());
        Secrets::new(sent.map(ExposeSecret::expose_secret)).scrub(text)
    }
}

/// `%XX` escapes of a URL path decoded (a key may hold any character).
pub(super) fn decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit finding 1: the S3 target masked only the exact secret key and session token; an
    /// S3-compatible server that quoted the token percent-encoded or XML-escaped showed it.
    #[test]
    fn the_secret_key_and_token_are_masked_in_every_spelling() {
        let keys = Keys {
            access: "AKIAEXAMPLE".into(),
            secret: SecretString::from("wJalrXUtnFEMI/K7MDENG+bPxRfiCY"),
            token: Some(SecretString::from("FwoGZXIvYXdzE+Pq/Rk=\"x<y")),
        };
        // Python's quote(safe='') and html.escape, as the audit's fake S3 server sent them.
        for form in [
            "FwoGZXIvYXdzE%2BPq%2FRk%3D%22x%3Cy",
            "FwoGZXIvYXdzE+Pq/Rk=&quot;x&lt;y",
            "wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCY",
        ] {
            assert_eq!(
                keys.scrub(&format!("<Message>token={form} tail</Message>")),
                "<Message>token=*** tail</Message>",
                "{form}"
            );
        }
        assert_eq!(keys.scrub("AKIAEXAMPLE"), "AKIAEXAMPLE");
    }
}
