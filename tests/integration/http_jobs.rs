//! Jobs: SSE pushed in order and closed at the end, deletion, many pairs at once, and a
//! restart of a file-database server with finished, pending and interrupted jobs.

use crate::support::app::{TestApp, spawn_app, spawn_app_with};
use chapwasm_server::settings::AppSettings;
use chapwasm_service::clock::{job_time, new_id};
use chapwasm_service::{AcceptedJob, Generation, JobEvent, JobRequest, Pinned};
use chapwasm_store::{JobRow, JobStatus, Store};
use serde_json::{Value, json};

fn frame() -> Value {
    json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4], [3, 6]]})
}

async fn train(app: &TestApp, config_id: &str) -> Value {
    let response = app.post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": frame()})).await;
    assert_eq!(response.status(), 202);
    response.json().await.unwrap()
}

/// The `data:` payloads of an SSE body.
fn events(body: &str) -> Vec<Value> {
    body.lines().filter_map(|l| l.strip_prefix("data: ")).map(|d| serde_json::from_str(d).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sse_pushes_every_state_in_order_and_closes_after_the_terminal_one() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let submitted = train(&app, &config_id).await;
    let job_id = submitted["job_id"].as_str().unwrap();
    let response = app.get(&format!("/api/v1/jobs/{job_id}/$stream")).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let events = events(&response.text().await.unwrap()); // returns only because the stream closed
    let statuses: Vec<&str> = events.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.last(), Some(&"completed"), "{statuses:?}");
    let rank = |s: &str| ["pending", "running", "completed"].iter().position(|x| *x == s).unwrap();
    assert!(statuses.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "out of order: {statuses:?}");
    assert_eq!(events.last().unwrap()["artifact_id"], submitted["artifact_id"]);

    // A finished job: exactly one event.
    let again = app.get(&format!("/api/v1/jobs/{job_id}/%24stream")).await.text().await.unwrap();
    assert_eq!(events_len(&again), 1);
}

fn events_len(body: &str) -> usize {
    events(body).len()
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_job_forgets_it_and_keeps_its_artifact() {
    let app = spawn_app().await;
    let config_id = app.config(json!({})).await;
    let submitted = train(&app, &config_id).await;
    let job_id = submitted["job_id"].as_str().unwrap();
    app.wait_for_job(job_id).await;
    let deleted = app.client.delete(format!("{}/api/v1/jobs/{job_id}", app.base)).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&format!("/api/v1/jobs/{job_id}")).await.status(), 404);
    let model = app.get(&format!("/api/v1/artifacts/{}", submitted["artifact_id"].as_str().unwrap())).await;
    assert_eq!(model.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_train_predict_pairs_all_complete() {
    let app = std::sync::Arc::new(spawn_app().await);
    let config_id = app.config(json!({})).await;
    let pairs = (0..20).map(|i| {
        let (app, config_id) = (app.clone(), config_id.clone());
        tokio::spawn(async move {
            let submitted = train(&app, &config_id).await;
            assert_eq!(app.wait_for_job(submitted["job_id"].as_str().unwrap()).await["status"], "completed");
            let future = json!({"columns": ["a"], "data": [[i]]});
            let body = json!({"model_artifact_id": submitted["artifact_id"], "historic": future, "future": future});
            let predict: Value = app.post("/api/v1/ml/$predict", &body).await.json().await.unwrap();
            assert_eq!(app.wait_for_job(predict["job_id"].as_str().unwrap()).await["status"], "completed");
            let artifact =
                app.get_json(&format!("/api/v1/artifacts/{}", predict["artifact_id"].as_str().unwrap())).await;
            let sample = artifact["data"]["predictions"]["data"][0][1].as_f64().unwrap();
            assert!((sample - 2.0 * i as f64).abs() < 1e-9, "pair {i}: {sample}");
        })
    });
    for pair in pairs.collect::<Vec<_>>() {
        pair.await.unwrap();
    }
    let completed = app.get_json("/api/v1/jobs?status_filter=completed").await;
    assert_eq!(completed.as_array().unwrap().len(), 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_file_database_server_loses_nothing_and_leaves_nothing_stuck() {
    let dir = std::env::temp_dir().join(format!("chapwasm-restart-{}", new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = dir.join("ml.db").display().to_string();
    let settings = || AppSettings { database_url: url.clone(), max_concurrency: 1, ..AppSettings::default() };

    // First life: a completed training.
    let app = spawn_app_with(settings()).await;
    let config_id = app.config(json!({})).await;
    let finished = train(&app, &config_id).await;
    app.wait_for_job(finished["job_id"].as_str().unwrap()).await;

    // What a crash leaves behind: one job claimed mid-run, one accepted but not started.
    let store = Store::connect(&url).await.unwrap();
    let data = chapwasm_frames::json::parse_frame(&frame(), "data", true).unwrap();
    let request = JobRequest::Train {
        config_id: config_id.clone(),
        data,
        geo: None,
        generation: Generation::Spec,
        prediction_periods: None,
    };
    let component_sha256 = chapwasm_runtime::sha256_hex(chapwasm_server::bundled::LINEAR_REGRESSION);
    // What a job accepted before jobs were pinned holds: the request alone.
    let legacy_inputs = postcard::to_allocvec(&request).unwrap();
    let pinned = Pinned { config_data: "{}".into(), component_sha256 };
    let accepted = AcceptedJob { request, pinned, data_sha256: None };
    let job = |status| JobRow {
        id: new_id(),
        kind: "train".into(),
        status,
        inputs: Some(accepted.encode()),
        artifact_id: new_id(),
        submitted_at: job_time(),
        started_at: None,
        finished_at: None,
        error: None,
        error_traceback: None,
        attempt: 0,
    };
    let (interrupted, pending) = (job(JobStatus::Running), job(JobStatus::Pending));
    let exhausted = job(JobStatus::Running);
    let legacy = JobRow { inputs: Some(legacy_inputs), ..job(JobStatus::Pending) };
    for row in [&interrupted, &pending, &exhausted, &legacy] {
        store.insert_job(row, None, None).await.unwrap();
    }
    // One was already tried as often as a job may be.
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{url}")).await.unwrap();
    sqlx::query("UPDATE jobs SET attempt = 3 WHERE id = ?").bind(&exhausted.id).execute(&mut db).await.unwrap();

    // Second life on the same file. (The first server's scheduler sleeps until its own
    // submissions wake it, so it does not touch the rows written behind its back.)
    let app = spawn_app_with(settings()).await;
    let old = app.get_json(&format!("/api/v1/jobs/{}", finished["job_id"].as_str().unwrap())).await;
    assert_eq!(old["status"], "completed");
    assert_eq!(
        app.get(&format!("/api/v1/artifacts/{}", finished["artifact_id"].as_str().unwrap())).await.status(),
        200
    );
    // A guest call can simply run again: the interrupted job is re-queued and completes.
    let crashed = app.wait_for_job(&interrupted.id).await;
    assert_eq!(crashed["status"], "completed", "{crashed}");
    let given_up = app.wait_for_job(&exhausted.id).await;
    assert_eq!(given_up["status"], "failed");
    assert!(given_up["error"].as_str().unwrap().contains("on every attempt"), "{given_up}");
    let upgraded = app.wait_for_job(&legacy.id).await;
    assert_eq!(upgraded["status"], "completed", "a job accepted before pinning still runs: {upgraded}");
    let resumed = app.wait_for_job(&pending.id).await;
    assert_eq!(resumed["status"], "completed", "{resumed}");
    assert_eq!(app.get_json("/api/v1/jobs?status_filter=running").await, json!([]));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_running_job_interrupts_the_guest_and_frees_its_slot() {
    let component = std::fs::read(chapwasm_server::bundled::plugin_path("endless-loop")).unwrap();
    let settings = AppSettings { max_concurrency: 1, component: Some(component), ..AppSettings::default() };
    let app = spawn_app_with(settings).await;
    let config_id = app.config(json!({})).await;
    for round in 0..2 {
        // With one slot, the second round can only run if the first guest really stopped.
        let submitted = train(&app, &config_id).await;
        let job_id = submitted["job_id"].as_str().unwrap();
        let mut status = Value::Null;
        for _ in 0..250 {
            status = app.get_json(&format!("/api/v1/jobs/{job_id}")).await["status"].clone();
            if status == "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(status, "running", "round {round}");
        let deleted = app.client.delete(format!("{}/api/v1/jobs/{job_id}", app.base)).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert_eq!(app.get(&format!("/api/v1/jobs/{job_id}")).await.status(), 404);
        let artifact = app.get(&format!("/api/v1/artifacts/{}", submitted["artifact_id"].as_str().unwrap())).await;
        assert_eq!(artifact.status(), 404, "a canceled job writes nothing");
    }
    assert_eq!(app.get(&format!("/api/v1/configs/{config_id}")).await.status(), 200, "data intact");
}

#[tokio::test(flavor = "multi_thread")]
async fn sse_reports_a_deleted_job_and_closes() {
    let component = std::fs::read(chapwasm_server::bundled::plugin_path("endless-loop")).unwrap();
    let app = spawn_app_with(AppSettings { component: Some(component), ..AppSettings::default() }).await;
    let config_id = app.config(json!({})).await;
    let submitted = train(&app, &config_id).await;
    let job_id = submitted["job_id"].as_str().unwrap().to_owned();
    let stream = app.get(&format!("/api/v1/jobs/{job_id}/$stream")).await;
    let deleter = {
        let (client, url) = (app.client.clone(), format!("{}/api/v1/jobs/{job_id}", app.base));
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            client.delete(url).send().await.unwrap().status()
        })
    };
    let events = events(&stream.text().await.unwrap());
    assert_eq!(deleter.await.unwrap(), 204);
    assert_eq!(events.last().unwrap(), &json!({"status": "deleted"}), "{events:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forced_wire_generation_overrides_the_requests() {
    let settings =
        AppSettings { wire_generation: Some(chapwasm_service::Generation::Chapkit), ..AppSettings::default() };
    let app = spawn_app_with(settings).await;
    let config_id = app.config(json!({})).await;
    let submitted = train(&app, &config_id).await; // a spec-style request
    app.wait_for_job(submitted["job_id"].as_str().unwrap()).await;
    let model = app.get_json(&format!("/api/v1/artifacts/{}", submitted["artifact_id"].as_str().unwrap())).await;
    assert_eq!(model["data"]["type"], "ml_training_workspace");
    assert!(model["data"].get("ml_type").is_none());
}

/// What was accepted runs: a config edited after the 202 (here to make the model fail),
/// or deleted, changes nothing for the jobs already accepted with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_job_runs_the_config_it_was_accepted_with() {
    let mischief = crate::support::app::plugin_bytes("mischief");
    let app =
        spawn_app_with(AppSettings { max_concurrency: 1, component: Some(mischief), ..AppSettings::default() }).await;
    let data = json!({"columns": ["a"], "data": [[1.0], [2.0]]});
    let blocker = app.submit_train(&app.config(json!({"act": "busy", "millis": 1500})).await, &data).await;
    app.wait_for_status(&blocker, &["running"], std::time::Duration::from_secs(10)).await;
    let (edited, deleted) = (app.config(json!({})).await, app.config(json!({})).await);
    let (first, second) = (app.submit_train(&edited, &data).await, app.submit_train(&deleted, &data).await);
    let url = format!("{}/api/v1/configs/{edited}", app.base);
    let put = app.client.put(url).json(&json!({"name": "edited", "data": {"act": "huge-error"}})).send().await;
    assert_eq!(put.unwrap().status(), 200);
    assert_eq!(app.delete(&format!("/api/v1/configs/{deleted}")).await.status(), 204);
    for job_id in [first, second] {
        let job = app.wait_for_job_within(&job_id, std::time::Duration::from_secs(20)).await;
        assert_eq!(job["status"], "completed", "{job}");
    }
}

/// With a slot free and nothing waiting, a job with large inputs starts at the door: it is
/// running when its 202 arrives, and was never `pending`. With every slot busy, jobs queue
/// and start in the order they came.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_job_starts_at_once_when_a_slot_is_free_and_jobs_queue_in_order_when_none_is() {
    let mischief = std::fs::read(chapwasm_server::bundled::plugin_path("mischief")).unwrap();
    let app =
        spawn_app_with(AppSettings { component: Some(mischief), max_concurrency: 1, ..AppSettings::default() }).await;
    let mut events = app.service.as_ref().unwrap().events().subscribe();
    // 192 KB of columns: above what the service counts as large (160 KB).
    let rows: Vec<[i64; 2]> = (0..12_000).map(|i| [i, 2 * i]).collect();
    let large = json!({"columns": ["a", "disease_cases"], "data": rows});
    let submit = |millis: u64| {
        let (app, large) = (&app, &large);
        async move {
            let config_id = app.config(json!({"act": "busy", "millis": millis})).await;
            let response = app.post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": large})).await;
            assert_eq!(response.status(), 202);
            let job_id = response.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
            let status = app.get_json(&format!("/api/v1/jobs/{job_id}")).await["status"].clone();
            (job_id, status)
        }
    };
    let (first, status) = submit(1_000).await;
    assert_eq!(status, "running", "started at the door");
    let (second, status) = submit(10).await;
    assert_eq!(status, "pending", "the one slot is busy");
    let (third, status) = submit(10).await;
    assert_eq!(status, "pending", "a job waits");
    let mut started = Vec::new();
    for job_id in [&first, &second, &third] {
        let job = app.wait_for_job_within(job_id, std::time::Duration::from_secs(20)).await;
        assert_eq!(job["status"], "completed", "{job}");
        started.push(job["started_at"].as_str().unwrap().to_owned());
    }
    assert!(started.windows(2).all(|w| w[0] < w[1]), "started in the order submitted: {started:?}");
    // Every state each job was published in, in order.
    let mut seen: std::collections::HashMap<String, Vec<JobStatus>> = Default::default();
    while let Ok(event) = events.try_recv() {
        if let JobEvent::Changed { job_id, job: Some(job) } = event {
            seen.entry(job_id).or_default().push(job.status);
        }
    }
    let (running, pending, completed) = (JobStatus::Running, JobStatus::Pending, JobStatus::Completed);
    assert_eq!(seen[&first], [running, completed], "never pending");
    assert_eq!(seen[&second], [pending, running, completed]);
}

/// `Idempotency-Key`: a retried `$train` gets the first job back (one job in all), the
/// same key with another body is refused, and requests without a key stay independent.
#[tokio::test(flavor = "multi_thread")]
async fn a_retried_submission_with_an_idempotency_key_returns_the_first_job() {
    let app = spawn_app_with(AppSettings::default()).await;
    let config_id = app.config(json!({})).await;
    // Large enough to start at the door (over 160 KB of columns), where the retry's run
    // starts before its insert finds the key taken.
    let rows: Vec<[i64; 2]> = (0..12_000).map(|i| [i, 2 * i]).collect();
    let body = json!({"config_id": config_id, "data": {"columns": ["a", "disease_cases"], "data": rows}});
    let url = format!("{}/api/v1/ml/$train", app.base);
    let send = |body: Value, key: &'static str| app.client.post(&url).header("Idempotency-Key", key).json(&body).send();
    let (first, retry) = tokio::join!(send(body.clone(), "retry-1"), send(body.clone(), "retry-1"));
    let (first, retry) = (first.unwrap(), retry.unwrap());
    assert_eq!((first.status(), retry.status()), (202.try_into().unwrap(), 202.try_into().unwrap()));
    let replays: Vec<&str> =
        [&first, &retry].iter().map(|r| r.headers()["idempotent-replayed"].to_str().unwrap()).collect();
    assert!(replays.contains(&"true") && replays.contains(&"false"), "{replays:?}");
    let (first, retry): (Value, Value) = (first.json().await.unwrap(), retry.json().await.unwrap());
    assert_eq!(first["job_id"], retry["job_id"]);
    assert_eq!(first["artifact_id"], retry["artifact_id"]);
    assert_eq!(app.get_json("/api/v1/jobs").await.as_array().unwrap().len(), 1);
    // Both may have started at the door: the replayed one's run was stopped, unwritten.
    let job = app.wait_for_job_within(first["job_id"].as_str().unwrap(), std::time::Duration::from_secs(20)).await;
    assert_eq!(job["status"], "completed", "{job}");
    let artifacts = app.get_json("/api/v1/artifacts").await;
    let ids: Vec<&Value> = artifacts.as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&first["artifact_id"]], "one artifact, the first job's");

    let other = json!({"config_id": config_id, "data": {"columns": ["x", "disease_cases"], "data": [[9.0, 1.0]]}});
    let conflict = send(other, "retry-1").await.unwrap();
    assert_eq!(conflict.status(), 422);
    let fresh = app.post("/api/v1/ml/$train", &body).await;
    assert_eq!(fresh.status(), 202);
    assert_eq!(app.get_json("/api/v1/jobs").await.as_array().unwrap().len(), 2);
}

/// A small `$train` or `$predict` sends its first read before its frames are parsed
/// (`EarlyRead`): many of them at once, keyed (so each reads its key too), each get their
/// own job, and each training job runs the config its own request named.
#[tokio::test(flavor = "multi_thread")]
async fn many_small_keyed_submissions_at_once_each_get_their_own_job() {
    let app = spawn_app().await;
    let configs = [app.config(json!({"n": 1})).await, app.config(json!({"n": 2})).await];
    let (trained, _) = app.train_and_wait(&configs[0], &frame()).await;
    let send = |route: &str, body: Value, key: String| {
        let url = format!("{}/api/v1/ml/{route}", app.base);
        app.client.post(url).header("Idempotency-Key", key).json(&body).send()
    };
    let trains = (0..24).map(|i| {
        let body = json!({"config_id": configs[i % 2], "data": frame()});
        send("$train", body, format!("train-{i}"))
    });
    let predicts = (0..24).map(|i| {
        let body = json!({"artifact_id": trained["artifact_id"], "historic": frame(), "future": frame()});
        send("$predict", body, format!("predict-{i}"))
    });
    let answers = futures_util::future::join_all(trains.chain(predicts)).await;
    let mut jobs = std::collections::HashSet::new();
    let mut models = Vec::new();
    for (i, answer) in answers.into_iter().enumerate() {
        let answer = answer.expect("answered");
        assert_eq!(answer.status(), 202);
        let accepted: Value = answer.json().await.unwrap();
        assert!(jobs.insert(accepted["job_id"].as_str().unwrap().to_owned()), "a job of its own: {accepted}");
        if i < 24 {
            models.push(accepted);
        }
    }
    assert_eq!(app.get_json("/api/v1/jobs").await.as_array().unwrap().len(), 49);
    // Each training job ran the config its request named: one config hash per config.
    let mut ran: [std::collections::HashSet<Value>; 2] = Default::default();
    for (i, accepted) in models.iter().enumerate() {
        let job = app.wait_for_job(accepted["job_id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "completed", "{job}");
        let id = accepted["artifact_id"].as_str().unwrap();
        let metadata = app.get_json(&format!("/api/v1/artifacts/{id}/$metadata")).await;
        assert_eq!(metadata["config_id"], configs[i % 2].as_str(), "{metadata}");
        ran[i % 2].insert(metadata["config_sha256"].clone());
    }
    assert_eq!((ran[0].len(), ran[1].len()), (1, 1), "{ran:?}");
    assert!(ran[0].is_disjoint(&ran[1]), "{ran:?}");
}

/// An `Idempotency-Key` names one request to one route: the same key and bytes sent to
/// `$predict` after `$train` are refused, not answered with the training job.
#[tokio::test(flavor = "multi_thread")]
async fn an_idempotency_key_is_not_replayed_across_routes() {
    let app = spawn_app_with(AppSettings::default()).await;
    let config_id = app.config(json!({})).await;
    let (trained, _) = app.train_and_wait(&config_id, &frame()).await;
    let body = json!({
        "config_id": config_id,
        "artifact_id": trained["artifact_id"],
        "data": frame(),
        "historic": frame(),
        "future": frame(),
    });
    let send = |route: &str| {
        let url = format!("{}/api/v1/ml/{route}", app.base);
        app.client.post(url).header("Idempotency-Key", "one-request").json(&body).send()
    };
    let train = send("$train").await.unwrap();
    assert_eq!(train.status(), 202);
    let predict = send("$predict").await.unwrap();
    assert_eq!(predict.status(), 422, "{:?}", predict.text().await);
}
