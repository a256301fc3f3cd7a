//! What the API answers, as types: the handlers serialise them and the OpenAPI document
//! (`openapi/`) is derived from them, so the two cannot drift apart. Shapes that depend on
//! the component (config data, model descriptions) stay `serde_json::Value`, "any JSON".

use chapwasm_service::{ArtifactRow, ConfigRow, JobRow, JobStatus};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A config: a name and data valid for its component's config schema.
#[derive(Serialize, ToSchema)]
pub struct Config {
    /// ULID.
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub tags: Vec<String>,
    pub name: String,
    /// Valid for the component's config schema (`$schema`).
    pub data: Value,
    /// The uploaded component the config is for; `null`: the service's default model.
    pub component_id: Option<String>,
}

impl From<&ConfigRow> for Config {
    fn from(config: &ConfigRow) -> Self {
        Self {
            id: config.id.clone(),
            created_at: config.created_at.clone(),
            updated_at: config.updated_at.clone(),
            tags: serde_json::from_str(&config.tags).unwrap_or_default(),
            name: config.name.clone(),
            data: serde_json::from_str(&config.data).unwrap_or(Value::Null),
            component_id: config.component_id.clone(),
        }
    }
}

/// An artifact. `data` is the client's JSON, or, for what a job wrote, its ML record: the
/// spec's `{ml_type, config_id, ...}` or chapkit's `{type, metadata, content, ...}`, in the
/// generation of the request that started the job.
#[derive(Serialize, ToSchema)]
pub struct Artifact {
    /// ULID.
    pub id: String,
    pub parent_id: Option<String>,
    /// Depth in its tree: 0 for a root (a trained model), 1 for its predictions.
    pub level: i64,
    pub data: Value,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Artifact {
    pub fn new(row: &ArtifactRow, data: Value) -> Self {
        Self {
            id: row.id.clone(),
            parent_id: row.parent_id.clone(),
            level: row.level,
            data,
            tags: serde_json::from_str(&row.tags).unwrap_or_default(),
            created_at: row.created_at.clone(),
            updated_at: row.updated_at.clone(),
        }
    }
}

/// An artifact and everything under it (`$tree`), contents left out.
#[derive(Serialize, ToSchema)]
pub struct ArtifactNode {
    #[serde(flatten)]
    pub artifact: Artifact,
    #[schema(no_recursion)]
    pub children: Vec<ArtifactNode>,
}

/// One artifact with where it sits in the ML hierarchy (`$expand`), as chapkit answers it.
#[derive(Serialize, ToSchema)]
pub struct ArtifactExpanded {
    #[serde(flatten)]
    pub artifact: Artifact,
    /// `trained_model` (level 0) or `predictions` (level 1); `null` deeper.
    pub level_label: Option<String>,
    /// Always `ml`.
    pub hierarchy: String,
    /// Always `null` (`$tree` gives the children).
    pub children: Option<Vec<ArtifactNode>>,
}

/// An uploaded model component.
#[derive(Serialize, ToSchema)]
pub struct Component {
    /// ULID.
    pub id: String,
    /// The SHA-256 of its bytes, hex.
    pub sha256: String,
    pub name: String,
    pub version: String,
    pub size_bytes: i64,
    /// The model's own description: config schema, covariates, period type, bounds.
    pub model: Value,
    /// The limits its calls run under (the service's, narrowed by `limit_overrides`).
    pub limits: Value,
    /// What was asked for at upload or with `PUT .../limits`.
    pub limit_overrides: Value,
    pub created_at: String,
}

/// Where a job is in its life.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Pending,
    Running,
    Completed,
    Failed,
    Canceling,
    Canceled,
}

impl From<JobStatus> for JobState {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Pending => Self::Pending,
            JobStatus::Running => Self::Running,
            JobStatus::Completed => Self::Completed,
            JobStatus::Failed => Self::Failed,
            JobStatus::Canceling => Self::Canceling,
            JobStatus::Canceled => Self::Canceled,
        }
    }
}

/// chapkit's job record, plus `artifact_id` once the job has written it.
#[derive(Serialize, ToSchema)]
#[schema(as = JobRecord)]
pub struct Job {
    /// ULID.
    pub id: String,
    pub status: JobState,
    pub submitted_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Why the job failed, in a sentence (`time limit of 30 s exceeded`, ...).
    pub error: Option<String>,
    pub error_traceback: Option<String>,
    /// The artifact the job wrote, once it has completed.
    pub artifact_id: Option<String>,
}

impl From<&JobRow> for Job {
    fn from(job: &JobRow) -> Self {
        Self {
            id: job.id.clone(),
            status: job.status.into(),
            submitted_at: job.submitted_at.clone(),
            started_at: job.started_at.clone(),
            finished_at: job.finished_at.clone(),
            error: job.error.clone(),
            error_traceback: job.error_traceback.clone(),
            artifact_id: (job.status == JobStatus::Completed).then(|| job.artifact_id.clone()),
        }
    }
}

/// A server-sent event as `text/event-stream` frames it; streams send JSON in `data`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the frames axum's `Sse` writes
pub struct ServerSentEvent {
    /// A JSON document: a `JobStreamEvent` (`/api/v1/jobs/{id}/$stream`) or a `Health`
    /// (`/health/$stream`).
    pub data: String,
    pub event: Option<String>,
    pub id: Option<String>,
    pub retry: Option<u64>,
}

/// One event of a job's stream: the `data` of each server-sent event.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum JobStreamEvent {
    /// The job's record, with its latest progress report while it runs.
    Job(JobProgress),
    /// The job was deleted; the stream ends.
    Deleted(JobDeleted),
}

#[derive(Serialize, ToSchema)]
pub struct JobProgress {
    #[serde(flatten)]
    pub job: Job,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// What the model reported of its progress.
#[derive(Serialize, ToSchema)]
pub struct Progress {
    /// From 0 to 1.
    pub fraction: f64,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct JobDeleted {
    /// `deleted`.
    #[schema(pattern = "^deleted$")]
    pub status: String,
}

/// The answer to `$train` and `$predict`: the job, and the artifact it will write under
/// chapkit's name and the spec's.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub job_id: String,
    pub artifact_id: String,
    pub message: String,
    /// `$train`: the spec's name for `artifact_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_artifact_id: Option<String>,
    /// `$predict`: the spec's name for `artifact_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction_artifact_id: Option<String>,
}

/// One page of a list (chapkit's pagination: both `page` and `size` asked for).
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub size: i64,
    pub pages: i64,
}

/// A list as asked for: plain (the newest 1000), or one page.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Listing<T: ToSchema> {
    All(Vec<T>),
    Page(Page<T>),
}

/// `$stats`: how many there are.
#[derive(Serialize, ToSchema)]
pub struct Stats {
    pub total: i64,
}

/// `$validate`'s answer: chapkit's diagnostics, empty when the request would run.
#[derive(Serialize, ToSchema)]
pub struct Validation {
    pub valid: bool,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Serialize, ToSchema)]
pub struct Diagnostic {
    /// Always `error` (chapkit also knows `warning`).
    pub severity: String,
    /// `config_not_found`, `invalid_data_frame`, `prediction_periods_out_of_bounds`, ...
    pub code: String,
    pub message: String,
    /// The request field at fault.
    pub field: String,
}

/// `/health`: healthy when the database answers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `healthy` or `unhealthy`.
    pub status: String,
    pub checks: HealthChecks,
}

#[derive(Serialize, ToSchema)]
pub struct HealthChecks {
    pub database: Check,
}

#[derive(Serialize, ToSchema)]
pub struct Check {
    /// `healthy` or `unhealthy`.
    pub state: String,
    /// What is wrong (the database's own words only for an admin key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
