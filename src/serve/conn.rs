//! Connections: the accept loop, the bound on open connections, the timeouts, and the request
//! log. One thread drives every socket (tokio, one thread); file work goes to the file threads.
//!
//! The bound: at most `max_connections` are open. When a new one arrives at the bound, the
//! oldest connection that has not yet sent a whole request head is closed to make room, so
//! clients that connect and say nothing cannot lock real readers out; only when every open
//! connection is busy answering does a newcomer get `503` at once.
//!
//! The timeouts: a request head must arrive whole within `header_timeout` of the connection's
//! start (slowloris), and a connection on which no byte moved either way for `stall_timeout`
//! is closed (a client that stopped reading a download).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

use super::body::{Outgoing, to_hyper};
use super::http::log_time;
use super::pool::Pool;
use super::respond::{Etags, Request, Response, respond};
use super::{Limits, Root};

/// A line on stderr. Unlike `eprintln!`, a stderr that cannot be written (a closed pipe) is
/// not a panic: the log is for the person watching, and the server goes on without it.
macro_rules! log {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// hyper's read and write buffer limit: room for a request head and two file chunks.
const BUFFER: usize = 64 * 1024;

/// Everything the connections share.
pub(crate) struct Shared {
    pub(crate) root: Root,
    pub(crate) etags: Etags,
    pub(crate) pool: Pool,
    pub(crate) limits: Limits,
    pub(crate) log: bool,
    /// Listening on the loopback only: requests must name this machine (see
    /// [`super::http::host_refusal`]).
    pub(crate) local_only: bool,
    open: Mutex<Open>,
    refusing: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(
        root: Root,
        pool: Pool,
        limits: Limits,
        (log, local_only): (bool, bool),
    ) -> Shared {
        Shared {
            root,
            etags: Etags::default(),
            pool,
            limits,
            log,
            local_only,
            open: Mutex::new(Open::default()),
            refusing: AtomicUsize::new(0),
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        // The table holds plain flags; one left half-updated by a panic is still usable.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The open connections, oldest first.
#[derive(Default)]
struct Open {
    next: u64,
    slots: BTreeMap<u64, Arc<Slot>>,
}

#[derive(Default)]
struct Slot {
    /// Set once the request head arrived: from then on the connection is never evicted.
    busy: AtomicBool,
    evict: Notify,
}

/// A place among the open connections, given back when the connection ends.
struct Ticket {
    id: u64,
    slot: Arc<Slot>,
    shared: Arc<Shared>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.shared.open().slots.remove(&self.id);
    }
}

/// A place for a new connection, evicting the oldest idle one at the bound; `None` when every
/// open connection is busy.
fn admit(shared: &Arc<Shared>) -> Option<Ticket> {
    let mut open = shared.open();
    if open.slots.len() >= shared.limits.max_connections.max(1) {
        let idle = open
            .slots
            .iter()
            .find(|(_, s)| !s.busy.load(Ordering::Acquire))
            .map(|(id, _)| *id)?;
        if let Some(slot) = open.slots.remove(&idle) {
            slot.evict.notify_one();
        }
    }
    let id = open.next;
    open.next += 1;
    let slot = Arc::new(Slot::default());
    open.slots.insert(id, Arc::clone(&slot));
    Some(Ticket {
        id,
        slot,
        shared: Arc::clone(shared),
    })
}

/// Accepts connections until the process ends.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it was taken: the
                // listener itself is fine, so wait a moment and go on accepting.
                if shared.log {
                    log!("serve: cannot accept a connection: {e}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        match admit(&shared) {
            Some(ticket) => {
                tokio::spawn(connection(stream, peer, ticket));
            }
            None => refuse(stream, &shared, peer),
        }
    }
}

/// Refused connections still lingering to hand over their `503`; past this many, a newcomer is
/// closed without a word, so a flood cannot pile up tasks either.
const REFUSING: usize = 64;

/// `503` at once: a fresh socket's send buffer takes these few bytes, then the request is read
/// and dropped for up to a second so that closing does not reset the connection before the
/// client read the answer.
fn refuse(stream: TcpStream, shared: &Arc<Shared>, peer: SocketAddr) {
    if shared.refusing.fetch_add(1, Ordering::AcqRel) >= REFUSING {
        shared.refusing.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let text = "busy: too many connections; try again in a few seconds\n";
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    if shared.log {
        log!(
            "{} - - [{}] \"-\" 503 {}",
            peer.ip(),
            log_time(SystemTime::now()),
            text.len()
        );
    }
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        let mut stream = stream;
        if stream.try_write(answer.as_bytes()).is_ok() && stream.shutdown().await.is_ok() {
            let mut sink = [0u8; 1024];
            let drain = async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
            let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
        }
        shared.refusing.fetch_sub(1, Ordering::AcqRel);
    });
}

async fn connection(stream: TcpStream, peer: SocketAddr, ticket: Ticket) {
    let shared = Arc::clone(&ticket.shared);
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(Guarded::new(stream, shared.limits.stall_timeout));
    let slot = Arc::clone(&ticket.slot);
    let for_requests = Arc::clone(&shared);
    let service = hyper::service::service_fn(move |req| {
        slot.busy.store(true, Ordering::Release);
        handle(req, peer, Arc::clone(&for_requests))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.limits.header_timeout)
        .keep_alive(false)
        // A client that shuts its sending side once the request is out (`nc -N`, scripts)
        // still waits for the answer: without this it got none, or a cut-off feed.
        .half_close(true)
        // `Content-Length`, as the server wrote before; names are case-blind, some eyes not.
        .title_case_headers(true)
        .max_buf_size(BUFFER);
    let mut served = pin!(builder.serve_connection(io, service));
    let mut evicted = pin!(ticket.slot.evict.notified());
    let outcome = std::future::poll_fn(|cx| {
        if evicted.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err("closed to make room for a new connection".to_string()));
        }
        served.as_mut().poll(cx).map_err(|e| reasons(&e))
    })
    .await;
    if let (Err(why), true) = (outcome, shared.log) {
        log!("serve: connection from {peer} ended: {why}");
    }
}

/// An error with its causes: hyper's own message is only its kind ("connection error").
fn reasons(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

async fn handle(
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
) -> Result<hyper::Response<Outgoing>, Infallible> {
    let request = request_of(&req);
    let line = format!("{} {} {:?}", req.method(), req.uri(), req.version());
    let hosts: Vec<&str> = (req.headers().get_all(hyper::header::HOST).iter())
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    let http11 = req.version() == hyper::Version::HTTP_11;
    let response = match super::http::host_refusal(http11, &hosts, shared.local_only) {
        Some((status, why)) => Response::text(status, why),
        None => {
            let job = Arc::clone(&shared);
            shared
                .pool
                .run(move || respond(&job.root.get(), &request, &job.etags))
                .await
                .unwrap_or_else(|| Response::text(500, "the file could not be read"))
        }
    };
    if shared.log {
        let sent = if response.head || response.status == 304 {
            0
        } else {
            response.body.len()
        };
        log!(
            "{} - - [{}] \"{line}\" {} {}",
            peer.ip(),
            log_time(SystemTime::now()),
            response.status,
            if sent == 0 {
                "-".to_string()
            } else {
                sent.to_string()
            }
        );
    }
    Ok(to_hyper(response, &shared.pool))
}

/// The parts of a request `respond` reads; repeated fields are joined with commas (RFC 9110
/// §5.3), and a value that is not text is left out.
fn request_of(req: &hyper::Request<Incoming>) -> Request {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in req.headers() {
        let Ok(value) = value.to_str() else { continue };
        headers
            .entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    Request {
        method: req.method().as_str().to_string(),
        target,
        headers,
    }
}

/// A socket that fails once no byte moved in either direction for `limit`: hyper has no write
/// timeout, and a reader that stopped reading would otherwise hold its connection forever.
struct Guarded {
    stream: TcpStream,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Guarded {
    fn new(stream: TcpStream, limit: Duration) -> Guarded {
        Guarded {
            stream,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.limit);
    }

    /// Called when the socket is not ready: the error once the deadline passed.
    fn stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no data moved for {} s", self.limit.as_secs()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<std::io::Result<usize>>,
    ) -> Poll<std::io::Result<usize>> {
        match r {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => self.stalled(cx),
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.moved();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.stalled(cx),
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.wrote(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.wrote(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_flush(cx) {
            Poll::Pending => this.stalled(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_shutdown(cx) {
            Poll::Pending => this.stalled(cx),
            ready => ready,
        }
    }
}
