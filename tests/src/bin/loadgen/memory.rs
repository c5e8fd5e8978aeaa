//! The server's memory, read from `/proc/<pid>/status` while the load runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// One `VmRSS`/`VmHWM`-style line of `/proc/<pid>/status`, in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Samples the server's resident set (`VmRSS`) on a thread of its own, so a busy client
/// runtime does not delay the samples. Keeps the peak since the last `take_peak` and the
/// peak of the whole sampling.
pub struct RssSampler {
    since_last: Arc<AtomicU64>,
    overall: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RssSampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let since_last = Arc::new(AtomicU64::new(0));
        let overall = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (since_last, overall, stop) = (since_last.clone(), overall.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kib) = status_kib(pid, "VmRSS") {
                        since_last.fetch_max(kib, Ordering::Relaxed);
                        overall.fetch_max(kib, Ordering::Relaxed);
                    }
                    std::thread::sleep(every);
                }
            })
        };
        RssSampler {
            since_last,
            overall,
            stop,
            thread: Some(thread),
        }
    }

    /// The highest sample since the previous call, in KiB.
    pub fn take_peak(&self) -> u64 {
        self.since_last.swap(0, Ordering::Relaxed)
    }

    /// Stops sampling; the highest sample of all, in KiB.
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.overall.load(Ordering::Relaxed)
    }
}
