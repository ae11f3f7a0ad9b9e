//! The placeholder cover `feedwright init --podcast` writes: a real 1400x1400 RGB PNG (a film
//! reel on a dark ground) that passes the cover checks of `feed::podcast_rules`, so a new
//! podcast site checks clean before its owner has drawn anything.
//!
//! It is encoded here rather than with an image crate because one constant picture needs only
//! a few dozen lines: every row is runs of one colour, and a run compresses to Deflate
//! back-references to the pixel before (fixed Huffman codes, RFC 1951 §3.2.6). The result is
//! about 65 KB (a match covers at most 258 bytes, so a 4,200-byte row costs at least 17).

/// Width and height in pixels: the smallest Apple accepts, so the file stays small.
pub(super) const SIZE: u32 = 1400;

const BACKGROUND: [u8; 3] = [0x1f, 0x24, 0x30];
const REEL: [u8; 3] = [0xe8, 0xa3, 0x3d];

/// The colour at (`x`, `y`): a disc with a hub and five holes, like a film reel.
pub(super) fn pixel(x: u32, y: u32) -> [u8; 3] {
    let centre = f64::from(SIZE) / 2.0;
    let (dx, dy) = (f64::from(x) + 0.5 - centre, f64::from(y) + 0.5 - centre);
    let r = dx.hypot(dy);
    if !(60.0..=520.0).contains(&r) {
        return BACKGROUND;
    }
    let in_hole = (0..5).any(|k| {
        let angle = std::f64::consts::TAU * f64::from(k) / 5.0 - std::f64::consts::FRAC_PI_2;
        let (hx, hy) = (260.0 * angle.cos(), 260.0 * angle.sin());
        (dx - hx).hypot(dy - hy) < 130.0
    });
    if in_hole { BACKGROUND } else { REEL }
}

/// The whole PNG file.
pub(super) fn placeholder_png() -> Vec<u8> {
    let row_len = 1 + 3 * SIZE as usize;
    let mut raw = Vec::with_capacity(row_len * SIZE as usize);
    for y in 0..SIZE {
        raw.push(0); // filter type None: runs of a colour are found by the encoder instead
        for x in 0..SIZE {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    // Bit depth 8, colour type 2 (RGB, what Apple asks for), deflate, filter 0, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A zlib stream of one fixed-Huffman Deflate block.
fn zlib(raw: &[u8]) -> Vec<u8> {
    // 0x78 0x01: deflate with a 32 KB window, no dictionary; 0x7801 is a multiple of 31.
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        count: 0,
    };
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed Huffman codes
    deflate_runs(raw, &mut bits);
    bits.symbol(256); // end of block
    let mut out = bits.finish();
    out.extend_from_slice(&adler32(raw).to_be_bytes());
    out
}

/// Back-references at distance 3 (one RGB pixel) for every run of at least three bytes equal
/// to the bytes one pixel before, literals for the rest.
fn deflate_runs(raw: &[u8], bits: &mut Bits) {
    const DISTANCE: usize = 3;
    let mut i = 0;
    while i < raw.len() {
        let run = if i >= DISTANCE {
            raw[i..]
                .iter()
                .zip(&raw[i - DISTANCE..])
                .take(258)
                .take_while(|(a, b)| a == b)
                .count()
        } else {
            0
        };
        if run >= 3 {
            bits.length(run);
            // Distance code 2 means exactly 3; its fixed code is 5 bits, no extra bits.
            bits.code(2, 5);
            i += run;
        } else {
            bits.symbol(u16::from(raw[i]));
            i += 1;
        }
    }
}

/// Bits written least significant first, as Deflate packs them.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    count: u32,
}

/// Match lengths 3..=258: the first length of each code 257..=285, and its extra bits.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= value << self.count;
        self.count += count;
        while self.count >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code, which Deflate stores most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    /// A literal/length symbol in the fixed code (RFC 1951 §3.2.6).
    fn symbol(&mut self, sym: u16) {
        let sym = u32::from(sym);
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xc0 + sym - 280, 8),
        }
    }

    fn length(&mut self, len: usize) {
        let len = len.clamp(3, 258) as u16;
        let index = LENGTH_BASE.iter().rposition(|&b| b <= len).unwrap_or(0);
        self.symbol(257 + index as u16);
        self.put(u32::from(len - LENGTH_BASE[index]), LENGTH_EXTRA[index]);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push((self.acc & 0xff) as u8);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An independent decoder (the `png` crate checks every CRC, the Adler-32 and the zlib
    /// stream) reads back exactly the picture `pixel` draws.
    #[test]
    fn decodes_to_the_drawn_picture() {
        let bytes = placeholder_png();
        assert!(bytes.len() < 96 * 1024, "{} bytes", bytes.len());
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (SIZE, SIZE));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        for y in 0..SIZE {
            for x in 0..SIZE {
                let at = ((y * SIZE + x) * 3) as usize;
                assert_eq!(buf[at..at + 3], pixel(x, y), "pixel {x},{y}");
            }
        }
        // Both colours are there: a picture, not a blank square.
        assert_eq!(pixel(0, 0), BACKGROUND);
        assert_eq!(pixel(700, 220), REEL);
    }

    #[test]
    fn passes_the_podcast_cover_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cover.png");
        std::fs::write(&path, placeholder_png()).unwrap();
        assert_eq!(crate::verify::podcast::artwork(&path), Ok(()));
    }

    #[test]
    fn known_checksums() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }
}
