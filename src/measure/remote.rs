//! The start of a remote picture, for [`super::art::check_prefix`]: one GET asking for the
//! first [`PREFIX_CAP`] bytes, read within the client's timeout and never past the cap, even
//! from a server that ignores the range and sends the whole file.

use std::time::Duration;

use url::Url;

/// Enough for a PNG's header chunks and a JPEG's segments up to its frame header in nearly
/// every real file; a picture whose header lies further is not judged.
pub const PREFIX_CAP: u64 = 64 * 1024;

/// Up to the first [`PREFIX_CAP`] bytes of `url`; `None` when the server cannot be asked or
/// sends nothing (the other checks, and `doctor`, report an unreachable server).
pub fn prefix(url: &Url, timeout: Duration) -> Option<Vec<u8>> {
    let client = crate::net::builder(timeout).build().ok()?;
    let response = client
        .get(url.clone())
        .header(
            reqwest::header::RANGE,
            format!("bytes=0-{}", PREFIX_CAP - 1),
        )
        .send()
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let bytes = crate::net::read_prefix(response, PREFIX_CAP, timeout);
    (!bytes.is_empty()).then_some(bytes)
}
