//! Timing spans for profiling a build without a profiler: with `FEEDWRIGHT_TIMINGS` set, each
//! stage's wall time and the resident memory after it are printed to stderr as it ends (docs/benchmarks.md says where the time
//! goes from them). Off, a span costs one branch.

use std::time::Instant;

pub struct Spans {
    last: Option<Instant>,
}

impl Spans {
    pub fn start() -> Spans {
        Spans {
            last: std::env::var_os("FEEDWRIGHT_TIMINGS").map(|_| Instant::now()),
        }
    }

    /// Ends the span running since the last mark, named `name`.
    pub fn mark(&mut self, name: &str) {
        if let Some(last) = self.last {
            let now = Instant::now();
            eprintln!(
                "timing {name}: {:.1} ms, {} MB resident",
                (now - last).as_secs_f64() * 1000.0,
                resident_mb()
            );
            self.last = Some(now);
        }
    }
}

/// The process's resident memory in MB, from `/proc` (0 where there is none).
fn resident_mb() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * 4096 / 1_000_000
}
