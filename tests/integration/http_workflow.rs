//! The spec's workflow over real HTTP, in both chapkit wire generations.

use crate::support::app::spawn_app;
use serde_json::{Value, json};

/// The spec's "Automated Testing" test, translated.
#[tokio::test(flavor = "multi_thread")]
async fn test_train_predict_workflow() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;

    let train = app
        .post(
            "/api/v1/ml/$train",
            &json!({"config_id": config_id, "data": {"columns": ["x1", "x2", "y"], "data": [[1, 2, 10], [2, 3, 15], [3, 4, 20]]}}),
        )
        .await;
    assert_eq!(train.status(), 202);
    let train: Value = train.json().await.unwrap();
    let model_id = train["model_artifact_id"].as_str().unwrap().to_owned();
    let job = app.wait_for_job(train["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "completed", "{job}");

    let model = app.get_json(&format!("/api/v1/artifacts/{model_id}")).await;
    assert_eq!(model["data"]["ml_type"], "trained_model");
    assert_eq!(model["level"], 0);

    let predict = app
        .post(
            "/api/v1/ml/$predict",
            &json!({
                "model_artifact_id": model_id,
                "historic": {"columns": ["x1", "x2"], "data": []},
                "future": {"columns": ["x1", "x2"], "data": [[1.5, 2.5], [2.5, 3.5]]},
            }),
        )
        .await;
    assert_eq!(predict.status(), 202);
    let predict: Value = predict.json().await.unwrap();
    let pred_id = predict["prediction_artifact_id"].as_str().unwrap().to_owned();
    let job = app.wait_for_job(predict["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["artifact_id"], pred_id.as_str());

    let prediction = app.get_json(&format!("/api/v1/artifacts/{pred_id}")).await;
    assert_eq!(prediction["data"]["ml_type"], "prediction");
    assert_eq!(prediction["parent_id"], model_id.as_str());
    assert_eq!(prediction["level"], 1);
    let predictions = &prediction["data"]["predictions"];
    assert_eq!(predictions["columns"], json!(["x1", "x2", "sample_0"]));
    let sample = predictions["data"][0][2].as_f64().unwrap();
    assert!((sample - 12.5).abs() < 1e-9, "{predictions}");
}

/// chap-core's calls: `run_info`, `artifact_id`, and a prediction artifact whose `data`
/// has exactly chapkit's keys.
#[tokio::test(flavor = "multi_thread")]
async fn chap_core_generation_round_trip() {
    let app = spawn_app().await;
    let config_id = app.config(json!({"additional_continuous_covariates": ["rainfall"]})).await;
    let data = json!({"columns": ["time_period", "rainfall", "disease_cases", "location"],
                      "data": [["2023-01", 10.0, 5, "a"], ["2023-02", 20.0, 9, "a"], ["2023-03", 15.0, null, "a"]]});
    let run_info = json!({"prediction_periods": 1, "additional_continuous_covariates": []});
    let train: Value = app
        .post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": data, "run_info": run_info}))
        .await
        .json()
        .await
        .unwrap();
    let model_id = train["artifact_id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_for_job(train["job_id"].as_str().unwrap()).await["status"], "completed");
    let model = app.get_json(&format!("/api/v1/artifacts/{model_id}")).await;
    assert_eq!(model["data"]["type"], "ml_training_workspace");

    let future = json!({"columns": ["time_period", "rainfall", "location"], "data": [["2023-04", 12.0, "a"]]});
    let predict: Value = app
        .post(
            "/api/v1/ml/$predict",
            &json!({"artifact_id": model_id, "historic": data, "future": future, "run_info": run_info}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(app.wait_for_job(predict["job_id"].as_str().unwrap()).await["status"], "completed");
    let prediction = app.get_json(&format!("/api/v1/artifacts/{}", predict["artifact_id"].as_str().unwrap())).await;
    let mut keys: Vec<&str> = prediction["data"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["content", "content_size", "content_type", "metadata", "type"]);
    assert_eq!(prediction["data"]["type"], "ml_prediction");
    assert_eq!(prediction["data"]["metadata"]["status"], "success");
    assert_eq!(prediction["data"]["metadata"]["config_id"], config_id.as_str());
    assert_eq!(prediction["data"]["content"]["columns"], json!(["time_period", "rainfall", "location", "sample_0"]));
    // y = 5 + 0.4 (rainfall − 10) fits the two observed rows exactly.
    let sample = prediction["data"]["content"]["data"][0][3].as_f64().unwrap();
    assert!((sample - 5.8).abs() < 1e-9, "{sample}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_model_fails_the_job_with_its_message() {
    let app = spawn_app().await;
    let config_id = app.config(json!({"features": ["location"]})).await;
    let train: Value = app
        .post(
            "/api/v1/ml/$train",
            &json!({"config_id": config_id, "data": {"columns": ["location", "disease_cases"], "data": [["a", 1]]}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let job = app.wait_for_job(train["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error"], "model error (invalid-data): column `location` must be numeric, but row 0 holds \"a\"");
    assert_eq!(job["artifact_id"], Value::Null);
    // The pre-allocated artifact keeps the failure for diagnostics (chap-core reads it).
    let artifact = app.get_json(&format!("/api/v1/artifacts/{}", train["artifact_id"].as_str().unwrap())).await;
    assert_eq!(artifact["data"]["status"], "failed", "{artifact}");
    assert_eq!(artifact["data"]["error"], job["error"]);
    assert_eq!(artifact["data"]["model"], Value::Null);
    let future = json!({"columns": ["location"], "data": [["a"]]});
    let body = json!({"model_artifact_id": train["artifact_id"], "historic": future, "future": future});
    let refused = app.post("/api/v1/ml/$predict", &body).await;
    assert_eq!(refused.status(), 400);
    let problem: Value = refused.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().ends_with("its training failed"), "{problem}");
}

/// The spec's "Manual Testing" curl calls send JSON without a JSON content type.
#[tokio::test(flavor = "multi_thread")]
async fn json_bodies_are_accepted_without_a_content_type() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/v1/configs", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"name":"test","data":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

/// The default model drops nothing in silence: a feature with one non-numeric cell fails
/// the training naming the column, row and value; configured features that are missing
/// are an invalid config naming them.
#[tokio::test(flavor = "multi_thread")]
async fn the_default_model_refuses_data_it_would_drop() {
    let app = spawn_app().await;
    let data = json!({"columns": ["location", "rainfall", "disease_cases"],
        "data": [["a", 1.5, 10], ["a", "n/a", 12], ["b", 2.5, 14]]});
    let (_, job) = app.train_and_wait(&app.config(json!({})).await, &data).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"], "model error (invalid-data): column `rainfall` must be numeric, but row 1 holds \"n/a\"");
    let (_, job) = app.train_and_wait(&app.config(json!({"features": ["rainfall", "humidity"]})).await, &data).await;
    assert_eq!(job["error"], "model error (invalid-config): configured features not in the data: humidity");
}

/// A `$predict` whose two frames are each large enough to be parsed side by side (on two
/// cores) predicts as any other, and a bad frame is still named: `future` when only it is
/// bad, `historic` (checked first) when both are.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_predict_is_checked_and_predicted_like_a_small_one() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let training = json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]});
    let (train, _) = app.train_and_wait(&config_id, &training).await;
    let rows = 40_000;
    let historic_rows: Vec<Value> = (0..rows).map(|i| json!([f64::from(i) / 4.0, f64::from(i) / 2.0])).collect();
    let future_rows: Vec<Value> = (0..rows).map(|i| json!([1000.25 + f64::from(i)])).collect();
    let historic = json!({"columns": ["a", "disease_cases"], "data": historic_rows});
    let future = json!({"columns": ["a"], "data": future_rows});
    for (name, frame) in [("historic", &historic), ("future", &future)] {
        assert!(frame.to_string().len() >= 256 << 10, "the {name} frame is large enough to be parsed on its own core");
    }

    let (_, job) = app.predict_and_wait(&train["artifact_id"], &historic, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    let predicted = app.prediction_column(&job, "sample_0").await;
    assert_eq!(predicted.len(), rows as usize);
    // The model learnt disease_cases = 2a.
    assert!((predicted[7].as_f64().unwrap() - 2.0 * 1007.25).abs() < 1e-6, "{}", predicted[7]);

    let mut bad_future = future.clone();
    bad_future["data"][rows as usize - 1] = json!([1.0, 2.0]);
    let mut bad_historic = historic.clone();
    bad_historic["data"][0] = json!(["not a number", 1.0, 2.0]);
    for ((historic, future), named) in
        [((&historic, &bad_future), "future"), ((&bad_historic, &bad_future), "historic")]
    {
        let body = json!({"model_artifact_id": train["artifact_id"], "historic": historic, "future": future});
        let response = app.post("/api/v1/ml/$predict", &body).await;
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["loc"], json!(["body", named]), "{problem}");
    }
    let jobs = app.get_json("/api/v1/jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 2, "the refused requests created nothing: {jobs}");
}
