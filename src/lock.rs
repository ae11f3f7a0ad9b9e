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
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "opening the lock file", e))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(Error::Locked(path)),
            Err(TryLockError::Error(e)) => Err(Error::io(&path, "locking", e)),
        }
    }
}
