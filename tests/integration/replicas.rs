//! Several replicas on one PostgreSQL database (ignored unless asked for with
//! `--ignored`, with `CHAPWASM_TEST_POSTGRES_URL` set, as `.ci/run` does): events reach SSE clients on every replica, and
//! no job is lost or written twice when a replica is killed (`kill -9`) or stopped
//! (SIGTERM) in the middle of a run.

use crate::support::app::{TestApp, fresh_postgres_database, spawn_app_with};
use crate::support::server::ServerProcess;
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};
use sqlx::{Connection, Row};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A fresh database on the configured PostgreSQL server (these tests are `#[ignore]`d, so
/// they run only when asked for: `.ci/run` does, with the server configured).
async fn postgres() -> String {
    fresh_postgres_database()
        .await
        .expect("set CHAPWASM_TEST_POSTGRES_URL to a PostgreSQL server to run the replica tests")
}

/// A job submitted to one replica, run by another, streamed from the first: its state
/// changes cross replicas by LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: CHAPWASM_TEST_POSTGRES_URL=… cargo test --test integration -- --ignored (.ci/run does)"]
async fn sse_clients_follow_jobs_run_by_another_replica() {
    let url = postgres().await;
    let settings = || AppSettings { database_url: url.clone(), max_concurrency: 2, ..AppSettings::default() };
    let runner = spawn_app_with(settings()).await;
    let watcher = spawn_app_with(settings()).await;
    watcher.service.as_ref().unwrap().drain(Duration::ZERO).await; // the watcher claims nothing
    let config_id = watcher.config(json!({})).await;
    let frame = json!({"columns": ["x", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.1], [3.0, 6.0]]});
    let submitted: Value =
        watcher.post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": frame})).await.json().await.unwrap();
    let job_id = submitted["job_id"].as_str().unwrap();
    let path = format!("/api/v1/jobs/{job_id}/$stream");
    let body = tokio::time::timeout(Duration::from_secs(20), async { watcher.get(&path).await.text().await.unwrap() })
        .await
        .expect("the stream ends when the job does");
    let last = body.trim_end().lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with("data: ") && last.contains(r#""status":"completed""#), "{body}");
    assert_eq!(runner.get_json(&format!("/api/v1/jobs/{job_id}")).await["status"], "completed");
}

/// A DELETE on one replica stops the guest on the replica running it at once (even asleep
/// in a host call): with one slot there, the next job runs and completes promptly.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: CHAPWASM_TEST_POSTGRES_URL=… cargo test --test integration -- --ignored (.ci/run does)"]
async fn a_delete_on_one_replica_stops_the_guest_on_another() {
    let url = postgres().await;
    let mischief = crate::support::app::plugin_bytes("mischief");
    let settings = || AppSettings {
        database_url: url.clone(),
        max_concurrency: 1,
        component: Some(mischief.clone()),
        ..AppSettings::default()
    };
    let runner = spawn_app_with(settings()).await;
    let watcher = spawn_app_with(settings()).await;
    watcher.service.as_ref().unwrap().drain(Duration::ZERO).await; // the watcher claims nothing
    let frame = json!({"columns": ["a"], "data": [[1.0], [2.0]]});
    let sleeper = watcher.submit_train(&watcher.config(json!({"act": "sleep"})).await, &frame).await;
    watcher.wait_for_status(&sleeper, &["running"], Duration::from_secs(10)).await;
    assert!(watcher.delete(&format!("/api/v1/jobs/{sleeper}")).await.status().is_success());
    let good = watcher.submit_train(&watcher.config(json!({})).await, &frame).await;
    let job = watcher.wait_for_job_within(&good, Duration::from_secs(3)).await;
    assert_eq!(job["status"], "completed", "{job}");
    drop(runner);
}

/// Every replica's LISTEN connection is dropped while a job runs, and cannot come back
/// until the job has ended (the database refuses new connections meanwhile), so its
/// terminal notification is lost: an SSE stream on a replica that runs nothing still ends
/// with the job's terminal state.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: CHAPWASM_TEST_POSTGRES_URL=… cargo test --test integration -- --ignored (.ci/run does)"]
async fn sse_streams_end_after_a_dropped_listen_connection() {
    let url = postgres().await;
    let mischief = crate::support::app::plugin_bytes("mischief");
    let settings =
        || AppSettings { database_url: url.clone(), component: Some(mischief.clone()), ..AppSettings::default() };
    let _runner = spawn_app_with(settings()).await;
    let watcher = spawn_app_with(settings()).await;
    watcher.service.as_ref().unwrap().drain(Duration::ZERO).await;
    let frame = json!({"columns": ["a"], "data": [[1.0]]});
    let job_id = watcher.submit_train(&watcher.config(json!({"act": "busy", "millis": 1500})).await, &frame).await;
    let stream = {
        let (client, url) = (watcher.client.clone(), format!("{}/api/v1/jobs/{job_id}/$stream", watcher.base));
        tokio::spawn(async move { client.get(url).send().await.unwrap().text().await.unwrap() })
    };
    watcher.wait_for_status(&job_id, &["running"], Duration::from_secs(10)).await;
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    // A database cannot close itself to new connections: that is done from the server's own.
    let mut server = sqlx::PgConnection::connect(&crate::support::app::postgres_url().unwrap()).await.unwrap();
    let database: String = sqlx::query("SELECT current_database() AS d").fetch_one(&mut db).await.unwrap().get("d");
    let allow = |yes: bool| sqlx::AssertSqlSafe(format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {yes}"));
    sqlx::query(allow(false)).execute(&mut server).await.unwrap();
    let dropped: i64 = sqlx::query(
        "SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get("n");
    assert!(dropped > 0, "the replicas listen");
    let status = "SELECT status FROM jobs WHERE id = $1";
    while sqlx::query(status).bind(&job_id).fetch_one(&mut db).await.unwrap().get::<String, _>("status") != "completed"
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sqlx::query(allow(true)).execute(&mut server).await.unwrap();
    let body = tokio::time::timeout(Duration::from_secs(20), stream).await.expect("the stream ends").unwrap();
    let last = body.trim_end().lines().last().unwrap_or_default().to_owned();
    assert!(last.contains(r#""status":"completed""#), "{body}");
}

/// A `chapwasm serve` process on the shared database.
fn replica(database_url: &str, grace: &str) -> ServerProcess {
    ServerProcess::start(&[
        "--database-url",
        database_url,
        "--max-concurrency",
        "2",
        "--lease-secs",
        "1",
        "--shutdown-grace-secs",
        grace,
    ])
}

#[derive(Clone, Copy, PartialEq)]
enum Stop {
    Kill,
    Terminate,
}

/// Statuses of every job, as one replica lists them.
async fn statuses(client: &TestApp) -> HashMap<String, String> {
    let jobs = client.get_json("/api/v1/jobs").await;
    let jobs = jobs.as_array().unwrap();
    jobs.iter().map(|j| (j["id"].as_str().unwrap().to_owned(), j["status"].as_str().unwrap().to_owned())).collect()
}

fn count(statuses: &HashMap<String, String>, status: &str) -> usize {
    statuses.values().filter(|s| *s == status).count()
}

/// Three replicas, 200 jobs through all of them, one replica stopped mid-run: every job
/// ends, completed jobs have exactly one artifact, nothing is stuck or written twice.
async fn no_job_is_lost_when_a_replica_stops(stop: Stop) {
    let url = postgres().await;
    let grace = if stop == Stop::Terminate { "0.02" } else { "5" };
    let mut replicas: Vec<ServerProcess> = (0..3).map(|_| replica(&url, grace)).collect();
    let clients: Vec<TestApp> = replicas.iter().map(ServerProcess::client).collect();
    let component = clients[0].upload_plugin("mischief", "").await;
    let config_id = clients[0].config_of(&component, json!({"act": "busy", "millis": 40})).await;
    let frame = json!({"columns": ["x"], "data": [[1.0], [2.0]]});
    let mut models = Vec::new();
    for client in &clients {
        let (train, job) = client.train_and_wait(&config_id, &frame).await;
        assert_eq!(job["status"], "completed", "{job}");
        models.push(train["artifact_id"].clone());
    }

    let mut submitted: HashMap<String, String> = HashMap::new();
    for n in 0..200 {
        let client = &clients[n % 3];
        let response = if n % 5 < 3 {
            client.post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": frame})).await
        } else {
            let body = json!({"artifact_id": models[n % 3], "historic": frame, "future": frame});
            client.post("/api/v1/ml/$predict", &body).await
        };
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        submitted.insert(body["job_id"].as_str().unwrap().to_owned(), body["artifact_id"].as_str().unwrap().to_owned());
    }

    // Stop replica 0 once the run is well under way.
    let started = Instant::now();
    while count(&statuses(&clients[1]).await, "completed") < 40 {
        assert!(started.elapsed() < Duration::from_secs(60), "jobs are not completing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let victim = &mut replicas[0];
    match stop {
        Stop::Kill => victim.child.kill().unwrap(),
        Stop::Terminate => {
            victim.terminate();
        }
    }
    let exit = victim.child.wait().unwrap();
    if stop == Stop::Terminate {
        assert!(exit.success(), "a replica drains and exits cleanly on SIGTERM: {exit:?}");
    }

    // The survivors take over whatever the stopped replica held.
    let survivor = &clients[1];
    let finished = loop {
        let now = statuses(survivor).await;
        if count(&now, "pending") + count(&now, "running") == 0 {
            break now;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "jobs stuck: {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let not_completed: Vec<_> = submitted.keys().filter(|id| finished[*id] != "completed").collect();
    assert!(not_completed.is_empty(), "jobs that did not complete: {not_completed:?}");
    for artifact_id in submitted.values() {
        assert_eq!(survivor.get(&format!("/api/v1/artifacts/{artifact_id}")).await.status(), 200);
    }
    let artifacts = survivor.get_json("/api/v1/artifacts").await.as_array().unwrap().len();
    assert_eq!(artifacts, submitted.len() + models.len(), "exactly one artifact per completed job");

    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) FILTER (WHERE attempt > 1) AS requeued, \
         (SELECT COUNT(*) FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.artifact_id = a.id)) AS stray, \
         (SELECT COUNT(*) - COUNT(DISTINCT artifact_id) FROM jobs) AS duplicated \
         FROM jobs",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    let (requeued, stray, duplicated): (i64, i64, i64) = (row.get("requeued"), row.get("stray"), row.get("duplicated"));
    eprintln!(
        "replica crash test ({}): submitted {}, completed {}, re-queued {requeued}, stray artifacts {stray}, \
         duplicated artifact ids {duplicated}, {:.1} s",
        if stop == Stop::Kill { "kill -9" } else { "SIGTERM" },
        submitted.len(),
        submitted.len() - not_completed.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!((stray, duplicated), (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: CHAPWASM_TEST_POSTGRES_URL=… cargo test --test integration -- --ignored (.ci/run does)"]
async fn no_job_is_lost_when_a_replica_is_killed() {
    no_job_is_lost_when_a_replica_stops(Stop::Kill).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: CHAPWASM_TEST_POSTGRES_URL=… cargo test --test integration -- --ignored (.ci/run does)"]
async fn no_job_is_lost_when_a_replica_is_terminated() {
    no_job_is_lost_when_a_replica_stops(Stop::Terminate).await;
}
