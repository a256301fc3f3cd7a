//! A trace id for every request (a ULID, as chapkit's): in the `X-Request-Id` response
//! header, in every problem+json body (`trace_id`, which chap-core prints in its errors), and
//! on every log line written while the request is handled, so a client's error report leads
//! to the server's log lines.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

tokio::task_local! {
    static TRACE_ID: String;
}

/// The current request's trace id, if called while one is handled.
pub fn current() -> Option<String> {
    TRACE_ID.try_with(Clone::clone).ok()
}

pub async fn trace(request: Request, next: Next) -> Response {
    let id = chapwasm_service::clock::new_id();
    let span = tracing::info_span!("request", trace_id = %id, method = %request.method(), path = %request.uri().path());
    let started = std::time::Instant::now();
    let handled = async move {
        let response = next.run(request).await;
        tracing::debug!(status = response.status().as_u16(), micros = started.elapsed().as_micros() as u64, "answered");
        response
    };
    let mut response = TRACE_ID.scope(id.clone(), handled.instrument(span)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
