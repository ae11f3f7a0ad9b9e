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
    s3_parts(s, key)?;
    Ok(with_slash(u))
}

/// The bucket and the key prefix of `s`, as written (the URL parser lowercases a host and
/// resolves `..`): S3's bucket rules (3 to 63 lowercase letters, digits, dots and hyphens,
/// a letter or digit at each end), no `.` or `..` segment (which the parser would resolve
/// to another prefix, silently), no fragment. Called once credentials were refused: `s` is
/// shown as written (the parser's form of it has the `..` resolved away).
pub(super) fn s3_parts(s: &str, key: &'static str) -> Result<(), KeyError> {
    let rest = s.strip_prefix("s3://").unwrap_or(s);
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(bucket.chars().next())
        && edge(bucket.chars().last());
    if !bucket_ok {
        return Err(KeyError::at(
            key,
            format!(
                "[publish] {key}: bucket `{}` is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit",
                shown_url(bucket)
            ),
        ));
    }
    let dots = path.split('/').any(|seg| {
        let seg = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
        seg == "." || seg == ".."
    });
    if dots || path.contains('#') {
        return Err(KeyError::at(
            key,
            format!(
                "[publish] {key} `{s}` has a `.` or `..` segment or a `#`: write the key prefix itself, like \"s3://{bucket}/feeds/\""
            ),
        ));
    }
    Ok(())
}

/// An S3 endpoint is a scheme, a host and a port: a path or query would be put before every
/// key (objects landed under another prefix than `url` names, and were said to be there).
pub(super) fn s3_endpoint(u: &url::Url) -> Result<(), KeyError> {
    if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
        return Err(KeyError::at(
            "endpoint",
            format!(
                "[publish] endpoint `{}` has a path or query: give only the scheme, host and port (\"{}://{}\"); the bucket and prefix go in url = \"s3://bucket/prefix/\"",
                shown_url(u.as_str()),
                u.scheme(),
                u.host_str().unwrap_or("")
            ),
        ));
    }
    Ok(())
}

/// A region is a name like `us-east-1` or `auto`: an empty one, or one with a space or a
/// control character (which no HTTP header may carry: the signing library panicked on it),
/// is refused.
pub(super) fn s3_region(region: &str) -> Result<(), KeyError> {
    let ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        return Ok(());
    }
    Err(KeyError::at(
        "region",
        format!(
            "[publish] region `{}` is not a region name: write one like \"us-east-1\", or \"auto\" where the provider says so",
            region.escape_debug()
        ),
    ))
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

    /// Audit: buckets S3 refuses, `..` prefixes resolved silently, an endpoint path that put
    /// objects under another prefix, and regions that panicked the signing library.
    #[test]
    fn s3_buckets_prefixes_endpoints_and_regions_are_checked() {
        for ok in ["s3://feeds-bucket/feeds/", "s3://a.b-c/x/y/", "s3://abc"] {
            assert!(s3_url(ok, "url").is_ok(), "{ok}");
        }
        for (bad, said) in [
            ("s3://My.Bucket/feeds/", "is not an S3 bucket name"),
            ("s3://b/feeds/", "is not an S3 bucket name"),
            ("s3://bucket_under/feeds/", "is not an S3 bucket name"),
            (
                "s3://bucket/../feeds/",
                "has a `.` or `..` segment or a `#`",
            ),
            (
                "s3://bucket/a/%2e%2e/feeds/",
                "has a `.` or `..` segment or a `#`",
            ),
            (
                "s3://bucket/feeds/#frag",
                "has a `.` or `..` segment or a `#`",
            ),
        ] {
            let e = s3_url(bad, "url").unwrap_err();
            assert!(e.message.contains(said), "{bad}: {}", e.message);
        }
        let endpoint = |u: &str| s3_endpoint(&url::Url::parse(u).unwrap());
        assert!(endpoint("http://127.0.0.1:9000").is_ok());
        assert!(endpoint("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "http://127.0.0.1:5001/feeds-bucket/other/",
            "http://127.0.0.1:5001/?x=1",
        ] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
        for ok in ["us-east-1", "auto", "fr-par", "us-west-004"] {
            assert!(s3_region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "us-east-1\n", "us east", "us-east-1\r"] {
            let e = s3_region(bad).unwrap_err();
            assert!(e.message.starts_with("[publish] region `"), "{}", e.message);
            assert!(!e.message.contains('\n'), "{}", e.message);
        }
    }

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
