//! Counts every answered request by method, route pattern and status. Labels stay few:
//! the route is the router's pattern (`/api/v1/jobs/{id}`), never the path, and methods
//! outside the standard ones count as `OTHER`.

use super::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

pub async fn count_requests(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched".to_owned(), |p| p.as_str().to_owned());
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
    metrics.requests.with_label_values(&[method, route.as_str(), response.status().as_str()]).inc();
    response
}
