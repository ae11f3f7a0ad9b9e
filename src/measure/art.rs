//! Cover and episode art, checked against what Apple Podcasts accepts: a JPEG or PNG, square,
//! 1400 to 3000 px, in RGB colour (not CMYK, not greyscale, not a palette with transparency).
//! Only headers are read: a PNG's IHDR and the chunk names before its pixels, a JPEG's
//! segment headers up to its frame header, each skipped by seeking, so a 10 MB cover costs a
//! few small reads.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The smallest and largest side Apple accepts, in pixels.
pub const SIDE: std::ops::RangeInclusive<u32> = 1400..=3000;

/// Segments or chunks walked before the picture's header is given up on: real files need a
/// handful; a crafted one could otherwise make the walk long.
const MAX_SEGMENTS: usize = 4096;

/// 0xFF fill bytes allowed before one JPEG marker.
const MAX_FILL: usize = 1024;

/// What a picture's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub colour: Colour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// RGB, with or without an alpha channel, or a palette without transparency.
    Rgb,
    Grey,
    /// Four channels: CMYK, or YCCK when an Adobe marker says so.
    Cmyk,
    /// A palette PNG with a transparency (tRNS) chunk.
    PaletteAlpha,
}

/// Why a header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// The bytes ended before the size was stated: for a prefix fetched from a server, not
    /// a fault of the picture.
    Truncated,
    /// Not a JPEG or PNG; the message says what it is instead, and how to fix it.
    Refused(String),
}

/// The picture type a file's first bytes say, by their signature.
pub fn kind_of(start: &[u8]) -> Option<Kind> {
    match start {
        [0x89, b'P', b'N', b'G', ..] => Some(Kind::Png),
        [0xFF, 0xD8, 0xFF, ..] => Some(Kind::Jpeg),
        _ => None,
    }
}

/// Checks the local picture at `path`: every broken rule, each with its fix, joined by "; ".
pub fn check_file(path: &Path) -> Result<(), String> {
    // Opening a FIFO would wait for a writer forever; a folder or device is no picture.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err("is not a regular file: point to the JPEG or PNG file itself".into());
    }
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let mut start = [0u8; 8];
    let got = fill(&mut file, &mut start).map_err(|_| "cannot be read".to_string())?;
    let kind = kind_of(&start[..got]);
    // A wrong extension is named first: it is the likeliest mistake, and the easiest fix.
    let mut problems: Vec<String> = kind
        .and_then(|k| extension_problem(path, k))
        .into_iter()
        .collect();
    file.seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot be read: {e}"))?;
    match read_header(&mut file) {
        Ok(picture) => problems.extend(rules(&picture)),
        Err(Unreadable::Truncated) => problems.push(
            "ends before its size is stated: the file is cut short; export the artwork again"
                .into(),
        ),
        Err(Unreadable::Refused(why)) => problems.push(why),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Checks the first bytes of a remote picture: the rules its header breaks, or nothing when
/// the bytes end before the header says enough. `named` is the last part of its URL's path
/// when that has a picture's extension, which must then be its real type's, as a local
/// file's must (a PNG served at `cover.jpg` was taken).
pub fn check_prefix(prefix: &[u8], named: Option<&str>) -> Result<(), String> {
    match read_header(&mut std::io::Cursor::new(prefix)) {
        Ok(picture) => {
            let wrong_name = named.and_then(|n| extension_problem(Path::new(n), picture.kind));
            let problems: Vec<String> = wrong_name.into_iter().chain(rules(&picture)).collect();
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("; "))
            }
        }
        Err(Unreadable::Truncated) => Ok(()),
        Err(Unreadable::Refused(why)) => Err(why),
    }
}

/// Checks an episode's `image` when it names a file beside the notes; URLs are checked by
/// [`crate::media::check_art`].
pub fn episode_image(episode: &crate::content::episode::Episode) -> Result<(), String> {
    let Some(image) = &episode.image else {
        return Ok(());
    };
    if url::Url::parse(image).is_ok() {
        return Ok(());
    }
    let path = episode.dir.join(image);
    if !path.is_file() {
        return Ok(());
    }
    check_file(&path).map_err(|problem| format!("episode image {}: {problem}", path.display()))
}

fn extension_problem(path: &Path, kind: Kind) -> Option<String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (fits, name, fix) = match kind {
        Kind::Jpeg => (matches!(ext.as_str(), "jpg" | "jpeg"), "JPEG", "jpg"),
        Kind::Png => (ext == "png", "PNG", "png"),
    };
    (!fits).then(|| {
        format!("its extension `.{ext}` does not match its real type ({name}): rename it to .{fix}")
    })
}

/// The rules a picture's header breaks, each with how to fix it.
pub fn rules(p: &Picture) -> Vec<String> {
    let mut v = Vec::new();
    if p.width != p.height {
        v.push(format!(
            "must be square, is {}x{} px: crop it to a square",
            p.width, p.height
        ));
    }
    let side = p.width.max(p.height);
    if !SIDE.contains(&side) {
        v.push(format!(
            "must be 1400 to 3000 px wide, is {side} px: resize it to between 1400x1400 and 3000x3000 px"
        ));
    }
    let kind = match p.kind {
        Kind::Jpeg => "JPEG",
        Kind::Png => "PNG",
    };
    match p.colour {
        Colour::Rgb => {}
        Colour::Grey => v.push(format!(
            "is a greyscale {kind}; Apple needs RGB colour: save it as an RGB {kind}"
        )),
        Colour::Cmyk => v.push(
            "is a CMYK JPEG; Apple needs RGB colour: convert it to RGB and save it again".into(),
        ),
        Colour::PaletteAlpha => v.push(
            "is a palette PNG with transparency; Apple needs RGB colour without a transparent palette: save it as an RGB PNG or a JPEG".into(),
        ),
    }
    v
}

/// Reads what a JPEG or PNG header says about the picture from `r`, seeking past data.
pub fn read_header<R: Read + Seek>(r: &mut R) -> Result<Picture, Unreadable> {
    let mut magic = [0u8; 12];
    let got = fill(r, &mut magic)?;
    let magic = &magic[..got];
    if magic.starts_with(b"\x89PNG\r\n\x1a\n") {
        return png(r);
    }
    if magic.starts_with(&[0xFF, 0xD8, 0xFF]) {
        r.seek(SeekFrom::Start(2))
            .map_err(|_| Unreadable::Truncated)?;
        return jpeg(r);
    }
    let other = match magic {
        [b'G', b'I', b'F', b'8', ..] => Some("GIF"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P'] => Some("WebP"),
        [b'B', b'M', ..] => Some("BMP"),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Some("HEIF/AVIF"),
        _ => None,
    };
    Err(Unreadable::Refused(match other {
        Some(name) => format!(
            "is a {name} image; Apple accepts only JPEG and PNG artwork: save it as a .jpg or .png"
        ),
        None => "is not a JPEG or PNG image: save the artwork as a .jpg or .png".into(),
    }))
}

/// Reads as much of `buf` as the source holds; errors other than its end are "truncated" too.
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, Unreadable> {
    let mut at = 0;
    while at < buf.len() {
        match r.read(&mut buf[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Unreadable::Truncated),
        }
    }
    Ok(at)
}

fn exact<R: Read, const N: usize>(r: &mut R) -> Result<[u8; N], Unreadable> {
    let mut buf = [0u8; N];
    if fill(r, &mut buf)? < N {
        return Err(Unreadable::Truncated);
    }
    Ok(buf)
}

fn skip<R: Seek>(r: &mut R, n: i64) -> Result<(), Unreadable> {
    r.seek(SeekFrom::Current(n))
        .map(|_| ())
        .map_err(|_| Unreadable::Truncated)
}

/// PNG: the IHDR chunk, then chunk names up to the first IDAT for a tRNS.
fn png<R: Read + Seek>(r: &mut R) -> Result<Picture, Unreadable> {
    r.seek(SeekFrom::Start(8))
        .map_err(|_| Unreadable::Truncated)?;
    let ihdr: [u8; 8 + 13] = exact(r)?;
    if &ihdr[4..8] != b"IHDR" {
        return Err(Unreadable::Refused(
            "is a damaged PNG (its first chunk is not IHDR): export the artwork again".into(),
        ));
    }
    let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    let colour_type = ihdr[17];
    skip(r, 4)?; // IHDR's CRC
    let colour = match colour_type {
        0 | 4 => Colour::Grey,
        3 if png_has_trns(r)? => Colour::PaletteAlpha,
        _ => Colour::Rgb,
    };
    Ok(Picture {
        kind: Kind::Png,
        width,
        height,
        colour,
    })
}

/// Whether a tRNS chunk comes before the pixels (the PNG format puts it there).
fn png_has_trns<R: Read + Seek>(r: &mut R) -> Result<bool, Unreadable> {
    for _ in 0..MAX_SEGMENTS {
        let head: [u8; 8] = exact(r)?;
        match &head[4..8] {
            b"tRNS" => return Ok(true),
            b"IDAT" | b"IEND" => return Ok(false),
            _ => {}
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        skip(r, i64::from(len) + 4)?;
    }
    Ok(false)
}

/// JPEG: segment headers up to the frame header (SOFn). Four components are CMYK or, after
/// an Adobe marker, YCCK: both are refused, so the marker itself need not be read.
fn jpeg<R: Read + Seek>(r: &mut R) -> Result<Picture, Unreadable> {
    for _ in 0..MAX_SEGMENTS {
        let [ff, mut marker] = exact::<R, 2>(r)?;
        if ff != 0xFF {
            return Err(Unreadable::Refused(
                "is a damaged JPEG (a segment does not start where the previous one ends): export the artwork again".into(),
            ));
        }
        // Any number of 0xFF fill bytes may precede a marker; real files hold a few, and each
        // is one read, so a file of nothing else is refused rather than read to its end.
        let mut fill_bytes = 0;
        while marker == 0xFF {
            fill_bytes += 1;
            if fill_bytes > MAX_FILL {
                return Err(Unreadable::Refused(
                    "is a damaged JPEG (a run of fill bytes with no marker): export the artwork again".into(),
                ));
            }
            [marker] = exact::<R, 1>(r)?;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        let [hi, lo] = exact::<R, 2>(r)?;
        let len = i64::from(u16::from_be_bytes([hi, lo]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let [_, h1, h0, w1, w0, components] = exact::<R, 6>(r)?;
            let colour = match components {
                1 => Colour::Grey,
                4 => Colour::Cmyk,
                _ => Colour::Rgb,
            };
            return Ok(Picture {
                kind: Kind::Jpeg,
                width: u32::from(u16::from_be_bytes([w1, w0])),
                height: u32::from(u16::from_be_bytes([h1, h0])),
                colour,
            });
        }
        if marker == 0xD9 || marker == 0xDA || len < 2 {
            break;
        }
        skip(r, len - 2)?;
    }
    Err(Unreadable::Refused(
        "is a JPEG without a frame header: export the artwork again".into(),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Cursor;

    /// A PNG's signature, IHDR and, when asked, a tRNS chunk before an IDAT.
    pub(crate) fn png_bytes(w: u32, h: u32, colour_type: u8, trns: bool) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend(w.to_be_bytes());
        v.extend(h.to_be_bytes());
        v.extend([8, colour_type, 0, 0, 0, 0, 0, 0, 0]);
        v.extend(b"\0\0\0\x03PLTE\x01\x02\x03\0\0\0\0");
        if trns {
            v.extend(b"\0\0\0\x01tRNS\x00\0\0\0\0");
        }
        v.extend(b"\0\0\0\0IDAT\0\0\0\0");
        v
    }

    /// A JPEG's start: an APP0 segment to skip, then a baseline frame header.
    fn jpeg_bytes(w: u16, h: u16, components: u8) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        v.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        v.extend([0xFF, 0xFF, 0xC0, 0, 8 + 3 * components, 8]);
        v.extend(h.to_be_bytes());
        v.extend(w.to_be_bytes());
        v.push(components);
        v
    }

    fn problems(bytes: &[u8]) -> Vec<String> {
        match read_header(&mut Cursor::new(bytes)) {
            Ok(p) => rules(&p),
            Err(e) => vec![format!("{e:?}")],
        }
    }

    #[test]
    fn good_art_passes() {
        assert!(problems(&png_bytes(1400, 1400, 2, false)).is_empty());
        assert!(problems(&png_bytes(3000, 3000, 6, false)).is_empty());
        assert!(problems(&png_bytes(2000, 2000, 3, false)).is_empty());
        assert!(problems(&jpeg_bytes(1400, 1400, 3)).is_empty());
    }

    #[test]
    fn each_rule_says_what_is_wrong_and_how_to_fix_it() {
        assert_eq!(
            problems(&png_bytes(1000, 800, 2, false)),
            [
                "must be square, is 1000x800 px: crop it to a square",
                "must be 1400 to 3000 px wide, is 1000 px: resize it to between 1400x1400 and 3000x3000 px"
            ]
        );
        assert_eq!(
            problems(&jpeg_bytes(3001, 3001, 3)),
            [
                "must be 1400 to 3000 px wide, is 3001 px: resize it to between 1400x1400 and 3000x3000 px"
            ]
        );
        assert_eq!(
            problems(&jpeg_bytes(1400, 1400, 4)),
            ["is a CMYK JPEG; Apple needs RGB colour: convert it to RGB and save it again"]
        );
        assert_eq!(
            problems(&jpeg_bytes(1400, 1400, 1)),
            ["is a greyscale JPEG; Apple needs RGB colour: save it as an RGB JPEG"]
        );
        assert_eq!(
            problems(&png_bytes(1400, 1400, 0, false)),
            ["is a greyscale PNG; Apple needs RGB colour: save it as an RGB PNG"]
        );
        assert_eq!(
            problems(&png_bytes(1400, 1400, 3, true)),
            [
                "is a palette PNG with transparency; Apple needs RGB colour without a transparent palette: save it as an RGB PNG or a JPEG"
            ]
        );
    }

    #[test]
    fn other_types_and_broken_headers_are_named() {
        let refused = |bytes: &[u8]| read_header(&mut Cursor::new(bytes)).unwrap_err();
        assert_eq!(
            refused(b"GIF89a\x01\0\x01\0"),
            Unreadable::Refused(
                "is a GIF image; Apple accepts only JPEG and PNG artwork: save it as a .jpg or .png"
                    .into()
            )
        );
        assert!(
            matches!(refused(b"RIFF\0\0\0\0WEBPVP8 "), Unreadable::Refused(m) if m.starts_with("is a WebP image"))
        );
        assert!(matches!(refused(b"hello"), Unreadable::Refused(_)));
        assert_eq!(
            refused(&png_bytes(1400, 1400, 2, false)[..20]),
            Unreadable::Truncated
        );
        assert_eq!(
            refused(&jpeg_bytes(1400, 1400, 3)[..24]),
            Unreadable::Truncated
        );
        assert_eq!(
            refused(b""),
            Unreadable::Refused(
                "is not a JPEG or PNG image: save the artwork as a .jpg or .png".into()
            )
        );
        // A segment length pointing far past the end: truncated, no panic, no long walk.
        assert_eq!(
            refused(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1, 2]),
            Unreadable::Truncated
        );
    }

    #[test]
    fn hostile_headers_end_quickly() {
        let refused = |bytes: &[u8]| read_header(&mut Cursor::new(bytes)).unwrap_err();
        // Segment lengths 0 and 1 cannot be skipped back over: refused, not looped on.
        for len in [0u8, 1] {
            assert!(matches!(
                refused(&[0xFF, 0xD8, 0xFF, 0xE0, 0, len, 0xFF, 0xE0, 0, len]),
                Unreadable::Refused(_)
            ));
        }
        // IHDR not first.
        let mut png = png_bytes(1400, 1400, 2, false);
        png[12..16].copy_from_slice(b"tEXt");
        assert!(matches!(refused(&png), Unreadable::Refused(m) if m.contains("not IHDR")));
        // Sides of 0 and 65535 are judged, not trusted.
        assert_eq!(problems(&jpeg_bytes(0, 0, 3)).len(), 1);
        assert_eq!(problems(&jpeg_bytes(65535, 65535, 3)).len(), 1);
    }

    /// A JPEG of nothing but fill bytes: each is one read of the file, so 64 MB of them took
    /// many seconds; now the run is cut after [`MAX_FILL`].
    #[test]
    fn a_run_of_fill_bytes_is_refused_early() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cover.jpg");
        let mut bytes = vec![0xFF, 0xD8];
        bytes.resize(64 << 20, 0xFF);
        std::fs::write(&path, bytes).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            check_file(&path),
            Err(
                "is a damaged JPEG (a run of fill bytes with no marker): export the artwork again"
                    .into()
            )
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_fifo_or_folder_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("cover.jpg");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let refusal =
            Err("is not a regular file: point to the JPEG or PNG file itself".to_string());
        if made.is_ok_and(|s| s.success()) {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || tx.send(check_file(&fifo)));
            assert_eq!(
                rx.recv_timeout(std::time::Duration::from_secs(10)),
                Ok(refusal.clone())
            );
        }
        let folder = dir.path().join("art.png");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(check_file(&folder), refusal);
    }

    /// Audit: a PNG served at `…/cover.jpg` was taken (a local one is refused).
    #[test]
    fn remote_pictures_are_named_by_extension_too() {
        let png = png_bytes(1400, 1400, 2, false);
        assert_eq!(
            check_prefix(&png, Some("cover.jpg")),
            Err(
                "its extension `.jpg` does not match its real type (PNG): rename it to .png".into()
            )
        );
        assert_eq!(check_prefix(&png, Some("cover.png")), Ok(()));
        assert_eq!(check_prefix(&png, None), Ok(()));
    }

    #[test]
    fn files_are_named_by_extension_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cover.png");
        std::fs::write(&path, jpeg_bytes(1400, 1400, 3)).unwrap();
        assert_eq!(
            check_file(&path),
            Err(
                "its extension `.png` does not match its real type (JPEG): rename it to .jpg"
                    .into()
            )
        );
        let path = dir.path().join("cover.jpg");
        std::fs::write(&path, jpeg_bytes(1400, 1400, 3)).unwrap();
        assert_eq!(check_file(&path), Ok(()));
    }
}
