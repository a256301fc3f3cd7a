//! `GET /api/v1/jobs/{id}/$stream`: chapkit's bare `data: <job json>` events, pushed on
//! every state change (rendered from the event's record when it carries one) and progress
//! report, closed after a terminal state; a deleted job
//! gets `data: {"status": "deleted"}` and the stream closes. An already finished job
//! yields exactly one event. Events lost between replicas are caught up from the store:
//! when a replica listens again after its notification connection dropped, and after 5 s
//! of silence in any case, so a lost notification cannot leave a stream hanging.

use super::body::path_id;
use super::openapi::{ById, Common, Id};
use super::wire::{Job, JobDeleted, JobProgress, JobStreamEvent, Progress, ServerSentEvent};
use super::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use chapwasm_service::JobEvent;
use serde_json::Value;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

/// The longest a stream goes without reading its job's record.
const RESYNC: std::time::Duration = std::time::Duration::from_secs(5);

/// A job record (and its progress) as one event's data.
fn render(job: &chapwasm_service::JobRow, progress: Option<Progress>) -> Value {
    serde_json::to_value(JobStreamEvent::Job(JobProgress { job: Job::from(job), progress })).unwrap_or_default()
}

fn deleted() -> Value {
    serde_json::to_value(JobStreamEvent::Deleted(JobDeleted { status: "deleted".into() })).unwrap_or_default()
}

/// Follows a job: an event per change, the stream ends with the job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/$stream", tag = "jobs", operation_id = "stream_job", params(Id),
    responses((status = 200, description = "Server-sent events, each a `Job` as `data` (with `progress` while \
               it runs, or `{\"status\": \"deleted\"}`); ends once the job has", content_type = "text/event-stream",
               body = ServerSentEvent), ById, Common))]
pub async fn stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Option<axum::Extension<crate::security::guard::Caller>>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?.to_owned();
    let slot = state.streams.take(caller.as_ref().map(|axum::Extension(c)| c), "poll GET /api/v1/jobs/{id}")?;
    // Subscribe before the first read, so no change between the two is missed.
    let mut events = state.service.events().subscribe();
    let first = state.service.job(&id).await?;
    let first = first.ok_or_else(|| ApiError::not_found(format!("Job with id {id} not found")))?;
    let (sender, receiver) = mpsc::channel::<Value>(64);
    tokio::spawn(async move {
        let _slot = slot; // held for as long as the stream is followed
        let mut terminal = first.status.is_terminal();
        let mut last = render(&first, None);
        let mut resync_at = tokio::time::Instant::now() + RESYNC;
        if sender.send(last.clone()).await.is_err() || terminal {
            return;
        }
        while !terminal {
            // With no event of this job for a while, read the record anyway: a notification
            // lost between replicas (a dropped LISTEN connection) delays the end of a
            // stream, never hangs it. A client gone ends the stream at once.
            let event = tokio::select! {
                () = sender.closed() => return,
                () = tokio::time::sleep_until(resync_at) => Err(RecvError::Lagged(0)),
                event = events.recv() => event,
            };
            if matches!(&event, Ok(event) if event.job_id().is_some_and(|of| of != id)) {
                continue;
            }
            resync_at = tokio::time::Instant::now() + RESYNC;
            let payload = match event {
                Ok(JobEvent::Deleted { .. }) => {
                    terminal = true;
                    deleted()
                }
                Ok(JobEvent::Progress { fraction, message, .. }) => match state.service.job(&id).await {
                    Ok(Some(job)) => render(&job, Some(Progress { fraction, message })),
                    _ => continue,
                },
                // A change that carries the new record: no need to read it back.
                Ok(JobEvent::Changed { job: Some(job), .. }) => {
                    terminal = job.status.is_terminal();
                    render(&job, None)
                }
                // A change, or missed events (lagged here, or lost between replicas): the
                // record in the store is the truth.
                Ok(JobEvent::Changed { job: None, .. } | JobEvent::Missed) | Err(RecvError::Lagged(_)) => {
                    match state.service.job(&id).await {
                        Ok(Some(job)) => {
                            terminal = job.status.is_terminal();
                            render(&job, None)
                        }
                        Ok(None) => {
                            terminal = true;
                            deleted()
                        }
                        Err(_) => continue,
                    }
                }
                Err(RecvError::Closed) => return,
            };
            // A re-read that found nothing new sends nothing.
            if payload == last {
                continue;
            }
            last = payload.clone();
            if sender.send(payload).await.is_err() {
                return; // the client went away
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let payload = receiver.recv().await?;
        Some((Ok::<_, Infallible>(Event::default().data(payload.to_string())), receiver))
    });
    Ok(([(header::HeaderName::from_static("x-accel-buffering"), "no")], Sse::new(stream)).into_response())
}
