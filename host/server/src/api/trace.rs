//! A trace id for every request (a ULID, as chapkit's): in the `X-Request-Id` response
//! header, in every problem+json body (`trace_id`, which chap-core prints in its errors), and
//! on every log line written while the request is handled, so a client's error report leads
//! to the server's log lines.

use super::ApiError;
use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

tokio::task_local! {
    static TRACE_ID: String;
}

/// The current request's trace id, if called while one is handled.
pub fn current() -> Option<String> {
    TRACE_ID.try_with(Clone::clone).ok()
}

/// The longest framework refusal text kept as a problem's detail.
const MAX_REFUSAL_TEXT: usize = 4 << 10;

/// The framework's own refusals (a body over the limit, a method a route does not take, a
/// path it cannot decode, ...) come as plain text or nothing: they become problem+json like
/// every other error, their text kept as the detail.
async fn as_problem(response: Response) -> Response {
    let status = response.status();
    let plain = response.headers().get(header::CONTENT_TYPE).is_none_or(|t| !t.as_bytes().starts_with(b"application/"));
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let problem = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::too_large("the request body is larger than the server's body limit (--body-limit-mib)")
        }
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(),
        _ => {
            // Only a short body of known length is read: a stream is never waited on.
            let short = body.size_hint().exact().is_some_and(|length| length <= MAX_REFUSAL_TEXT as u64);
            let text = if short {
                axum::body::to_bytes(body, MAX_REFUSAL_TEXT).await.unwrap_or_default()
            } else {
                Default::default()
            };
            ApiError::refused(status, String::from_utf8_lossy(&text).trim())
        }
    };
    let mut replaced = problem.into_response();
    // The refusal's own headers (Allow, Retry-After, ...) stay; the body's are the problem's.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let own: Vec<_> = replaced.headers().keys().cloned().collect();
    let mut current = None;
    for (name, value) in parts.headers {
        current = name.or(current);
        if let Some(name) = current.as_ref().filter(|name| !own.contains(name)) {
            replaced.headers_mut().append(name.clone(), value);
        }
    }
    replaced
}

pub async fn trace(request: Request, next: Next) -> Response {
    let id = chapwasm_service::clock::new_id();
    let span = tracing::info_span!("request", trace_id = %id, method = %request.method(), path = %request.uri().path());
    let started = std::time::Instant::now();
    let handled = async move {
        let response = as_problem(next.run(request).await).await;
        tracing::debug!(status = response.status().as_u16(), micros = started.elapsed().as_micros() as u64, "answered");
        response
    };
    let mut response = TRACE_ID.scope(id.clone(), handled.instrument(span)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
