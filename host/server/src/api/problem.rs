//! The one API error type, rendered as RFC 9457 `application/problem+json` with
//! servicekit's `type` URNs and the request's `trace_id`, so clients see the same errors
//! as from chapkit.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    errors: Option<Vec<Issue>>,
    /// `Retry-After` in whole seconds (rate limits, full queues, busy slots).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Resource Not Found", detail)
    }

    pub fn invalid_ulid(value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-ulid",
            "Invalid ULID Format",
            format!("Invalid ULID format: {value}"),
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", detail)
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Payload Too Large", detail)
    }

    pub fn method_not_allowed() -> Self {
        let detail = "this route does not take that method (the Allow header lists those it takes)";
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method Not Allowed", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Resource Conflict", detail)
    }

    /// 422 with FastAPI-style `errors: [{type, loc, msg}]`.
    pub fn validation(loc: &[&str], message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error =
            Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", "Validation Error", message.clone());
        let loc = loc.iter().map(|part| part.to_string()).collect();
        error.errors = Some(vec![Issue { kind: "value_error".into(), loc, msg: message }]);
        error
    }

    /// 408: the request (its body, or its work) took longer than the server allows.
    pub fn timeout(limit: std::time::Duration) -> Self {
        let detail = format!(
            "the request took longer than the server's limit of {} s: send the body faster, or a smaller one",
            limit.as_secs_f64()
        );
        Self::new(StatusCode::REQUEST_TIMEOUT, "request-timeout", "Request Timeout", detail)
    }

    /// 401: no key, or not one of ours (chapkit's type and wording).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized", detail)
    }

    /// 403: a valid key whose scope does not cover the operation.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 429: the caller spent its rate limit; it may try again after `wait`.
    pub fn too_many_requests(wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        let detail = format!("rate limit exceeded: try again in {seconds} s");
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too Many Requests", detail)
        }
    }

    /// 503: the server is full (queue, streams, uploads); nothing was created.
    pub fn unavailable(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let error = Self::new(StatusCode::SERVICE_UNAVAILABLE, "service-unavailable", "Service Unavailable", detail);
        Self { retry_after: Some(retry_after_secs), ..error }
    }

    /// Any other refusal, in the status the framework chose; `detail` is its text.
    pub fn refused(status: StatusCode, detail: &str) -> Self {
        let kind = match status {
            StatusCode::BAD_REQUEST => "bad-request",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::UNPROCESSABLE_ENTITY => "validation-failed",
            _ if status.is_server_error() => "internal",
            _ => "refused",
        };
        let title = status.canonical_reason().unwrap_or("Refused");
        let detail = if detail.is_empty() { title } else { detail };
        Self::new(status, kind, title, detail)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal Server Error", detail)
    }

    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, kind, title, detail: detail.into(), errors: None, retry_after: None }
    }
}

impl From<chapwasm_service::StoreError> for ApiError {
    fn from(error: chapwasm_service::StoreError) -> Self {
        tracing::error!(%error, "database error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "database", "Internal Server Error", "A database error occurred")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("urn:servicekit:error:{}", self.kind),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
            trace_id: super::trace::current(),
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("ApiKey header=\"X-API-Key\", Bearer"),
            );
        }
        response
    }
}

/// An error, as RFC 9457 problem details (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:servicekit:error:<kind>` (`not-found`, `validation-failed`, `invalid-ulid`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    /// The HTTP status code, repeated.
    pub status: u16,
    /// What went wrong, and what to change.
    pub detail: String,
    /// Validation errors only: each field at fault (FastAPI's shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<Issue>>,
    /// The request's id, as in its `X-Request-Id` header and the server's log lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// One field at fault in a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Issue {
    #[serde(rename = "type")]
    pub kind: String,
    /// Where: `["body", "data", "x"]`, `["query", "page"]`, `["header", "Idempotency-Key"]`.
    pub loc: Vec<String>,
    pub msg: String,
}
