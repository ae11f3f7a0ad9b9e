//! The integration tests: one binary (one link, not one per file), one module per area. Each
//! runs the real `feedwright` binary on a temporary site (see `common`) and reads what it wrote
//! with independent parsers; `serving` starts `feedwright serve` and speaks HTTP to it.

#![allow(
    unreachable_pub,
    reason = "helper modules of a test binary share items with `pub`"
)]
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom; the 100-line rule is for src/"
)]

mod common;
mod serving;

mod browser;
mod build;
mod cache;
mod cache_pages;
mod cache_push;
mod check_stream;
mod cron;
mod extras;
mod first_build;
mod hostile_2026;
mod house;
mod identity;
mod newcomer;
mod podcast;
mod podcast_2026;
mod podcast_media;
mod podcast_parsers;
mod properties;
mod push;
mod push_media;
mod push_nginx;
mod push_s3;
mod readme;
mod sample_site;
mod serve_hardening;
mod trust_content;
mod trust_html;
mod trust_network;
mod trust_podcast;
mod trust_publish;
mod trust_rules;
mod trust_state;
mod trust_text;
mod trust_verify;
