//! `[publish]` in config.toml: where and how to upload, and which WebSub hubs to ping.
//! Secrets never live here: only the name of the environment variable or file that holds them.

use std::path::PathBuf;

use serde::Deserialize;

/// Longest single backoff delay between retries.
pub const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(30);

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
}

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
        }
    }
}

impl RawPublish {
    /// Resolves against the config folder; errors are messages the caller places at a line.
    pub fn resolve(self, root: &std::path::Path) -> Result<PublishConfig, String> {
        let http_url = |s: &str, what: &str| {
            url::Url::parse(s)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                .ok_or_else(|| format!("[publish] {what} `{s}` is not an absolute http(s) URL"))
        };
        let url = match &self.url {
            Some(s) => {
                let mut u = http_url(s, "url")?;
                if !u.path().ends_with('/') {
                    let p = format!("{}/", u.path());
                    u.set_path(&p);
                }
                if !u.username().is_empty() || u.password().is_some() {
                    return Err("[publish] url must not contain a user or password: use auth with token_env or token_file".into());
                }
                Some(u)
            }
            None => None,
        };
        let hubs = self
            .hubs
            .iter()
            .map(|h| {
                let u = http_url(h, "hubs entry")?;
                // Hubs get no credentials, and a URL is printed in messages and logs.
                if !u.username().is_empty() || u.password().is_some() {
                    return Err(format!("[publish] hubs entry `{}` must not contain a user or password: a hub is pinged without credentials", crate::net::redact(h)));
                }
                Ok(u)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if self.auth != AuthKind::None && self.token_env.is_none() && self.token_file.is_none() {
            return Err("[publish] auth needs token_env (an environment variable name) or token_file (a file holding the secret)".into());
        }
        if self.auth == AuthKind::Basic && self.user.is_none() {
            return Err("[publish] auth = \"basic\" needs user".into());
        }
        if self.timeout_secs == Some(0) {
            return Err("[publish] timeout_secs must be at least 1".into());
        }
        let defaults = PublishConfig::default();
        Ok(PublishConfig {
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
}
