//! `Plan`: what a run measures (frame sizes, repeats, pairs, client concurrency), shared by
//! the scenario that runs it and the report that records it.

use serde::{Deserialize, Serialize};

/// What to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Clients running pairs at once.
    pub concurrency: usize,
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
            pid: None,
        }
    }
}
