//! Forgetting what is no longer needed: finished jobs (their stored inputs and idempotency
//! keys with them) and prediction artifacts older than a cutoff. Every
//! statement is idempotent, so any number of replicas may sweep the same database.
//! Trained models are never swept: they stay while anything may predict with them.

use super::{Store, StoreError};
use sqlx::Connection;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub jobs: u64,
    pub predictions: u64,
    pub idempotency_keys: u64,
}

impl Store {
    /// Deletes jobs that ended before `jobs_before` (a job time), with their keys, and
    /// prediction artifacts created before `predictions_before` (an entity time).
    pub async fn sweep(
        &self,
        jobs_before: Option<&str>,
        predictions_before: Option<&str>,
    ) -> Result<Swept, StoreError> {
        let mut swept = Swept::default();
        if let Some(cutoff) = jobs_before {
            // A job and its key go together: a retry never finds a key whose job is gone.
            let finished = "status IN ('completed', 'failed', 'canceled') AND finished_at < $1";
            let mut writer = self.writer.acquire().await?;
            let mut tx = writer.begin().await?;
            let keys = format!("DELETE FROM idempotency_keys WHERE job_id IN (SELECT id FROM jobs WHERE {finished})");
            let deleted = sqlx::query(sqlx::AssertSqlSafe(keys)).bind(cutoff).execute(&mut *tx).await?;
            swept.idempotency_keys = deleted.rows_affected();
            let jobs = format!("DELETE FROM jobs WHERE {finished}");
            swept.jobs = sqlx::query(sqlx::AssertSqlSafe(jobs)).bind(cutoff).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
        }
        if let Some(cutoff) = predictions_before {
            // Predictions are what jobs write one level below a model.
            let deleted =
                sqlx::query("DELETE FROM artifacts WHERE written_by_job = 1 AND level = 1 AND created_at < $1")
                    .bind(cutoff)
                    .execute(&mut *self.writer.acquire().await?)
                    .await?;
            swept.predictions = deleted.rows_affected();
        }
        Ok(swept)
    }
}
