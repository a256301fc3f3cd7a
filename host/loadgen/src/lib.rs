//! The load driver behind `chapwasm-bench`: it speaks only HTTP to a chapkit-compatible
//! base URL (chapwasm or upstream chapkit alike), so the same workload measures both.
//!
//! It measures the latency of the 202 for `$train`/`$predict`, end-to-end time to a
//! terminal job state (waited for over the job's SSE stream) for small and large frames,
//! throughput of train+predict pairs at a client concurrency, and the server's memory
//! (given its pid). Every figure is a summary over repeats; reports are tables or JSON,
//! and `compare` turns reports of several servers into ratios against a baseline.

mod client;
mod frames;
mod plan;
mod report;
mod rss;
mod scenario;
mod sse;
mod stats;

pub use client::{BenchClient, LoadError};
pub use frames::{future_frame, training_frame};
pub use plan::Plan;
pub use report::{Better, Comparison, Figure, Report, compare, comparison_table};
pub use rss::{Memory, parse_status, read_memory};
pub use scenario::run;
pub use sse::SseBuffer;
pub use stats::Summary;
