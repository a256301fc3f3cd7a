//! Writing a new job: its row and its inputs (in parts, `input_parts`), pending or
//! already claimed. On a SQLite file the whole insert is one batch with its `BEGIN` and
//! `COMMIT`, one round trip to the writer's thread (`writer`); elsewhere, or for inputs
//! too large for one batch, a transaction of statements.

use super::input_parts;
use super::jobs::JobRow;
use super::leases::millis;
use super::url::{postgres_now_ms, sqlite_now_ms};
use super::{Backend, Store, StoreError};
use sqlx::Connection;

impl Store {
    /// Records a submitted job; once this returns, the job survives a crash.
    /// `component_sha256` is the component the job was pinned to (it is not deleted while
    /// the job may still run it). With a `claim`, the job is written already running under
    /// that lease (see [`Claim`]).
    pub async fn insert_job(
        &self,
        job: &JobRow,
        component_sha256: Option<&str>,
        claim: Option<Claim<'_>>,
    ) -> Result<(), StoreError> {
        // On a SQLite file the row and its inputs go in one round trip (see `writer`).
        if let Some(done) = self.writer.in_one_round_trip(|| single_batch(job, component_sha256, claim)).await {
            return Ok(done.map(drop)?);
        }
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        insert(&mut tx, self.backend, job, component_sha256, claim).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A job written already claimed: it starts at once in the process that accepted it,
/// under the same lease and fencing (`attempt`) as a job claimed from the queue. The row
/// must say `running`, with its start time and attempt 1.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The replica running the job.
    pub owner: &'a str,
    /// How long the lease holds without a renewal, from the database's clock.
    pub lease: std::time::Duration,
}

/// The statement that inserts a job row, for one backend's clock (the lease's expiry is
/// the database's now plus `$10` milliseconds, NULL for a job not claimed). `request` held
/// JSON inputs before migration 0005, and `inputs` the inputs before 0012 (they live in
/// `job_input_parts` now); new rows leave both empty.
macro_rules! insert_job {
    ($now_ms:expr) => {
        concat!(
            "INSERT INTO jobs (id, kind, status, request, artifact_id, submitted_at, component_sha256, \
             started_at, attempt, lease_owner, lease_expires_ms) \
             VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, $9, ",
            $now_ms,
            " + $10)"
        )
    };
}

/// Inserts a job row and its inputs (in parts: `input_parts`) in the caller's
/// transaction, claimed by `claim` if given. On SQLite the row and the first parts go in
/// one batch, one round trip to the connection's thread instead of two; PostgreSQL
/// prepares one statement at a time.
pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    job: &JobRow,
    component_sha256: Option<&str>,
    claim: Option<Claim<'_>>,
) -> Result<(), StoreError> {
    let parts = job.inputs.as_deref().map(input_parts::parts).unwrap_or_default();
    // The parts that go in the same batch as the row (SQLite).
    let batched = match backend {
        Backend::Sqlite => input_parts::batched(parts.len()),
        Backend::Postgres => 0,
    };
    let sql = match (backend, batched) {
        (Backend::Sqlite, 0) => insert_job!(sqlite_now_ms!()).to_owned(),
        (Backend::Sqlite, count) => row_and_parts_sql(count),
        (Backend::Postgres, _) => insert_job!(postgres_now_ms!()).to_owned(),
    };
    bound_insert(sql, job, component_sha256, claim, &parts[..batched]).execute(&mut **tx).await?;
    input_parts::insert_rest(tx, &job.id, &parts, batched).await
}

/// SQLite: a job's row and its first `parts` parts of inputs, in one statement list.
fn row_and_parts_sql(parts: usize) -> String {
    format!("{}; {}", insert_job!(sqlite_now_ms!()), input_parts::insert_sql(0, parts, 11))
}

/// The whole insert of a job as one transaction's statements (SQLite), when its inputs fit
/// in one batch (every job short of ~30 MB of inputs).
fn single_batch<'q>(
    job: &'q JobRow,
    component_sha256: Option<&'q str>,
    claim: Option<Claim<'q>>,
) -> Option<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>> {
    let parts = job.inputs.as_deref().map(input_parts::parts).unwrap_or_default();
    if parts.is_empty() || input_parts::batched(parts.len()) < parts.len() {
        return None;
    }
    let sql = super::writer::one_transaction(&row_and_parts_sql(parts.len()));
    Some(bound_insert(sql, job, component_sha256, claim, &parts))
}

/// The insert of a job's row (`$1`–`$10`) with `parts` of its inputs bound from `$11` on.
fn bound_insert<'q>(
    sql: String,
    job: &'q JobRow,
    component_sha256: Option<&'q str>,
    claim: Option<Claim<'q>>,
    parts: &[&'q [u8]],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&job.id)
        .bind(&job.kind)
        .bind(job.status.as_str())
        .bind(&job.artifact_id)
        .bind(&job.submitted_at)
        .bind(component_sha256)
        .bind(job.started_at.as_deref())
        .bind(job.attempt)
        .bind(claim.map(|claim| claim.owner))
        .bind(claim.map(|claim| millis(claim.lease)));
    for part in parts {
        query = query.bind(*part);
    }
    query
}
