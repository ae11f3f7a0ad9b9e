//! Trying a request again: exponential backoff with jitter for transient failures (connection
//! problems, timeouts, 5xx, 429), honouring the server's `Retry-After`. Any other failure is
//! returned at once: a 401 or a 412 will not go away by asking again.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::target::Failure;

/// The longest `Retry-After` we wait for; a server asking for more is reported instead
/// (a cron run should not sleep for an hour).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Retries after the first attempt.
    pub retries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Policy {
    /// The delay before retry number `retry` (0-based): `base * 2^retry`, capped, then jittered
    /// into its upper half so that clients that failed together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(20)))
            .min(self.cap);
        let half = full / 2;
        half + half.mul_f64(random_unit())
    }
}

/// One retry about to happen, for the log.
#[derive(Debug)]
pub struct Retrying<'a> {
    pub failure: &'a Failure,
    pub wait: Duration,
    /// The attempt about to start, 2-based (the first attempt is 1).
    pub attempt: u32,
    pub attempts: u32,
}

/// Runs `op` until it succeeds, fails for good, or the retries are used up. Returns the last
/// failure and the number of attempts made.
pub fn run<T>(
    policy: &Policy,
    mut op: impl FnMut() -> Result<T, Failure>,
    mut on_retry: impl FnMut(&Retrying<'_>),
) -> Result<T, (Failure, u32)> {
    let attempts = policy.retries + 1;
    let mut attempt = 1;
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(f) if !f.is_transient() || attempt >= attempts => return Err((f, attempt)),
            Err(f) => {
                let wait = match f.retry_after {
                    Some(d) if d > MAX_RETRY_AFTER => return Err((f, attempt)),
                    Some(d) => d,
                    None => policy.backoff(attempt - 1),
                };
                attempt += 1;
                on_retry(&Retrying {
                    failure: &f,
                    wait,
                    attempt,
                    attempts,
                });
                std::thread::sleep(wait);
            }
        }
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// A number in [0, 1) from the standard library's per-process random hash keys; jitter needs
/// no better randomness than that.
fn random_unit() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::super::target::FailureKind;
    use super::*;

    fn policy(retries: u32) -> Policy {
        Policy {
            retries,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
        }
    }

    fn failure(status: u16) -> Failure {
        Failure {
            kind: FailureKind::Status(status),
            request: "PUT http://h/a.rss".into(),
            answer: format!("{status}"),
            retry_after: None,
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let p = Policy {
            retries: 9,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        for (retry, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (30, 1000),
        ] {
            let d = p.backoff(retry).as_millis();
            assert!(d >= full / 2 && d <= full, "retry {retry}: {d} ms");
        }
    }

    #[test]
    fn transient_failures_are_retried_until_success() {
        let mut calls = 0;
        let mut retries = Vec::new();
        let r = run(
            &policy(3),
            || {
                calls += 1;
                if calls < 3 {
                    Err(failure(503))
                } else {
                    Ok(calls)
                }
            },
            |r| retries.push(r.attempt),
        );
        assert_eq!(r.unwrap(), 3);
        assert_eq!(retries, vec![2, 3]);
    }

    #[test]
    fn other_4xx_are_not_retried_and_retries_run_out() {
        let mut calls = 0;
        let r: Result<(), _> = run(
            &policy(3),
            || {
                calls += 1;
                Err(failure(404))
            },
            |_| {},
        );
        assert_eq!(r.unwrap_err().1, 1);
        let r: Result<(), _> = run(&policy(2), || Err(failure(500)), |_| {});
        assert_eq!(r.unwrap_err().1, 3);
    }

    #[test]
    fn a_long_retry_after_is_not_waited_for() {
        let mut f = failure(503);
        f.retry_after = Some(Duration::from_secs(3600));
        let r: Result<(), _> = run(&policy(3), || Err(f.clone()), |_| panic!("no retry"));
        assert_eq!(r.unwrap_err().1, 1);
    }

    #[test]
    fn retry_after_as_seconds_or_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Fri, 20 Nov 2026 09:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Fri, 20 Nov 2026 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
