//! Giving back heap pages that jobs freed, once the jobs are done. glibc returns the top
//! of a heap when it shrinks, but free pages below a live allocation stay resident until
//! `malloc_trim` hands them back. Measured on 2026-12-05 (three alternating rounds of
//! `scripts/bench-ab.sh`): 2 s after 8 concurrent 100k-row predicts, 45.9 MiB stayed
//! resident without trimming and 40.0 MiB with it.
//!
//! When to trim is read from the service's job events, not from malloc: a job's state
//! changes and progress are where its memory comes and goes. Every `QUIET` the count of
//! events published so far is read; once it stops changing after it had changed, the heap
//! is trimmed once, on a blocking thread. Nothing is trimmed while events keep coming (a
//! trim takes each arena's lock while it walks its free memory), nor while the server has
//! no jobs. The count is read, not subscribed to: a subscriber would be woken for every
//! event, and with one the 202 of a 1k-row `$train` took 11–27% longer (two A/B runs of three rounds).

use chapwasm_service::JobEvents;
use std::time::Duration;

/// How often the count of events is read; a spell of activity ends when it stops changing.
const QUIET: Duration = Duration::from_millis(500);

/// Starts trimming after each spell of job activity (glibc only, and only if the
/// operator set no malloc tunables of their own; elsewhere nothing).
pub fn trim_after_jobs(events: JobEvents) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !super::allocator::tuned_by_operator() {
        tokio::spawn(trim_when_quiet(
            move || events.published(),
            || async {
                let started = std::time::Instant::now();
                // SAFETY: malloc_trim only releases pages malloc holds free, under its locks.
                let trimmed = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
                tracing::debug!(elapsed = ?started.elapsed(), released = matches!(trimmed, Ok(1)), "heap trimmed");
            },
        ));
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    drop(events);
}

/// Calls `trim` once after every spell of activity (`published` changed between reads),
/// at the first read that finds it unchanged. Runs as long as the runtime does.
async fn trim_when_quiet<T, F>(published: impl Fn() -> u64, trim: T)
where
    T: Fn() -> F,
    F: std::future::Future<Output = ()>,
{
    let mut every = tokio::time::interval(QUIET);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut seen, mut active) = (published(), false);
    loop {
        every.tick().await;
        let now = published();
        if now != seen {
            (seen, active) = (now, true);
        } else if active {
            active = false;
            trim().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{QUIET, trim_when_quiet};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::time::Duration;

    /// The watcher on a paused clock: a count of events to bump, and a count of its trims.
    fn watch() -> (Arc<AtomicU64>, Arc<AtomicUsize>) {
        let (events, trims) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicUsize::new(0)));
        let (published, counted) = (events.clone(), trims.clone());
        tokio::spawn(trim_when_quiet(
            move || published.load(Ordering::SeqCst),
            move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async {}
            },
        ));
        (events, trims)
    }

    async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    #[tokio::test(start_paused = true)]
    async fn trims_once_after_each_spell_of_events_and_never_while_they_keep_coming() {
        let (events, trims) = watch();
        sleep(10 * QUIET).await;
        assert_eq!(trims.load(Ordering::SeqCst), 0, "no jobs, no trim");
        for _ in 0..20 {
            events.fetch_add(3, Ordering::SeqCst);
            sleep(QUIET / 2).await;
        }
        assert_eq!(trims.load(Ordering::SeqCst), 0, "busy: events every {:?}", QUIET / 2);
        sleep(10 * QUIET).await;
        assert_eq!(trims.load(Ordering::SeqCst), 1, "one trim once quiet, and no more");
        events.fetch_add(1, Ordering::SeqCst);
        sleep(3 * QUIET).await;
        assert_eq!(trims.load(Ordering::SeqCst), 2, "another spell, another trim");
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
        // 32 MiB in blocks small enough to live in the heap, then one block above them
        // that stays, so the heap's top cannot shrink when they are freed.
        let blocks: Vec<Vec<u8>> = (0..8192).map(|i| vec![i as u8; 4096]).collect();
        let pin = std::hint::black_box(vec![1u8; 4096]);
        drop(blocks);
        let before = resident_anonymous_kib();
        // SAFETY: as in `trim_after_jobs`.
        unsafe { libc::malloc_trim(0) };
        let after = resident_anonymous_kib();
        assert!(before.saturating_sub(after) >= 16 << 10, "resident before {before} KiB, after {after} KiB");
        drop(pin);
    }
}
