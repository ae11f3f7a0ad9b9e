//! A [`Response`] turned into what hyper sends: the head, and a body that is either a few bytes
//! made in memory or a file span read one chunk at a time on the file threads. A chunk is read
//! only when hyper wants the next one, which it does once the socket took the previous ones, so
//! a client that reads slowly holds a couple of chunks, never the file.

use std::fs::File;
use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use hyper::body::{Bytes, Frame, SizeHint};
use hyper::header::{HeaderName, HeaderValue};

use super::pool::Pool;
use super::respond::{Body, Response, Span};

/// What one read of a file sends; with hyper's write buffer this bounds a connection's memory.
const CHUNK: u64 = 32 * 1024;

/// The body of a response on the wire.
pub(crate) enum Outgoing {
    Empty,
    Bytes(Option<Bytes>),
    File(Chunks),
}

pub(crate) struct Chunks {
    file: Arc<File>,
    pos: u64,
    remaining: u64,
    pool: Pool,
    pending: Option<tokio::sync::oneshot::Receiver<std::io::Result<Vec<u8>>>>,
}

impl hyper::body::Body for Outgoing {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Outgoing::Empty => Poll::Ready(None),
            Outgoing::Bytes(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Outgoing::File(chunks) => chunks.poll_next(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Outgoing::Empty => true,
            Outgoing::Bytes(bytes) => bytes.is_none(),
            Outgoing::File(chunks) => chunks.remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(match self {
            Outgoing::Empty => 0,
            Outgoing::Bytes(bytes) => bytes.as_ref().map_or(0, |b| b.len() as u64),
            Outgoing::File(chunks) => chunks.remaining,
        })
    }
}

impl Chunks {
    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        if self.pending.is_none() {
            let (file, pos, len) = (Arc::clone(&self.file), self.pos, self.remaining.min(CHUNK));
            let Some(rx) = self.pool.submit(move || read_chunk(&file, pos, len)) else {
                return Poll::Ready(Some(Err(std::io::Error::other("the file threads stopped"))));
            };
            self.pending = Some(rx);
        }
        let Some(pending) = self.pending.as_mut() else {
            return Poll::Ready(None);
        };
        let result = ready!(Pin::new(pending).poll(cx));
        self.pending = None;
        let chunk = match result {
            Ok(Ok(chunk)) if !chunk.is_empty() => chunk,
            // The length is in the head already: a file cut short must end the connection.
            Ok(Ok(_)) => {
                let e = std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was sent",
                );
                return Poll::Ready(Some(Err(e)));
            }
            Ok(Err(e)) => return Poll::Ready(Some(Err(e))),
            Err(_) => return Poll::Ready(Some(Err(std::io::Error::other("a file read stopped")))),
        };
        self.pos += chunk.len() as u64;
        self.remaining = self.remaining.saturating_sub(chunk.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }
}

fn read_chunk(file: &File, pos: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    Span::new(file, pos, len).read_to_end(&mut chunk)?;
    Ok(chunk)
}

/// The hyper response for `response`. Header values come from our own code (dates, tags,
/// types, numbers); one that is not a valid field value is left out rather than sent broken.
pub(crate) fn to_hyper(response: Response, pool: &Pool) -> hyper::Response<Outgoing> {
    let status = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let body = if response.head || response.status == 304 {
        Outgoing::Empty
    } else {
        match response.body {
            Body::Bytes(b) if b.is_empty() => Outgoing::Bytes(None),
            Body::Bytes(b) => Outgoing::Bytes(Some(Bytes::from(b))),
            Body::File { file, start, len } => Outgoing::File(Chunks {
                file,
                pos: start,
                remaining: len,
                pool: pool.clone(),
                pending: None,
            }),
        }
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in &response.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    // One request per connection, as before: nothing waits idle between requests.
    headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    out
}
