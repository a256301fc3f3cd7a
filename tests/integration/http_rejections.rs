//! Bad input is a 4xx problem+json that says what to fix, and creates nothing.

use crate::support::app::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn rejected(app: &TestApp, path: &str, body: Value, status: u16, kind: &str) -> Value {
    let response = app.post(path, &body).await;
    assert_eq!(response.status().as_u16(), status, "{path} {body}");
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], format!("urn:servicekit:error:{kind}"), "{problem}");
    problem
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_train_and_predict_requests_create_no_job() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "y"], "data": [[1, 2], [2, 4]]});
    let train = "/api/v1/ml/$train";
    rejected(&app, train, json!({"config_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "data": frame}), 404, "not-found").await;
    rejected(&app, train, json!({"config_id": "not-a-ulid", "data": frame}), 422, "validation-failed").await;
    rejected(&app, train, json!({"data": frame}), 422, "validation-failed").await;
    let dict =
        rejected(&app, train, json!({"config_id": config_id, "data": {"a": [1, 2]}}), 422, "validation-failed").await;
    assert!(dict["detail"].as_str().unwrap().contains("dict-of-lists"), "{dict}");
    rejected(&app, train, json!({"config_id": config_id, "data": [{"a": 1}]}), 422, "validation-failed").await;
    let ragged = rejected(
        &app,
        train,
        json!({"config_id": config_id, "data": {"columns": ["a", "y"], "data": [[1, 2], [3]]}}),
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(ragged["detail"], "`data` row 1 has 1 values but there are 2 columns");
    rejected(
        &app,
        train,
        json!({"config_id": config_id, "data": {"columns": ["a"], "data": []}}),
        422,
        "validation-failed",
    )
    .await;
    rejected(
        &app,
        train,
        json!({"config_id": config_id, "data": frame, "geo": {"type": "Point"}}),
        422,
        "validation-failed",
    )
    .await;
    // A FeatureCollection whose geometry is not one (coordinates that are not numbers).
    let broken = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "loc_1"},
        "geometry": {"type": "Point", "coordinates": ["east", "north"]}}]});
    let geo =
        rejected(&app, train, json!({"config_id": config_id, "data": frame, "geo": broken}), 422, "validation-failed")
            .await;
    assert!(geo["detail"].as_str().unwrap().starts_with("`geo` is not valid GeoJSON"), "{geo}");

    let too_far = json!({"config_id": config_id, "data": frame, "run_info": {"prediction_length": 1000}});
    let horizon = rejected(&app, train, too_far, 422, "validation-failed").await;
    assert_eq!(horizon["detail"], "prediction_periods (1000, from run_info) exceeds the maximum allowed value (100)");

    let predict = "/api/v1/ml/$predict";
    let future = json!({"columns": ["a"], "data": [[3]]});
    rejected(
        &app,
        predict,
        json!({"artifact_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "historic": future, "future": future}),
        404,
        "not-found",
    )
    .await;
    rejected(
        &app,
        predict,
        json!({"artifact_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "future": future}),
        422,
        "validation-failed",
    )
    .await;

    let jobs = app.get_json("/api/v1/jobs").await;
    assert_eq!(jobs, json!([]), "no job was created");
    assert_eq!(app.get_json("/api/v1/artifacts").await, json!([]));
}

/// A body is refused if it is not JSON anywhere: in its frame, in a frame field the route
/// does not use or sent twice, after its end; or if it is not an object.
#[tokio::test(flavor = "multi_thread")]
async fn train_bodies_that_are_not_json_anywhere_are_refused() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let frame = r#"{"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4]]}"#;
    let cases = [
        (format!(r#"{{"config_id": "{config_id}", "data": {{"columns": ["a"], "data": [[1],, [2]]}}}}"#), "`data`"),
        (format!(r#"{{"config_id": "{config_id}", "data": {frame}, "historic": [1,,2]}}"#), "not valid JSON"),
        (format!(r#"{{"config_id": "{config_id}", "data": {frame}}} and more"#), "not valid JSON"),
        (format!(r#"{{"config_id": "{config_id}", "data": {frame},}}"#), "not valid JSON"),
        (format!(r#"[{{"config_id": "{config_id}", "data": {frame}}}]"#), "must be a JSON object"),
        (format!(r#"{{"config_id": "{config_id}", "data": [}}, "data": {frame}}}"#), "not valid JSON"),
        (format!(r#"{{"config_id": "{config_id}", "data": {{"columns": ["a"], "data": [[1]]}}"#), "not valid JSON"),
    ];
    for (body, says) in cases {
        let response =
            app.client.post(format!("{}/api/v1/ml/$train", app.base)).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains(says), "{body}: {problem}");
    }
    assert_eq!(app.get_json("/api/v1/jobs").await, json!([]), "no job was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn predicting_from_a_prediction_is_a_bad_request() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4]]});
    let (train, _) = app.train_and_wait(&config_id, &frame).await;
    let future = json!({"columns": ["a"], "data": [[3]]});
    let (predict, _) = app.predict_and_wait(&train["artifact_id"], &future, &future).await;
    let body = json!({"model_artifact_id": predict["artifact_id"], "historic": future, "future": future});
    let problem = rejected(&app, "/api/v1/ml/$predict", body, 400, "bad-request").await;
    assert!(problem["detail"].as_str().unwrap().ends_with("is not a trained model"));
    assert_eq!(app.get_json("/api/v1/jobs").await.as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_ids_and_unknown_ids_in_paths() {
    let app = spawn_app().await;
    let bad = app.get("/api/v1/jobs/zzz").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["type"], "urn:servicekit:error:invalid-ulid");
    let missing = app.get("/api/v1/configs/01ARZ3NDEKTSV4RRFFQ69G5FAV").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["detail"], "Entity with id 01ARZ3NDEKTSV4RRFFQ69G5FAV not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_is_a_dry_run_with_diagnostics() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "y"], "data": [[1, 2], [2, 4]]});
    let ok: Value = app
        .post("/api/v1/ml/$validate", &json!({"type": "train", "config_id": config_id, "data": frame}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok, json!({"valid": true, "diagnostics": []}));
    let unknown = json!({"type": "train", "config_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "data": frame});
    let report: Value = app.post("/api/v1/ml/$validate", &unknown).await.json().await.unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["diagnostics"][0]["code"], "config_not_found");
    assert_eq!(report["diagnostics"][0]["field"], "config_id");
    rejected(&app, "/api/v1/ml/$validate", json!({"type": "other"}), 422, "validation-failed").await;
    assert_eq!(app.get_json("/api/v1/jobs").await, json!([]));
    let unknown_route = app.get("/api/v1/nothing-here").await;
    assert_eq!(unknown_route.status(), 404);
    assert_eq!(unknown_route.headers()["content-type"], "application/problem+json");
    let problem = unknown_route.json::<Value>().await.unwrap();
    assert_eq!(
        (problem["detail"].clone(), problem["type"].clone()),
        (json!("Not Found"), json!("urn:servicekit:error:not-found"))
    );
}
