//! A fixed set of threads for the file work of the server (open, stat, hash, read a chunk),
//! started once with the server. A request never starts a thread: when every file thread is
//! busy, jobs queue. This also keeps a slow disk from stalling the thread that drives the
//! sockets.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    jobs: Sender<Job>,
}

impl Pool {
    /// Starts `threads` threads; an error when the system refuses one (then the server does
    /// not start, rather than run with fewer).
    pub(crate) fn start(threads: usize) -> std::io::Result<Pool> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("feedwright-files-{n}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Pool { jobs })
    }

    /// Queues `job`; its result arrives on the receiver. `None` when the threads are gone.
    pub(crate) fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<tokio::sync::oneshot::Receiver<T>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The connection may have gone meanwhile; then nobody wants the result.
                let _ = tx.send(job());
            }))
            .ok()?;
        Some(rx)
    }

    /// Runs `job` on a file thread and waits for it without blocking the caller's thread.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        self.submit(job)?.await.ok()
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // Whoever holds the lock waits for the next job; a poisoned lock still guards a
        // usable receiver.
        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match job {
            // A job that panics loses its answer (the request gets an error), not the thread.
            Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
            Err(_) => return,
        }
    }
}
