//! The middleware in front of every route: identifies the caller (a key, or the peer's
//! address), refuses what the mode says needs a key it lacks (401 without a valid key,
//! 403 with one whose scope is too small), then spends one token of the caller's rate
//! limit. Handlers see the caller as a [`Caller`] extension.

use super::Security;
use super::keys::Scope;
use super::policy::Access;
use crate::api::ApiError;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Who is calling, as far as the request proves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The scope of the valid key the request carries, if any.
    pub scope: Option<Scope>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.scope == Some(Scope::Admin)
    }
}

/// Whose share of the rate limit a request spends: its key's, or its address's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    Key(usize),
    Address(IpAddr),
}

pub async fn guard(State(security): State<Arc<Security>>, mut request: Request, next: Next) -> Response {
    let access = match request.extensions().get::<MatchedPath>() {
        Some(route) if route.as_str() == "/metrics" && security.metrics_need_admin => Access::Admin,
        Some(route) => Access::of(request.method(), route.as_str()),
        None => Access::Read,
    };
    let presented = presented_key(request.headers());
    let found = presented.as_ref().and_then(|key| key.as_deref().and_then(|key| security.keys.find(key)));
    if let Some(needed) = access.needs(security.mode) {
        let refusal = match (&presented, found) {
            (None, _) => Some(ApiError::unauthorized("Missing authentication header: X-API-Key")),
            (Some(_), None) => Some(ApiError::unauthorized("Invalid API key")),
            (Some(_), Some((_, scope))) if scope < needed => Some(ApiError::forbidden(format!(
                "this API key has the `{}` scope; this operation needs `{}`",
                scope.name(),
                needed.name()
            ))),
            _ => None,
        };
        if let Some(refusal) = refusal {
            return refusal.into_response();
        }
    }
    if let Some(limiter) = &security.rate_limiter {
        let identity = match (found, request.extensions().get::<ConnectInfo<SocketAddr>>()) {
            (Some((index, _)), _) => Some(Identity::Key(index)),
            (None, Some(ConnectInfo(peer))) => Some(Identity::Address(peer.ip())),
            (None, None) => None,
        };
        if let Some(identity) = identity
            && let Err(wait) = limiter.check(identity)
        {
            return ApiError::too_many_requests(wait).into_response();
        }
    }
    request.extensions_mut().insert(Caller { scope: found.map(|(_, scope)| scope) });
    next.run(request).await
}

/// The key a request carries: `X-API-Key` (chapkit's header), else `Authorization: Bearer`.
/// `Some(None)`: a header that is not readable text (an invalid key).
fn presented_key(headers: &HeaderMap) -> Option<Option<String>> {
    if let Some(value) = headers.get("x-api-key") {
        return Some(value.to_str().ok().map(str::to_owned));
    }
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    Some(token.map(|t| t.trim().to_owned()))
}
