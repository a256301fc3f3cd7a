//! Counts every answered request by method, route pattern and status — refusals by the
//! guard and unknown paths (`unmatched`) included. Labels stay few: the route is the
//! router's pattern (`/api/v1/jobs/{id}`), never the path, and methods outside the
//! standard ones count as `OTHER`.

use super::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The route pattern that answered, carried on the response to the counter outside.
#[derive(Clone)]
pub struct RoutePattern(String);

/// Inside the router (for matched routes): puts the route pattern on the response.
pub async fn tag_route(request: Request, next: Next) -> Response {
    let pattern = request.extensions().get::<MatchedPath>().map(|p| RoutePattern(p.as_str().to_owned()));
    let mut response = next.run(request).await;
    if let Some(pattern) = pattern {
        response.extensions_mut().insert(pattern);
    }
    response
}

/// Outside the router: counts the answer.
pub async fn count_requests(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let response = next.run(request).await;
    let route = response.extensions().get::<RoutePattern>().map_or("unmatched", |p| p.0.as_str());
    metrics.requests.with_label_values(&[method, route, response.status().as_str()]).inc();
    response
}
