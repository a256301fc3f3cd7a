//! The library builders: parts mount only their routes, misuse is a build error, and
//! service info overrides what the component says.

use crate::support::app::TestApp;
use chapwasm_server::app::App;
use chapwasm_server::builder::{MlServiceBuilder, ServiceBuilder};
use chapwasm_server::bundled::{LINEAR_REGRESSION, plugin_path};
use chapwasm_server::info::{AssessedStatus, ModelMetadata, ServiceInfo};
use serde_json::json;

async fn serve(app: App) -> TestApp {
    let service = app.service.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener));
    TestApp { base, client: reqwest::Client::new(), service: Some(service), _database: None }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_ml_without_its_prerequisites_is_a_build_error() {
    let error = ServiceBuilder::new(ServiceInfo::default()).with_health().with_ml().build().await.err().unwrap();
    assert_eq!(error.to_string(), "with_ml() needs with_config(), with_artifacts(), with_jobs() to be called first");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_chosen_parts_are_mounted() {
    let component = std::fs::read(plugin_path("scaled-regression")).unwrap();
    let app = ServiceBuilder::new(ServiceInfo::named("configs only"))
        .with_health()
        .with_config(component)
        .build()
        .await
        .unwrap();
    let app = serve(app).await;
    assert_eq!(app.get_json("/api/v1/info").await["display_name"], "configs only");
    assert_eq!(app.get_json("/api/v1/info").await["id"], "scaled-regression");
    assert_eq!(app.get("/api/v1/configs").await.status(), 200);
    assert_eq!(app.post("/api/v1/ml/$train", &json!({})).await.status(), 404);
    assert_eq!(app.get("/api/v1/jobs").await.status(), 404);
    // The OpenAPI document describes what is mounted, and only that.
    let document = app.get_json("/openapi.json").await;
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    let mounted = ["/health", "/api/v1/info", "/api/v1/system", "/api/v1/configs"];
    assert!(paths.iter().all(|path| mounted.iter().any(|m| path.starts_with(m))), "{paths:?}");
    assert!(paths.contains(&&"/api/v1/configs/{id}".to_owned()) && paths.contains(&&"/health".to_owned()), "{paths:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn service_info_overrides_the_components_description() {
    let info = ServiceInfo {
        id: Some("my-service".into()),
        model_metadata: ModelMetadata {
            author: Some("ML Team".into()),
            author_assessed_status: Some(AssessedStatus::Green),
            ..ModelMetadata::default()
        },
        max_prediction_periods: Some(12),
        ..ServiceInfo::default()
    };
    let app = serve(MlServiceBuilder::new(info, LINEAR_REGRESSION).build().await.unwrap()).await;
    let info = app.get_json("/api/v1/info").await;
    assert_eq!(info["id"], "my-service");
    assert_eq!(info["display_name"], "linear-regression");
    assert_eq!(info["model_metadata"]["author_assessed_status"], "green");
    assert_eq!(info["max_prediction_periods"], 12);
    assert_eq!(info["period_type"], "any");
    // The service's bounds, not the component's, decide the horizon.
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4]]});
    let body = json!({"config_id": config_id, "data": frame, "run_info": {"prediction_periods": 13}});
    let response = app.post("/api/v1/ml/$train", &body).await;
    assert_eq!(response.status(), 422);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["detail"], "prediction_periods (13, from run_info) exceeds the maximum allowed value (12)");
}
