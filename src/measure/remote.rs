//! The start of a remote picture, for [`super::art::check_prefix`]: one GET asking for the
//! first [`PREFIX_CAP`] bytes, read within the client's timeout and never past the cap, even
//! from a server that ignores the range and sends the whole file.

use std::time::Duration;

use url::Url;

/// Enough for a PNG's header chunks and a JPEG's segments up to its frame header in nearly
/// every real file; a picture whose header lies further is not judged.
pub const PREFIX_CAP: u64 = 64 * 1024;

/// Up to the first [`PREFIX_CAP`] bytes of `url`; `None` when the server cannot be asked or
/// sends nothing (the other checks, and `doctor`, report an unreachable server).
pub fn prefix(url: &Url, timeout: Duration) -> Option<Vec<u8>> {
    let client = crate::net::builder(timeout).build().ok()?;
    let response = client
        .get(url.clone())
        .header(
            reqwest::header::RANGE,
            format!("bytes=0-{}", PREFIX_CAP - 1),
        )
        .send()
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    // A picture's first bytes are judged only when they all came: what a stalled or broken
    // answer left was once judged "not a JPEG or PNG", the cause (the server) unsaid.
    let (bytes, broken) = crate::net::read_whole_prefix(response, PREFIX_CAP, timeout);
    (!bytes.is_empty() && !broken).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A server that answers one request with `head`, then `body` repeated `times`, then
    /// keeps the connection open for `stall`.
    fn server(head: &'static str, (body, times): (&'static [u8], usize), stall: Duration) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Some(Ok(mut stream)) = listener.incoming().next() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = stream.write_all(head.as_bytes());
                for _ in 0..times {
                    if stream.write_all(body).is_err() {
                        return;
                    }
                }
                std::thread::sleep(stall);
            }
        });
        Url::parse(&format!("http://127.0.0.1:{port}/cover.png")).unwrap()
    }

    #[test]
    fn an_endless_body_is_read_only_to_the_cap() {
        let url = server(
            "HTTP/1.1 200 OK\r\n\r\n",
            (&[b'x'; 4096], 1 << 20),
            Duration::ZERO,
        );
        let got = prefix(&url, Duration::from_secs(10)).unwrap();
        assert_eq!(got.len() as u64, PREFIX_CAP);
    }

    #[test]
    fn a_body_shorter_than_its_content_length_gives_what_came() {
        let url = server(
            "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n",
            (b"\x89PNG\r\n\x1a\n", 1),
            Duration::ZERO,
        );
        let got = prefix(&url, Duration::from_secs(10)).unwrap();
        assert_eq!(got, b"\x89PNG\r\n\x1a\n");
    }

    /// Resource audit: four bytes, then silence, were judged "not a JPEG or PNG" after the
    /// timeout. What a stalled answer left is not judged.
    #[test]
    fn what_a_stalled_answer_left_is_not_judged() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
        let url = server(head, (b"abcd", 1), Duration::from_secs(3));
        assert_eq!(prefix(&url, Duration::from_secs(1)), None);
    }
}
