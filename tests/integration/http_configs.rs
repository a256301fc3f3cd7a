//! Configs as chap-core needs them: every key echoed, reserved fields defaulted, nested
//! `user_option_values` hoisted, schema violations rejected with the path.

use crate::support::app::spawn_app;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn configs_echo_keys_default_reserved_fields_and_hoist_options() {
    let app = spawn_app().await;
    let sent =
        json!({"features": ["rainfall"], "n_lags": [2], "user_option_values": {"precision": 0.5, "n_lags": [9]}});
    let created = app.post("/api/v1/configs", &json!({"name": "cfg", "data": sent})).await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let config: Value = created.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/configs/{}", config["id"].as_str().unwrap()));
    assert_eq!(
        config["data"],
        json!({"features": ["rainfall"], "n_lags": [2], "precision": 0.5,
               "prediction_periods": 3, "additional_continuous_covariates": []})
    );
    let listed = app.get_json("/api/v1/configs").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], config["id"]);
    let page = app.get_json("/api/v1/configs?page=1&size=10").await;
    assert_eq!((page["total"].clone(), page["pages"].clone()), (json!(1), json!(1)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_that_breaks_the_schema_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let response = app.post("/api/v1/configs", &json!({"name": "cfg", "data": {"features": "rainfall"}})).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["loc"], json!(["body", "data", "features"]), "{problem}");
    assert_eq!(app.get_json("/api/v1/configs").await, json!([]));
}

/// Found by schemathesis on PostgreSQL: a NUL in a config's name (kept as text, which
/// PostgreSQL's cannot hold) was a 500. On both backends it is a 422 and nothing is made.
#[tokio::test(flavor = "multi_thread")]
async fn a_nul_in_a_configs_name_or_component_is_a_422() {
    let app = spawn_app().await;
    for body in [json!({"name": "a\u{0}b", "data": {}}), json!({"name": "n", "component_id": "\u{0}"})] {
        let response = app.post("/api/v1/configs", &body).await;
        assert_eq!(response.status(), 422, "{body}");
    }
    assert_eq!(app.get_json("/api/v1/configs").await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_info_and_health_describe_the_component() {
    let app = spawn_app().await;
    let schema = app.get_json("/api/v1/configs/%24schema").await;
    assert_eq!(schema["properties"]["prediction_periods"]["default"], 3);
    assert!(schema["properties"]["features"].is_object());
    let info = app.get_json("/api/v1/info").await;
    assert_eq!(info["id"], "linear-regression");
    assert_eq!(info["target"], "disease_cases");
    assert_eq!(app.get_json("/health").await["status"], "healthy");
}

#[tokio::test(flavor = "multi_thread")]
async fn replacing_and_deleting_configs() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let path = format!("{}/api/v1/configs/{config_id}", app.base);
    let replaced: Value = app
        .client
        .put(&path)
        .json(&json!({"name": "renamed", "data": {"features": ["a"]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(replaced["name"], "renamed");
    assert_eq!(replaced["data"]["features"], json!(["a"]));

    // Deleting a config deletes the artifact trees linked to it, as chapkit does.
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4]]});
    let (train, _) = app.train_and_wait(&config_id, &frame).await;
    assert_eq!(app.client.delete(&path).send().await.unwrap().status(), 204);
    assert_eq!(app.get(&format!("/api/v1/configs/{config_id}")).await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/artifacts/{}", train["artifact_id"].as_str().unwrap())).await.status(), 404);
    assert_eq!(app.client.delete(&path).send().await.unwrap().status(), 404);
}
