//! One run at a time per site: an OS file lock (flock) beside the config. The kernel releases it
//! when the process ends, however it ends, so a killed run never blocks the next one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};

pub use crate::config::LOCK_FILE;

#[derive(Debug)]
pub struct RunLock {
    _file: File,
    pub path: PathBuf,
}

impl RunLock {
    pub fn acquire(config: &Config) -> Result<RunLock> {
        let path = config.root.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        // Never through a link: a cloned repository's `.feedwright.lock -> ../x` made the
        // file there.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0));
        }
        let linked = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        let file = options.open(&path).map_err(|e| {
            let e = if linked {
                std::io::Error::other("it is a symbolic link, which feedwright does not follow: delete it (feedwright makes its own)")
            } else {
                e
            };
            Error::io(&path, "opening the lock file", e)
        })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(Error::Locked(path)),
            Err(TryLockError::Error(e)) => Err(Error::io(&path, "locking", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Hostile-repository audit: a committed `.feedwright.lock -> ../outside` made that file.
    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://e.example/\"\n[[feed]]\nname = \"r\"\ntitle = \"R\"\nsource = \"c\"\n";
        let config = crate::config::Config::parse(text, &site.join("config.toml")).unwrap();
        std::os::unix::fs::symlink("../outside", site.join(super::LOCK_FILE)).unwrap();
        let e = super::RunLock::acquire(&config).unwrap_err().to_string();
        assert!(e.ends_with("opening the lock file: it is a symbolic link, which feedwright does not follow: delete it (feedwright makes its own)"), "{e}");
        assert!(!dir.path().join("outside").exists());
        std::fs::remove_file(site.join(super::LOCK_FILE)).unwrap();
        assert!(super::RunLock::acquire(&config).is_ok());
    }
}
