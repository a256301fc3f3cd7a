//! `Plan`: what a run measures (frame sizes, repeats, pairs, bursts, client concurrency,
//! how jobs are waited for), shared by the scenario that runs it and the report that
//! records it.

use serde::{Deserialize, Serialize};

/// What to run. Fields missing from a report written by an older driver take their
/// defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Plan {
    /// Rows of the frames timed one job at a time.
    pub small_rows: usize,
    /// Rows of the large frames.
    pub large_rows: usize,
    /// Rows of the throughput pairs' frames.
    pub pair_rows: usize,
    /// Repeats of the small-frame jobs.
    pub repeats: usize,
    /// Repeats of the large-frame jobs.
    pub large_repeats: usize,
    /// Train+predict pairs in the throughput phase.
    pub pairs: usize,
    /// Clients running pairs at once (and submitting a burst).
    pub concurrency: usize,
    /// Interval of status polling in the polled phases, in milliseconds.
    pub poll_ms: u64,
    /// Trains (then as many predicts) submitted at once in the burst phase (0: no burst).
    pub burst: usize,
    /// Rows of the burst's frames.
    pub burst_rows: usize,
    /// Interval at which a burst's (and a huge frame's) jobs are checked until drained, in
    /// milliseconds: long enough that the checks cost a server that answers each in a few
    /// milliseconds (upstream chapkit) little of its one process.
    pub drain_poll_ms: u64,
    /// Concurrent large predicts of the memory phase (0: no memory phase).
    pub memory_predicts: usize,
    /// Rows of one train and one predict timed at the end, with their peak memory (0: none).
    pub huge_rows: usize,
    /// The server's pid, to read its memory.
    pub pid: Option<u32>,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            small_rows: 1000,
            large_rows: 100_000,
            pair_rows: 100,
            repeats: 20,
            large_repeats: 3,
            pairs: 200,
            concurrency: 8,
            poll_ms: 2,
            burst: 200,
            burst_rows: 1000,
            drain_poll_ms: 50,
            memory_predicts: 8,
            huge_rows: 0,
            pid: None,
        }
    }
}
