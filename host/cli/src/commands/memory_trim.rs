//! Giving back heap pages that jobs freed, once the jobs are done. glibc returns the top
//! of a heap when it shrinks, but free pages below a live allocation stay resident until
//! `malloc_trim` hands them back. Measured on 2026-12-05 (three alternating rounds of
//! `scripts/bench-ab.sh` against the build before trimming): 2 s after 8 concurrent
//! 100k-row predicts, 45.8 MiB stayed resident without trimming and 41.0 MiB with it.
//!
//! When to trim is read from the service, not from malloc: its jobs are where memory comes
//! and goes. Every `QUIET` it reads how many events its own jobs have published, and how
//! many jobs run here; once the count has changed and then stays the same for a read with
//! no job running, the heap is trimmed once, on a blocking thread. The start counts as
//! such a spell: the first quiet read after it trims once. Nothing is trimmed
//! while a job runs here or events keep coming (a trim takes each arena's lock while it
//! walks its free memory), nor, after that first one, on a server without jobs. The count is read, not
//! subscribed to: a subscriber would be woken for every event (tried: the 202 of a 1k-row
//! `$train` measured 11–27% slower in two A/B runs of three rounds, within what noise
//! has done to other figures, so not proven, but a wake-up per event is what the 202
//! spends its time on).

#![cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]

use chapwasm_service::MlService;
use std::sync::Arc;
use std::time::Duration;

/// How often the count of events is read; a spell of activity ends when it stops changing.
const QUIET: Duration = Duration::from_millis(500);

/// Starts trimming after each spell of job activity (glibc only, and only if the
/// operator set no malloc tunables of their own; elsewhere nothing).
pub fn trim_after_jobs(service: Arc<MlService>) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !super::allocator::tuned_by_operator() {
        let activity = move || Activity { events: service.events().published(), running: service.running_here() };
        tokio::spawn(trim_when_quiet(activity, || async {
            let started = std::time::Instant::now();
            // SAFETY: malloc_trim only releases pages malloc holds free, under its locks.
            let trimmed = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
            tracing::debug!(elapsed = ?started.elapsed(), released = matches!(trimmed, Ok(1)), "heap trimmed");
        }));
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    drop(service);
}

/// What the trimmer reads each time.
#[derive(Debug, Clone, Copy)]
struct Activity {
    /// Events published about this process's jobs so far.
    events: u64,
    /// Jobs running here now.
    running: usize,
}

/// Calls `trim` once after every spell of activity (the start, or the count of events
/// changed between reads), at the first read that finds it unchanged and no job running.
/// Runs as long as the runtime does.
async fn trim_when_quiet<T, F>(activity: impl Fn() -> Activity, trim: T)
where
    T: Fn() -> F,
    F: std::future::Future<Output = ()>,
{
    let mut every = tokio::time::interval(QUIET);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The start is a spell of its own: migrations and loading the model free what they
    // used, which an idle server would otherwise keep.
    let (mut seen, mut active) = (activity().events, true);
    every.tick().await; // the first tick is at once: reads start one interval later
    loop {
        every.tick().await;
        let now = activity();
        if now.events != seen {
            (seen, active) = (now.events, true);
        } else if active && now.running == 0 {
            active = false;
            trim().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Activity, QUIET, trim_when_quiet};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::time::Duration;

    /// The watcher on a paused clock, counting its trims, with counts of events and of
    /// running jobs to change.
    struct Watched {
        events: Arc<AtomicU64>,
        running: Arc<AtomicUsize>,
        trims: Arc<AtomicUsize>,
    }

    fn watch() -> Watched {
        let watched = Watched { events: Arc::default(), running: Arc::default(), trims: Arc::default() };
        let (events, running, trims) = (watched.events.clone(), watched.running.clone(), watched.trims.clone());
        let activity =
            move || Activity { events: events.load(Ordering::SeqCst), running: running.load(Ordering::SeqCst) };
        tokio::spawn(trim_when_quiet(activity, move || {
            trims.fetch_add(1, Ordering::SeqCst);
            async {}
        }));
        watched
    }

    impl Watched {
        fn trims(&self) -> usize {
            self.trims.load(Ordering::SeqCst)
        }
    }

    async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    #[tokio::test(start_paused = true)]
    async fn trims_once_after_each_spell_of_events_and_never_while_they_keep_coming() {
        let watched = watch();
        sleep(10 * QUIET).await;
        assert_eq!(watched.trims(), 1, "one trim after the start, then none without jobs");
        for _ in 0..20 {
            watched.events.fetch_add(3, Ordering::SeqCst);
            sleep(QUIET / 2).await;
        }
        assert_eq!(watched.trims(), 1, "busy: events every {:?}", QUIET / 2);
        sleep(10 * QUIET).await;
        assert_eq!(watched.trims(), 2, "one trim once quiet, and no more");
        watched.events.fetch_add(1, Ordering::SeqCst);
        sleep(3 * QUIET).await;
        assert_eq!(watched.trims(), 3, "another spell, another trim");
    }

    #[tokio::test(start_paused = true)]
    async fn no_trim_while_a_job_runs_even_a_silent_one() {
        let watched = watch();
        sleep(QUIET * 3 / 2).await;
        assert_eq!(watched.trims(), 1, "the start's trim");
        watched.running.store(1, Ordering::SeqCst);
        watched.events.fetch_add(1, Ordering::SeqCst);
        sleep(10 * QUIET).await;
        assert_eq!(watched.trims(), 1, "a job runs, silent for a while");
        watched.running.store(0, Ordering::SeqCst);
        sleep(2 * QUIET).await;
        assert_eq!(watched.trims(), 2, "trimmed once it ended");
    }

    /// What the trim relies on: freed pages under a live allocation go back to the OS.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn malloc_trim_returns_pages_freed_under_live_data() {
        fn resident_anonymous_kib() -> usize {
            let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
            let line = status.lines().find(|l| l.starts_with("RssAnon:")).expect("an RssAnon line");
            line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("RssAnon in KiB")
        }
        // 32 MiB in blocks small enough to live in the heap; the last one, the highest,
        // stays, so the heap's top cannot shrink when the others are freed.
        let mut blocks: Vec<Vec<u8>> = (0..8192).map(|i| vec![i as u8; 4096]).collect();
        let pin = std::hint::black_box(blocks.pop());
        drop(blocks);
        let before = resident_anonymous_kib();
        // SAFETY: as in `trim_after_jobs`.
        unsafe { libc::malloc_trim(0) };
        let after = resident_anonymous_kib();
        assert!(before.saturating_sub(after) >= 16 << 10, "resident before {before} KiB, after {after} KiB");
        drop(pin);
    }
}
