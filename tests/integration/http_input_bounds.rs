//! No request can crash or stall the server: bodies nested past serde's recursion limit,
//! page numbers that overflow, and artifact chains deep enough to overflow a stack each
//! get a 4xx that says what to fix, and the server keeps serving.

use crate::support::app::spawn_app;
use crate::support::server::ServerProcess;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_field_nested_past_the_recursion_limit_is_a_422() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let body =
        format!(r#"{{"config_id": "{config_id}", "run_info": {deep}, "data": {{"columns": ["a"], "data": [[1.0]]}}}}"#);
    let url = format!("{}/api/v1/ml/$train", app.base);
    let response = app.client.post(url).body(body).send().await.expect("an answer, not a dropped connection");
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("nested"), "{problem}");
    assert_eq!(app.get_json("/health").await["status"], "healthy");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_number_that_overflows_is_a_422() {
    let app = spawn_app().await;
    for path in ["/api/v1/configs", "/api/v1/artifacts"] {
        let response = app.get(&format!("{path}?page={}&size=100", i64::MAX)).await;
        assert_eq!(response.status(), 422, "{path}");
    }
    assert_eq!(app.get_json("/health").await["status"], "healthy");
}

/// A chain of artifacts is capped in depth (the artifact past the cap is refused), and
/// `$tree` of its root answers; on a real server process, so a stack overflow would show.
#[tokio::test(flavor = "multi_thread")]
async fn artifact_chains_are_capped_and_trees_do_not_overflow_the_stack() {
    let server = ServerProcess::start(&[]);
    let app = server.client();
    let mut parent: Option<String> = None;
    let mut root = None;
    let mut refused_at = None;
    for depth in 0..3000 {
        let response = app.post("/api/v1/artifacts", &json!({"data": {"depth": depth}, "parent_id": parent})).await;
        if !response.status().is_success() {
            assert_eq!(response.status(), 422, "depth {depth}");
            let problem: Value = response.json().await.unwrap();
            assert!(problem["detail"].as_str().unwrap().contains("deeper than"), "{problem}");
            refused_at = Some(depth);
            break;
        }
        let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        root.get_or_insert_with(|| id.clone());
        parent = Some(id);
    }
    let refused_at = refused_at.expect("a chain of 3000 artifacts is refused somewhere");
    assert!(refused_at <= 100, "refused at depth {refused_at}");
    let tree = app.get_json(&format!("/api/v1/artifacts/{}/$tree", root.unwrap())).await;
    assert_eq!(tree["children"][0]["data"]["depth"], 1);
    let config = app.get(&format!("/api/v1/artifacts/{}/$config", parent.unwrap())).await;
    assert_eq!(config.status(), 404);
    assert_eq!(app.get_json("/health").await["status"], "healthy");
}

/// Frames with 200 000 column names (the last a duplicate) are read off the async workers
/// and refused at the column limit: while two are in flight, `/health` still answers at
/// once, and each gets its 422.
#[tokio::test(flavor = "multi_thread")]
async fn wide_frames_neither_stall_the_server_nor_take_quadratic_time() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let width = 200_000;
    let mut columns: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
    columns.push("c0".into());
    let row = vec![1.0; width + 1];
    let body = json!({"config_id": config_id, "data": {"columns": columns, "data": [row]}});
    let submit = || {
        let (client, url, body) = (app.client.clone(), format!("{}/api/v1/ml/$train", app.base), body.clone());
        tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap() })
    };
    let wide = [submit(), submit()];
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let health = tokio::time::timeout(std::time::Duration::from_secs(3), app.get("/health"))
        .await
        .expect("/health answers while wide frames are parsed");
    assert_eq!(health.status(), 200);
    for request in wide {
        let response = tokio::time::timeout(std::time::Duration::from_secs(60), request).await.unwrap().unwrap();
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            problem["detail"], "`data` has more than 10000 columns; a frame may have at most 10000",
            "{problem}"
        );
    }
}

/// A client that sends its body slowly is answered 408 problem+json at the request
/// deadline instead of holding the connection for as long as it likes.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_sent_too_slowly_is_a_408_at_the_request_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let settings = chapwasm_server::settings::AppSettings {
        request_timeout: std::time::Duration::from_millis(500),
        ..Default::default()
    };
    let app = crate::support::app::spawn_app_with(settings).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
    let head =
        "POST /api/v1/configs HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(br#"{"name": "sl"#).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), connection.read(&mut answer))
        .await
        .expect("an answer at the deadline, while the body is still incomplete")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert_eq!(app.get_json("/health").await["status"], "healthy");
}

/// Artifact and config bodies of tens of megabytes are parsed (and answered) off the async
/// workers: while four are in flight, `/health` still answers at once.
#[tokio::test(flavor = "multi_thread")]
async fn large_artifact_and_config_bodies_do_not_stall_the_server() {
    let app = spawn_app().await;
    let numbers = vec![vec![0.5_f64; 1000]; 6000];
    let artifact = serde_json::to_vec(&json!({"data": numbers})).unwrap();
    let config = serde_json::to_vec(&json!({"name": "large", "data": {"notes": numbers}})).unwrap();
    let send = |path: &str, body: &Vec<u8>| {
        let (client, url, body) = (app.client.clone(), format!("{}{path}", app.base), body.clone());
        tokio::spawn(async move { client.post(url).body(body).send().await.unwrap().status() })
    };
    let large = [
        send("/api/v1/artifacts", &artifact),
        send("/api/v1/configs", &config),
        send("/api/v1/artifacts", &artifact),
        send("/api/v1/configs", &config),
    ];
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let health = tokio::time::timeout(std::time::Duration::from_secs(2), app.get("/health"))
        .await
        .expect("/health answers while large bodies are parsed");
    assert_eq!(health.status(), 200);
    for request in large {
        let status = tokio::time::timeout(std::time::Duration::from_secs(120), request).await.unwrap().unwrap();
        assert!(status.is_success(), "{status}");
    }
}

/// A connection that sends nothing, or sits idle after a request, is closed at the idle
/// timeout instead of holding a socket for ever.
#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed_at_the_idle_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let settings = chapwasm_server::settings::AppSettings {
        idle_timeout: std::time::Duration::from_millis(500),
        ..Default::default()
    };
    let app = crate::support::app::spawn_app_with(settings).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let closed_within = |mut connection: tokio::net::TcpStream| async move {
        let mut rest = Vec::new();
        tokio::time::timeout(std::time::Duration::from_secs(5), connection.read_to_end(&mut rest))
            .await
            .expect("the server closes the idle connection")
            .ok();
        rest
    };
    let silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    closed_within(silent).await;
    let mut kept_alive = tokio::net::TcpStream::connect(&address).await.unwrap();
    kept_alive.write_all(b"GET /health HTTP/1.1\r\nhost: test\r\n\r\n").await.unwrap();
    let answered = closed_within(kept_alive).await;
    assert!(String::from_utf8_lossy(&answered).starts_with("HTTP/1.1 200"), "answered first, then closed");
}

/// A body over the limit is a 413 problem+json with the request's trace id, on every route
/// that takes a body (sent by hand, a little over the limit and no more of the announced
/// length: a client still writing when the answer comes could miss it).
#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_a_413_problem() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let settings = chapwasm_server::settings::AppSettings { body_limit: 1 << 20, ..Default::default() };
    let app = crate::support::app::spawn_app_with(settings).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    for path in ["/api/v1/ml/$train", "/api/v1/configs", "/api/v1/artifacts"] {
        let mut connection = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!("POST {path} HTTP/1.1\r\nhost: test\r\ncontent-length: {}\r\n\r\n", 2 << 20);
        connection.write_all(head.as_bytes()).await.unwrap();
        connection.write_all(&vec![b' '; (1 << 20) + 16]).await.unwrap();
        let mut answer = Vec::new();
        let read = connection.read_to_end(&mut answer);
        tokio::time::timeout(std::time::Duration::from_secs(10), read).await.unwrap().ok();
        let answer = String::from_utf8_lossy(&answer).to_lowercase();
        assert!(answer.starts_with("http/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("content-type: application/problem+json"), "{path}: {answer}");
        let trace_id = answer.split("x-request-id: ").nth(1).unwrap().split("\r\n").next().unwrap().to_owned();
        assert!(answer.contains(&format!("\"trace_id\":\"{trace_id}\"")), "{path}: {answer}");
    }
}
