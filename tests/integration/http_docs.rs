//! The service describes itself: an OpenAPI 3.1 document that names every route the router
//! serves (and nothing else), Swagger UI at `/docs` from assets inside the binary, the spec's
//! browser steps in a real headless Chromium, and schemathesis finding no 5xx and no answer
//! outside the schema, on our document and on chapkit's.

use super::http_security::ROUTES;
use crate::support::app::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The `(method, path)` pairs of an OpenAPI document's operations.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    let operations = paths.iter().flat_map(|(path, item)| {
        let item = item.as_object().expect("path item");
        item.keys().filter(|m| methods.contains(&m.as_str())).map(move |m| (m.to_uppercase(), path.clone()))
    });
    operations.collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_names_every_route_and_only_those() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    let documented = operations(&document);
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path, _)| (method.to_string(), path.split('?').next().unwrap().to_owned()))
        .filter(|(_, path)| path != "/" && path != "/openapi.json" && !path.starts_with("/docs"))
        .collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&served).collect();
    assert!(missing.is_empty() && unknown.is_empty(), "undocumented: {missing:?}; not served: {unknown:?}");

    // Every operation says what its errors look like, and which keys it accepts.
    let schemes = &document["components"]["securitySchemes"];
    let api_key = &schemes["api_key"];
    assert_eq!(
        (&api_key["type"], &api_key["in"], &api_key["name"]),
        (&json!("apiKey"), &json!("header"), &json!("X-API-Key"))
    );
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    for (method, path) in &documented {
        let operation = &document["paths"][path][method.to_lowercase()];
        let problem = &operation["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem, "#/components/schemas/Problem", "{method} {path} documents no problem+json 422");
        assert!(operation["operationId"].is_string(), "{method} {path} has no operationId");
    }
    let stream = &document["paths"]["/api/v1/jobs/{id}/$stream"]["get"]["responses"]["200"]["content"];
    assert!(stream.get("text/event-stream").is_some(), "the job stream is not documented as SSE: {stream}");
    // An unhealthy service answers its health document, not a problem.
    let unhealthy = &document["paths"]["/health"]["get"]["responses"]["503"]["content"];
    assert_eq!(unhealthy["application/json"]["schema"]["$ref"], "#/components/schemas/Health", "{unhealthy}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_at_the_root_lands_on_swagger_ui_served_from_the_binary() {
    let app = spawn_app().await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let root = no_redirects.get(format!("{}/", app.base)).send().await.unwrap();
    assert!(root.status().is_redirection(), "{}", root.status());
    assert_eq!(root.headers()["location"], "/docs/");

    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Nothing is fetched from elsewhere: every script and stylesheet is ours.
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-initializer.js"] {
        let response = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status(), 200, "{asset}");
        let text = response.text().await.unwrap();
        if asset == "swagger-initializer.js" {
            assert!(text.contains("/openapi.json"), "the page does not load our document: {text}");
            // Swagger UI's validator badge would send the document's URL to swagger.io.
            assert!(text.contains(r#""validatorUrl": "none""#), "the validator is on: {text}");
        }
    }
    assert!(!html.contains("https://") && !html.contains("http://"), "the page loads from elsewhere: {html}");
}

/// Where a test keeps what it leaves for a human (screenshots): beside the build.
fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The repository's root (tests' helper programs live under it).
fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Debian's chromium and tests/browser's npm packages; .ci/run installs both and runs it"]
async fn the_spec_browser_workflow_runs_in_swagger_ui_in_headless_chromium() {
    let app = spawn_app().await;
    let screenshot = artifacts_dir().join("swagger-ui-try-it-out.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = repository().join("tests/browser/swagger_try_it_out.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&app.base)
        .arg(&screenshot)
        .output()
        .await
        .expect("run node (is Node.js installed?)");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let said = format!("{stdout}{stderr}");
    assert!(output.status.success(), "the browser run failed:\n{said}");
    // The page rendered the operations, and its "Try it out"s really created the config,
    // trained, followed the jobs, predicted and read the predictions.
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect(&said);
    assert!(report["operations"].as_u64().unwrap() >= 40, "{report}");
    assert_eq!(report["status"], 201, "{report}");
    let steps = json!(["config created", "model trained", "predicted", "predictions read"]);
    assert_eq!(report["steps"], steps, "{report}");
    let configs = app.get_json("/api/v1/configs").await;
    let names: Vec<&str> = configs.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert!(names.contains(&"from-swagger-ui"), "{configs}");
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000, "no screenshot at {}", screenshot.display());
    eprintln!("screenshot: {}", screenshot.display());
}

/// What a schemathesis run found: how many cases it tried, and whether all passed.
struct Run {
    cases: u64,
    passed: bool,
    said: String,
}

/// `st run` of `schema` against `app` with `checks`, every phase, a fixed seed, one worker
/// (with two, hypothesis sometimes fails inside CPython 3.11's `ast` module, "AST
/// constructor recursion depth mismatch", an error of the tool, not of the server). The
/// health stream never ends by design (it polls for as long as the client stays), so it is
/// left out; `http_observability` follows it.
async fn schemathesis(app: &TestApp, schema: &str, checks: &str, max_examples: u32) -> Run {
    let report = artifacts_dir().join(format!("schemathesis-{}.json", chapwasm_service::clock::new_id()));
    let max_examples = max_examples.to_string();
    let output = tokio::process::Command::new("st")
        .args(["run", schema, "--url", &app.base, "--checks", checks])
        .args(["--phases", "examples,coverage,fuzzing,stateful", "--max-examples", &max_examples])
        .args(["--seed", "20261201", "--workers", "1", "--request-timeout", "60"])
        .args(["--exclude-path", "/health/$stream", "--suppress-health-check", "all"])
        .args(["--report", "json", "--report-json-path", report.to_str().unwrap()])
        .env("NO_COLOR", "1")
        // Its caches (`.schemathesis/`, `.hypothesis/`) stay beside the build, not in the tree.
        .current_dir(artifacts_dir())
        .output()
        .await
        .expect("run schemathesis' `st` (python3 -m venv v && v/bin/pip install schemathesis; put v/bin on PATH)");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let read = std::fs::read(&report).expect(&said);
    let _ = std::fs::remove_file(&report);
    let report: Value = serde_json::from_slice(&read).expect(&said);
    let cases = report["test_cases"]["generated"].as_u64().unwrap_or_else(|| panic!("no case count: {report}"));
    Run { cases, passed: output.status.success(), said }
}

const OUR_CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                          response_schema_conformance,response_headers_conformance";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs schemathesis (`st` on PATH); .ci/run installs it in a venv and runs it"]
async fn schemathesis_finds_nothing_outside_our_own_schema() {
    let app = spawn_app().await;
    let run = schemathesis(&app, &format!("{}/openapi.json", app.base), OUR_CHECKS, 100).await;
    eprintln!("schemathesis on /openapi.json: {} cases", run.cases);
    assert!(run.passed, "{}", run.said);
    assert!(run.cases > 1_000, "too few cases to mean anything: {}\n{}", run.cases, run.said);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs schemathesis (`st` on PATH); .ci/run installs it in a venv and runs it"]
async fn schemathesis_on_chapkits_schema_finds_no_server_error() {
    let app = spawn_app().await;
    let chapkit = repository().join("tests/contract/chapkit-openapi.json");
    let run = schemathesis(&app, chapkit.to_str().unwrap(), "not_a_server_error", 40).await;
    eprintln!("schemathesis on chapkit 2.4.1's schema: {} cases", run.cases);
    assert!(run.passed, "{}", run.said);
    assert!(run.cases > 1_000, "too few cases to mean anything: {}\n{}", run.cases, run.said);
}
