//! Config values with a grammar of their own, checked before any feed carries them: a
//! language tag (RSS `<language>`, Atom `xml:lang`, the JSON Feed's `language`), a person's
//! name and e-mail (RSS `<managingEditor>`/`<author>`, Atom `<author>`, `itunes:owner`), and
//! the public address every link is made from. A feed with `xml:lang="english please"` or an
//! `<email>` without an `@` is refused or flagged by validators and podcast directories.

use super::Person;

/// `language`: a language tag as feeds need it (RFC 5646's shape: a two- or three-letter
/// language code, then subtags of letters and digits joined by `-`, like `en`, `pt-BR`,
/// `zh-Hant-TW`).
pub(super) fn check_language(table: &str, tag: &str) -> Result<(), String> {
    let mut subtags = tag.split('-');
    let primary = subtags.next().unwrap_or("");
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok =
        subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
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

/// The `[site]` values above, with the key to name when one is wrong.
pub(super) fn check_site(
    site: &super::RawSite,
    (base_url, feeds_url): (&url::Url, &url::Url),
) -> Result<(), (&'static str, String)> {
    let (language, author) = (site.language.as_deref(), site.author.as_ref());
    check_base_url("base_url", base_url).map_err(|m| ("base_url", m))?;
    check_base_url("feeds_url", feeds_url).map_err(|m| ("feeds_url", m))?;
    if let Some(tag) = language {
        check_language("[site]", tag).map_err(|m| ("language", m))?;
    }
    match author {
        Some(p) => check_person("[site] author", p).map_err(|m| ("author", m)),
        None => Ok(()),
    }
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

#[cfg(test)]
mod tests {
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
        ] {
            assert!(check_language("[site]", bad).is_err(), "{bad:?}");
        }
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
