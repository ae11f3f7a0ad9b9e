//! Talking to remote hosts over HTTP(S): fetching a published feed, pushing the built files to
//! a [`target::Target`] (WebDAV today), and pinging WebSub hubs.

pub mod auth;
pub mod config;
pub mod http;
pub mod push;
pub mod retry;
pub mod state;
pub mod target;
pub mod webdav;
pub mod websub;
