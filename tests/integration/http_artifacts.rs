//! Artifact lineage endpoints over a real train + predict: tree, expand, config, metadata,
//! downloads, and the config's artifacts.

use crate::support::app::spawn_app;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn lineage_metadata_and_downloads() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4]]});
    let (train, _) = app.train_and_wait(&config_id, &frame).await;
    let model_id = train["artifact_id"].as_str().unwrap();
    let future = json!({"columns": ["a"], "data": [[3]]});
    let (predict, _) = app.predict_and_wait(&train["artifact_id"], &future, &future).await;
    let prediction_id = predict["artifact_id"].as_str().unwrap();

    let tree = app.get_json(&format!("/api/v1/artifacts/{model_id}/$tree")).await;
    assert_eq!(tree["children"][0]["id"], prediction_id);
    assert_eq!(tree["children"][0]["children"], json!([]));
    assert!(tree["children"][0]["data"].get("predictions").is_none(), "trees carry no content");

    let expanded = app.get_json(&format!("/api/v1/artifacts/{prediction_id}/$expand")).await;
    assert_eq!((expanded["level_label"].clone(), expanded["hierarchy"].clone()), (json!("predictions"), json!("ml")));

    let config = app.get_json(&format!("/api/v1/artifacts/{prediction_id}/$config")).await;
    assert_eq!(config["id"], config_id.as_str());
    let linked = app.get_json(&format!("/api/v1/configs/{config_id}/$artifacts")).await;
    assert_eq!(linked.as_array().unwrap().len(), 1);
    assert_eq!(linked[0]["id"], model_id);
    assert_eq!(app.get_json("/api/v1/configs/$stats").await, json!({"total": 1}));

    let metadata = app.get_json(&format!("/api/v1/artifacts/{model_id}/$metadata")).await;
    assert_eq!(metadata["status"], "success");
    assert_eq!(metadata["model_type"], "linear-regression@0.1.0");
    assert_eq!(metadata["component_sha256"].as_str().unwrap().len(), 64);

    let model = app.get_json(&format!("/api/v1/artifacts/{model_id}")).await;
    let download = app.get(&format!("/api/v1/artifacts/{model_id}/$download")).await;
    assert_eq!(
        download.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"artifact_{model_id}.bin\"")
    );
    assert_eq!(download.bytes().await.unwrap().len() as u64, model["data"]["model_size_bytes"].as_u64().unwrap());

    let records: Value = app.get(&format!("/api/v1/artifacts/{prediction_id}/$download")).await.json().await.unwrap();
    let sample = records[0]["sample_0"].as_f64().unwrap();
    assert!((sample - 6.0).abs() < 1e-9, "{records}");

    let listed = app.get_json("/api/v1/artifacts").await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed.as_array().unwrap().iter().all(|a| a["data"].get("predictions").is_none()));
    assert!(app.get_json("/api/v1/system").await["current_time"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test(flavor = "multi_thread")]
async fn user_artifacts_form_trees_and_refuse_cycles() {
    let app = spawn_app().await;
    let created = app.post("/api/v1/artifacts", &json!({"data": {"note": "root"}})).await;
    assert_eq!(created.status(), 201);
    let root: Value = created.json().await.unwrap();
    let root_id = root["id"].as_str().unwrap().to_owned();
    let child: Value =
        app.post("/api/v1/artifacts", &json!({"data": [1, 2], "parent_id": root_id})).await.json().await.unwrap();
    assert_eq!(child["level"], 1);
    let child_id = child["id"].as_str().unwrap();

    let orphan = app.post("/api/v1/artifacts", &json!({"data": {}, "parent_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})).await;
    assert_eq!(orphan.status(), 409);

    let put = |id: String, body: Value| {
        let app = &app;
        async move { app.client.put(format!("{}/api/v1/artifacts/{id}", app.base)).json(&body).send().await.unwrap() }
    };
    let cycle = put(root_id.clone(), json!({"data": {}, "parent_id": child_id})).await;
    assert_eq!(cycle.status(), 400);
    let own = put(root_id.clone(), json!({"data": {}, "parent_id": root_id})).await;
    assert_eq!(own.status(), 400);

    let config_id = app.config(json!({})).await;
    let link = |path: &str, artifact: &str| {
        let app = &app;
        let path = format!("/api/v1/configs/{config_id}/{path}");
        let body = json!({"artifact_id": artifact});
        async move { app.post(&path, &body).await.status().as_u16() }
    };
    assert_eq!(link("$link-artifact", child_id).await, 400, "only roots can be linked");
    assert_eq!(link("$link-artifact", &root_id).await, 204);
    assert_eq!(link("$link-artifact", &root_id).await, 409, "already linked");
    assert_eq!(app.get_json(&format!("/api/v1/artifacts/{child_id}/$config")).await["id"], config_id.as_str());
    assert_eq!(link("$unlink-artifact", &root_id).await, 204);
    assert_eq!(link("$unlink-artifact", &root_id).await, 404);

    let page = app.get_json("/api/v1/artifacts?page=1&size=1").await;
    assert_eq!(
        (page["total"].clone(), page["pages"].clone(), page["items"].as_array().unwrap().len()),
        (json!(2), json!(2), 1)
    );

    let deleted = app.client.delete(format!("{}/api/v1/artifacts/{root_id}", app.base)).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let child = app.get_json(&format!("/api/v1/artifacts/{child_id}")).await;
    assert_eq!(
        (child["parent_id"].clone(), child["level"].clone()),
        (Value::Null, json!(1)),
        "chapkit keeps the old level"
    );
}

/// Provenance: every ML artifact names the component, config and data it came from, and
/// retraining on the same inputs gives byte-identical model bytes.
#[tokio::test(flavor = "multi_thread")]
async fn retraining_is_byte_identical_and_provenance_is_recorded() {
    let component = std::fs::read(chapwasm_server::bundled::plugin_path("seasonal-forecast")).unwrap();
    let app = crate::support::app::spawn_app_with(chapwasm_server::settings::AppSettings {
        component: Some(component),
        ..Default::default()
    })
    .await;
    let config_id = app.config(json!({"n_samples": 3, "seed": 11})).await;
    let rows: Vec<Value> =
        (1..=24).map(|m| json!([format!("{}-{:02}", 2021 + (m - 1) / 12, (m - 1) % 12 + 1), "loc_1", m % 7])).collect();
    let data = json!({"columns": ["time_period", "location", "disease_cases"], "data": rows});
    let mut models = Vec::new();
    for _ in 0..2 {
        let (train, job) = app.train_and_wait(&config_id, &data).await;
        assert_eq!(job["status"], "completed");
        let id = train["artifact_id"].as_str().unwrap().to_owned();
        let bytes = app.get(&format!("/api/v1/artifacts/{id}/$download")).await.bytes().await.unwrap();
        let metadata = app.get_json(&format!("/api/v1/artifacts/{id}/$metadata")).await;
        models.push((id, bytes, metadata));
    }
    let ((first_id, first, meta_a), (_, second, meta_b)) = (&models[0], &models[1]);
    assert_eq!(first, second, "same component, config and data: same model bytes");
    for key in ["component_sha256", "config_sha256", "data_sha256"] {
        assert_eq!(meta_a[key].as_str().unwrap().len(), 64, "{key}");
        assert_eq!(meta_a[key], meta_b[key], "{key}");
    }

    let future = json!({"columns": ["time_period", "location"], "data": [["2023-01", "loc_1"]]});
    let (predict, _) = app.predict_and_wait(&json!(first_id), &data, &future).await;
    let metadata =
        app.get_json(&format!("/api/v1/artifacts/{}/$metadata", predict["artifact_id"].as_str().unwrap())).await;
    assert_eq!(metadata["model_artifact_id"], first_id.as_str());
    assert_eq!(metadata["component_sha256"], meta_a["component_sha256"]);
    assert_ne!(metadata["data_sha256"], meta_a["data_sha256"]);
}

/// A large `$train` frame is read on two threads (cut near its middle) when a core is
/// free; the data it trains on is the data one reading gives: the same `data_sha256` as
/// the same rows sent past the size read in halves (blanks padding the frame over 8 MiB).
/// The rows change kind across the middle (integers, then floats; a text column).
#[tokio::test(flavor = "multi_thread")]
async fn a_frame_read_in_halves_trains_on_the_data_one_reading_gives() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let rows = 10_000;
    let cells: Vec<String> = (0..rows)
        .map(|i| {
            let rain = if i < rows / 2 { format!("{}", i % 97) } else { format!("{}.5", i % 89) };
            format!(r#"[{rain}, {}.25, "loc_{}", {}]"#, i % 31, i % 13, (i * 7) % 50)
        })
        .collect();
    let columns = r#""columns": ["rainfall", "mean_temperature", "location", "disease_cases"]"#;
    let frame = |padding: &str| format!(r#"{{{columns},{padding}"data": [{}]}}"#, cells.join(", "));
    let mut hashes = Vec::new();
    for padding in [String::new(), " ".repeat(9 << 20)] {
        let body = format!(r#"{{"config_id": "{config_id}", "data": {}}}"#, frame(&padding));
        let url = format!("{}/api/v1/ml/$train", app.base);
        let response = app.client.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let submitted: Value = response.json().await.unwrap();
        let job = app.wait_for_job(submitted["job_id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "completed", "{job}");
        let id = submitted["artifact_id"].as_str().unwrap();
        hashes.push(app.get_json(&format!("/api/v1/artifacts/{id}/$metadata")).await["data_sha256"].clone());
    }
    assert!(frame("").len() >= 256 << 10, "large enough to be read in halves");
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[0].as_str().map(str::len), Some(64));
}

/// A large job that starts at once (at the door, nothing queued and a slot free) has its
/// data hashed at submission, beside the encoding of its inputs; one that waits in the
/// queue has it hashed when it runs. The same rows give the same `data_sha256` either way.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_job_started_at_once_and_one_from_the_queue_record_the_same_data_hash() {
    use chapwasm_service::JobEvent;
    use chapwasm_store::JobStatus;
    use std::time::Duration;
    let settings = chapwasm_server::settings::AppSettings { max_concurrency: 1, ..Default::default() };
    let app = crate::support::app::spawn_app_with(settings).await;
    let mut events = app.service.as_ref().unwrap().events().subscribe();
    let endless = app.upload_plugin("endless-loop", "").await;
    let config_id = app.config(json!({})).await;
    // 10k rows of four numbers: 320 KB in memory, past what a submission encodes inline.
    let rows: Vec<Value> =
        (0..10_000).map(|i| json!([i % 97, f64::from(i % 31) + 0.25, i % 7, (i * 7) % 50])).collect();
    let data = json!({"columns": ["rainfall", "mean_temperature", "humidity", "disease_cases"], "data": rows});
    let body = json!({"config_id": config_id, "data": data});
    let submit = |body: Value| {
        let app = &app;
        async move {
            let response = app.post("/api/v1/ml/$train", &body).await;
            assert_eq!(response.status(), 202);
            response.json::<Value>().await.unwrap()
        }
    };
    let bound = Duration::from_secs(60);
    // Nothing has run yet: this one starts at the door.
    let at_once = submit(body.clone()).await;
    let at_once_id = at_once["job_id"].as_str().unwrap();
    assert_eq!(app.wait_for_job_within(at_once_id, bound).await["status"], "completed");
    // The one slot held by an endless loop: this one waits in the queue.
    let looping = submit(json!({"config_id": app.config_of(&endless, json!({})).await, "data": data})).await;
    let looping_id = looping["job_id"].as_str().unwrap();
    app.wait_for_status(looping_id, &["running"], bound).await;
    let queued = submit(body).await;
    let queued_id = queued["job_id"].as_str().unwrap();
    assert_eq!(app.get_json(&format!("/api/v1/jobs/{queued_id}")).await["status"], "pending");
    assert_eq!(app.delete(&format!("/api/v1/jobs/{looping_id}")).await.status(), 204);
    assert_eq!(app.wait_for_job_within(queued_id, bound).await["status"], "completed");
    let mut seen: std::collections::HashMap<String, Vec<JobStatus>> = Default::default();
    while let Ok(event) = events.try_recv() {
        if let JobEvent::Changed { job_id, job: Some(job) } = event {
            seen.entry(job_id).or_default().push(job.status);
        }
    }
    assert_eq!(seen[at_once_id], [JobStatus::Running, JobStatus::Completed], "started at the door");
    assert_eq!(seen[queued_id][0], JobStatus::Pending, "queued");
    let mut hashes = Vec::new();
    for submitted in [&at_once, &queued] {
        let id = submitted["artifact_id"].as_str().unwrap();
        hashes.push(app.get_json(&format!("/api/v1/artifacts/{id}/$metadata")).await["data_sha256"].clone());
    }
    assert_eq!(hashes[0].as_str().map(str::len), Some(64));
    assert_eq!(hashes[0], hashes[1]);
}

/// ML records are written by jobs only: data shaped like one is refused on create and
/// replace, and a client artifact can never pass for a model.
#[tokio::test(flavor = "multi_thread")]
async fn clients_cannot_forge_ml_records() {
    let app = crate::support::app::spawn_app().await;
    let config_id = app.config(json!({})).await;
    let forged = json!({
        "chapwasm_ml": "trained_model", "status": "success", "error": null, "generation": "spec",
        "config_id": config_id, "model_artifact_id": null, "model_type": "linear-regression@0.1.0",
        "component_sha256": "0".repeat(64), "config_sha256": "forged", "data_sha256": "forged",
        "started_at": "2026-01-01T00:00:00Z", "completed_at": "2026-01-01T00:00:01Z", "duration_seconds": 1.0,
        "stdout": "", "stderr": "", "log": ""
    });
    let created = app.post("/api/v1/artifacts", &json!({"data": forged})).await;
    assert_eq!(created.status(), 400, "{}", created.text().await.unwrap());
    let user: Value = app.post("/api/v1/artifacts", &json!({"data": {"note": "mine"}})).await.json().await.unwrap();
    let url = format!("{}/api/v1/artifacts/{}", app.base, user["id"].as_str().unwrap());
    let replaced = app.client.put(url).json(&json!({"data": forged})).send().await.unwrap();
    assert_eq!(replaced.status(), 400);
    let problem: Value = replaced.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("written by jobs"), "{problem}");
}

/// Two re-parents racing each other (A under B, B under A) cannot both succeed and leave a
/// cycle: on PostgreSQL, and on a SQLite file with several connections.
#[tokio::test(flavor = "multi_thread")]
async fn racing_re_parents_never_form_a_cycle() {
    let database_url = match crate::support::app::fresh_postgres_database().await {
        Some(url) => url,
        None => {
            let file = std::env::temp_dir().join(format!("chapwasm-race-{}.db", chapwasm_service::clock::new_id()));
            file.to_str().unwrap().to_owned()
        }
    };
    let settings = chapwasm_server::settings::AppSettings { database_url, ..Default::default() };
    let app = crate::support::app::spawn_app_with(settings).await;
    let create = || async { app.post("/api/v1/artifacts", &json!({"data": 1})).await.json::<Value>().await.unwrap() };
    let (a, b) = (create().await["id"].clone(), create().await["id"].clone());
    let put = |id: &Value, body: Value| {
        let url = format!("{}/api/v1/artifacts/{}", app.base, id.as_str().unwrap());
        app.client.put(url).json(&body).send()
    };
    for round in 0..40 {
        let (first, second) =
            tokio::join!(put(&a, json!({"data": 1, "parent_id": b})), put(&b, json!({"data": 1, "parent_id": a})));
        let mut statuses = [first.unwrap().status().as_u16(), second.unwrap().status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 400], "round {round}: one re-parent succeeds, the other is refused as a cycle");
        for id in [&a, &b] {
            assert_eq!(put(id, json!({"data": 1})).await.unwrap().status(), 200);
        }
    }
}
