//! CPU-heavy request work — parsing a frame body of up to the body limit into typed
//! columns, reading and writing configs' and artifacts' JSON — runs on a blocking thread, at most as many at once as the machine has cores,
//! so the async workers keep answering every other route (`/health` included) meanwhile.

use super::{ApiError, AppState};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
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

/// A JSON response whose body is built and serialised off the reactor: for bodies that
/// hold client data of up to the body limit (configs, artifacts).
pub async fn offload_json<T: Serialize>(
    state: &AppState,
    status: StatusCode,
    headers: Vec<(HeaderName, String)>,
    body: impl FnOnce() -> T + Send + 'static,
) -> Result<Response, ApiError> {
    let bytes =
        offload(state, move || serde_json::to_vec(&body())).await?.map_err(|e| ApiError::internal(e.to_string()))?;
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response();
    for (name, value) in headers {
        let value = HeaderValue::try_from(value).map_err(|e| ApiError::internal(e.to_string()))?;
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}
