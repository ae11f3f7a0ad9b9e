//! The WebSub publisher ping (W3C WebSub §6): after a changed feed is uploaded, tell every
//! configured hub with a form POST of `hub.mode=publish` and the topic URL. The topic is the
//! feed's public `rel="self"` URL (spec R90), not the upload URL. Hubs get no credentials.

use reqwest::blocking::Client;
use reqwest::header;
use url::Url;

use super::http::{status_failure, status_text, transport_failure};
use super::target::Failure;

/// Sends one ping; any 2xx is success (hubs usually answer 204). Returns the hub's answer.
pub fn ping(client: &Client, hub: &Url, param: &str, topic: &str) -> Result<String, Failure> {
    let what = format!("POST {}", super::http::redact(hub.as_str()));
    let response = client
        .post(hub.clone())
        .header(header::ACCEPT, "*/*")
        .form(&[("hub.mode", "publish"), (param, topic)])
        .send()
        .map_err(|e| transport_failure(&what, &e))?;
    if response.status().is_success() {
        Ok(status_text(response.status()))
    } else {
        // Hubs get no credentials: there is no secret to mask.
        Err(status_failure(&what, response, &|t: &str| t.to_string()))
    }
}
