//! The URLs of `[publish]` checked, and any URL from the config as an error message may quote
//! it: a password written into a URL must not reach the terminal, even when the URL is too
//! malformed to parse.

use super::KeyError;

/// `url` as a message may show it: without its password, even when it does not parse.
/// [`crate::net::redact`] relies on the URL parser, which gives up on exactly the malformed
/// URLs a config error quotes (`https://bob:pw@[bad/`, `bob:pw@host`); those lose their
/// userinfo by their text: the user stays, the password becomes `***`.
pub fn shown_url(url: &str) -> String {
    if let Ok(parsed) = url::Url::parse(url)
        && parsed.has_host()
    {
        let had_userinfo = !parsed.username().is_empty() || parsed.password().is_some();
        let shown = crate::net::redact(url);
        // A password holding an unescaped `/` ends the authority early (`https://bob:p@w/d@h/`):
        // the parser takes `w` for the host, and the rest of the password stays in the path.
        return if had_userinfo && shown.contains('@') {
            crate::net::without_userinfo(&shown)
        } else {
            shown
        };
    }
    crate::net::without_userinfo(url)
}

/// `s`, the value (or for `hubs` an entry) of `key`, parsed as an absolute http(s) URL.
pub(super) fn http_url(s: &str, key: &'static str) -> Result<url::Url, KeyError> {
    let what = if key == "hubs" { "hubs entry" } else { key };
    url::Url::parse(s)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| {
            KeyError::at(
                key,
                format!(
                    "[publish] {what} `{}` is not an absolute http(s) URL",
                    shown_url(s)
                ),
            )
        })
}

/// `s3://bucket/prefix/` checked: a bucket, no credentials, no query, a prefix ending in `/`.
pub(super) fn s3_url(s: &str, key: &'static str) -> Result<url::Url, KeyError> {
    let u = url::Url::parse(s)
        .ok()
        .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| {
            KeyError::at(
                key,
                format!(
                    "[publish] {key} `{}` is not an s3:// URL: write it like \"s3://my-bucket/feeds/\"",
                    shown_url(s)
                ),
            )
        })?;
    if !u.username().is_empty()
        || u.password().is_some()
        || u.query().is_some()
        || u.port().is_some()
    {
        return Err(KeyError::at(
            key,
            format!(
                "[publish] {key} `{}` names only a bucket and a key prefix: the endpoint goes in `endpoint`, the keys in the environment",
                shown_url(s)
            ),
        ));
    }
    Ok(with_slash(u))
}

pub(super) fn with_slash(mut u: url::Url) -> url::Url {
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The audit's URLs: none parses as an http(s) URL with a host, and each was echoed whole.
    #[test]
    fn a_password_is_hidden_even_in_a_url_that_does_not_parse() {
        for (url, shown) in [
            ("https://bob:PW@[bad/feeds/", "https://bob:***@[bad/feeds/"),
            ("https://bob:P W@bad host/", "https://bob:***@bad host/"),
            ("bob:PW@host", "bob:***@host"),
            ("https://bob:p@w/d@[bad/", "https://***@[bad/"),
            ("https://host/@me/", "https://host/@me/"),
            ("https://TOKEN@[bad/", "https://***@[bad/"),
            ("https://[bad/@feeds", "https://***@feeds"),
            ("ftp://bob:PW@host/x", "ftp://host/x"),
            ("https://bob:PW@host/x", "https://host/x"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }
}
