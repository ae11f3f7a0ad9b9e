//! `[publish]` in config.toml: where and how to upload, and which WebSub hubs to ping.
//! Secrets never live here: only the name of the environment variable or file that holds them.

use std::path::PathBuf;

use serde::Deserialize;

mod urls;
pub use urls::shown_url;
use urls::{http_url, s3_url, with_slash};

/// The longest `[publish] timeout_secs`.
pub const MAX_TIMEOUT_SECS: u64 = 600;

/// Longest single backoff delay between retries.
pub const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(30);

/// The most retries `[publish] retries` may ask for: each waits up to [`MAX_BACKOFF`] (and a
/// timeout) while the site stays locked, so 20 already lets one request hold a run for over
/// ten minutes.
pub const MAX_RETRIES: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    #[default]
    None,
    Bearer,
    Basic,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPublish {
    pub url: Option<String>,
    #[serde(default)]
    pub auth: AuthKind,
    pub user: Option<String>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub timeout_secs: Option<u64>,
    pub retries: Option<u32>,
    pub retry_base_ms: Option<u64>,
    #[serde(default)]
    pub allow_insecure_auth: bool,
    #[serde(default)]
    pub hubs: Vec<String>,
    pub hub_param: Option<String>,
    pub state_file: Option<PathBuf>,
    // Object storage (`url = "s3://bucket/prefix/"`).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub virtual_hosted: Option<bool>,
    pub access_key_env: Option<String>,
    pub secret_key_env: Option<String>,
    pub cache_control: Option<String>,
    #[serde(default)]
    pub media: bool,
    pub media_url: Option<String>,
    #[serde(default)]
    pub after_push: Vec<String>,
    #[serde(default)]
    pub podcast_index_ping: bool,
    pub podcast_index_url: Option<String>,
}

/// Where an `s3://` push goes and how it signs in; the secrets stay in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// Any S3-compatible endpoint; `None` is AWS itself.
    pub endpoint: Option<url::Url>,
    pub region: String,
    /// Bucket in the host name instead of the path (false with a custom endpoint by default:
    /// what MinIO and most emulators need).
    pub virtual_hosted: bool,
    /// Names of the environment variables holding the key id and the secret.
    pub access_key_env: String,
    pub secret_key_env: String,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: None,
            region: "us-east-1".into(),
            virtual_hosted: true,
            access_key_env: "AWS_ACCESS_KEY_ID".into(),
            secret_key_env: "AWS_SECRET_ACCESS_KEY".into(),
        }
    }
}

/// Cache-Control for media: a file's bytes never change under its name without a new push,
/// and a changed file is re-sent, so a CDN may keep it for a year.
pub const MEDIA_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Where Podcast Index's no-key notification lives unless `podcast_index_url` says otherwise.
pub const PODCAST_INDEX_URL: &str = "https://api.podcastindex.org/";

/// The resolved `[publish]` table (URLs parsed, paths absolute, defaults filled).
#[derive(Debug, Clone, PartialEq)]
pub struct PublishConfig {
    /// Base URL; each file is PUT to `url` + its name. `None` when only hubs are configured.
    pub url: Option<url::Url>,
    pub auth: AuthKind,
    pub user: Option<String>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub timeout: std::time::Duration,
    /// Retries after the first attempt, for connection errors, timeouts, 5xx and 429.
    pub retries: u32,
    /// First backoff delay; doubled per retry (with jitter), capped at [`MAX_BACKOFF`].
    pub retry_base: std::time::Duration,
    pub allow_insecure_auth: bool,
    pub hubs: Vec<url::Url>,
    /// Form field naming the topic in a hub ping: `hub.url` (default) or `hub.topic`.
    pub hub_param: String,
    /// What was pushed, with hashes and ETags (beside the config).
    pub state_file: PathBuf,
    /// Used when `url` is `s3://…`.
    pub s3: S3Settings,
    /// Cache-Control sent with feeds and other built files; `None` sends none.
    pub cache_control: Option<String>,
    /// Also upload the podcast's local media files (audio, cover, episode art, transcripts,
    /// chapters).
    pub media: bool,
    /// Where media go, when not below `url` (see [`media_destination`]).
    pub media_url: Option<url::Url>,
    /// Shell commands run after a push that changed something, given the changed keys.
    pub after_push: Vec<String>,
    /// Where Podcast Index is told about changed podcast feeds; `None`: it is not told.
    pub podcast_index: Option<url::Url>,
}

impl PublishConfig {
    /// Whether `url` names object storage.
    pub fn is_s3(&self) -> bool {
        self.url.as_ref().is_some_and(|u| u.scheme() == "s3")
    }
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            url: None,
            auth: AuthKind::None,
            user: None,
            token_env: None,
            token_file: None,
            timeout: std::time::Duration::from_secs(30),
            retries: 4,
            retry_base: std::time::Duration::from_millis(500),
            allow_insecure_auth: false,
            hubs: Vec::new(),
            hub_param: "hub.url".into(),
            state_file: PathBuf::from("feedwright-push.toml"),
            s3: S3Settings::default(),
            cache_control: None,
            media: false,
            media_url: None,
            after_push: Vec::new(),
            podcast_index: None,
        }
    }
}

/// A `[publish]` problem and the key it is about, so that the error names that key's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// `None` for a problem of the table as a whole (two keys that do not go together).
    pub key: Option<&'static str>,
    pub message: String,
}

impl KeyError {
    fn at(key: &'static str, message: impl Into<String>) -> KeyError {
        KeyError {
            key: Some(key),
            message: message.into(),
        }
    }

    /// The config error, at the line of the key in `text` (the config file `path` as written).
    pub fn into_error(self, path: &std::path::Path, text: &str) -> crate::error::Error {
        crate::error::Error::config(path, self.line(text), self.message)
    }

    /// The line of the key in `text` (the config as written), or of the `[publish]` header when
    /// the key is not written there (a default broke the rule) or the problem is the table's.
    fn line(&self, text: &str) -> Option<usize> {
        self.key
            .and_then(|k| super::sanity::table_key_line(text, "publish", k))
            .or_else(|| {
                text.lines()
                    .position(|l| l.trim_start().starts_with("[publish]"))
                    .map(|i| i + 1)
            })
    }
}

impl RawPublish {
    /// Resolves against the config folder; errors name the key the caller places at its line.
    pub fn resolve(self, root: &std::path::Path) -> Result<PublishConfig, KeyError> {
        let url = match &self.url {
            Some(s) if s.starts_with("s3://") => Some(s3_url(s, "url")?),
            Some(s) => {
                let u = with_slash(http_url(s, "url")?);
                if !u.username().is_empty() || u.password().is_some() {
                    return Err(KeyError::at(
                        "url",
                        "[publish] url must not contain a user or password: use auth with token_env or token_file",
                    ));
                }
                Some(u)
            }
            None => None,
        };
        let hubs = self
            .hubs
            .iter()
            .map(|h| {
                let u = http_url(h, "hubs")?;
                // Hubs get no credentials, and a URL is printed in messages and logs.
                if !u.username().is_empty() || u.password().is_some() {
                    return Err(KeyError::at("hubs", format!("[publish] hubs entry `{}` must not contain a user or password: a hub is pinged without credentials", shown_url(h))));
                }
                Ok(u)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if self.auth != AuthKind::None && self.token_env.is_none() && self.token_file.is_none() {
            return Err(KeyError::at(
                "auth",
                "[publish] auth needs token_env (an environment variable name) or token_file (a file holding the secret)",
            ));
        }
        if self.auth == AuthKind::Basic && self.user.is_none() {
            return Err(KeyError::at(
                "auth",
                "[publish] auth = \"basic\" needs user",
            ));
        }
        if let Some(n) = self.retries.filter(|n| *n > MAX_RETRIES) {
            return Err(KeyError::at(
                "retries",
                format!(
                    "[publish] retries = {n} is more than {MAX_RETRIES}: every retry waits up to 30 s more while the site stays locked; write a number from 0 to {MAX_RETRIES}"
                ),
            ));
        }
        if self.timeout_secs == Some(0) {
            return Err(KeyError::at(
                "timeout_secs",
                "[publish] timeout_secs must be at least 1",
            ));
        }
        // Every request waits this long for a server that never answers: a build (asking for
        // media lengths), `check` and `doctor` too, and a cron run holds the site's lock.
        if let Some(n) = self.timeout_secs.filter(|&n| n > MAX_TIMEOUT_SECS) {
            return Err(KeyError::at(
                "timeout_secs",
                format!(
                    "[publish] timeout_secs = {n} is more than {MAX_TIMEOUT_SECS} (10 minutes): a server that never answers would hold every build, check and push that long, each try; write a number from 1 to {MAX_TIMEOUT_SECS}"
                ),
            ));
        }
        let is_s3 = url.as_ref().is_some_and(|u| u.scheme() == "s3");
        let s3 = self.s3_settings(is_s3)?;
        let (media_url, podcast_index) = self.extras(is_s3)?;
        if let (Some(u), Some(m)) = (&url, &media_url) {
            self.check_media_origin(u, m)?;
        }
        let defaults = PublishConfig::default();
        Ok(PublishConfig {
            s3,
            cache_control: self.cache_control,
            media: self.media,
            media_url,
            after_push: self.after_push,
            podcast_index,
            url,
            auth: self.auth,
            user: self.user,
            token_env: self.token_env,
            token_file: self.token_file.map(|p| root.join(p)),
            timeout: self
                .timeout_secs
                .map_or(defaults.timeout, std::time::Duration::from_secs),
            retries: self.retries.unwrap_or(defaults.retries),
            retry_base: self
                .retry_base_ms
                .map_or(defaults.retry_base, std::time::Duration::from_millis),
            allow_insecure_auth: self.allow_insecure_auth,
            hubs,
            hub_param: self.hub_param.unwrap_or(defaults.hub_param),
            state_file: root.join(self.state_file.unwrap_or(defaults.state_file)),
        })
    }

    /// The keys for media, headers and what runs after a push, checked.
    fn extras(&self, is_s3: bool) -> Result<(Option<url::Url>, Option<url::Url>), KeyError> {
        let media_url = match &self.media_url {
            Some(s) if s.starts_with("s3://") => Some(s3_url(s, "media_url")?),
            Some(s) => Some(with_slash(http_url(s, "media_url")?)),
            None => None,
        };
        if media_url
            .as_ref()
            .is_some_and(|m| (m.scheme() == "s3") != is_s3)
        {
            return Err(KeyError::at(
                "media_url",
                "[publish] media_url must be of the same kind as url (both s3:// or both http(s))",
            ));
        }
        if let Some(cc) = &self.cache_control
            && (cc.trim().is_empty() || cc.chars().any(char::is_control))
        {
            return Err(KeyError::at(
                "cache_control",
                format!(
                    "[publish] cache_control `{}` is not a header value: write one like \"max-age=300\"",
                    cc.escape_debug()
                ),
            ));
        }
        if self.after_push.iter().any(|c| c.trim().is_empty()) {
            return Err(KeyError::at(
                "after_push",
                "[publish] after_push has an empty command: remove it or write the command to run",
            ));
        }
        let podcast_index = match (self.podcast_index_ping, &self.podcast_index_url) {
            (false, _) => None,
            (true, Some(u)) => Some(with_slash(http_url(u, "podcast_index_url")?)),
            (true, None) => Some(
                url::Url::parse(PODCAST_INDEX_URL)
                    .map_err(|e| KeyError::at("podcast_index_ping", e.to_string()))?,
            ),
        };
        Ok((media_url, podcast_index))
    }

    /// WebDAV credentials are meant for `url`'s host alone: with auth, a `media_url` on another
    /// origin (scheme, host and port) would hand them to that host with every media upload.
    fn check_media_origin(&self, url: &url::Url, media_url: &url::Url) -> Result<(), KeyError> {
        if media_url.scheme() == "s3" {
            return Ok(());
        }
        if !media_url.username().is_empty() || media_url.password().is_some() {
            return Err(KeyError::at(
                "media_url",
                "[publish] media_url must not contain a user or password: media are uploaded with the credentials of auth, token_env or token_file",
            ));
        }
        if self.auth == AuthKind::None || media_url.origin() == url.origin() {
            return Ok(());
        }
        // Two keys that do not go together: the error stands at the table.
        Err(KeyError {
            key: None,
            message: format!(
                "[publish] media_url `{media_url}` is on another host than url `{url}`, and the upload credentials (auth with token_env or token_file) go only to url's host: put media_url on the same scheme, host and port as url, or leave media_url unset so media go below url"
            ),
        })
    }

    /// The S3 keys, checked against the kind of `url`.
    fn s3_settings(&self, is_s3: bool) -> Result<S3Settings, KeyError> {
        let s3_keys = [
            ("endpoint", self.endpoint.is_some()),
            ("region", self.region.is_some()),
            ("virtual_hosted", self.virtual_hosted.is_some()),
            ("access_key_env", self.access_key_env.is_some()),
            ("secret_key_env", self.secret_key_env.is_some()),
        ];
        if !is_s3 && let Some((key, _)) = s3_keys.iter().find(|(_, set)| *set) {
            return Err(KeyError::at(
                key,
                format!(
                    "[publish] {key} is for object storage: it needs url = \"s3://bucket/prefix/\""
                ),
            ));
        }
        if is_s3
            && (self.auth != AuthKind::None
                || self.token_env.is_some()
                || self.token_file.is_some())
        {
            let written = [
                ("auth", self.auth != AuthKind::None),
                ("token_env", self.token_env.is_some()),
            ];
            let key = written
                .iter()
                .find(|(_, set)| *set)
                .map_or("token_file", |k| k.0);
            return Err(KeyError::at(
                key,
                "[publish] auth, token_env and token_file are for WebDAV: object storage signs in with access_key_env and secret_key_env (by default AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            ));
        }
        let defaults = S3Settings::default();
        let endpoint = match &self.endpoint {
            Some(e) => {
                let u = http_url(e, "endpoint")?;
                urls::s3_endpoint(&u)?;
                if !u.username().is_empty() || u.password().is_some() {
                    return Err(KeyError::at(
                        "endpoint",
                        "[publish] endpoint must not contain a user or password: the keys come from access_key_env and secret_key_env",
                    ));
                }
                Some(u)
            }
            None => None,
        };
        let env_name = |v: &Option<String>, key: &'static str, default: String| match v {
            Some(n) if n.is_empty() || n.contains(['=', '\0']) => Err(KeyError::at(
                key,
                format!("[publish] {key} `{n}` is not an environment variable name"),
            )),
            Some(n) => Ok(n.clone()),
            None => Ok(default),
        };
        if let Some(region) = &self.region {
            urls::s3_region(region)?;
        }
        Ok(S3Settings {
            // Path-style is what custom endpoints (MinIO, emulators) understand.
            virtual_hosted: self.virtual_hosted.unwrap_or(endpoint.is_none()),
            endpoint,
            region: self.region.clone().unwrap_or(defaults.region),
            access_key_env: env_name(
                &self.access_key_env,
                "access_key_env",
                defaults.access_key_env,
            )?,
            secret_key_env: env_name(
                &self.secret_key_env,
                "secret_key_env",
                defaults.secret_key_env,
            )?,
        })
    }
}

/// Where the media published at `media_base_url` are uploaded: `[publish] media_url`, or by
/// default `url` plus the path of `media_base_url` below `[site] feeds_url`. `None` when
/// neither holds; the caller names the keys.
pub fn media_destination(
    publish: &PublishConfig,
    feeds_url: &url::Url,
    media_base_url: &url::Url,
) -> Option<url::Url> {
    if let Some(m) = &publish.media_url {
        return Some(m.clone());
    }
    let base = publish.url.as_ref()?;
    let below = media_base_url.as_str().strip_prefix(feeds_url.as_str())?;
    base.join(below).ok()
}

/// With `media = true`, every podcast's `media_base_url` must have a place to upload to.
pub fn check_media(config: &super::Config) -> Result<(), KeyError> {
    let publish = &config.publish;
    if !publish.media {
        return Ok(());
    }
    if publish.url.is_none() {
        return Err(KeyError::at(
            "media",
            "[publish] media = true needs url, where the files are uploaded",
        ));
    }
    for feed in &config.feeds {
        let Some(base) = feed
            .podcast
            .as_ref()
            .and_then(|p| p.media_base_url.as_ref())
        else {
            continue;
        };
        if media_destination(publish, &config.site.feeds_url, base).is_none() {
            return Err(KeyError::at(
                "media",
                format!(
                    "[publish] media = true, but feed `{}` publishes its media at {base} ([feed.podcast] media_base_url), which is not below [site] feeds_url {}: set [publish] media_url to where they are uploaded, or put media_base_url below feeds_url",
                    feed.name, config.site.feeds_url
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "publish_tests.rs"]
mod tests;
