//! Timing spans for profiling a build without a profiler: with `FEEDWRIGHT_TIMINGS` set, each
//! stage's wall time is printed to stderr as it ends (docs/benchmarks.md says where the time
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
                "timing {name}: {:.1} ms",
                (now - last).as_secs_f64() * 1000.0
            );
            self.last = Some(now);
        }
    }
}
