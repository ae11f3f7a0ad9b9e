//! Talking to remote hosts over HTTP(S): fetching a published feed.

pub mod config;
pub mod http;
