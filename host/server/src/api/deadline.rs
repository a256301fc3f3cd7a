//! Every request but an SSE stream has a deadline, body included: a client that sends its
//! body slowly (or a request whose work runs long) is answered 408 problem+json instead of
//! holding a connection and a task for as long as it likes. Work already handed to the
//! service when the deadline passes may still finish (a `$train` can be accepted): a
//! retry with an `Idempotency-Key` gets that job back.

use super::ApiError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

pub async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::timeout(limit).into_response(),
    }
}
