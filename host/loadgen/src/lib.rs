//! The load driver behind `chapwasm-bench`: it speaks only HTTP to a chapkit-compatible
//! base URL (chapwasm or upstream chapkit alike), so the same workload measures both.
//!
//! It measures the client's own round-trip floor, the latency of the 202 for
//! `$train`/`$predict`, end-to-end time to a terminal job state for small and large frames
//! (waited for over the job's SSE stream and, separately, by polling at a short fixed
//! interval: the fair way to compare servers whose streams differ), throughput of
//! train+predict pairs at a client concurrency, the capacity to drain a burst, and the
//! server's memory (given its pid): idle, per phase, at its peak. Every figure is a
//! summary over repeats; reports are tables or JSON, and `compare` turns reports of
//! several servers into ratios against a baseline, beside the goals the project set.

mod burst;
mod client;
mod floor;
mod frames;
mod goals;
mod memory_watch;
mod pause;
mod plan;
mod report;
mod rss;
mod scenario;
mod sse;
mod stats;

pub use client::{BenchClient, LoadError, Wait};
pub use frames::{future_frame, training_frame};
pub use goals::{GOALS, Goal, goals_table};
pub use plan::Plan;
pub use report::{Better, Comparison, Figure, Report, compare, comparison_table};
pub use rss::{Memory, parse_status, read_memory, reset_peak};
pub use scenario::run;
pub use sse::SseBuffer;
pub use stats::Summary;
