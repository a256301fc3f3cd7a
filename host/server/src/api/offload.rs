//! CPU-heavy request work — parsing a frame body of up to the body limit into typed
//! columns — runs on a blocking thread, at most as many at once as the machine has cores,
//! so the async workers keep answering every other route (`/health` included) meanwhile.

use super::{ApiError, AppState};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The bound on heavy request work running at once.
pub fn heavy_work_slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())))
}

/// Runs `work` off the reactor once a slot is free.
pub async fn offload<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let slot = state.heavy_work.clone().acquire_owned().await.map_err(|e| ApiError::internal(e.to_string()))?;
    // The slot goes with the work: if the request is dropped (a deadline, a client gone),
    // the work still counts until it ends.
    let work = move || {
        let _slot = slot;
        work()
    };
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::internal(format!("request work failed: {e}")))
}
