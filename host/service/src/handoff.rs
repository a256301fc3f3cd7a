//! Inputs handed from a submission to the run of the same job in this process. A job's
//! inputs are committed to the database before its 202 (so nothing accepted is lost), and
//! a job claimed here would read them back and decode them: for a 100k-row predict that is
//! ~11 MB read and ~20 ms spent recreating what the submission still held in memory. The
//! submission leaves its decoded inputs here; the job's task takes them if they are still
//! here, else reads the database as before (another replica's job, a restart, an evicted
//! entry). The stored bytes stay the truth: an entry is the same value they encode.
//!
//! Bounded by the memory the inputs occupy and by count. Jobs run oldest first, so when
//! the bound is reached the newest inputs are the ones not kept (their job reads the
//! database): evicting the oldest instead threw away exactly the inputs about to run, and
//! in a burst of 400 small jobs 655 of 802 read theirs back. Inputs of jobs that this
//! process never claims make room once they have been kept for [`STALE_AFTER`]; a
//! deleted job's go with it, and another replica's go when a job submitted after them is
//! taken here [`OVERTAKEN_AFTER`] later (claims take the oldest pending job first).

use super::sized_work::frame_bytes;
use super::{AcceptedJob, JobRequest};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most bytes of inputs kept at once (as they occupy memory: `resident_bytes`).
const HANDOFF_MAX_BYTES: usize = 32 << 20;
/// Most inputs kept at once.
const HANDOFF_MAX_ENTRIES: usize = 1024;
/// Inputs kept this long make room for newer ones when the bound is reached: their job
/// most likely runs elsewhere or is gone (if not, it reads them from the database).
const STALE_AFTER: Duration = Duration::from_secs(60);
/// Inputs kept this long before those of a job taken here were most likely taken by
/// another replica's claim (a claim here racing that one is seldom this far behind).
const OVERTAKEN_AFTER: Duration = Duration::from_secs(5);

/// What a job's decoded inputs occupy in memory, near enough to bound them by (frames
/// as [`frame_bytes`] counts them, and the job's text).
pub(super) fn resident_bytes(accepted: &AcceptedJob) -> usize {
    let (frames, geo) = match &accepted.request {
        JobRequest::Train { data, geo, .. } => (frame_bytes(data), geo),
        JobRequest::Predict { historic, future, geo, .. } => {
            (frame_bytes(historic).saturating_add(frame_bytes(future)), geo)
        }
    };
    let text = geo.as_ref().map_or(0, String::len).saturating_add(accepted.pinned.config_data.len());
    frames.saturating_add(text)
}

struct Entry {
    job_id: String,
    bytes: usize,
    kept_at: Instant,
    accepted: AcceptedJob,
}

/// Decoded inputs of jobs submitted here and not yet started, bounded.
pub(super) struct InputsHandoff {
    max_bytes: usize,
    max_entries: usize,
    stale_after: Duration,
    entries: Mutex<(VecDeque<Entry>, usize)>,
}

impl Default for InputsHandoff {
    fn default() -> Self {
        Self::with_bounds(HANDOFF_MAX_BYTES, HANDOFF_MAX_ENTRIES, STALE_AFTER)
    }
}

impl InputsHandoff {
    pub(super) fn with_bounds(max_bytes: usize, max_entries: usize, stale_after: Duration) -> Self {
        Self { max_bytes, max_entries, stale_after, entries: Mutex::new((VecDeque::new(), 0)) }
    }

    /// Whether inputs of this size in memory (`resident_bytes`) can be kept at all: larger
    /// ones are best freed as soon as they are encoded (holding them through the insert
    /// raised a 1M-row predict's peak from 360 to 524 MiB).
    pub(super) fn fits(&self, bytes: usize) -> bool {
        bytes <= self.max_bytes && self.max_entries > 0
    }

    /// Keeps a job's inputs (`bytes`: their `resident_bytes`) if there is room, after
    /// evicting stale ones; inputs that do not `fit` are not kept. Evicted inputs are freed
    /// after the lock is released.
    pub(super) fn keep(&self, job_id: &str, bytes: usize, accepted: AcceptedJob) {
        if !self.fits(bytes) {
            return;
        }
        let mut evicted = Vec::new();
        let mut guard = self.entries.lock().expect("handoff lock");
        let (entries, total) = &mut *guard;
        let full = |entries: &VecDeque<Entry>, total: usize| {
            total + bytes > self.max_bytes || entries.len() >= self.max_entries
        };
        while full(entries, *total)
            && entries.front().is_some_and(|oldest| oldest.kept_at.elapsed() >= self.stale_after)
        {
            let oldest = entries.pop_front().expect("an entry to evict");
            *total -= oldest.bytes;
            evicted.push(oldest);
        }
        if !full(entries, *total) {
            *total += bytes;
            entries.push_back(Entry { job_id: job_id.to_owned(), bytes, kept_at: Instant::now(), accepted });
        }
        drop(guard);
        drop(evicted);
    }

    /// The inputs of `job_id` for its run here, if still kept (removed: a job runs them
    /// once). Inputs kept [`OVERTAKEN_AFTER`] or more before them go too. Evicted inputs
    /// are freed after the lock is released.
    pub(super) fn take(&self, job_id: &str) -> Option<AcceptedJob> {
        let mut guard = self.entries.lock().expect("handoff lock");
        let (entries, total) = &mut *guard;
        let at = entries.iter().position(|entry| entry.job_id == job_id)?;
        let taken = entries.remove(at)?;
        let ahead: Vec<Entry> = entries.drain(..at).collect();
        let (overtaken, recent): (Vec<Entry>, Vec<Entry>) = ahead
            .into_iter()
            .partition(|entry| taken.kept_at.saturating_duration_since(entry.kept_at) >= OVERTAKEN_AFTER);
        for entry in recent.into_iter().rev() {
            entries.push_front(entry);
        }
        *total -= taken.bytes + overtaken.iter().map(|entry| entry.bytes).sum::<usize>();
        drop(guard);
        drop(overtaken);
        Some(taken.accepted)
    }

    /// Drops the inputs of a job that will not run from them (deleted, or not created),
    /// and nothing else: that says nothing of the jobs before it.
    pub(super) fn forget(&self, job_id: &str) {
        let mut guard = self.entries.lock().expect("handoff lock");
        let (entries, total) = &mut *guard;
        let Some(at) = entries.iter().position(|entry| entry.job_id == job_id) else { return };
        let forgotten = entries.remove(at);
        *total -= forgotten.as_ref().map_or(0, |entry| entry.bytes);
        drop(guard);
        drop(forgotten);
    }

    /// Inputs kept now and their `resident_bytes`.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let guard = self.entries.lock().expect("handoff lock");
        (guard.0.len(), guard.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Generation, JobRequest, Pinned};
    use chapwasm_sdk::{DataFrame, Values};

    fn accepted(config_id: &str) -> AcceptedJob {
        let request = JobRequest::Train {
            config_id: config_id.to_owned(),
            data: DataFrame::with_rows(0),
            geo: None,
            generation: Generation::Spec,
            prediction_periods: None,
        };
        AcceptedJob {
            request,
            pinned: Pinned { config_data: "{}".into(), component_sha256: "c".into() },
            data_sha256: None,
        }
    }

    fn config_of(accepted: &AcceptedJob) -> &str {
        match &accepted.request {
            JobRequest::Train { config_id, .. } => config_id,
            JobRequest::Predict { .. } => unreachable!("only trains here"),
        }
    }

    #[test]
    fn resident_bytes_count_strings_by_their_memory_not_their_encoding() {
        let frame = DataFrame::from_columns(vec![
            chapwasm_sdk::Column::new("x", Values::F64(vec![1.0; 1000])),
            chapwasm_sdk::Column::new("s", Values::Str(vec![String::new(); 1000])),
        ])
        .unwrap();
        let mut job = accepted("c");
        if let JobRequest::Train { data, .. } = &mut job.request {
            *data = frame;
        }
        assert_eq!(resident_bytes(&job), 1 + 8000 + 1 + 24_000 + "{}".len());
        assert!(resident_bytes(&job) > 8 * job.encode().len() / 3, "empty strings cost memory, not bytes");
    }

    #[test]
    fn a_kept_job_is_taken_once() {
        let handoff = InputsHandoff::default();
        handoff.keep("a", 10, accepted("config-a"));
        assert_eq!(config_of(&handoff.take("a").expect("kept")), "config-a");
        assert!(handoff.take("a").is_none(), "taken already");
        assert!(handoff.take("never-kept").is_none());
        assert_eq!(handoff.held(), (0, 0));
    }

    const NEVER_STALE: Duration = Duration::from_secs(3600);

    /// The queue runs oldest first: a full handoff keeps what will run next.
    #[test]
    fn the_oldest_stay_when_bytes_run_out() {
        let handoff = InputsHandoff::with_bounds(100, 10, NEVER_STALE);
        handoff.keep("a", 40, accepted("a"));
        handoff.keep("b", 40, accepted("b"));
        handoff.keep("c", 40, accepted("c"));
        assert!(handoff.take("c").is_none(), "no room for c");
        assert_eq!(handoff.held(), (2, 80));
        assert!(handoff.take("a").is_some() && handoff.take("b").is_some());
        handoff.keep("d", 40, accepted("d"));
        assert!(handoff.take("d").is_some(), "room again once the oldest ran");
    }

    #[test]
    fn the_oldest_stay_when_entries_run_out() {
        let handoff = InputsHandoff::with_bounds(1000, 2, NEVER_STALE);
        for id in ["a", "b", "c"] {
            handoff.keep(id, 1, accepted(id));
        }
        assert_eq!(handoff.held(), (2, 2));
        assert!(handoff.take("c").is_none());
        assert!(handoff.take("a").is_some());
    }

    /// Inputs kept well before those of a job taken here ran elsewhere: they go.
    #[test]
    fn inputs_overtaken_by_a_later_job_go_when_it_is_taken() {
        let handoff = InputsHandoff::with_bounds(1000, 10, NEVER_STALE);
        handoff.keep("elsewhere", 10, accepted("elsewhere"));
        handoff.keep("racing", 10, accepted("racing"));
        // As if "elsewhere" had been kept OVERTAKEN_AFTER before the rest.
        handoff.entries.lock().unwrap().0[0].kept_at -= OVERTAKEN_AFTER;
        handoff.keep("here", 10, accepted("here"));
        assert!(handoff.take("here").is_some());
        assert_eq!(handoff.held(), (1, 10), "the overtaken entry went, the recent one stayed");
        assert!(handoff.take("racing").is_some());
        assert!(handoff.take("elsewhere").is_none());
    }

    /// A job deleted (or never created) says nothing of the jobs before it.
    #[test]
    fn forgetting_a_job_drops_its_inputs_only() {
        let handoff = InputsHandoff::with_bounds(1000, 10, NEVER_STALE);
        handoff.keep("older", 10, accepted("older"));
        handoff.entries.lock().unwrap().0[0].kept_at -= OVERTAKEN_AFTER;
        handoff.keep("deleted", 10, accepted("deleted"));
        handoff.forget("deleted");
        assert_eq!(handoff.held(), (1, 10));
        assert!(handoff.take("older").is_some());
    }

    /// Inputs of jobs that never run here do not hold the room for ever.
    #[test]
    fn stale_inputs_make_room_for_new_ones() {
        let handoff = InputsHandoff::with_bounds(100, 2, Duration::ZERO);
        for id in ["a", "b", "c"] {
            handoff.keep(id, 40, accepted(id));
        }
        assert!(handoff.take("a").is_none(), "stale, evicted to make room for c");
        assert_eq!(handoff.held(), (2, 80));
        assert!(handoff.take("b").is_some() && handoff.take("c").is_some());
    }

    #[test]
    fn inputs_larger_than_the_bound_are_not_kept_and_evict_nothing() {
        let handoff = InputsHandoff::with_bounds(100, 10, NEVER_STALE);
        handoff.keep("small", 10, accepted("small"));
        handoff.keep("huge", 101, accepted("huge"));
        assert!(handoff.take("huge").is_none());
        assert!(handoff.take("small").is_some());
    }
}
