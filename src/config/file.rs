//! Reading `config.toml`: bounded, whatever the path names.

use std::path::Path;

/// The largest config file read: a config is a few KB, and `-c /dev/zero` or a gigabyte
/// file given by mistake must cost nothing.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A config file's text: a regular file (a FIFO would wait for a writer forever, a device
/// never end) of at most [`MAX_CONFIG_BYTES`], read no further than that.
pub(super) fn read_bounded(path: &Path) -> std::io::Result<String> {
    use crate::small_file::{self, Refusal};
    let refuse = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, why);
    let bytes = small_file::read(path, MAX_CONFIG_BYTES).map_err(|r| match r {
        Refusal::Io(e) => e,
        Refusal::NotRegular(_) => refuse("it is not a regular file".into()),
        Refusal::TooBig(len) => refuse(format!(
            "it is {len} bytes; a config file is at most {MAX_CONFIG_BYTES}: is this the right file?"
        )),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "it is not UTF-8 text (byte {} is not); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-c /dev/zero`, a FIFO or a gigabyte file: refused without reading them.
    #[test]
    fn a_config_that_is_not_a_small_file_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        let e = read_bounded(&big).unwrap_err().to_string();
        assert_eq!(
            e,
            "it is 1073741824 bytes; a config file is at most 1048576: is this the right file?"
        );
        #[cfg(unix)]
        {
            let e = read_bounded(Path::new("/dev/zero")).unwrap_err();
            assert_eq!(e.to_string(), "it is not a regular file");
        }
        let e = read_bounded(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "it is not a regular file");
        let ok = dir.path().join("config.toml");
        std::fs::write(&ok, "[site]\n").unwrap();
        assert_eq!(read_bounded(&ok).unwrap(), "[site]\n");
    }
}
