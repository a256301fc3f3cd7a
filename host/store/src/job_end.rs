//! A job's end: the fenced update of its row (it ends only if this run still owns it) and
//! the artifact it leaves (row, content, link to its config), in one transaction. On a
//! SQLite file the whole transaction, `BEGIN` to `COMMIT`, goes as one batch of statements
//! in one round trip to the writer's thread (`writer`). Made statement by statement, it
//! took five or six round trips while holding the one writer, and in a burst of small
//! jobs every claim and submission waited behind them.
//!
//! In the batch the fence decides the rest: each insert runs only if the last change
//! before it — the update's, then each insert's — was of exactly one row (SQLite's
//! `changes()`, which a query leaves as it is), so when the update finds the job no longer
//! this run's (deleted, or taken over under a later attempt) nothing after it is written;
//! the update's own count comes back as the batch's one row.

use super::artifacts::{self, ArtifactRow};
use super::writer::one_transaction;
use super::{Store, StoreError};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Connection, Row};

/// How a job ended, as its row records it.
#[derive(Clone, Copy)]
enum Ending<'a> {
    Completed,
    /// The error a client reads, and the model's traceback.
    Failed {
        error: &'a str,
        traceback: &'a str,
    },
}

/// What a job's end writes besides its row: an artifact, linked to a config if given.
type Left<'a> = Option<(&'a ArtifactRow, Option<&'a str>)>;

impl Store {
    /// Completes a running job and writes its artifact (linked to `link_config`, if that
    /// config still exists) in one transaction. Returns false, writing nothing, if this
    /// run no longer owns the job: deleted meanwhile, or taken over after its lease
    /// expired (`attempt` is the fencing token from the claim).
    pub async fn complete_job(
        &self,
        job_id: &str,
        attempt: i64,
        now: &str,
        artifact: &ArtifactRow,
        link_config: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.end_job(job_id, attempt, now, Ending::Completed, Some((artifact, link_config))).await
    }

    /// Fails a job that has not finished, keeping the model's error and output, and writes
    /// the diagnostic artifact (if any) in the same transaction; fenced as `complete_job`.
    pub async fn fail_job(
        &self,
        job_id: &str,
        attempt: i64,
        now: &str,
        error: &str,
        traceback: &str,
        artifact: Left<'_>,
    ) -> Result<bool, StoreError> {
        self.end_job(job_id, attempt, now, Ending::Failed { error, traceback }, artifact).await
    }

    async fn end_job(
        &self,
        job_id: &str,
        attempt: i64,
        now: &str,
        ending: Ending<'_>,
        left: Left<'_>,
    ) -> Result<bool, StoreError> {
        if let Some(rows) = self.writer.in_one_round_trip(|| Some(batch(job_id, attempt, now, ending, left))).await {
            return Ok(ended(&rows?)?);
        }
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        let update = sqlx::query(fenced_update(ending)).bind(now).bind(job_id).bind(attempt);
        let update = match ending {
            Ending::Completed => update,
            Ending::Failed { error, traceback } => update.bind(error).bind(traceback),
        };
        if update.execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false); // dropping the transaction rolls back
        }
        if let Some((artifact, link_config)) = left {
            artifacts::insert(&mut tx, artifact).await?;
            if let Some(config_id) = link_config {
                sqlx::query(LINK).bind(&artifact.id).bind(config_id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// The update that ends a job if this run still owns it: `$1` now, `$2` the job, `$3` the
/// attempt, and for a failure `$4` its error and `$5` its traceback.
fn fenced_update(ending: Ending) -> &'static str {
    match ending {
        Ending::Completed => {
            "UPDATE jobs SET status = 'completed', finished_at = $1, \
             lease_owner = NULL, lease_until = NULL, lease_expires_ms = NULL \
             WHERE id = $2 AND status = 'running' AND attempt = $3"
        }
        Ending::Failed { .. } => {
            "UPDATE jobs SET status = 'failed', finished_at = $1, error = $4, error_traceback = $5, \
             lease_owner = NULL, lease_until = NULL, lease_expires_ms = NULL \
             WHERE id = $2 AND status = 'running' AND attempt = $3"
        }
    }
}

/// Links an artifact (`$1`) to its config (`$2`) if the config still exists: a job runs the
/// config it was accepted with even if the config was deleted since, and then its model
/// is written unlinked (a config's delete took its trees along).
const LINK: &str = "INSERT INTO config_artifacts (config_id, artifact_id) \
                    SELECT $2, $1 WHERE EXISTS (SELECT 1 FROM configs WHERE id = $2)";

/// SQLite: the whole end as one transaction's statements. Parameters as in
/// `fenced_update` (`$4` and `$5` bound, as NULL, for a completion too), then the
/// artifact's columns `$6`–`$14`, its content `$15` and the config to link `$16`. Its one
/// row says whether the fence held (see [`ended`]).
fn batch<'q>(
    job_id: &'q str,
    attempt: i64,
    now: &'q str,
    ending: Ending<'q>,
    left: Left<'q>,
) -> Query<'q, sqlx::Any, AnyArguments> {
    let mut statements = vec![
        fenced_update(ending),
        // A query changes no row, so `changes()` after it still counts the update's.
        "SELECT changes() AS ended",
    ];
    let artifact = left.map(|(artifact, _)| artifact);
    let link_config = left.and_then(|(_, link_config)| link_config);
    if artifact.is_some() {
        statements.push(
            "INSERT INTO artifacts \
             (id, parent_id, level, data, content_type, tags, created_at, updated_at, written_by_job) \
             SELECT $6, $7, $8, $9, $10, $11, $12, $13, $14 WHERE changes() = 1",
        );
    }
    if artifact.is_some_and(|artifact| artifact.content.is_some()) {
        statements.push("INSERT INTO artifact_content (artifact_id, content) SELECT $6, $15 WHERE changes() = 1");
    }
    if link_config.is_some() {
        statements.push(
            "INSERT INTO config_artifacts (config_id, artifact_id) SELECT $16, $6 \
             WHERE changes() = 1 AND EXISTS (SELECT 1 FROM configs WHERE id = $16)",
        );
    }
    let (error, traceback) = match ending {
        Ending::Completed => (None, None),
        Ending::Failed { error, traceback } => (Some(error), Some(traceback)),
    };
    sqlx::query(sqlx::AssertSqlSafe(one_transaction(&statements.join("; "))))
        .bind(now)
        .bind(job_id)
        .bind(attempt)
        .bind(error)
        .bind(traceback)
        .bind(artifact.map(|artifact| &artifact.id))
        .bind(artifact.and_then(|artifact| artifact.parent_id.as_deref()))
        .bind(artifact.map(|artifact| artifact.level))
        .bind(artifact.map(|artifact| &artifact.data))
        .bind(artifact.and_then(|artifact| artifact.content_type.as_deref()))
        .bind(artifact.map(|artifact| &artifact.tags))
        .bind(artifact.map(|artifact| &artifact.created_at))
        .bind(artifact.map(|artifact| &artifact.updated_at))
        .bind(artifact.map(|artifact| i64::from(artifact.written_by_job)))
        .bind(artifact.and_then(|artifact| artifact.content.as_deref()))
        .bind(link_config)
}

/// Whether a [`batch`] ended its job, from the rows it gave.
fn ended(rows: &[AnyRow]) -> Result<bool, sqlx::Error> {
    match rows {
        [row] => Ok(row.try_get::<i64, _>("ended")? == 1),
        _ => Err(sqlx::Error::Protocol(format!("a job's end gave {} rows, not one", rows.len()))),
    }
}
