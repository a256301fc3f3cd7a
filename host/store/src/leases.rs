//! Job leases, so several replicas can share one job table without losing a job when one
//! dies: the claimer holds a lease it renews while the job runs; a job whose lease ran out
//! goes back to `pending` (or fails, after its attempts are used up); a replica shutting
//! down hands its jobs back. Every statement checks the attempt it was given, so a worker
//! that lost its job can no longer touch it.

use super::{Store, StoreError};
use sqlx::Row;
use std::time::Duration;

/// What one sweep for expired leases did: the ids put back in the queue and those failed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rescued {
    pub requeued: Vec<String>,
    pub failed: Vec<String>,
}

impl Store {
    /// Extends this run's lease to `lease` from now (the database's now); false if the run
    /// lost the job (deleted, or taken over).
    pub async fn renew_lease(&self, job_id: &str, attempt: i64, lease: Duration) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE jobs SET lease_expires_ms = {} + $1 WHERE id = $2 AND status = 'running' AND attempt = $3",
            self.backend.now_ms()
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(millis(lease))
            .bind(job_id)
            .bind(attempt)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Hands a running job back to the queue (graceful shutdown); false if it was not ours.
    pub async fn release_lease(&self, job_id: &str, attempt: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'pending', started_at = NULL, lease_owner = NULL, lease_expires_ms = NULL \
             WHERE id = $1 AND status = 'running' AND attempt = $2",
        )
        .bind(job_id)
        .bind(attempt)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Re-queues running jobs whose lease expired (by the database's clock), or fails
    /// those already tried `max_attempts` times (a job that kills every worker must not
    /// loop forever). `now` is only the time a failed job is stamped with.
    pub async fn rescue_expired(&self, now: &str, max_attempts: i64) -> Result<Rescued, StoreError> {
        let expired = format!("status = 'running' AND lease_expires_ms <= {}", self.backend.now_ms());
        let error = "the job was interrupted on every attempt (its workers stopped or lost their lease)";
        self.requeue_or_fail(&expired, now, max_attempts, error).await
    }

    /// Puts the jobs a stopped single server left running back in the queue (a guest call
    /// can simply run again), or fails those already tried `max_attempts` times.
    pub async fn requeue_interrupted_jobs(&self, now: &str, max_attempts: i64) -> Result<Rescued, StoreError> {
        let error = "the server stopped while this job was running, on every attempt";
        self.requeue_or_fail("status IN ('running', 'canceling')", now, max_attempts, error).await
    }

    /// Re-queues the jobs matching `which` (an SQL condition of ours) within their
    /// attempt budget, and fails the rest with `error`.
    async fn requeue_or_fail(
        &self,
        which: &str,
        now: &str,
        max_attempts: i64,
        error: &str,
    ) -> Result<Rescued, StoreError> {
        let requeued = format!(
            "UPDATE jobs SET status = 'pending', started_at = NULL, lease_owner = NULL, lease_until = NULL, \
             lease_expires_ms = NULL WHERE {which} AND attempt < $1 RETURNING id"
        );
        let requeued = sqlx::query(sqlx::AssertSqlSafe(requeued))
            .bind(max_attempts)
            .fetch_all(&mut *self.writer.acquire().await?)
            .await?;
        let failed = format!(
            "UPDATE jobs SET status = 'failed', finished_at = $1, lease_owner = NULL, lease_until = NULL, \
             lease_expires_ms = NULL, error = $2 WHERE {which} AND attempt >= $3 RETURNING id"
        );
        let failed = sqlx::query(sqlx::AssertSqlSafe(failed))
            .bind(now)
            .bind(error)
            .bind(max_attempts)
            .fetch_all(&mut *self.writer.acquire().await?)
            .await?;
        let ids = |rows: Vec<sqlx::any::AnyRow>| rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>();
        Ok(Rescued { requeued: ids(requeued)?, failed: ids(failed)? })
    }
}

/// A lease's length as the milliseconds the database adds to its clock.
pub(super) fn millis(lease: std::time::Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2)
}
