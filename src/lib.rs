//! feedwright: publishes RSS 2.0 and Atom 1.0 feeds of a film-review column and its podcast's
//! episode notes, with ids and dates that never churn.
//!
//! Data flows one way: [`config`] -> [`content`] -> [`identity`] -> [`feed`] -> [`output`];
//! [`verify`] reads back what [`feed`] rendered before [`output`] puts it in place.
//! [`build`] runs those stages in order; [`cli`] turns command lines into build calls.

pub mod build;
pub mod cli;
pub mod config;
pub mod content;
pub mod doctor;
pub mod error;
pub mod feed;
pub mod identity;
pub mod lock;
pub mod measure;
pub mod media;
pub mod media_types;
pub mod net;
pub mod output;
pub mod publish;
pub mod serve;
pub mod small_file;
pub mod verify;

pub use error::{Error, Result};
