//! How large values are stored on PostgreSQL (ignored unless asked for with `--ignored`,
//! with `CHAPWASM_TEST_POSTGRES_URL` set, as `.ci/run` does).

use crate::support::app::{fresh_postgres_database, spawn_app_with};
use chapwasm_server::settings::AppSettings;
use serde_json::json;
use sqlx::{Connection, Row};

/// pglz, PostgreSQL's default, spent most of its CPU on 100k-row jobs (see the store's
/// `compression.rs`): the store's connections ask for lz4, and a prediction is stored
/// with it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: CHAPWASM_TEST_POSTGRES_URL=… cargo test --test integration -- --ignored (.ci/run does)"]
async fn large_values_are_compressed_with_lz4() {
    let url = fresh_postgres_database().await.expect("set CHAPWASM_TEST_POSTGRES_URL to a PostgreSQL server");
    let app = spawn_app_with(AppSettings { database_url: url.clone(), ..AppSettings::default() }).await;
    let config_id = app.config(json!({})).await;
    let rows: Vec<_> = (0..500).map(|i| json!([i, 2 * i + 1])).collect();
    let frame = json!({"columns": ["a", "disease_cases"], "data": rows});
    let (train, _) = app.train_and_wait(&config_id, &frame).await;
    let (predict, job) = app.predict_and_wait(&train["artifact_id"], &frame, &frame).await;
    assert_eq!(job["status"], "completed", "{job}");

    let mut database = sqlx::PgConnection::connect(&url).await.unwrap();
    let stored: Option<String> =
        sqlx::query("SELECT pg_column_compression(content) AS method FROM artifact_content WHERE artifact_id = $1")
            .bind(predict["artifact_id"].as_str().unwrap())
            .fetch_one(&mut database)
            .await
            .unwrap()
            .get("method");
    assert_eq!(stored.as_deref(), Some("lz4"), "the prediction's content");
}
