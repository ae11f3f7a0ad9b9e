//! The playing time of a local audio file, read from its frames. An MP3's frames are always
//! counted, packet by packet: a Xing or VBRI header may be missing or stale, and the first
//! frame's bitrate says nothing about the rest of a VBR file. An MP4 (M4A/AAC) states its
//! duration exactly in its sample tables, so that is read when present.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
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
    let file = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let stream = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
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
        _ => count(reader.as_mut(), id)?,
    };
    seconds(base, ticks)
}

/// The summed duration of every packet of track `id`: reads frame headers and each frame's
/// bytes into one reused buffer, decodes no audio, keeps nothing.
fn count(reader: &mut dyn FormatReader, id: u32) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut packets: u64 = 0;
    loop {
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
            Err(e) => return Err(format!("cannot be read past frame {packets} ({e})")),
        }
    }
    if packets == 0 || total == 0 {
        return Err("has no audio frames".into());
    }
    Ok(total)
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
}
