//! Config values with a grammar of their own, checked before any feed carries them: a
//! language tag (RSS `<language>`, Atom `xml:lang`, the JSON Feed's `language`), a person's
//! name and e-mail (RSS `<managingEditor>`/`<author>`, Atom `<author>`, `itunes:owner`), and
//! the public address every link is made from. A feed with `xml:lang="english please"` or an
//! `<email>` without an `@` is refused or flagged by validators and podcast directories.

use std::path::Path;

use chrono_tz::Tz;
use url::Url;

use super::{DEFAULT_MAX_DROP_SHARE, Person, RawSite};
use crate::error::Error;

/// A problem with a `[site]` value: the key to name (its line is found by it) and what is wrong.
pub(super) type Problem = (&'static str, String);

/// The largest `[site] size_budget_kb`: a terabyte, past any feed a reader would fetch.
const MAX_SIZE_BUDGET_KB: u64 = 1 << 30;

/// The `[site]` values that need more than reading.
pub(super) struct SiteValues {
    pub(super) base_url: Url,
    pub(super) feeds_url: Url,
    pub(super) timezone: Tz,
    pub(super) max_drop_share: f64,
}

/// The `[site]` values checked, with every problem among them at once: a user fixes them in
/// one go, not one run at a time.
pub(super) fn site_values(site: &RawSite) -> Result<SiteValues, Vec<Problem>> {
    let mut found = Vec::new();
    let urls = site_urls(site).map_err(|p| found.push(p)).ok();
    found.extend(check_site(site, urls.as_ref().map(|(b, f)| (b, f))));
    let timezone = match &site.timezone {
        None => Some(Tz::UTC),
        Some(name) => name.parse::<Tz>().map_err(|_| found.push(("timezone", match same_but_case(name) {
            Some(known) => format!("[site] timezone `{name}` is not an IANA timezone name; did you mean \"{known}\"?"),
            None => format!("[site] timezone `{name}` is not an IANA timezone name; use one like \"Europe/Paris\" or \"UTC\""),
        }))).ok(),
    };
    if let Some(id) = &site.id
        && super::site_id::check_site_id(id).is_err()
    {
        found.push(("id", format!(
            "[site] id `{id}` is not usable as a permanent id: use a tag: URI authority like \"tag:example.com,2026:\" or a UUID"
        )));
    }
    let max_drop_share = site.max_drop_share.unwrap_or(DEFAULT_MAX_DROP_SHARE);
    if !(0.0..=1.0).contains(&max_drop_share) {
        found.push(("max_drop_share", format!(
            "[site] max_drop_share = {max_drop_share} must be between 0 and 1 (0.25 refuses a build that would drop more than a quarter of a feed's entries)"
        )));
    }
    // Zero warned of every feed, and a number of terabytes overflowed once made bytes.
    if let Some(kb) = site.size_budget_kb
        && !(1..=MAX_SIZE_BUDGET_KB).contains(&kb)
    {
        found.push(("size_budget_kb", format!(
            "[site] size_budget_kb = {kb} must be between 1 and {MAX_SIZE_BUDGET_KB} (KB; a feed file larger than it is warned of, 512 by default)"
        )));
    }
    match (urls, timezone) {
        (Some((base_url, feeds_url)), Some(timezone)) if found.is_empty() => Ok(SiteValues {
            base_url,
            feeds_url,
            timezone,
            max_drop_share,
        }),
        _ => Err(found),
    }
}

/// The problems as the error to report: one, or all of them listed (exit 3 either way).
pub(super) fn into_error(path: &Path, text: &str, found: Vec<Problem>) -> Error {
    let errors = found
        .into_iter()
        .map(|(key, message)| Error::config(path, super::key_line(text, key), message))
        .collect();
    // `found` is never empty here: a build with no problem has its values.
    all_of(errors)
        .err()
        .unwrap_or_else(|| Error::config(path, None, "no problem found"))
}

/// `Ok` when `errors` is empty, else one error telling them all (exit 3).
pub(super) fn all_of(mut errors: Vec<Error>) -> Result<(), Error> {
    if errors.len() <= 1 {
        return errors.pop().map_or(Ok(()), Err);
    }
    let mut all = Vec::new();
    for e in errors {
        match e {
            Error::Config(d) => all.push(d),
            Error::Settings { config, .. } => all.extend(config),
            other => return Err(other),
        }
    }
    Err(Error::Settings {
        config: all,
        content: Vec::new(),
    })
}

/// `[site] base_url` and `feeds_url`, absolute, with a trailing slash, and without credentials.
fn site_urls(site: &RawSite) -> Result<(Url, Url), Problem> {
    let base_url = Url::parse(&site.base_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| {
            ("base_url", format!(
                "[site] base_url `{}` is not an absolute http(s) URL; write it like \"https://example.com/\"",
                super::publish::shown_url(&site.base_url)
            ))
        })?;
    let base_url = with_trailing_slash(base_url);
    let feeds_url = match &site.feeds_url {
        Some(u) => Url::parse(u)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(with_trailing_slash)
            .ok_or_else(|| {
                let shown = super::publish::shown_url(u);
                (
                    "feeds_url",
                    format!("[site] feeds_url `{shown}` is not an absolute http(s) URL"),
                )
            })?,
        None => base_url
            .join("feeds/")
            .expect("joining a relative path to an http URL cannot fail"),
    };
    // Both are public: they end up in every feed's links, and a password with them.
    for (key, url) in [("base_url", &base_url), ("feeds_url", &feeds_url)] {
        if !url.username().is_empty() || url.password().is_some() {
            return Err((
                key,
                format!(
                    "[site] {key} `{}` must not contain a user or password: it is the public address written into every feed",
                    crate::net::redact(url.as_str())
                ),
            ));
        }
    }
    Ok((base_url, feeds_url))
}

pub(super) fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    url
}

/// `language`: a language tag as feeds need it (RFC 5646's shape: a two- or three-letter
/// language code, then subtags of letters and digits joined by `-`, like `en`, `pt-BR`,
/// `zh-Hant-TW`).
pub fn check_language(table: &str, tag: &str) -> Result<(), String> {
    let mut subtags = tag.split('-');
    let primary = subtags.next().unwrap_or("");
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok =
        subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && primary.len() == 2 && !super::languages::is_two_letter_code(primary)
    {
        return Err(format!(
            "{table} language `{}` is not a language ISO 639-1 knows (readers and podcast directories read it as one): write a code like \"en\", \"fr\" or \"en-GB\"",
            tag.escape_debug()
        ));
    }
    if primary_ok && rest_ok {
        return Ok(());
    }
    Err(format!(
        "{table} language `{}` is not a language tag: write a code like \"en\", \"fr\" or \"en-GB\" (feeds write it in <language> and xml:lang)",
        tag.escape_debug()
    ))
}

/// A person: a name readers can see, and an e-mail that is an address (`name@host`).
pub(super) fn check_person(key: &str, person: &Person) -> Result<(), String> {
    if person.name.trim().is_empty() {
        return Err(format!(
            "{key}.name is empty: write the name readers see (feeds write it as the author)"
        ));
    }
    match &person.email {
        Some(email) if !is_address(email) => Err(format!(
            "{key}.email `{}` is not an e-mail address: write it like \"ada@example.com\", or leave it out",
            email.escape_debug()
        )),
        _ => Ok(()),
    }
}

/// `local@domain` as feeds carry it: no spaces or characters that end an address in a header
/// (`<>()[],;:"\`), one `@`, and a domain of dot-separated labels of letters, digits and `-`.
fn is_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\@".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// The `[site]` values above: every problem with them.
fn check_site(site: &RawSite, urls: Option<(&Url, &Url)>) -> Vec<Problem> {
    let mut found = Vec::new();
    if let Some((base_url, feeds_url)) = urls {
        found.extend(
            check_base_url("base_url", base_url)
                .err()
                .map(|m| ("base_url", m)),
        );
        found.extend(
            check_base_url("feeds_url", feeds_url)
                .err()
                .map(|m| ("feeds_url", m)),
        );
    }
    if let Some(tag) = &site.language {
        found.extend(check_language("[site]", tag).err().map(|m| ("language", m)));
    }
    if let Some(p) = &site.author {
        found.extend(
            check_person("[site] author", p)
                .err()
                .map(|m| ("author", m)),
        );
    }
    found
}

/// `base_url` is where every link starts, `feeds_url` every feed's own address: a query or a
/// fragment would be dropped from every link made from them.
pub(super) fn check_base_url(key: &str, url: &url::Url) -> Result<(), String> {
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "[site] {key} `{}` has a query or a fragment (`?…`, `#…`): links are made by adding paths to it; write the address alone, like \"https://example.com/\"",
            crate::net::redact(url.as_str())
        ));
    }
    Ok(())
}

/// The IANA name that `name` spells in another case (`europe/london`): names are matched
/// exactly, and a lowercase one is the usual slip.
fn same_but_case(name: &str) -> Option<&'static str> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .find(|known| known.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    /// Audit: `timezone = "europe/london"` got no hint of the spelling meant.
    #[test]
    fn a_timezone_in_another_case_is_named() {
        assert_eq!(super::same_but_case("europe/london"), Some("Europe/London"));
        assert_eq!(super::same_but_case("utc"), Some("UTC"));
        assert_eq!(super::same_but_case("Mars/Olympus"), None);
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://example.com/\"\ntimezone = \"europe/london\"\n[[feed]]\nname = \"r\"\ntitle = \"R\"\nsource = \"c\"\n";
        let err = crate::config::Config::parse(text, std::path::Path::new("/s/config.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "/s/config.toml:4: [site] timezone `europe/london` is not an IANA timezone name; did you mean \"Europe/London\"?"
        );
    }

    /// Audit: `size_budget_kb = 0` was taken, then every feed was "over the 0 KB budget"; a
    /// number of terabytes overflowed when made bytes.
    #[test]
    fn a_size_budget_of_nothing_or_past_a_terabyte_is_refused() {
        let site = |kb: &str| {
            format!(
                "[site]\ntitle = \"T\"\nbase_url = \"https://example.com/\"\nsize_budget_kb = {kb}\n[[feed]]\nname = \"r\"\ntitle = \"R\"\nsource = \"c\"\n"
            )
        };
        let path = std::path::Path::new("/s/config.toml");
        for kb in ["0", "1073741825", "18446744073709551615"] {
            let err = crate::config::Config::parse(&site(kb), path).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "/s/config.toml:4: [site] size_budget_kb = {kb} must be between 1 and 1073741824 (KB; a feed file larger than it is warned of, 512 by default)"
                )
            );
        }
        let config = crate::config::Config::parse(&site("1073741824"), path).unwrap();
        assert_eq!(config.site.size_budget, 1 << 40);
    }

    use super::*;

    fn person(name: &str, email: Option<&str>) -> Person {
        Person {
            name: name.into(),
            email: email.map(Into::into),
        }
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "fr", "en-GB", "pt-BR", "zh-Hant-TW", "fil", "es-419"] {
            assert_eq!(check_language("[site]", ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "english please",
            "e",
            "english",
            "en_GB",
            "en-",
            "-en",
            "en-toolongsubtag",
            "fr\n",
            "xx",
            "qq-GB",
        ] {
            assert!(check_language("[site]", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_language("[site]", "xx-GB").unwrap_err(),
            "[site] language `xx-GB` is not a language ISO 639-1 knows (readers and podcast directories read it as one): write a code like \"en\", \"fr\" or \"en-GB\""
        );
        assert_eq!(
            check_language("[site]", "english please").unwrap_err(),
            "[site] language `english please` is not a language tag: write a code like \"en\", \"fr\" or \"en-GB\" (feeds write it in <language> and xml:lang)"
        );
    }

    #[test]
    fn people() {
        assert_eq!(check_person("[site] author", &person("Ada", None)), Ok(()));
        for ok in [
            "ada@films.example",
            "a.b+c@x.co.uk",
            "ada@localhost",
            "zoé@exemple.fr",
        ] {
            assert_eq!(
                check_person("[site] author", &person("Ada", Some(ok))),
                Ok(()),
                "{ok}"
            );
        }
        for bad in [
            "not an email",
            "ada",
            "@x.org",
            "ada@",
            "a@b@c",
            "ada@x..org",
            "<ada@x.org>",
            "ada@x.org (Ada)",
            "ada@-x.org",
        ] {
            assert!(
                check_person("[site] author", &person("Ada", Some(bad))).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            check_person("[site] author", &person(" ", None)).unwrap_err(),
            "[site] author.name is empty: write the name readers see (feeds write it as the author)"
        );
        assert_eq!(
            check_person("[feed.podcast] owner", &person("Ada", Some("ada at x"))).unwrap_err(),
            "[feed.podcast] owner.email `ada at x` is not an e-mail address: write it like \"ada@example.com\", or leave it out"
        );
    }

    #[test]
    fn a_base_url_with_a_query_or_fragment_is_refused() {
        for ok in ["https://films.example/", "https://films.example/blog/"] {
            assert_eq!(
                check_base_url("base_url", &url::Url::parse(ok).unwrap()),
                Ok(())
            );
        }
        for bad in [
            "https://films.example/?x=1",
            "https://films.example/#top",
            "https://films.example/?",
        ] {
            assert!(
                check_base_url("feeds_url", &url::Url::parse(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }
}
