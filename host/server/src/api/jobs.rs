//! `/api/v1/jobs`: list (the newest 1000, `status_filter`, no tracebacks), get, delete.

use super::body::path_id;
use super::openapi::{ById, Common, Id};
use super::wire::Job;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chapwasm_service::JobStatus;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Only jobs in this state: pending, running, completed, failed, canceling, canceled.
    status_filter: Option<String>,
}

/// The newest 1000 jobs (without tracebacks), newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", operation_id = "list_jobs", params(Filter),
    responses((status = 200, description = "The jobs", body = Vec<Job>), Common))]
pub async fn list(
    State(state): State<AppState>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<Json<Vec<Job>>, ApiError> {
    let filter = super::body::query(filter)?;
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
    Ok(Json(jobs.iter().map(Job::from).collect()))
}

/// `$schema`: the JSON Schema of the job list (chapkit serves its model's).
#[utoipa::path(get, path = "/api/v1/jobs/$schema", tag = "jobs", operation_id = "job_schema",
    responses((status = 200, description = "A JSON Schema", body = Object), Common))]
pub async fn schema() -> Json<Value> {
    let mut schema = super::openapi::schema_of::<Vec<Job>>("JobRecordList");
    schema["items"]["title"] = "JobRecord".into();
    Json(schema)
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", operation_id = "get_job", params(Id),
    responses((status = 200, description = "The job", body = Job), ById, Common))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Job>, ApiError> {
    let id = path_id(&id)?;
    let job = state.service.job(id).await?;
    job.map(|j| Json(Job::from(&j))).ok_or_else(|| ApiError::not_found(format!("Job with id {id} not found")))
}

/// Cancels a job that has not ended (its guest is stopped) and deletes it.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "jobs", operation_id = "delete_job", params(Id),
    responses((status = 204, description = "Canceled and deleted"), ById, Common))]
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if state.service.delete_job(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Job with id {id} not found")))
    }
}
