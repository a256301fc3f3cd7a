//! Access over real HTTP: every route class under every mode, keys in both headers,
//! chap-core's keyless workflow in chap-core mode, what strangers may learn, limits that
//! only tighten, and the bounds a client cannot push past (queue, rate, streams, uploads).

use crate::support::app::{TestApp, plugin_bytes, spawn_app_with};
use crate::support::server::ServerProcess;
use chapwasm_server::security::SecuritySettings;
use chapwasm_server::security::keys::{ApiKeys, Scope};
use chapwasm_server::security::policy::AuthMode;
use chapwasm_server::security::rate_limit::RateLimit;
use chapwasm_server::settings::AppSettings;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN: &str = "admin-key-for-tests-0123";
const USER: &str = "user-key-for-tests-01234";

fn keys() -> ApiKeys {
    ApiKeys::default().with(ADMIN, Scope::Admin).unwrap().with(USER, Scope::User).unwrap()
}

async fn app_in(mode: AuthMode) -> TestApp {
    let security = SecuritySettings { keys: keys(), mode: Some(mode), ..SecuritySettings::default() };
    spawn_app_with(AppSettings { security, ..AppSettings::default() }).await
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Class {
    Public,
    Read,
    Submit,
    Manage,
    Admin,
}

/// Every route the service serves, with its class (`{id}` is any ULID).
pub const ROUTES: &[(&str, &str, Class)] = &[
    ("GET", "/", Class::Public),
    ("GET", "/docs", Class::Public),
    ("GET", "/docs/swagger-ui.css", Class::Public),
    ("GET", "/openapi.json", Class::Public),
    ("GET", "/health", Class::Public),
    ("GET", "/api/v1/info", Class::Public),
    ("GET", "/api/v1/system", Class::Read),
    ("GET", "/health/$stream?poll_interval=60", Class::Read),
    ("GET", "/metrics", Class::Read),
    ("GET", "/api/v1/artifacts/$schema", Class::Read),
    ("GET", "/api/v1/artifacts/$stats", Class::Read),
    ("GET", "/api/v1/jobs/$schema", Class::Read),
    ("GET", "/api/v1/configs", Class::Read),
    ("POST", "/api/v1/configs", Class::Submit),
    ("GET", "/api/v1/configs/$schema", Class::Read),
    ("GET", "/api/v1/configs/$stats", Class::Read),
    ("GET", "/api/v1/configs/{id}", Class::Read),
    ("PUT", "/api/v1/configs/{id}", Class::Manage),
    ("DELETE", "/api/v1/configs/{id}", Class::Admin),
    ("GET", "/api/v1/configs/{id}/$artifacts", Class::Read),
    ("POST", "/api/v1/configs/{id}/$link-artifact", Class::Manage),
    ("POST", "/api/v1/configs/{id}/$unlink-artifact", Class::Manage),
    ("GET", "/api/v1/artifacts", Class::Read),
    ("POST", "/api/v1/artifacts", Class::Manage),
    ("GET", "/api/v1/artifacts/{id}", Class::Read),
    ("PUT", "/api/v1/artifacts/{id}", Class::Manage),
    ("DELETE", "/api/v1/artifacts/{id}", Class::Admin),
    ("GET", "/api/v1/artifacts/{id}/$tree", Class::Read),
    ("GET", "/api/v1/artifacts/{id}/$expand", Class::Read),
    ("GET", "/api/v1/artifacts/{id}/$config", Class::Read),
    ("GET", "/api/v1/artifacts/{id}/$metadata", Class::Read),
    ("GET", "/api/v1/artifacts/{id}/$download", Class::Manage),
    ("GET", "/api/v1/components", Class::Read),
    ("POST", "/api/v1/components", Class::Admin),
    ("GET", "/api/v1/components/{id}", Class::Read),
    ("DELETE", "/api/v1/components/{id}", Class::Admin),
    ("GET", "/api/v1/components/{id}/$download", Class::Manage),
    ("PUT", "/api/v1/components/{id}/limits", Class::Admin),
    ("GET", "/api/v1/components/{id}/$schema", Class::Read),
    ("GET", "/api/v1/jobs", Class::Read),
    ("GET", "/api/v1/jobs/{id}", Class::Read),
    ("DELETE", "/api/v1/jobs/{id}", Class::Admin),
    ("GET", "/api/v1/jobs/{id}/$stream", Class::Read),
    ("POST", "/api/v1/ml/$train", Class::Submit),
    ("POST", "/api/v1/ml/$predict", Class::Submit),
    ("POST", "/api/v1/ml/$validate", Class::Submit),
    ("GET", "/api/v1/ml/$generate-sample-data", Class::Read),
];

/// The status `method path` gets with `key` sent as `header` (`None`: no key).
async fn status(app: &TestApp, method: &str, path: &str, key: Option<(&str, &str)>) -> u16 {
    let path = path.replace("{id}", "01K0000000000000000000000A");
    let mut request = app.client.request(Method::from_bytes(method.as_bytes()).unwrap(), format!("{}{path}", app.base));
    if method == "POST" || method == "PUT" {
        request = request.json(&json!({}));
    }
    if let Some((header, key)) = key {
        request = request.header(header, key);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_class_needs_the_scope_its_mode_says() {
    let required = app_in(AuthMode::Required).await;
    let chap_core = app_in(AuthMode::ChapCore).await;
    let user = Some(("X-API-Key", USER));
    let bearer_admin = format!("Bearer {ADMIN}");
    let admin = Some(("Authorization", bearer_admin.as_str()));
    let wrong = Some(("X-API-Key", "not-a-key-of-this-service"));
    let let_through = |status: u16| status != 401 && status != 403;
    for &(method, path, class) in ROUTES {
        let case = format!("{method} {path} ({class:?})");
        let open = class == Class::Public;
        // required: every class but public needs a key; admin routes an admin key.
        let anonymous = status(&required, method, path, None).await;
        assert!(if open { let_through(anonymous) } else { anonymous == 401 }, "required, no key: {case}: {anonymous}");
        let wrong_key = status(&required, method, path, wrong).await;
        assert!(if open { let_through(wrong_key) } else { wrong_key == 401 }, "required, wrong key: {case}");
        let with_user = status(&required, method, path, user).await;
        if class == Class::Admin {
            assert_eq!(with_user, 403, "required, user key: {case}");
        } else {
            assert!(let_through(with_user), "required, user key: {case}: {with_user}");
        }
        assert!(let_through(status(&required, method, path, admin).await), "required, admin key: {case}");
        // chap-core: what chap-core does stays open (it sends no key); the rest is locked.
        let anonymous = status(&chap_core, method, path, None).await;
        let with_user = status(&chap_core, method, path, user).await;
        match class {
            Class::Public | Class::Read | Class::Submit => {
                assert!(let_through(anonymous), "chap-core, no key: {case}: {anonymous}")
            }
            Class::Manage => {
                assert_eq!(anonymous, 401, "chap-core, no key: {case}");
                assert!(let_through(with_user), "chap-core, user key: {case}: {with_user}");
            }
            Class::Admin => {
                assert_eq!(anonymous, 401, "chap-core, no key: {case}");
                assert_eq!(with_user, 403, "chap-core, user key: {case}");
            }
        }
        assert!(let_through(status(&chap_core, method, path, admin).await), "chap-core, admin key: {case}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_problem_json_that_say_what_is_missing() {
    let app = app_in(AuthMode::Required).await;
    let missing = app.client.get(format!("{}/api/v1/configs", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));
    assert_eq!(missing.headers()["content-type"], "application/problem+json");
    let problem: Value = missing.json().await.unwrap();
    assert_eq!(problem["type"], "urn:servicekit:error:unauthorized");
    assert_eq!(problem["detail"], "Missing authentication header: X-API-Key");
    let url = format!("{}/api/v1/components", app.base);
    let forbidden = app.client.post(url).header("X-API-Key", USER).body(vec![0u8; 8]).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    // Refused before its body was read: the connection is closed, so no client reuses it.
    assert_eq!(forbidden.headers()["connection"], "close");
    let problem: Value = forbidden.json().await.unwrap();
    assert_eq!(problem["type"], "urn:servicekit:error:forbidden");
    assert!(problem["detail"].as_str().unwrap().contains("needs `admin`"), "{problem}");
}

/// chap-core sends no key: in chap-core mode its whole workflow runs unchanged, while a
/// code upload without the admin key, and a change to its config without any key, are
/// refused.
#[tokio::test(flavor = "multi_thread")]
async fn chap_core_keeps_working_in_chap_core_mode() {
    let app = app_in(AuthMode::ChapCore).await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4], [3, 6]]});
    let (trained, job) = app.train_and_wait(&config_id, &frame).await;
    assert_eq!(job["status"], "completed", "{job}");
    let future = json!({"columns": ["a"], "data": [[4]]});
    let (_, job) = app.predict_and_wait(&trained["artifact_id"], &future, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(app.upload(plugin_bytes("mischief"), "").await.status(), 401);
    let url = format!("{}/api/v1/configs/{config_id}", app.base);
    let rewritten = app.client.put(url).json(&json!({"name": "taken", "data": {}})).send().await.unwrap();
    assert_eq!(rewritten.status(), 401);
    let url = format!("{}/api/v1/components", app.base);
    let uploaded = app.client.post(url).header("X-API-Key", ADMIN).body(plugin_bytes("mischief")).send();
    assert_eq!(uploaded.await.unwrap().status(), 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_learn_no_hostname_and_admins_see_the_security_settings() {
    let app = app_in(AuthMode::ChapCore).await;
    let anonymous = app.get_json("/api/v1/system").await;
    assert_eq!(anonymous["hostname"], Value::Null, "{anonymous}");
    assert_eq!(anonymous["security"]["auth"], "chap-core");
    assert_eq!(anonymous["security"]["api_keys"], json!({"admin": 1, "user": 1}));
    let url = format!("{}/api/v1/system", app.base);
    let admin: Value = app.client.get(url).header("X-API-Key", ADMIN).send().await.unwrap().json().await.unwrap();
    assert!(admin["hostname"].is_string(), "{admin}");
    assert!(!admin.to_string().contains(ADMIN) && !anonymous.to_string().contains(USER));
}

/// Bound to every interface with nothing locked: a warning at start and in the system
/// report; on loopback, none.
#[tokio::test(flavor = "multi_thread")]
async fn an_exposed_open_server_says_so() {
    let exposed = ServerProcess::start(&["--host", "0.0.0.0"]);
    let report = exposed.client().get_json("/api/v1/system").await;
    let warning = report["security"]["warning"].as_str().unwrap_or_default().to_owned();
    assert!(warning.contains("reachable from other machines"), "{report}");
    let local = ServerProcess::start(&[]);
    assert_eq!(local.client().get_json("/api/v1/system").await["security"]["warning"], Value::Null);
}

/// Re-uploading the same bytes only tightens a component's limits; the default model
/// takes no limits of its own.
#[tokio::test(flavor = "multi_thread")]
async fn limits_only_tighten_and_the_default_model_takes_none() {
    let app = spawn_app_with(AppSettings::default()).await;
    let first = app.upload_plugin("mischief", "time_limit_seconds=2").await;
    assert_eq!(first["limit_overrides"], json!({"time_limit_seconds": 2.0}));
    let looser = app.upload(plugin_bytes("mischief"), "time_limit_seconds=30&memory_bytes=67108864").await;
    assert_eq!(looser.status(), 200);
    let looser: Value = looser.json().await.unwrap();
    assert_eq!(looser["limit_overrides"], json!({"time_limit_seconds": 2.0, "memory_bytes": 67108864}));
    assert_eq!(looser["limits"]["time_limit_seconds"], 2.0, "{looser}");
    let components = app.get_json("/api/v1/components").await;
    let default = components.as_array().unwrap().iter().find(|c| c["name"] == "linear-regression").unwrap().clone();
    let url = format!("{}/api/v1/components/{}/limits", app.base, default["id"].as_str().unwrap());
    let put = app.client.put(url).json(&json!({"time_limit_seconds": 1.0})).send().await.unwrap();
    assert_eq!(put.status(), 409);
    let problem: Value = put.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("operator's limits"), "{problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_queue_answers_503_with_retry_after_and_creates_nothing() {
    let mut settings = AppSettings::default();
    settings.queue.max_pending_jobs = 2;
    let app = spawn_app_with(settings).await;
    app.service.as_ref().unwrap().drain(Duration::ZERO).await; // nothing leaves the queue
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2]]});
    for _ in 0..2 {
        app.submit_train(&config_id, &frame).await;
    }
    let full = app.post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": frame})).await;
    assert_eq!(full.status(), 503);
    assert!(full.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let problem: Value = full.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("queue is full"), "{problem}");
    assert_eq!(app.get_json("/api/v1/jobs").await.as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_caller_is_rate_limited_on_its_own() {
    let rate_limit = Some(RateLimit { per_second: 1.try_into().unwrap(), burst: 3.try_into().unwrap() });
    let security =
        SecuritySettings { keys: keys(), mode: Some(AuthMode::ChapCore), rate_limit, ..SecuritySettings::default() };
    let app = spawn_app_with(AppSettings { security, ..AppSettings::default() }).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/configs").await.status(), 200);
    }
    let limited = app.get("/api/v1/configs").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let url = format!("{}/api/v1/configs", app.base);
    let keyed = app.client.get(url).header("X-API-Key", USER).send().await.unwrap();
    assert_eq!(keyed.status(), 200, "a key has a budget of its own");
}

#[tokio::test(flavor = "multi_thread")]
async fn event_streams_and_uploads_past_their_caps_answer_503() {
    use tokio::io::AsyncWriteExt;
    let settings = AppSettings { max_streams: 1, max_uploads: 1, ..AppSettings::default() };
    let app = spawn_app_with(settings).await;
    app.service.as_ref().unwrap().drain(Duration::ZERO).await; // the job stays pending
    let config_id = app.config(json!({})).await;
    let job_id = app.submit_train(&config_id, &json!({"columns": ["a", "disease_cases"], "data": [[1, 2]]})).await;
    let stream_url = format!("{}/api/v1/jobs/{job_id}/$stream", app.base);
    let first = app.client.get(&stream_url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = app.client.get(&stream_url).send().await.unwrap();
    assert_eq!(second.status(), 503);
    drop(first);

    // An upload whose body is still arriving holds the only upload slot.
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = "POST /api/v1/components HTTP/1.1\r\nhost: test\r\ncontent-length: 1000000\r\n\r\n";
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&[0u8; 1000]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = app.upload(plugin_bytes("mischief"), "").await;
    assert_eq!(busy.status(), 503);
    assert!(busy.headers().contains_key("retry-after"));
    drop(slow);
}

/// A client that announces a 50 MB body and sends its first bytes only, holding a large-body
/// slot until the returned connection is dropped.
async fn trickle_a_large_body(app: &TestApp) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = "POST /api/v1/artifacts HTTP/1.1\r\nhost: test\r\ncontent-length: 50000000\r\n\r\n{\"data\": [";
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    slow
}

/// Large bodies are held whole in memory, so only so many are received at once: a client
/// that trickles one holds the only slot, and the next large body waits for it, then is a
/// 503 when none frees in time (small bodies still pass).
#[tokio::test(flavor = "multi_thread")]
async fn large_bodies_past_their_cap_answer_503_and_small_ones_pass() {
    let security = SecuritySettings {
        max_large_bodies: Some(1),
        large_body_wait: Some(Duration::from_millis(300)),
        ..SecuritySettings::default()
    };
    let app = spawn_app_with(AppSettings { security, ..AppSettings::default() }).await;
    let slow = trickle_a_large_body(&app).await;
    let large = json!({"data": vec![0.5; 300_000]});
    let refused = app.post("/api/v1/artifacts", &large).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(app.post("/api/v1/artifacts", &json!({"data": 1})).await.status(), 201);
    drop(slow);
}

/// A large body that finds every slot taken waits for one (TCP holds its bytes meanwhile,
/// not the server's memory) instead of being refused at once: a refusal sent while a
/// client is still writing tens of megabytes reaches it as a broken pipe, not as a 503.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_body_waits_for_a_slot_to_free() {
    let security = SecuritySettings { max_large_bodies: Some(1), ..SecuritySettings::default() };
    let app = spawn_app_with(AppSettings { security, ..AppSettings::default() }).await;
    let slow = trickle_a_large_body(&app).await;
    // Serialised up front, so that it is on the wire while the trickler holds the slot.
    let large = serde_json::to_string(&json!({"data": vec![0.5; 3_000_000]})).unwrap();
    let url = format!("{}/api/v1/artifacts", app.base);
    let request = app.client.post(url).header("content-type", "application/json").body(large);
    let waiting = tokio::spawn(async move { request.send().await.map(|answer| answer.status()) });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!waiting.is_finished(), "answered while every slot was taken: {:?}", waiting.await);
    drop(slow);
    assert_eq!(waiting.await.unwrap().unwrap(), 201, "served once the trickler's slot was freed");
}

/// Refused keys spend their address's rate limit: guessing keys is throttled too.
#[tokio::test(flavor = "multi_thread")]
async fn refused_keys_are_rate_limited_too() {
    let rate_limit = Some(RateLimit { per_second: 1.try_into().unwrap(), burst: 3.try_into().unwrap() });
    let security =
        SecuritySettings { keys: keys(), mode: Some(AuthMode::Required), rate_limit, ..SecuritySettings::default() };
    let app = spawn_app_with(AppSettings { security, ..AppSettings::default() }).await;
    let url = format!("{}/api/v1/configs", app.base);
    let mut statuses = Vec::new();
    for guess in 0..5 {
        let guessed = app.client.get(&url).header("X-API-Key", format!("guess-number-{guess}-of-many"));
        statuses.push(guessed.send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

/// At the connection cap, a new connection waits until one closes (here: a silent one,
/// closed at the idle timeout), rather than the server taking connections without end.
#[tokio::test(flavor = "multi_thread")]
async fn connections_past_the_cap_wait_for_one_to_close() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let idle_timeout = Duration::from_millis(800);
    let app = spawn_app_with(AppSettings { max_connections: 1, idle_timeout, ..AppSettings::default() }).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let _silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let mut waiting = tokio::net::TcpStream::connect(&address).await.unwrap();
    waiting.write_all(b"GET /health HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), waiting.read_to_end(&mut answer)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() >= Duration::from_millis(500), "served only once the silent connection was closed");
}

/// A database failure reaches clients as a sentence without the database's own text
/// (which can name tables, hosts and paths), in a response and in a job's error: with the
/// table of artifacts' content gone, reading a model fails, and so does the predict job
/// that reads it (its submission reads the model's record only).
#[tokio::test(flavor = "multi_thread")]
async fn database_errors_do_not_reach_callers() {
    use sqlx::Connection;
    let file = std::env::temp_dir().join(format!("chapwasm-fault-{}.db", chapwasm_service::clock::new_id()));
    let app =
        spawn_app_with(AppSettings { database_url: file.to_str().unwrap().to_owned(), ..Default::default() }).await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4]]});
    let (trained, job) = app.train_and_wait(&config_id, &frame).await;
    assert_eq!(job["status"], "completed", "{job}");
    let model_id = trained["artifact_id"].as_str().unwrap().to_owned();
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    sqlx::query("ALTER TABLE artifact_content RENAME TO content_gone").execute(&mut db).await.unwrap();
    let hidden = |text: &str| !text.contains("artifact_content") && !text.contains("table");
    let refused = app.get(&format!("/api/v1/artifacts/{model_id}")).await;
    assert_eq!(refused.status(), 500);
    let text = refused.text().await.unwrap();
    assert!(hidden(&text) && text.contains("database"), "{text}");
    let future = json!({"columns": ["a"], "data": [[3]]});
    let body = json!({"model_artifact_id": model_id, "historic": frame, "future": future});
    let submitted = app.post("/api/v1/ml/$predict", &body).await;
    assert_eq!(submitted.status(), 202);
    let job_id = submitted.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
    let job = app.wait_for_job(&job_id).await;
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap_or_default();
    assert!(hidden(error) && error.contains("database"), "{job}");
}

/// Each caller gets a quarter of the stream slots: one client cannot lock the others out.
#[tokio::test(flavor = "multi_thread")]
async fn one_client_cannot_hold_every_stream_slot() {
    let security = SecuritySettings { keys: keys(), mode: Some(AuthMode::Open), ..SecuritySettings::default() };
    let app = spawn_app_with(AppSettings { security, max_streams: 8, ..AppSettings::default() }).await;
    let url = format!("{}/health/$stream?poll_interval=60", app.base);
    let first = app.client.get(&url).send().await.unwrap();
    let second = app.client.get(&url).send().await.unwrap();
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let third = app.client.get(&url).send().await.unwrap();
    assert_eq!(third.status(), 503);
    let problem: Value = third.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("this client has 2 event streams open"), "{problem}");
    let other = app.client.get(&url).header("X-API-Key", USER).send().await.unwrap();
    assert_eq!(other.status(), 200, "another caller still gets a slot");
    drop(first);
}

/// `chapwasm serve` reads keys from all three sources: a file (`user:` here), chapwasm's
/// variable and chapkit's (every scope); with keys and no `--auth`, the mode is `required`.
#[tokio::test(flavor = "multi_thread")]
async fn serve_reads_keys_from_a_file_and_both_variables() {
    let file = std::env::temp_dir().join(format!("chapwasm-keys-{}", chapwasm_service::clock::new_id()));
    std::fs::write(&file, "# clients\nuser:from-the-file-0123456789\n").unwrap();
    let env =
        [("CHAPWASM_API_KEYS", "admin:from-chapwasm-0123456789"), ("SERVICEKIT_API_KEYS", "from-chapkit-0123456789")];
    let server = ServerProcess::start_with_env(&["--api-keys-file", file.to_str().unwrap()], &env);
    let app = server.client();
    assert_eq!(app.get("/api/v1/system").await.status(), 401, "with keys, a read needs one");
    let as_key = |method: Method, path: &str, key: &str| {
        app.client.request(method, format!("{}{path}", app.base)).header("X-API-Key", key.to_owned()).send()
    };
    let system: Value =
        as_key(Method::GET, "/api/v1/system", "from-the-file-0123456789").await.unwrap().json().await.unwrap();
    assert_eq!(system["security"]["auth"], "required");
    assert_eq!(system["security"]["api_keys"], json!({"admin": 2, "user": 1}));
    let delete = "/api/v1/jobs/01K0000000000000000000000A";
    assert_eq!(as_key(Method::DELETE, delete, "from-the-file-0123456789").await.unwrap().status(), 403);
    for admin in ["from-chapwasm-0123456789", "from-chapkit-0123456789"] {
        assert_eq!(as_key(Method::DELETE, delete, admin).await.unwrap().status(), 404, "{admin} is an admin key");
    }
}
