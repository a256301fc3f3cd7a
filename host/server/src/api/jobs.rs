//! `/api/v1/jobs`: list (the newest 1000, `status_filter`, no tracebacks), get, delete.

use super::body::path_id;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chapwasm_service::{JobRow, JobStatus};
use serde::Deserialize;
use serde_json::{Value, json};

/// chapkit's job record, plus `artifact_id` once the job has written it.
pub fn render(job: &JobRow) -> Value {
    json!({
        "id": job.id,
        "status": job.status.as_str(),
        "submitted_at": job.submitted_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "error_traceback": job.error_traceback,
        "artifact_id": (job.status == JobStatus::Completed).then_some(&job.artifact_id),
    })
}

#[derive(Deserialize)]
pub struct Filter {
    status_filter: Option<String>,
}

pub async fn list(State(state): State<AppState>, Query(filter): Query<Filter>) -> Result<Json<Value>, ApiError> {
    let status = match filter.status_filter.as_deref() {
        None => None,
        Some(text) => Some(JobStatus::parse(text).ok_or_else(|| {
            ApiError::validation(
                &["query", "status_filter"],
                "status_filter must be one of pending, running, completed, failed, canceling, canceled",
            )
        })?),
    };
    let jobs = state.service.jobs(status).await?;
    Ok(Json(Value::Array(jobs.iter().map(render).collect())))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let job = state.service.job(id).await?;
    job.map(|j| Json(render(&j))).ok_or_else(|| ApiError::not_found(format!("Job with id {id} not found")))
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if state.service.delete_job(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Job with id {id} not found")))
    }
}
