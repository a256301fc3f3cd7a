//! Self-registration against an orchestrator stand-in served by this test over real HTTP,
//! speaking chap-core 2.5.1's `/v2/services` protocol: register with the service's URL and
//! info (a hex `git_revision`), keep alive within the TTL, register again when forgotten,
//! deregister on shutdown; the registration key goes as `X-Service-Key`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chapwasm_server::registration::Registration;
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One call to the orchestrator: method, path, body, `X-Service-Key`.
type Call = (String, String, Value, Option<String>);

#[derive(Clone, Default)]
struct Orchestrator {
    base: Arc<Mutex<String>>,
    calls: Arc<Mutex<Vec<Call>>>,
}

async fn orchestrate(
    State(o): State<Orchestrator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let key = headers.get("x-service-key").map(|k| k.to_str().unwrap().to_owned());
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let pings = {
        let mut calls = o.calls.lock().unwrap();
        calls.push((method.to_string(), uri.path().to_owned(), body, key));
        calls.iter().filter(|c| c.1.ends_with("/$ping")).count()
    };
    let base = o.base.lock().unwrap().clone();
    match (method, uri.path()) {
        (Method::POST, "/v2/services/$register") => Json(json!({
            "id": "svc-1", "status": "registered", "service_url": "http://model:8000",
            "ttl_seconds": 3, "ping_url": format!("{base}/v2/services/svc-1/$ping"),
        }))
        .into_response(),
        // The first keepalive finds the registration expired.
        (Method::PUT, "/v2/services/svc-1/$ping") if pings == 1 => StatusCode::NOT_FOUND.into_response(),
        (Method::PUT, "/v2/services/svc-1/$ping") => Json(json!({"status": "alive"})).into_response(),
        (Method::DELETE, "/v2/services/svc-1") => StatusCode::NO_CONTENT.into_response(),
        _ => StatusCode::IM_A_TEAPOT.into_response(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_registers_keeps_alive_re_registers_and_leaves() {
    let orchestrator = Orchestrator::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    *orchestrator.base.lock().unwrap() = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(orchestrate).with_state(orchestrator.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let registration = Registration {
        orchestrator: orchestrator.base.lock().unwrap().clone(),
        service_url: "http://model:8000".into(),
        key: Some("registration-key".into()),
        keepalive: Duration::from_secs(10),
    };
    let app = AppSettings { registration: Some(registration), ..AppSettings::default() }.build().await.unwrap();
    let served = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.serve_until(served, async { drop(stopped.await) }, Duration::from_secs(1)));

    let calls = || orchestrator.calls.lock().unwrap().clone();
    let count = |what: &str| calls().iter().filter(|c| c.1.ends_with(what)).count();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // Registered, forgotten at the first keepalive, registered again, kept alive.
    while !(count("/$register") >= 2 && count("/$ping") >= 2) {
        assert!(std::time::Instant::now() < deadline, "{:?}", calls());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, _, body, key) = calls().into_iter().find(|c| c.1.ends_with("/$register")).unwrap();
    assert_eq!(key.as_deref(), Some("registration-key"));
    assert_eq!(body["url"], "http://model:8000");
    assert_eq!(body["info"]["id"], body["id"]);
    let revision = body["info"]["git_revision"].as_str().unwrap();
    assert!(revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit()), "{body}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving).await.unwrap().unwrap().unwrap();
    assert_eq!(
        calls().last().map(|c| (c.0.clone(), c.1.clone())),
        Some(("DELETE".into(), "/v2/services/svc-1".into()))
    );
}
