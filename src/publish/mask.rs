//! Finding an upload secret in a server's text, in whatever form the server echoed it, and
//! masking it. Both targets use it: WebDAV's token or password ([`super::auth`]) and the S3
//! secret key and session token ([`super::s3_keys`]).
//!
//! Servers quote the request back in error pages: the `Authorization` header as sent (Base64 of
//! `user:secret` for Basic), the token alone or Base64-encoded, each run through whatever
//! escaping the page needs: percent-encoding (`%2B` or `%2b`, `+` for a space, `/` kept or
//! not), HTML or XML entities (`&#43;`, `&quot;`, `&amp;`, `&eacute;`), JSON or JavaScript
//! string escapes (`\"`, `\\`, `\u00fc`). Listing every combination misses the next one, so
//! the text is matched against the secret one character at a time, each character in any of
//! the spellings those escapings give it, in either case: a mix such as Python's `quote()`
//! (`/` kept, `+` as `%2B`) is found as well, and so is the secret upper-cased. Base64 cannot
//! be matched a character at a time; its forms are listed instead, as are the secret's other
//! forms (Unicode normal forms, UTF-8 misread as Latin-1: [`super::mask_forms`]).
//!
//! What is found is masked where it stands. Then the masked text is looked at again through
//! views that undo what a match cannot follow (MIME's line wrapping of Base64, a folded
//! header, HTML references the character spellings do not cover): a secret found there cannot
//! be pointed at in the text, so nothing of the text is shown at all ([`WITHHELD`]).
//!
//! What this must never do: show any part of a secret it found, or run on a text already
//! shortened (a secret cut in two is only found when the cut is the end of the text).

use super::mask_forms::{STANDARD, URL_SAFE, base64, base64_forms, hex_forms, text_forms, views};

/// What a secret is replaced with.
pub(super) const MASK: &str = "***";

/// What a whole text is replaced with when it holds the secret in a form that cannot be
/// masked in place.
pub(super) const WITHHELD: &str = "[the server's answer is not shown: it contains the secret]";

/// A text that ends after this many characters of a secret ends in the secret, cut.
const MIN_CUT: usize = 4;

/// The longest spelling of one character (`\uD83D\uDE00`), for a text cut inside one.
const LONGEST_SPELLING: usize = 12;

/// The longest HTML character reference looked for (`&CounterClockwiseContourIntegral;`).
const LONGEST_REFERENCE: usize = 40;

/// One form of a secret, and whether its letters match in either case (Base64 is matched
/// exactly: its case carries the bytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Form {
    chars: Vec<char>,
    fold: bool,
}

/// Everything that counts as the secret in a server's text.
pub(super) struct Secrets {
    /// Longest first, so a longer form is masked whole before a shorter one inside it.
    forms: Vec<Form>,
    /// Every run of [`RUN`] characters of each secret longer than that, lower-cased: a page
    /// that holds one (the secret cut short, or broken up by `<wbr>`) is withheld.
    runs: Vec<String>,
}

/// A run of a secret this long is the secret: no page holds one by chance.
const RUN: usize = 16;

/// The runs of [`RUN`] characters of `secret`, lower-cased.
fn runs_of(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.to_lowercase().chars().collect();
    chars.windows(RUN).map(|w| w.iter().collect()).collect()
}

impl Secrets {
    /// Each of `secrets` (empty ones are ignored) in each of its forms, and in Base64.
    pub(super) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Secrets {
        let mut forms = Vec::new();
        let mut runs = Vec::new();
        for s in secrets.into_iter().filter(|s| !s.is_empty()) {
            forms.extend(text_forms(s).into_iter().map(|f| (f, true)));
            forms.extend(base64_forms(s.as_bytes()).into_iter().map(|f| (f, false)));
            forms.extend(hex_forms(s.as_bytes()).into_iter().map(|f| (f, true)));
            runs.extend(runs_of(s));
        }
        Secrets::sorted(forms, runs)
    }

    /// Also `sent` in Base64, whole: a Basic header carries `user:secret` so. Only encoded,
    /// since the user's name in plain text is no secret.
    pub(super) fn with_encoded(self, sent: &str) -> Secrets {
        let mut forms: Vec<(String, bool)> = self
            .forms
            .iter()
            .map(|f| (f.chars.iter().collect(), f.fold))
            .collect();
        for alphabet in [STANDARD, URL_SAFE] {
            forms.push((base64(sent.as_bytes(), alphabet, true), false));
        }
        Secrets::sorted(forms, self.runs)
    }

    fn sorted(forms: Vec<(String, bool)>, mut runs: Vec<String>) -> Secrets {
        let mut forms: Vec<Form> = forms
            .into_iter()
            .filter(|(f, _)| !f.is_empty())
            .map(|(f, fold)| Form {
                chars: f.chars().collect(),
                fold,
            })
            .collect();
        forms.sort_by(|a, b| b.chars.len().cmp(&a.chars.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        runs.sort();
        runs.dedup();
        Secrets { forms, runs }
    }

    /// `text` with every occurrence of a form of the secret, in any spelling, replaced by
    /// [`MASK`]; or [`WITHHELD`] when the secret is still there in a view of the masked text.
    /// Run it on the server's text as received: a secret holding spaces is only found before
    /// whitespace is collapsed.
    pub(super) fn scrub(&self, text: &str) -> String {
        if self.forms.is_empty() {
            return text.to_string();
        }
        let masked = self.mask(text);
        let found = |v: &String| {
            self.find(v).is_some() || {
                let lower = v.to_lowercase();
                self.runs.iter().any(|r| lower.contains(r.as_str()))
            }
        };
        if views(&masked).iter().any(found) {
            return WITHHELD.to_string();
        }
        masked
    }

    fn mask(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut p = 0;
        while let Some((start, end)) = self.find(&text[p..]) {
            out.push_str(&text[p..p + start]);
            out.push_str(MASK);
            p += end;
        }
        out.push_str(&text[p..]);
        out
    }

    /// Where the first form of the secret in `text` starts and ends.
    fn find(&self, text: &str) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let starts = self.first_bytes();
        let mut p = 0;
        while p < bytes.len() {
            if starts[usize::from(bytes[p])] {
                let end = self
                    .forms
                    .iter()
                    .find_map(|f| match_at(bytes, p, f).filter(|&end| end > p));
                if let Some(end) = end {
                    return Some((p, end));
                }
            }
            // `p` is always on a character boundary: every spelling ends on one.
            let c = text[p..].chars().next().unwrap_or_default();
            p += c.len_utf8().max(1);
        }
        None
    }

    /// The bytes a spelling of a form can start with: most of a page is skipped on one look.
    fn first_bytes(&self) -> [bool; 256] {
        let mut starts = [false; 256];
        for b in [b'%', b'&', b'\\', b'+'] {
            starts[usize::from(b)] = true;
        }
        for form in &self.forms {
            let mut utf8 = [0u8; 4];
            if let Some(&c) = form.chars.first() {
                for v in variants(c, form.fold) {
                    starts[usize::from(v.encode_utf8(&mut utf8).as_bytes()[0])] = true;
                }
            }
        }
        starts
    }
}

/// `c`, and with `fold` its other case (when that is one character too).
fn variants(c: char, fold: bool) -> impl Iterator<Item = char> {
    let single = |it: &mut dyn Iterator<Item = char>| match (it.next(), it.next()) {
        (Some(v), None) => Some(v),
        _ => None,
    };
    let (lower, upper) = if fold {
        (single(&mut c.to_lowercase()), single(&mut c.to_uppercase()))
    } else {
        (None, None)
    };
    std::iter::once(c).chain(
        [lower, upper]
            .into_iter()
            .flatten()
            .filter(move |&v| v != c),
    )
}

/// Where the longest spelling of `form` that starts at `start` ends, if one does; the end of
/// the text when the text stops part-way through the form.
fn match_at(text: &[u8], start: usize, form: &Form) -> Option<usize> {
    // The positions each prefix of the form can end at: a character may have spellings of
    // several lengths (`&` or `&amp;`), so all are followed at once rather than backtracking.
    let mut here = vec![start];
    let mut next = Vec::new();
    for (done, &c) in form.chars.iter().enumerate() {
        next.clear();
        for &p in &here {
            for v in variants(c, form.fold) {
                spellings(text, p, v, &mut next);
            }
        }
        if next.is_empty() {
            let cut = done >= MIN_CUT && here.iter().any(|&p| cut_inside_spelling(&text[p..]));
            return cut.then_some(text.len());
        }
        next.sort_unstable();
        next.dedup();
        std::mem::swap(&mut here, &mut next);
    }
    here.last().copied()
}

/// Whether `rest`, the end of the text, may be the start of a spelling cut off.
fn cut_inside_spelling(rest: &[u8]) -> bool {
    rest.is_empty()
        || (rest.len() < LONGEST_SPELLING
            && matches!(rest[0], b'%' | b'&' | b'\\')
            && rest[1..]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'#'))
}

/// Pushes onto `out` the end of every spelling of `c` found at `p`.
fn spellings(text: &[u8], p: usize, c: char, out: &mut Vec<usize>) {
    let rest = &text[p.min(text.len())..];
    let mut utf8 = [0u8; 4];
    let literal = c.encode_utf8(&mut utf8).as_bytes();
    if rest.starts_with(literal) {
        out.push(p + literal.len());
    }
    match rest.first() {
        Some(b'+') if c == ' ' => out.push(p + 1),
        Some(b'%') => {
            if let Some(n) = percent_encoded(rest, literal) {
                out.push(p + n);
            }
            // Encoded twice (a URL put in a query string, `%252B`): each escape's `%` is `%25`.
            if let Some(n) = percent_encoded_twice(rest, literal) {
                out.push(p + n);
            }
        }
        Some(b'&') => {
            if let Some(n) = entity(rest, c) {
                out.push(p + n);
            }
            // Escaped twice (`&amp;#43;`, `&amp;quot;`): the reference's `&` is `&amp;`.
            if let Some(n) = entity_escaped_twice(rest, c) {
                out.push(p + n);
            }
        }
        Some(b'\\') => {
            if let Some(n) = string_escape(rest, c) {
                out.push(p + n);
            }
        }
        _ => {}
    }
}

/// The length of `%XX` escapes (either case) of each of `bytes` at the start of `rest`.
fn percent_encoded(rest: &[u8], bytes: &[u8]) -> Option<usize> {
    for (i, &b) in bytes.iter().enumerate() {
        let at = rest.get(3 * i..3 * i + 3)?;
        if at[0] != b'%' || hex_value(&at[1..])? != u32::from(b) {
            return None;
        }
    }
    Some(3 * bytes.len())
}

/// The length of `%25XX` escapes (either case) of each of `bytes` at the start of `rest`.
fn percent_encoded_twice(rest: &[u8], bytes: &[u8]) -> Option<usize> {
    for (i, &b) in bytes.iter().enumerate() {
        let at = rest.get(5 * i..5 * i + 5)?;
        if &at[..3] != b"%25" || hex_value(&at[3..])? != u32::from(b) {
            return None;
        }
    }
    Some(5 * bytes.len())
}

/// The length of `&amp;` followed by the rest of a reference to `c` (`&amp;#43;`).
fn entity_escaped_twice(rest: &[u8], c: char) -> Option<usize> {
    let after = rest
        .strip_prefix(b"&amp;")
        .or_else(|| rest.strip_prefix(b"&AMP;"))?;
    let mut inner = vec![b'&'];
    inner.extend(after.iter().take(LONGEST_REFERENCE));
    entity(&inner, c).map(|n| n + 4)
}

/// The length of an HTML or XML character reference to `c` at the start of `rest`: numeric
/// (`&#43;`, `&#x2B;`) or named (`&plus;`, and `&eacute;` as PHP's `htmlentities` writes).
fn entity(rest: &[u8], c: char) -> Option<usize> {
    let end = rest
        .iter()
        .take(LONGEST_REFERENCE)
        .position(|&b| b == b';')?;
    let body = &rest[1..end];
    let value = match body {
        [b'#', b'x' | b'X', hex @ ..] => hex_value(hex)?,
        [b'#', dec @ ..] => decimal_value(dec)?,
        name => named_entity(name)?.into(),
    };
    (value == u32::from(c)).then_some(end + 1)
}

/// The character an HTML5 named reference (`eacute`, `quot`) stands for, when it stands for
/// one; the table is htmlize's, the whole of HTML5's.
fn named_entity(name: &[u8]) -> Option<char> {
    if name.is_empty() || !name.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let reference = format!("&{};", std::str::from_utf8(name).ok()?);
    let decoded = htmlize::unescape(reference.as_str());
    let mut chars = decoded.chars();
    // An unknown name comes back as it was; a name decoded only in part leaves its `;`.
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The length of a JSON or JavaScript string escape of `c` at the start of `rest`: `\"`,
/// `\\`, `\/`, `\n`…, `\u00fc` (a surrogate pair beyond the BMP) or `\xfc`.
fn string_escape(rest: &[u8], c: char) -> Option<usize> {
    let short = match c {
        '"' | '\\' | '/' | '\'' => Some(c as u8),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        '\n' => Some(b'n'),
        '\r' => Some(b'r'),
        '\t' => Some(b't'),
        _ => None,
    };
    if short.is_some() && rest.get(1).copied() == short {
        return Some(2);
    }
    if rest.get(1) == Some(&b'x') {
        return (hex_value(rest.get(2..4)?)? == u32::from(c)).then_some(4);
    }
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    for (i, &unit) in units.iter().enumerate() {
        let at = rest.get(6 * i..6 * i + 6)?;
        if &at[..2] != b"\\u" || hex_value(&at[2..])? != u32::from(unit) {
            return None;
        }
    }
    Some(6 * units.len())
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn decimal_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings below were made with Python (`urllib.parse.quote`, `html.escape`,
    /// `json.dumps`, `base64`) and Go (`html.EscapeString`, `template.HTMLEscapeString`), not
    /// with this module.
    #[test]
    fn every_spelling_of_a_secret_is_masked() {
        let secrets = Secrets::new(["pa\"ss\\wo+rd/ü=1 x&<'"]);
        let forms = [
            "pa\"ss\\wo+rd/ü=1 x&<'",
            // quote(s): `/` kept
            "pa%22ss%5Cwo%2Brd/%C3%BC%3D1%20x%26%3C%27",
            // quote(s, safe=''), lower-case hex, form encoding
            "pa%22ss%5cwo%2brd%2f%c3%bc%3d1+x%26%3c%27",
            // json.dumps(s)[1:-1], ensure_ascii
            "pa\\\"ss\\\\wo+rd/\\u00fc=1 x&<'",
            // html.escape(s)
            "pa&quot;ss\\wo+rd/ü=1 x&amp;&lt;&#x27;",
            // Go template escaping
            "pa&#34;ss\\wo&#43;rd/ü=1 x&amp;&lt;&#39;",
            // base64 of the token
            "cGEic3Ncd28rcmQvw7w9MSB4Jjwn",
            // quote(quote(s, safe='')): a URL with the token put in another URL's query
            "pa%2522ss%255Cwo%252Brd%252F%25C3%25BC%253D1%2520x%2526%253C%2527",
            // html.escape(html.escape(s))
            "pa&amp;quot;ss\\wo+rd/ü=1 x&amp;amp;&amp;lt;&amp;#x27;",
        ];
        for form in forms {
            assert_eq!(
                secrets.scrub(&format!("before {form} after")),
                "before *** after",
                "{form}"
            );
        }
        assert_eq!(
            secrets.scrub("nothing here &amp; %2B %252B &amp;#43;"),
            "nothing here &amp; %2B %252B &amp;#43;"
        );
        assert_eq!(Secrets::new([""]).scrub("a b"), "a b");
    }

    #[test]
    fn a_secret_inside_a_basic_header_or_cut_at_the_end_is_masked() {
        let secrets = Secrets::new(["s3cretKey99"]).with_encoded("editor:s3cretKey99");
        // base64("editor:s3cretKey99") and base64("xx s3cretKey99 yy")
        for text in ["ZWRpdG9yOnMzY3JldEtleTk5", "eHggczNjcmV0S2V5OTkgeXk="] {
            let shown = secrets.scrub(&format!("got {text}."));
            assert!(shown.contains(MASK), "{text}: {shown}");
            assert!(!shown.contains("czNjcmV0S2V5OT"), "{shown}");
            assert!(!shown.contains("MzY3JldEtleTk5"), "{shown}");
        }
        assert_eq!(secrets.scrub("page ends: s3cre"), "page ends: ***");
        assert_eq!(secrets.scrub("page ends: s3cr%6"), "page ends: ***");
        assert_eq!(secrets.scrub("s3cr is not cut"), "s3cr is not cut");
        // The user's name is no secret, not even at the end of a page.
        assert_eq!(
            secrets.scrub("no access for editor"),
            "no access for editor"
        );
    }

    /// Audit 2026-12, finding 3. The spellings were made with Python, not with this module:
    /// `html.entities.codepoint2name` (as PHP's `htmlentities` writes), `str.upper()`,
    /// `unicodedata.normalize('NFD', …)`, `.encode().decode('latin-1')` and `('cp1252')`, and
    /// `quote(…, safe='')`.
    #[test]
    fn named_references_either_case_normal_forms_and_misread_bytes_are_masked() {
        let secrets = Secrets::new(["mot2passé-Été/ü9"]);
        for form in [
            "mot2pass&eacute;-&Eacute;t&eacute;/&uuml;9",
            "MOT2PASSÉ-ÉTÉ/Ü9",
            "mot2passé-été/ü9",
            "MOT2PASS%C3%89-%C3%89T%C3%89%2F%C3%9C9",
            "mot2passe\u{301}-E\u{301}te\u{301}/u\u{308}9",
            "mot2passÃ©-Ã\u{89}tÃ©/Ã¼9",
            "mot2pass&Atilde;&copy;-&Atilde;\u{89}t&Atilde;&copy;/&Atilde;&frac14;9",
            "mot2passÃ©-Ã‰tÃ©/Ã¼9",
        ] {
            assert_eq!(
                secrets.scrub(&format!("before {form} after")),
                "before *** after",
                "{form}"
            );
        }
    }

    /// A secret that only a view of the text shows is withheld with the whole text: Base64
    /// wrapped by `base64.encodebytes` (76 columns, CRLF here), a header folded inside the
    /// token, its Base64 folded with a tab.
    #[test]
    fn a_secret_split_across_lines_withholds_the_whole_text() {
        let secrets = Secrets::new(["mot2passé-Été/ü9"]);
        for page in [
            "V2UgZ290IHRoaXMgaGVhZGVyOiBBdXRob3JpemF0aW9uOiBCZWFyZXIgbW90MnBhc3PDqS3DiXTD\r\nqS/DvDkgZW5k\r\n",
            "X-Echo: Bearer mot2pa\r\n ssé-Été/ü9",
            "X-Echo: bW90MnBhc3PDqS3D\r\n\tiXTDqS/DvDk=",
        ] {
            assert_eq!(secrets.scrub(&format!("page: {page}")), WITHHELD, "{page}");
        }
        // Lines that only look alike are shown as they are.
        let fine = "mot2pa\r\nfoo ssé-Été/ü9";
        assert_eq!(secrets.scrub(fine), fine);
    }

    /// Audit (S3): a token broken up by `<wbr>`, a soft hyphen or a control character, sent
    /// as UTF-16, cut to its first 18 characters, in hexadecimal or quoted-printable, was shown.
    #[test]
    fn a_secret_broken_up_cut_short_or_encoded_otherwise_is_withheld() {
        let t = "FwoGZXIvYXdzE+Pq/Rk=TOKENSECRET123";
        let secrets = Secrets::new([t]);
        let utf16: String = t.chars().flat_map(|c| [c, '\0']).collect();
        let hex: String = t.bytes().map(|b| format!("{b:02X}")).collect();
        for page in [
            format!("{}<wbr>{}<WBR/>{}", &t[..12], &t[12..24], &t[24..]),
            format!("{}&shy;{}", &t[..12], &t[12..]),
            format!("{}\u{ad}{}", &t[..12], &t[12..]),
            format!("{}\t{}", &t[..10], &t[10..]),
            format!("{}\u{1b}[0m{}", &t[..10], &t[10..]),
            utf16,
            format!("{}... is bad", &t[..18]),
            hex,
            t.replace('=', "=3D"),
        ] {
            let shown = secrets.scrub(&format!("<Error>{page}</Error>"));
            // Withheld, or (hexadecimal, a form of its own) masked where it stands.
            assert!(
                shown == WITHHELD || shown == "<Error>***</Error>",
                "{page:?}: {shown}"
            );
        }
        // A short word of it, as any page may hold, is not the secret.
        let page = "<Error>TOKEN expired</Error>";
        assert_eq!(secrets.scrub(page), page);
    }
}
