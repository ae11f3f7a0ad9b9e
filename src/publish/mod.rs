//! Talking to remote hosts over HTTP(S): fetching a published feed, pushing the built files to
//! a [`target::Target`] (WebDAV today), and pinging WebSub hubs.
//!
//! A push is given a list of [`Upload`]s (built files on disk, with their hashes) and never
//! looks at how they were built. Its steps each have a module: [`diff`] (what changed since the
//! last push), [`guard`] (published ids stay the same; `--take-over`), [`upload`] (the PUTs),
//! [`record`] (the push state after each one) and [`ping`] (the WebSub hubs), run in order by
//! [`push`].

pub mod after;
pub mod auth;
/// The `[publish]` table, parsed with the rest of the config.
pub use crate::config::publish as config;
pub mod diff;
pub mod files;
pub mod guard;
pub mod http;
mod mask;
mod mask_forms;
pub mod ping;
pub mod prune;
pub mod published;
pub mod push;
pub mod record;
pub mod remote;
pub mod retry;
pub mod s3;
mod s3_keys;
mod s3_parts;
mod s3_watch;
pub mod state;
pub mod target;
pub mod upload;
pub mod webdav;
mod webdav_body;
mod webdav_put;
pub mod websub;

pub use files::{Role, Upload};
pub use guard::Identities;
pub use push::{Folder, LocalMedia, Options, Overwrite};
