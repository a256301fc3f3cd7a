//! The middleware in front of every route: identifies the caller (a key, or the peer's
//! address), spends one token of the caller's rate limit, refuses what the mode says
//! needs a key it lacks (401 without a valid key, 403 with one whose scope is too small),
//! and holds a large-body slot while a large body is received and handled. Handlers see
//! the caller as a [`Caller`] extension.

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
    /// Whose shares (rate, streams) the request spends: its key, or its address.
    pub identity: Option<Identity>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.scope == Some(Scope::Admin)
    }
}

/// Whose share of the rate limit a request spends: its key's, or its address's (an IPv6
/// caller's /64 network, which one host usually holds whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    Key(usize),
    Address(IpAddr),
}

impl Identity {
    pub fn of_address(address: IpAddr) -> Self {
        match address {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                Identity::Address(IpAddr::V6(network.into()))
            }
            IpAddr::V6(v6) => Identity::Address(IpAddr::V4(v6.to_ipv4_mapped().expect("checked"))),
            v4 => Identity::Address(v4),
        }
    }
}

pub async fn guard(State(security): State<Arc<Security>>, mut request: Request, next: Next) -> Response {
    let access = match request.extensions().get::<MatchedPath>() {
        Some(route) if route.as_str() == "/metrics" && security.metrics_need_admin => Access::Admin,
        Some(route) => Access::of(request.method(), route.as_str()),
        None => Access::Read,
    };
    let presented = presented_key(request.headers());
    let found = presented.as_ref().and_then(|key| key.as_deref().and_then(|key| security.keys.find(key)));
    let identity = match (found, request.extensions().get::<ConnectInfo<SocketAddr>>()) {
        (Some((index, _)), _) => Some(Identity::Key(index)),
        (None, Some(ConnectInfo(peer))) => Some(Identity::of_address(peer.ip())),
        (None, None) => None,
    };
    // The rate limit comes first, so refused keys are throttled too (by address).
    if let Some(limiter) = &security.rate_limiter
        && let Some(identity) = identity
        && let Err(wait) = limiter.check(identity)
    {
        return refuse(ApiError::too_many_requests(wait), request.headers());
    }
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
            return refuse(refusal, request.headers());
        }
    }
    // A body beyond a small size is held whole in memory: at most so many at once. One
    // that finds them all taken waits (its bytes wait in TCP, not here), up to a deadline.
    let _body_slot = if carries_large_body(request.headers()) {
        let slot = security.large_bodies.clone().acquire_owned();
        match tokio::time::timeout(security.large_body_wait, slot).await {
            Ok(Ok(slot)) => Some(slot),
            Ok(Err(_)) | Err(_) => {
                let detail = "too many large request bodies are being received: try again shortly";
                return refuse(ApiError::unavailable(detail, 5), request.headers());
            }
        }
    } else {
        None
    };
    request.extensions_mut().insert(Caller { scope: found.map(|(_, scope)| scope), identity });
    next.run(request).await
}

/// A refusal sent before the request's body was read. With a body on the wire, the
/// connection cannot serve another request, so the answer says `Connection: close` and a
/// client does not send its next request down a connection about to close.
pub fn refuse(error: ApiError, headers: &HeaderMap) -> Response {
    let mut response = error.into_response();
    if headers.contains_key(header::CONTENT_LENGTH) || headers.contains_key(header::TRANSFER_ENCODING) {
        response.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    response
}

/// Bodies up to this size are not counted against the large-body slots.
const SMALL_BODY: u64 = 1 << 20;

/// Whether a request announces a body over [`SMALL_BODY`], or one of unknown length.
fn carries_large_body(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(str::parse::<u64>) {
        Some(Ok(length)) => length > SMALL_BODY,
        Some(Err(_)) => true,
        None => headers.contains_key(header::TRANSFER_ENCODING),
    }
}

/// The key a request carries: `X-API-Key` (chapkit's header), else `Authorization: Bearer`.
/// `Some(None)`: a header that is not readable text (an invalid key).
fn presented_key(headers: &HeaderMap) -> Option<Option<String>> {
    if let Some(value) = headers.get("x-api-key") {
        return Some(value.to_str().ok().map(str::to_owned));
    }
    let value = headers.get(header::AUTHORIZATION)?;
    // The scheme is case-insensitive (RFC 9110).
    let token = value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
    });
    Some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_callers_share_their_network_and_mapped_ipv4_is_ipv4() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(Identity::of_address(one), Identity::of_address(other));
        let elsewhere: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_ne!(Identity::of_address(one), Identity::of_address(elsewhere));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(Identity::of_address(mapped), Identity::Address("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn bearer_is_read_in_any_case_and_x_api_key_wins() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "BEARER secret-token".parse().unwrap());
        assert_eq!(presented_key(&headers), Some(Some("secret-token".into())));
        headers.insert("x-api-key", "from-header".parse().unwrap());
        assert_eq!(presented_key(&headers), Some(Some("from-header".into())));
    }
}
