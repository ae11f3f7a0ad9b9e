//! The playing time of a local audio file, read from its frames. An MP3's frames are always
//! counted, packet by packet: a Xing or VBRI header may be missing or stale, and the first
//! frame's bitrate says nothing about the rest of a VBR file. An MP4 (M4A/AAC) states its
//! duration exactly in its sample tables, so that is read when present.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::{Duration as Ticks, TimeBase};

/// A file is measured once per run even though the notes feeds and the podcast feed both ask:
/// keyed by path, size and modification time so an edited file is measured again.
type Key = (PathBuf, u64, Option<SystemTime>);

fn cache() -> &'static Mutex<HashMap<Key, Result<u64, String>>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Result<u64, String>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// How far a hand-written `duration` may be from the measured one before it is worth a word:
/// players round differently, and encoder delay and padding add a fraction of a second.
const TOLERANCE_SECS: u64 = 2;

/// The duration to write for the local audio file at `path` whose notes say `written`: the
/// measured one when the file can be read, else `written`; and a warning naming the file when
/// the two differ by more than [`TOLERANCE_SECS`] or the file cannot be measured.
pub fn settle(path: &Path, written: Option<u64>) -> (Option<u64>, Option<String>) {
    let file = path.display();
    match (duration_secs(path), written) {
        (Ok(measured), Some(w)) if w.abs_diff(measured) > TOLERANCE_SECS => (
            Some(measured),
            Some(format!(
                "duration = {w} s is not how long audio file {file} plays ({measured} s, measured from the file); the measured {measured} s is written: remove `duration`"
            )),
        ),
        (Ok(measured), _) => (Some(measured), None),
        (Err(why), Some(w)) => (
            Some(w),
            Some(format!(
                "audio file {file} cannot be measured: it {why}; the written duration = {w} s is kept: check that the file plays, as an MP3 or M4A"
            )),
        ),
        (Err(why), None) => (
            None,
            Some(format!(
                "audio file {file} cannot be measured: it {why}; no itunes:duration is written: check that the file plays, as an MP3 or M4A, or add `duration`"
            )),
        ),
    }
}

/// What an audio file holds, by its first bytes: the enclosure type comes from the file's
/// extension, and players pick a decoder by the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// MPEG audio: an ID3 tag or a frame sync first.
    Mp3,
    /// An ISO media file (M4A, MP4, MOV): `ftyp` at byte 4.
    Mp4,
}

/// The container of the file at `path`, when its first bytes say it; `None` when they do not
/// (the measurement says what is wrong with such a file).
pub fn container(path: &Path) -> Option<Container> {
    use std::io::Read as _;
    let mut head = [0u8; 12];
    let file = std::fs::File::open(path).ok()?;
    let read = file.take(12).read(&mut head).ok()?;
    let head = &head[..read];
    if head.get(4..8) == Some(b"ftyp") {
        Some(Container::Mp4)
    } else if head.starts_with(b"ID3")
        || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
    {
        Some(Container::Mp3)
    } else {
        None
    }
}

/// The playing time of the audio file at `path`, in whole seconds (rounded to the nearest).
/// The error says why the file could not be measured, without naming it.
pub fn duration_secs(path: &Path) -> Result<u64, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    if let Some(known) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return known;
    }
    let measured = measure(path).map(|secs| secs.round() as u64);
    if let Ok(mut c) = cache().lock() {
        c.insert(key, measured.clone());
    }
    measured
}

/// The playing time in seconds, unrounded.
pub fn measure(path: &Path) -> Result<f64, String> {
    // Opening a FIFO would wait for a writer forever; a folder or device is no audio either.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let gap = Arc::new(Gap::default());
    let source = Watched {
        file,
        gap: Arc::clone(&gap),
    };
    let stream = MediaSourceStream::new(Box::new(source), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut reader = symphonia::default::get_probe()
        .probe(
            &hint,
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| format!("is not an MP3 or M4A file feedwright can read ({e})"))?;
    let track = reader
        .first_track(TrackType::Audio)
        .ok_or("has no audio track")?;
    let (id, base, stated) = (track.id, track.time_base, track.duration);
    let base = base.ok_or("has no time base for its audio track")?;
    let is_mp3 = reader.format_info().short_name.starts_with("mp");
    let ticks = match stated {
        Some(d) if !is_mp3 && d.get() > 0 => d.get(),
        _ => count(reader.as_mut(), id, &gap)?,
    };
    seconds(base, ticks)
}

/// The summed duration of every packet of track `id`: reads frame headers and each frame's
/// bytes into one reused buffer, decodes no audio, keeps nothing.
fn count(reader: &mut dyn FormatReader, id: u32, gap: &Gap) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut packets: u64 = 0;
    gap.armed.store(true, Ordering::Relaxed);
    loop {
        gap.since.store(0, Ordering::Relaxed);
        match reader.next_packet() {
            Ok(Some(p)) if p.track_id == id => {
                total = total.saturating_add(p.dur.get());
                packets += 1;
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            // A file cut short mid-frame still plays up to the cut.
            Err(symphonia::core::errors::Error::IoError(e))
                if e.kind() == std::io::ErrorKind::UnexpectedEof && packets > 0 =>
            {
                break;
            }
            Err(symphonia::core::errors::Error::IoError(e)) if gap.tripped(&e) => {
                return Err(format!(
                    "holds over {} MiB without an audio frame after frame {packets}: it is damaged",
                    MAX_GAP >> 20
                ));
            }
            Err(e) => return Err(format!("cannot be read past frame {packets} ({e})")),
        }
    }
    if packets == 0 || total == 0 {
        return Err("has no audio frames".into());
    }
    Ok(total)
}

/// Bytes read between two frames before a file is given up on. Real files hold a few KiB of
/// tags between or after frames; without a cap, a frame followed by 2 GB of zeros (a sparse
/// file costs nothing to make) would be scanned byte by byte for a sync word.
const MAX_GAP: u64 = 16 << 20;

/// How far the frame reader has read since the last frame, once counting has begun (the
/// probe before it may read a large tag, such as embedded cover art, in one go).
#[derive(Default)]
struct Gap {
    armed: AtomicBool,
    since: AtomicU64,
}

impl Gap {
    fn tripped(&self, e: &std::io::Error) -> bool {
        e.kind() == std::io::ErrorKind::Other
            && e.get_ref().is_some_and(|inner| inner.is::<GapError>())
    }
}

#[derive(Debug)]
struct GapError;

impl std::fmt::Display for GapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("too far without an audio frame")
    }
}

impl std::error::Error for GapError {}

/// The audio file, read through a [`Gap`] count.
struct Watched {
    file: std::fs::File,
    gap: Arc<Gap>,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        let since = self.gap.since.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if self.gap.armed.load(Ordering::Relaxed) && since > MAX_GAP {
            return Err(std::io::Error::other(GapError));
        }
        Ok(n)
    }
}

impl Seek for Watched {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.file.seek(to)
    }
}

impl MediaSource for Watched {
    fn is_seekable(&self) -> bool {
        self.file.is_seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        self.file.byte_len()
    }
}

fn seconds(base: TimeBase, ticks: u64) -> Result<f64, String> {
    let time = base
        .calc_duration(Ticks::from(ticks))
        .ok_or("states a duration too long to be real")?;
    let secs = time.as_secs_f64();
    if secs < 0.5 {
        return Err(format!(
            "plays for only {secs:.2} s: it holds no real audio"
        ));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/audio")
            .join(name)
    }

    /// The durations an independent decoder measured (tests/fixtures/audio/README.md).
    #[test]
    fn fixtures_measure_their_real_length() {
        for (name, real) in [
            ("cbr.mp3", 3.056),
            ("vbr-xing.mp3", 6.0),
            ("vbr-noxing.mp3", 6.06),
            ("aac.m4a", 4.0),
        ] {
            let got = measure(&fixture(name)).unwrap();
            assert!((got - real).abs() < 0.1, "{name}: {got} s, really {real} s");
        }
    }

    #[test]
    fn the_container_is_told_by_the_first_bytes() {
        assert_eq!(container(&fixture("cbr.mp3")), Some(Container::Mp3));
        assert_eq!(container(&fixture("vbr-xing.mp3")), Some(Container::Mp3));
        assert_eq!(container(&fixture("aac.m4a")), Some(Container::Mp4));
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.mp3");
        std::fs::write(&text, "not audio").unwrap();
        assert_eq!(container(&text), None);
        assert_eq!(container(&dir.path().join("missing.mp3")), None);
    }

    #[test]
    fn what_is_not_audio_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.mp3");
        std::fs::write(&text, "this is not audio at all, only words\n".repeat(50)).unwrap();
        assert!(duration_secs(&text).is_err());
        let empty = dir.path().join("empty.mp3");
        std::fs::write(&empty, "").unwrap();
        assert!(duration_secs(&empty).is_err());
        // One frame header and zeros: too short to be an episode.
        let mut one = vec![0xFF, 0xFB, 0x90, 0x00];
        one.resize(10_008, 0);
        let fake = dir.path().join("fake.mp3");
        std::fs::write(&fake, one).unwrap();
        assert!(duration_secs(&fake).is_err(), "{:?}", duration_secs(&fake));
        assert!(duration_secs(&dir.path().join("missing.mp3")).is_err());
    }

    #[test]
    fn a_fifo_or_folder_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.mp3");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO with no writer blocks; run it on a thread so the test fails
            // instead of hanging.
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || tx.send(measure(&fifo)));
            let got = rx.recv_timeout(std::time::Duration::from_secs(10));
            assert_eq!(got, Ok(Err("is not a regular file".to_string())));
        }
        let folder = dir.path().join("folder.mp3");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(measure(&folder), Err("is not a regular file".to_string()));
    }

    /// One real file, then a sparse stretch of zeros: scanning it all for a sync word took
    /// 21 s for 2 GB; the scan now stops [`MAX_GAP`] after the last frame.
    #[test]
    fn a_huge_stretch_without_frames_is_not_scanned_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tail.mp3");
        std::fs::copy(fixture("cbr.mp3"), &path).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(2 << 30).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            measure(&path),
            Err(
                "holds over 16 MiB without an audio frame after frame 117: it is damaged"
                    .to_string()
            )
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}
