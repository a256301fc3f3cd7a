//! Idempotent submission: a job inserted together with its client's `Idempotency-Key`, in
//! one transaction, so a retry (even one racing the first request) finds the first job
//! instead of creating a second.

use super::{JobRow, Store, StoreError};
use sqlx::{Connection, Row};

/// The job an idempotency key already names, with the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedJob {
    pub job_id: String,
    pub artifact_id: String,
    pub request_sha256: String,
}

impl Store {
    /// The job an idempotency key names, if any.
    pub async fn keyed_job(&self, key: &str) -> Result<Option<KeyedJob>, StoreError> {
        let found = sqlx::query("SELECT job_id, artifact_id, request_sha256 FROM idempotency_keys WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?;
        Ok(found.map(keyed).transpose()?)
    }

    /// Inserts `job` under `key` unless the key already names a job; then returns that
    /// one and inserts nothing.
    pub async fn insert_job_once(
        &self,
        job: &JobRow,
        component_sha256: Option<&str>,
        key: &str,
        request_sha256: &str,
    ) -> Result<Option<KeyedJob>, StoreError> {
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (key, request_sha256, job_id, artifact_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(request_sha256)
        .bind(&job.id)
        .bind(&job.artifact_id)
        .bind(&job.submitted_at)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            drop(tx); // nothing of this request is written
            return self.keyed_job(key).await;
        }
        super::jobs::insert(&mut tx, self.backend, job, component_sha256).await?;
        tx.commit().await?;
        Ok(None)
    }
}

fn keyed(row: sqlx::any::AnyRow) -> Result<KeyedJob, sqlx::Error> {
    Ok(KeyedJob {
        job_id: row.try_get("job_id")?,
        artifact_id: row.try_get("artifact_id")?,
        request_sha256: row.try_get("request_sha256")?,
    })
}
