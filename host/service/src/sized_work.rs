//! Work whose cost grows with the frames it touches — encoding a job's inputs, hashing its
//! data — is done right here when the frames are small, because a hop to tokio's blocking
//! pool costs more than such work (tens of microseconds for 1000 rows), and on that pool
//! when they are large, so that no task queued on this async worker waits behind it (the
//! SHA-256 of a 100k × 6 frame's 4.8 MB took 2.3 ms, 1M rows ten times that).

use chapwasm_sdk::{Column, DataFrame, Values};

/// Work on frames of at most this many bytes in memory stays on the async worker.
const INLINE_BYTES: usize = 160_000;

/// Whether work on frames of `bytes` in memory leaves the async worker (see the module).
pub(super) fn is_large(bytes: usize) -> bool {
    bytes > INLINE_BYTES
}

/// Runs `work` (on frames of `bytes` in memory, [`frame_bytes`]) here when they are small,
/// else on the blocking pool. Fails only if the work panicked or the runtime is stopping.
pub(super) async fn sized_work<T: Send + 'static>(
    bytes: usize,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    if !is_large(bytes) {
        return Ok(work());
    }
    tokio::task::spawn_blocking(work).await
}

/// The memory a frame's columns occupy, near enough to bound and size work by: 8 bytes per
/// number, a byte per flag or validity entry, a string's bytes plus its 24-byte header
/// (found per column, except for text). Its encoded size would not do: an empty string is
/// 1 byte there and 24 here, and finding it visits every cell.
pub(super) fn frame_bytes(frame: &DataFrame) -> usize {
    let rows = frame.num_rows();
    let column = |column: &Column| {
        let values = match column.values() {
            Values::F64(_) | Values::I64(_) => rows.saturating_mul(8),
            Values::Bool(_) => rows,
            Values::Str(strings) => strings.iter().map(|s| s.len().saturating_add(24)).sum(),
        };
        let validity = if column.validity().is_some() { rows } else { 0 };
        column.name().len().saturating_add(values).saturating_add(validity)
    };
    frame.columns().iter().map(column).fold(0, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn small_work_stays_on_this_thread_and_large_work_leaves_it() {
        let here = std::thread::current().id();
        let small = sized_work(INLINE_BYTES, || std::thread::current().id()).await.unwrap();
        let large = sized_work(INLINE_BYTES + 1, || std::thread::current().id()).await.unwrap();
        assert_eq!(small, here);
        assert_ne!(large, here);
    }
}
