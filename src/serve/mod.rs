//! `feedwright serve`: an HTTP/1.1 file server for the output folder, so a feed reader or a
//! browser on this machine can subscribe to the feeds while they are written, and a watcher
//! that rebuilds when the content changes.
//!
//! The server answers `GET` and `HEAD` with the Content-Type of each format (R95), a strong
//! `ETag` (a hash of the bytes) and `Last-Modified`, and `304 Not Modified` to a matching
//! `If-None-Match` or `If-Modified-Since` (R96, R97); files also answer `Range` (206, 416,
//! `If-Range`), for enclosures a podcast app seeks in. It never serves a path outside the
//! output folder, nor hidden files (temp files of a running build).
//!
//! Browsers render an XSLT-styled feed only when it arrives with an XML type they know
//! (`text/xml`); Chromium shows `application/rss+xml` as source text. So a request whose
//! `Accept` prefers `text/html` to the feed's type gets RSS and Atom as `text/xml`, with
//! `Vary: Accept`; feed readers get the feed types.
//!
//! hyper parses and writes HTTP; this module decides the answers. The bounds that keep a
//! misbehaving client from exhausting the machine are in [`Limits`] and `conn`: a fixed number
//! of connections, a few fixed threads, timeouts, and files streamed in chunks.

mod body;
mod conn;
mod http;
mod pool;
mod respond;
mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use http::{
    ByteRange, byte_range, content_type, etag, http_date, if_range_holds, none_match, resolve,
};
pub use respond::{Body, Etags, Request, Response, respond};
pub use watch::{POLL, QUIET, Watch, Watched, Watcher, Woke};

/// The bounds of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once; see `conn` for what happens past it.
    pub max_connections: usize,
    /// The whole request head must arrive within this time of the connection's start.
    pub header_timeout: Duration,
    /// A connection on which no byte moved either way for this long is closed.
    pub stall_timeout: Duration,
    /// Threads that open, hash and read files.
    pub file_threads: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            file_threads: 4,
        }
    }
}

/// The folder a server answers from, changeable while it runs: the config's `output_dir` may
/// change under `serve`, and the new folder is the one being built.
#[derive(Debug, Clone)]
pub struct Root(Arc<Mutex<Arc<Path>>>);

impl Root {
    pub fn new(root: PathBuf) -> Root {
        Root(Arc::new(Mutex::new(root.into())))
    }

    /// The folder now; a request keeps the one it started with.
    pub fn get(&self) -> Arc<Path> {
        // Only ever a whole path is stored, so a panic elsewhere cannot leave half of one.
        Arc::clone(&self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Answers from `root` from the next request on.
    pub fn set(&self, root: PathBuf) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = root.into();
    }
}

/// The listening server.
#[derive(Debug)]
pub struct Server {
    listener: std::net::TcpListener,
    root: Root,
    limits: Limits,
    log: bool,
}

impl Server {
    /// Listens on `addr`, to answer from `root` (keep a clone to change it later).
    pub fn bind(addr: SocketAddr, root: Root) -> std::io::Result<Server> {
        Ok(Server {
            listener: std::net::TcpListener::bind(addr)?,
            root,
            limits: Limits::default(),
            log: false,
        })
    }

    pub fn with_limits(mut self, limits: Limits) -> Server {
        self.limits = limits;
        self
    }

    /// Prints one line per request on stderr, in the common log format.
    pub fn log_requests(mut self, on: bool) -> Server {
        self.log = on;
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves on a background thread until the process ends. Everything the server needs (the
    /// event loop, its thread, the file threads) is set up here, so a system that cannot give
    /// it is an error now, not a failure on some later request.
    pub fn spawn(self) -> std::io::Result<std::thread::JoinHandle<()>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let local_only = self.listener.local_addr()?.ip().is_loopback();
        self.listener.set_nonblocking(true)?;
        let listener = {
            let _inside = runtime.enter();
            tokio::net::TcpListener::from_std(self.listener)?
        };
        let pool = pool::Pool::start(self.limits.file_threads)?;
        let flags = (self.log, local_only);
        let shared = Arc::new(conn::Shared::new(self.root, pool, self.limits, flags));
        std::thread::Builder::new()
            .name("feedwright-serve".into())
            .spawn(move || runtime.block_on(conn::accept_loop(listener, shared)))
    }
}

#[cfg(test)]
mod tests;
