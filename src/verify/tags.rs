//! Start tags, namespaces and the XML declaration, for the walk in [`super::xml`]: a start
//! tag's syntax (productions [40]-[44]: names, `=`, quoted values without `<` or a bare `&`,
//! no attribute twice), its prefixes (Namespaces in XML 1.0: bound, declared legally, no
//! attribute twice by namespace either) and the declaration's (production [23]).

use std::borrow::Cow;
use std::ops::Range;

use super::lex::{self, Reference, is_space, shown};
use super::xml::{Step, Visitor, Walker, cut};

const XML_NS: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &[u8] = b"http://www.w3.org/2000/xmlns/";

/// An attribute of a [`Tag`]: its name and raw value, as ranges of the tag's bytes.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    name: Range<usize>,
    value: Range<usize>,
}

impl Attr {
    fn name<'s>(&self, src: &'s [u8]) -> &'s [u8] {
        &src[self.name.clone()]
    }

    fn value<'s>(&self, src: &'s [u8]) -> &'s [u8] {
        &src[self.value.clone()]
    }
}

/// A start tag, as the walk hands it to the rules.
pub(crate) struct Tag<'t> {
    /// From `<` up to (not including) `>` or `/>`.
    pub(super) src: &'t [u8],
    pub(super) name_end: usize,
    pub(super) attrs: &'t [Attr],
    pub(super) scope: &'t Scope,
}

impl<'t> Tag<'t> {
    /// The qualified name, as written.
    pub(crate) fn name(&self) -> &'t [u8] {
        &self.src[1..self.name_end]
    }

    /// The value of attribute `key` (as written: `prefix:local`), references replaced and
    /// white space normalised; `None` when absent.
    pub(crate) fn attr(&self, key: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|a| a.name(self.src) == key.as_bytes())
            .map(|a| lex::attribute_value(a.value(self.src)).into_owned())
    }

    /// The namespace `prefix` is bound to here (declarations on this tag included).
    pub(crate) fn namespace(&self, prefix: &[u8]) -> Option<Cow<'t, str>> {
        self.scope.lookup(prefix).map(String::from_utf8_lossy)
    }
}

/// The namespace declarations in force: `(prefix, uri)` ranges of `text`, innermost last.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    text: Vec<u8>,
    bindings: Vec<(Range<usize>, Range<usize>)>,
}

impl Scope {
    fn lookup(&self, prefix: &[u8]) -> Option<&[u8]> {
        if prefix == b"xml" {
            return Some(XML_NS);
        }
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| &self.text[p.clone()] == prefix)
            .map(|(_, uri)| &self.text[uri.clone()])
    }

    fn bind(&mut self, prefix: &[u8], uri: &[u8]) {
        let p = self.text.len()..self.text.len() + prefix.len();
        self.text.extend_from_slice(prefix);
        let u = self.text.len()..self.text.len() + uri.len();
        self.text.extend_from_slice(uri);
        self.bindings.push((p, u));
    }

    /// How many bindings are in force (to go back to with [`Scope::truncate`]).
    pub(super) fn len(&self) -> usize {
        self.bindings.len()
    }

    /// Drops the bindings made after the first `len`.
    pub(super) fn truncate(&mut self, len: usize) {
        if let Some((p, _)) = self.bindings.get(len) {
            self.text.truncate(p.start);
        }
        self.bindings.truncate(len);
    }
}

/// The start tag at `at` (`<` then a name): read, checked, and handed to the walker.
pub(super) fn start_tag(
    w: &mut Walker,
    buf: &[u8],
    at: usize,
    last: bool,
    v: &mut impl Visitor,
) -> Step {
    let src = &buf[at..];
    let name_end = 1 + lex::name_len(&src[1..]);
    if name_end == 1 {
        return Err((at, "`<` starts no tag (write `&lt;`)".into()));
    }
    if name_end == src.len() {
        return cut(last, at, "a start tag");
    }
    let name = &src[1..name_end];
    let attrs = w.attrs();
    let mut p = name_end;
    let (end, empty) = loop {
        let s = p + src[p..].iter().take_while(|&&b| is_space(b)).count();
        match src.get(s) {
            None => return cut(last, at, "a start tag"),
            Some(b'>') => break (s, false),
            Some(b'/') => match src.get(s + 1) {
                None => return cut(last, at, "a start tag"),
                Some(b'>') => break (s, true),
                Some(_) => return Err((at + s, "`/` in a tag is not followed by `>`".into())),
            },
            Some(_) if s == p && lex::name_len(&src[s..]) > 0 => {
                let message = format!("attributes of <{}> must be apart", shown(name));
                return Err((at + s, message));
            }
            Some(_) => {}
        }
        match attribute(src, s, name, attrs).map_err(|(i, m)| (at + i, m))? {
            Some(next) => p = next,
            None => return cut(last, at, "a start tag"),
        }
    };
    for (i, a) in attrs.iter().enumerate() {
        let an = a.name(src);
        if attrs[..i].iter().any(|b| b.name(src) == an) {
            let message = format!(
                "attribute `{}` appears twice in <{}>",
                shown(an),
                shown(name)
            );
            return Err((at + a.name.start, message));
        }
    }
    w.open(&src[..end], name_end, empty, v)
        .map_err(|m| (at, m))?;
    Ok(Some(at + end + if empty { 2 } else { 1 }))
}

/// The attribute at `s` of the tag `src` (of element `element`): added to `attrs`; returns
/// where it ends, or `None` when the bytes end first.
fn attribute(
    src: &[u8],
    s: usize,
    element: &[u8],
    attrs: &mut Vec<Attr>,
) -> Result<Option<usize>, (usize, String)> {
    let space = |from: usize| from + src[from..].iter().take_while(|&&b| is_space(b)).count();
    let n = lex::name_len(&src[s..]);
    if n == 0 {
        let c = std::str::from_utf8(&src[s..])
            .ok()
            .and_then(|t| t.chars().next());
        let message = format!("`{}` in the tag <{}>", c.unwrap_or('?'), shown(element));
        return Err((s, message));
    }
    let name = &src[s..s + n];
    let eq = space(s + n);
    match src.get(eq) {
        None => return Ok(None),
        Some(b'=') => {}
        Some(_) => {
            let message = format!("attribute `{}` has no value (write {0}=\"…\")", shown(name));
            return Err((s, message));
        }
    }
    let q = space(eq + 1);
    let quote = match src.get(q) {
        None => return Ok(None),
        Some(&b) if b == b'"' || b == b'\'' => b,
        Some(_) => {
            return Err((
                q,
                format!("the value of attribute `{}` is not quoted", shown(name)),
            ));
        }
    };
    let Some(len) = memchr::memchr(quote, &src[q + 1..]) else {
        return Ok(None);
    };
    let value = q + 1..q + 1 + len;
    attribute_value(&src[value.clone()], name).map_err(|(i, m)| (value.start + i, m))?;
    let end = value.end + 1;
    attrs.push(Attr {
        name: s..s + n,
        value,
    });
    Ok(Some(end))
}

/// An attribute value holds no `<`, and every `&` in it starts a reference.
fn attribute_value(value: &[u8], name: &[u8]) -> Result<(), (usize, String)> {
    let mut from = 0;
    while let Some(i) = memchr::memchr2(b'<', b'&', &value[from..]) {
        let at = from + i;
        if value[at] == b'<' {
            let message = format!(
                "`<` in the value of attribute `{}` (write `&lt;`)",
                shown(name)
            );
            return Err((at, message));
        }
        match lex::reference(&value[at..]).map_err(|m| (at, m))? {
            Reference::Whole(len, _) => from = at + len,
            Reference::Cut => {
                let message = format!(
                    "`&` in the value of attribute `{}` starts no reference (write `&amp;`)",
                    shown(name)
                );
                return Err((at, message));
            }
        }
    }
    Ok(())
}

/// The namespace declarations of a start tag join `scope`; then its own prefix and its
/// attributes' must be bound, and no two attributes may have the same namespace and name.
pub(super) fn namespaces(
    src: &[u8],
    name: &[u8],
    attrs: &[Attr],
    scope: &mut Scope,
) -> Result<(), String> {
    for a in attrs {
        let an = a.name(src);
        let prefix = if an == b"xmlns" {
            b"".as_slice()
        } else if let Some(p) = an.strip_prefix(b"xmlns:") {
            p
        } else {
            continue;
        };
        let uri = lex::attribute_value(a.value(src));
        declare(prefix, uri.as_bytes(), scope)?;
    }
    // Most tags have no prefix and declare nothing: nothing to look up.
    let plain = |n: &[u8]| !n.contains(&b':') && n != b"xmlns";
    if plain(name) && attrs.iter().all(|a| plain(a.name(src))) {
        return Ok(());
    }
    let element = || format!("<{}>", shown(name));
    if name.starts_with(b"xmlns:") {
        return Err(format!("{}: the prefix `xmlns` is reserved", element()));
    }
    bound(scope, name, &element)?;
    let mut expanded: Vec<(&[u8], &[u8], &[u8])> = Vec::new();
    for a in attrs {
        let an = a.name(src);
        let what = || format!("attribute `{}`", shown(an));
        let Some((uri, local)) = bound(scope, an, &what)? else {
            continue;
        };
        if let Some((_, _, other)) = expanded.iter().find(|(u, l, _)| *u == uri && *l == local) {
            return Err(format!(
                "attributes `{}` and `{}` of {} are the same attribute (their prefixes name one namespace)",
                shown(other),
                shown(an),
                element()
            ));
        }
        expanded.push((uri, local, an));
    }
    Ok(())
}

/// A name in a namespace: the namespace and the local name.
type Expanded<'s> = (&'s [u8], &'s [u8]);

/// The namespace and local name of `qname` (of `what`, for messages); `None` for a name
/// without a prefix (in no namespace, or a declaration's `xmlns:`).
fn bound<'s>(
    scope: &'s Scope,
    qname: &'s [u8],
    what: &dyn Fn() -> String,
) -> Result<Option<Expanded<'s>>, String> {
    let (prefix, local) = lex::split_qname(qname)?;
    let Some(prefix) = prefix else {
        return Ok(None);
    };
    match scope.lookup(prefix) {
        Some(uri) => Ok(Some((uri, local))),
        None if prefix == b"xmlns" => Ok(None),
        None => Err(format!(
            "the prefix `{}` of {} is not bound (declare xmlns:{0}=\"…\")",
            shown(prefix),
            what()
        )),
    }
}

/// `xmlns:prefix="uri"` (or `xmlns="uri"` with an empty prefix), as Namespaces in XML 1.0
/// allows it.
fn declare(prefix: &[u8], uri: &[u8], scope: &mut Scope) -> Result<(), String> {
    let attribute = if prefix.is_empty() {
        "xmlns".to_string()
    } else {
        format!("xmlns:{}", shown(prefix))
    };
    if prefix == b"xmlns" {
        return Err("the prefix `xmlns` cannot be declared".into());
    }
    if (prefix == b"xml") != (uri == XML_NS) {
        return Err(format!(
            "{attribute}: the prefix `xml` and only it is bound to {}",
            shown(XML_NS)
        ));
    }
    if uri == XMLNS_NS {
        return Err(format!(
            "{attribute}: nothing may be bound to {}",
            shown(XMLNS_NS)
        ));
    }
    if !prefix.is_empty() && uri.is_empty() {
        return Err(format!(
            "{attribute}=\"\": a prefix cannot be bound to nothing in XML 1.0"
        ));
    }
    if !prefix.is_empty() && prefix != b"xml" {
        scope.bind(prefix, uri);
    }
    Ok(())
}

/// The XML declaration, from `xml` to before `?>`: `version`, then optionally `encoding`
/// (UTF-8: the bytes are) and `standalone`, in that order.
pub(super) fn declaration(body: &[u8]) -> Result<(), String> {
    const NAMES: [&[u8]; 3] = [b"version", b"encoding", b"standalone"];
    // Past the end (a name that ends the declaration, `<?xml version="1.0" enco?>`): the end.
    let space = |from: usize| {
        let from = from.min(body.len());
        from + body[from..].iter().take_while(|&&b| is_space(b)).count()
    };
    let mut p = 3;
    let mut next = 0;
    loop {
        let s = space(p);
        if s == body.len() {
            break;
        }
        let n = lex::name_len(&body[s..]);
        let name = &body[s..s + n];
        let found = NAMES[next..].iter().position(|&k| k == name);
        let (Some(found), true) = (found, s > p) else {
            return Err(format!(
                "the XML declaration is malformed at `{}` (write <?xml version=\"1.0\" encoding=\"UTF-8\"?>)",
                shown(&body[s..])
            ));
        };
        if next == 0 && found != 0 {
            return Err("the XML declaration must start with its version".into());
        }
        next += found + 1;
        let eq = space(s + n);
        let q = space(eq + 1);
        let quote = body.get(q).copied().filter(|&b| b == b'"' || b == b'\'');
        let (true, Some(quote)) = (body.get(eq) == Some(&b'='), quote) else {
            return Err(format!(
                "`{}` in the XML declaration has no quoted value",
                shown(name)
            ));
        };
        let Some(len) = memchr::memchr(quote, &body[q + 1..]) else {
            return Err(format!(
                "the value of `{}` in the XML declaration is not closed",
                shown(name)
            ));
        };
        pseudo_attribute(name, &body[q + 1..q + 1 + len])?;
        p = q + 1 + len + 1;
    }
    if next == 0 {
        return Err("the XML declaration has no version".into());
    }
    Ok(())
}

/// The value of `version`, `encoding` or `standalone` in the XML declaration.
fn pseudo_attribute(name: &[u8], value: &[u8]) -> Result<(), String> {
    let ok = match name {
        b"version" => value
            .strip_prefix(b"1.")
            .is_some_and(|d| !d.is_empty() && d.iter().all(u8::is_ascii_digit)),
        b"encoding" => value.eq_ignore_ascii_case(b"UTF-8"),
        _ => value == b"yes" || value == b"no",
    };
    if ok {
        return Ok(());
    }
    Err(match name {
        b"version" => format!(
            "the XML declaration's version `{}` is not 1.x (write version=\"1.0\")",
            shown(value)
        ),
        b"encoding" => format!(
            "the XML declaration names encoding `{}`, but the document is UTF-8",
            shown(value)
        ),
        _ => format!(
            "the XML declaration's standalone=\"{}\" is neither yes nor no",
            shown(value)
        ),
    })
}
