//! Idempotent submission: a job inserted together with its client's `Idempotency-Key`, in
//! one transaction, so a retry (even one racing the first request) finds the first job
//! instead of creating a second.

use super::job_insert::Claim;
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
            .fetch_optional(&mut *self.reader.acquire().await?)
            .await?;
        Ok(found.map(keyed).transpose()?)
    }

    /// Inserts `job` under `key` unless the key already names a job; then returns that
    /// one and inserts nothing.
    pub async fn insert_job_once(
        &self,
        job: &JobRow,
        component_sha256: Option<&str>,
        claim: Option<Claim<'_>>,
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
            // Nothing of this request is written; the writer is given back before the read
            // (on `:memory:` reads and writes share one connection).
            drop(tx);
            drop(writer);
            return self.keyed_job(key).await;
        }
        super::job_insert::insert(&mut tx, self.backend, job, component_sha256, claim).await?;
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

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::test_reads::pending_job;
    use std::time::Duration;

    /// A retry that finds its key taken reads the first job back; on `:memory:` (one
    /// connection for reads and writes) that read must not wait for the connection the
    /// refused insert still holds.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_key_already_taken_answers_with_the_first_job_on_a_single_connection() {
        let store = Store::connect(":memory:").await.unwrap();
        assert_eq!(
            store.insert_job_once(&pending_job("first", vec![1]), None, None, "key", "sha").await.unwrap(),
            None
        );
        let second = pending_job("second", vec![2]);
        let retry = store.insert_job_once(&second, None, None, "key", "sha");
        let first = tokio::time::timeout(Duration::from_secs(5), retry).await.expect("no wait for the held connection");
        assert_eq!(first.unwrap().expect("the first job").job_id, "first");
        assert!(store.get_job("second").await.unwrap().is_none(), "the retry created nothing");
    }
}
