//! Tests of [`super`]: the `[publish]` table resolved.

use super::*;

fn resolve(text: &str) -> Result<PublishConfig, String> {
    toml::from_str::<RawPublish>(text)
        .unwrap()
        .resolve(std::path::Path::new("/site"))
        .map_err(|e| e.message)
}

/// Audit 2026-12, finding 6: `retries = 1000000` was accepted.
#[test]
fn retries_have_an_upper_bound() {
    let url = "url = \"https://dav.example/\"\n";
    assert_eq!(resolve(&format!("{url}retries = 20")).unwrap().retries, 20);
    assert_eq!(
        resolve(&format!("{url}retries = 1000000")).unwrap_err(),
        "[publish] retries = 1000000 is more than 20: every retry waits up to 30 s more while the site stays locked; write a number from 0 to 20"
    );
}

/// Hostile-repository audit: `timeout_secs = 1000000` let a server that never answers
/// hold a build or `check` for days.
#[test]
fn the_timeout_has_an_upper_bound() {
    let url = "url = \"https://dav.example/\"\n";
    assert_eq!(
        resolve(&format!("{url}timeout_secs = 600"))
            .unwrap()
            .timeout
            .as_secs(),
        600
    );
    assert_eq!(
        resolve(&format!("{url}timeout_secs = 1000000")).unwrap_err(),
        "[publish] timeout_secs = 1000000 is more than 600 (10 minutes): a server that never answers would hold every build, check and push that long, each try; write a number from 1 to 600"
    );
}

#[test]
fn s3_urls_and_their_keys() {
    let c = resolve("url = \"s3://bucket/feeds\"\nendpoint = \"http://127.0.0.1:9000\"").unwrap();
    assert_eq!(c.url.unwrap().as_str(), "s3://bucket/feeds/");
    assert!(!c.s3.virtual_hosted, "path-style with a custom endpoint");
    assert_eq!(c.s3.region, "us-east-1");
    assert_eq!(c.s3.access_key_env, "AWS_ACCESS_KEY_ID");
    assert!(resolve("url = \"s3://bucket/\"").unwrap().s3.virtual_hosted);
    assert_eq!(
        resolve("url = \"https://dav.example/\"\nregion = \"auto\"").unwrap_err(),
        "[publish] region is for object storage: it needs url = \"s3://bucket/prefix/\""
    );
    let e = resolve("url = \"s3://bucket/\"\nauth = \"bearer\"\ntoken_env = \"T\"").unwrap_err();
    assert!(e.contains("access_key_env"), "{e}");
    let e = resolve("url = \"s3://user:pw@bucket/\"").unwrap_err();
    assert!(
        e.contains("names only a bucket") && !e.contains("pw"),
        "{e}"
    );
    let e = resolve("url = \"s3://bucket/\"\nmedia_url = \"https://x/\"").unwrap_err();
    assert!(e.contains("same kind"), "{e}");
}

#[test]
fn webdav_credentials_never_go_to_a_media_url_elsewhere() {
    let auth = "auth = \"bearer\"\ntoken_env = \"T\"\n";
    let e = resolve(&format!(
        "url = \"https://dav.example/feeds/\"\n{auth}media_url = \"https://cdn.example/media/\""
    ))
    .unwrap_err();
    assert_eq!(
        e,
        "[publish] media_url `https://cdn.example/media/` is on another host than url `https://dav.example/feeds/`, and the upload credentials (auth with token_env or token_file) go only to url's host: put media_url on the same scheme, host and port as url, or leave media_url unset so media go below url"
    );
    // Another port or scheme is another origin too.
    for other in ["https://dav.example:8443/m/", "http://dav.example/m/"] {
        let e = resolve(&format!(
            "url = \"https://dav.example/feeds/\"\n{auth}media_url = \"{other}\""
        ))
        .unwrap_err();
        assert!(e.contains("is on another host than url"), "{other}: {e}");
    }
    // The same origin, or no credentials at all, is fine.
    let same = resolve(&format!(
        "url = \"https://dav.example/feeds/\"\n{auth}media_url = \"https://dav.example:443/audio\""
    ))
    .unwrap();
    assert_eq!(
        same.media_url.unwrap().as_str(),
        "https://dav.example/audio/"
    );
    assert!(
        resolve("url = \"https://dav.example/feeds/\"\nmedia_url = \"https://cdn.example/m/\"")
            .is_ok()
    );
    let e = resolve("url = \"https://dav.example/\"\nmedia_url = \"https://u:pw@dav.example/m/\"")
        .unwrap_err();
    assert!(
        e.contains("must not contain a user") && !e.contains("pw"),
        "{e}"
    );
}

#[test]
fn media_go_below_the_feeds_prefix_by_default() {
    let c = resolve("url = \"s3://bucket/feeds/\"\nmedia = true").unwrap();
    let feeds = url::Url::parse("https://pod.example/feeds/").unwrap();
    let below = url::Url::parse("https://pod.example/feeds/media/").unwrap();
    let elsewhere = url::Url::parse("https://cdn.example/audio/").unwrap();
    assert_eq!(
        media_destination(&c, &feeds, &below).unwrap().as_str(),
        "s3://bucket/feeds/media/"
    );
    assert_eq!(media_destination(&c, &feeds, &elsewhere), None);
    let c = resolve("url = \"s3://bucket/feeds/\"\nmedia_url = \"s3://audio/\"").unwrap();
    assert_eq!(
        media_destination(&c, &feeds, &elsewhere).unwrap().as_str(),
        "s3://audio/"
    );
}
