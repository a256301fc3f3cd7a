//! Job rows and their state machine in SQL: `pending → running → completed | failed`,
//! `canceled` from either. Claiming is one atomic statement, so any number of workers
//! (threads now, replicas later) can pull from the same table without running a job twice.

use super::input_parts;
use super::leases::millis;
use super::{Store, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Canceling,
    Canceled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Pending,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Canceling,
        JobStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Canceling => "canceling",
            JobStatus::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed | JobStatus::Canceled)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: String,
    /// `train` or `predict`.
    pub kind: String,
    pub status: JobStatus,
    /// Everything the job needs to run, encoded by the service (`None` in summaries).
    pub inputs: Option<Vec<u8>>,
    pub artifact_id: String,
    pub submitted_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub error: Option<String>,
    pub error_traceback: Option<String>,
    /// How many times the job was claimed; the fencing token of its current run.
    pub attempt: i64,
}

impl JobRow {
    /// A copy without the (possibly large) inputs.
    pub fn clone_summary(&self) -> JobRow {
        JobRow {
            id: self.id.clone(),
            kind: self.kind.clone(),
            status: self.status,
            inputs: None,
            artifact_id: self.artifact_id.clone(),
            submitted_at: self.submitted_at.clone(),
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            error: self.error.clone(),
            error_traceback: self.error_traceback.clone(),
            attempt: self.attempt,
        }
    }
}

fn row(r: AnyRow) -> Result<JobRow, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(JobRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        status: JobStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("job status {status}").into()))?,
        inputs: r.try_get("inputs")?,
        artifact_id: r.try_get("artifact_id")?,
        submitted_at: r.try_get("submitted_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        error: r.try_get("error")?,
        error_traceback: r.try_get("error_traceback")?,
        attempt: r.try_get("attempt")?,
    })
}

/// Job columns without the (possibly large) request.
macro_rules! summary {
    () => {
        "id, kind, status, NULL AS inputs, artifact_id, submitted_at, started_at, finished_at, error, \
         error_traceback, attempt"
    };
}

/// Job columns for lists: no inputs and no traceback (up to a few MiB each).
macro_rules! listed {
    () => {
        "id, kind, status, NULL AS inputs, artifact_id, submitted_at, started_at, finished_at, error, \
         NULL AS error_traceback, attempt"
    };
}

impl Store {
    /// How many jobs wait to run (all replicas).
    pub async fn count_pending_jobs(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE status = 'pending'")
            .fetch_one(&mut *self.reader.acquire().await?)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// A job without its request payload.
    pub async fn get_job(&self, id: &str) -> Result<Option<JobRow>, StoreError> {
        let found = sqlx::query(concat!("SELECT ", summary!(), " FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.reader.acquire().await?)
            .await?;
        Ok(found.map(row).transpose()?)
    }

    /// Jobs newest first, optionally of one status, without request payloads.
    /// The newest `limit` jobs, optionally of one status, without inputs or tracebacks.
    pub async fn list_jobs(&self, status: Option<JobStatus>, limit: i64) -> Result<Vec<JobRow>, StoreError> {
        let rows = match status {
            Some(status) => {
                sqlx::query(concat!("SELECT ", listed!(), " FROM jobs WHERE status = $1 ORDER BY id DESC LIMIT $2"))
                    .bind(status.as_str())
                    .bind(limit)
                    .fetch_all(&mut *self.reader.acquire().await?)
                    .await?
            }
            None => {
                sqlx::query(concat!("SELECT ", listed!(), " FROM jobs ORDER BY id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&mut *self.reader.acquire().await?)
                    .await?
            }
        };
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    /// Moves the oldest pending job to `running` under a lease held by `owner` for `lease`
    /// from the database's now, counts the attempt, and returns the job (its inputs are read
    /// with [`Store::job_inputs`]); `None` when nothing is pending. Atomic: two claimers (threads or replicas) never get the same
    /// job; on PostgreSQL, `SKIP LOCKED` lets them claim different jobs at once.
    pub async fn claim_next_job(
        &self,
        now: &str,
        owner: &str,
        lease: std::time::Duration,
    ) -> Result<Option<JobRow>, StoreError> {
        let lock = match self.backend {
            super::Backend::Sqlite => "",
            super::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', started_at = $1, lease_owner = $2, lease_until = NULL, \
             lease_expires_ms = {} + $3, attempt = attempt + 1 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'pending' ORDER BY id LIMIT 1 {lock}) \
             AND status = 'pending' RETURNING *",
            self.backend.now_ms()
        );
        let claimed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(owner)
            .bind(millis(lease))
            .fetch_optional(&mut *self.writer.acquire().await?)
            .await?;
        Ok(claimed.map(row).transpose()?)
    }

    /// A job's stored inputs (`None` for a job accepted before chapwasm stored them, or
    /// one deleted meanwhile). Read by the job's own task after the claim, so the claim
    /// stays one statement and the claimer is free for the next job at once.
    pub async fn job_inputs(&self, job_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        input_parts::read(&mut *self.reader.acquire().await?, job_id).await
    }

    /// Deletes a job record; returns false if there was none.
    pub async fn delete_job(&self, job_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(job_id)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_reads::{artifact_row, config_row, pending_job, rows_of, temp_store};
    use crate::{ArtifactRow, JobStatus, Store};
    use std::time::Duration;

    /// A job's inputs go when the job goes (deleted, or swept once finished).
    #[tokio::test(flavor = "multi_thread")]
    async fn a_jobs_inputs_are_deleted_with_it() {
        let (store, _file, _alone) = temp_store("job-inputs").await;
        for id in ["01J0000000000000000000000A", "01J0000000000000000000000B"] {
            let job = pending_job(id, vec![1, 2, 3]);
            store.insert_job(&job, None, None).await.unwrap();
            assert_eq!(rows_of(&store, "job_input_parts", "job_id", id).await, 1);
        }
        assert!(store.delete_job("01J0000000000000000000000A").await.unwrap());
        assert_eq!(rows_of(&store, "job_input_parts", "job_id", "01J0000000000000000000000A").await, 0);
        let claimed = store.claim_next_job("2026-12-01T00:00:01.000000Z", "me", std::time::Duration::from_secs(60));
        let claimed = claimed.await.unwrap().unwrap();
        assert_eq!(store.job_inputs(&claimed.id).await.unwrap(), Some(vec![1, 2, 3]));
        store.fail_job(&claimed.id, 1, "2026-12-01T00:00:02.000000Z", "boom", "", None).await.unwrap();
        let swept = store.sweep(Some("2026-12-02T00:00:00.000000Z"), None).await.unwrap();
        assert_eq!(swept.jobs, 1);
        assert_eq!(rows_of(&store, "job_input_parts", "job_id", "01J0000000000000000000000B").await, 0);
    }

    /// Inputs of more parts than one statement carries (the batch with the row, then the
    /// rest) and empty inputs come back as they went in.
    #[tokio::test(flavor = "multi_thread")]
    async fn inputs_of_any_size_come_back_whole() {
        let (store, _file, _alone) = temp_store("job-input-parts").await;
        let large: Vec<u8> = (0..crate::input_parts::PART_BYTES * 300 + 5).map(|i| (i % 251) as u8).collect();
        for (id, inputs, parts) in
            [("01J0000000000000000000000A", large, 301), ("01J0000000000000000000000B", Vec::new(), 1)]
        {
            store.insert_job(&pending_job(id, inputs.clone()), None, None).await.unwrap();
            assert_eq!(rows_of(&store, "job_input_parts", "job_id", id).await, parts);
            assert!(store.job_inputs(id).await.unwrap() == Some(inputs), "{id}");
        }
        assert_eq!(store.job_inputs("01J0000000000000000000000C").await.unwrap(), None);
    }

    const CONFIG: &str = "01J00000000000000000000CFG";

    /// The artifact a job writes, with `content` if given.
    fn job_artifact(id: &str, content: Option<Vec<u8>>) -> ArtifactRow {
        ArtifactRow { written_by_job: true, ..artifact_row(id, content) }
    }

    /// A store with a config and `ids` as jobs, all claimed (attempt 1).
    async fn claimed(store: &Store, ids: &[&str]) {
        store.insert_config(&config_row(CONFIG)).await.unwrap();
        for id in ids {
            store.insert_job(&pending_job(id, vec![1]), None, None).await.unwrap();
            let claim = store.claim_next_job("2026-12-05T00:00:01.000000Z", "me", Duration::from_secs(60));
            assert_eq!(claim.await.unwrap().unwrap().id, *id);
        }
    }

    /// What ending wrote for `artifact`: its row, its content, its config link.
    async fn written(store: &Store, artifact: &str) -> (i64, i64, i64) {
        (
            rows_of(store, "artifacts", "id", artifact).await,
            rows_of(store, "artifact_content", "artifact_id", artifact).await,
            rows_of(store, "config_artifacts", "artifact_id", artifact).await,
        )
    }

    /// A run that owns its job writes its artifact, content and link with the ending; a
    /// run that lost it (a stale attempt, a deleted job) writes none of them. A SQLite
    /// file ends a job in one batch (`job_end`), a database in memory statement by
    /// statement, as PostgreSQL does.
    #[tokio::test(flavor = "multi_thread")]
    async fn only_the_run_that_owns_its_job_writes_its_artifact() {
        let (store, _file, _alone) = temp_store("job-end-fenced").await;
        ends_are_fenced(&store).await;
        ends_are_fenced(&Store::connect(":memory:").await.expect("in memory")).await;
    }

    async fn ends_are_fenced(store: &Store) {
        let (a, b, c) = ("01J0000000000000000000000A", "01J0000000000000000000000B", "01J0000000000000000000000C");
        let d = "01J0000000000000000000000D";
        claimed(store, &[a, b, c, d]).await;
        let now = "2026-12-05T00:00:02.000000Z";
        let model = job_artifact("01J000000000000000000000MA", Some(vec![7; 300]));
        assert!(!store.complete_job(a, 2, now, &model, Some(CONFIG)).await.unwrap(), "a stale attempt");
        assert_eq!(written(store, &model.id).await, (0, 0, 0));
        assert_eq!(store.get_job(a).await.unwrap().unwrap().status, JobStatus::Running);
        assert!(store.complete_job(a, 1, now, &model, Some(CONFIG)).await.unwrap());
        assert_eq!(written(store, &model.id).await, (1, 1, 1));
        assert_eq!(store.get_artifact(&model.id).await.unwrap().unwrap(), model);
        assert_eq!(store.get_job(a).await.unwrap().unwrap().status, JobStatus::Completed);
        let again = job_artifact("01J000000000000000000000MB", Some(vec![8]));
        assert!(!store.complete_job(a, 1, now, &again, Some(CONFIG)).await.unwrap(), "already ended");
        assert_eq!(written(store, &again.id).await, (0, 0, 0));

        let diagnostic = job_artifact("01J000000000000000000000MC", None);
        assert!(store.delete_job(b).await.unwrap());
        assert!(!store.fail_job(b, 1, now, "boom", "trace", Some((&diagnostic, Some(CONFIG)))).await.unwrap());
        assert_eq!(written(store, &diagnostic.id).await, (0, 0, 0));
        assert!(store.fail_job(c, 1, now, "boom", "trace", Some((&diagnostic, Some(CONFIG)))).await.unwrap());
        assert_eq!(written(store, &diagnostic.id).await, (1, 0, 1), "no content, linked");
        let failed = store.get_job(c).await.unwrap().unwrap();
        assert_eq!((failed.status, failed.error.as_deref()), (JobStatus::Failed, Some("boom")));
        // Every column read back as written: a child artifact, updated after its creation.
        let output = ArtifactRow {
            parent_id: Some(model.id.clone()),
            level: 1,
            data: r#"{"n":1}"#.into(),
            content_type: Some("text/plain".into()),
            tags: r#"["t"]"#.into(),
            updated_at: "2026-12-05T00:00:03.000000Z".into(),
            ..job_artifact("01J000000000000000000000MD", Some(vec![9; 40]))
        };
        assert!(!store.fail_job(d, 2, now, "late", "", Some((&output, Some(CONFIG)))).await.unwrap(), "stale");
        assert_eq!(written(store, &output.id).await, (0, 0, 0));
        assert!(store.fail_job(d, 1, now, "bad", "tb", Some((&output, Some(CONFIG)))).await.unwrap());
        assert_eq!(written(store, &output.id).await, (1, 1, 1));
        assert_eq!(store.get_artifact(&output.id).await.unwrap().unwrap(), output);
        let failed = store.get_job(d).await.unwrap().unwrap();
        let ended = (failed.status, failed.error.as_deref(), failed.error_traceback.as_deref());
        assert_eq!(ended, (JobStatus::Failed, Some("bad"), Some("tb")));
        assert_eq!(failed.finished_at.as_deref(), Some(now));
    }

    /// A config deleted while its job ran: the model is written, unlinked.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_model_whose_config_is_gone_is_written_unlinked() {
        let (store, _file, _alone) = temp_store("job-end-unlinked").await;
        let job = "01J0000000000000000000000A";
        claimed(&store, &[job]).await;
        assert!(store.delete_config(CONFIG).await.unwrap());
        let model = job_artifact("01J000000000000000000000MA", Some(vec![7]));
        assert!(store.complete_job(job, 1, "2026-12-05T00:00:02.000000Z", &model, Some(CONFIG)).await.unwrap());
        assert_eq!(written(&store, &model.id).await, (1, 1, 0));
    }
}
