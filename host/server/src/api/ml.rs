//! `$train` and `$predict`: validate everything up front (4xx, nothing created), then 202
//! with the job id and the pre-allocated artifact id under both generations' names.

use super::body::{FramedBody, ulid_field};
use super::offload::offload;
use super::openapi::{ById, Common, Conflicts, PredictBody, TrainBody, ValidateBody, WithBody};
use super::wire::{Accepted, Diagnostic, Validation};
use super::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chapwasm_frames::json::{parse_frame_text, parse_frame_text_in_halves};
use chapwasm_sdk::DataFrame;
use chapwasm_service::{EarlyRead, Generation, Idempotency, JobRequest, MlService, SubmitError, Submitted};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

/// Bodies of at most this size are parsed on the async worker (a 1000-row frame is ~30–60
/// KB and parses in ~0.1–0.3 ms); larger ones on a blocking thread (`offload`).
const INLINE_PARSE_BYTES: usize = 64 << 10;

/// Every field a `$train`/`$predict`/`$validate` body may carry a frame in.
const FRAME_FIELDS: [&str; 3] = ["data", "historic", "future"];

/// A frame field parsed into columns; a bad frame is a `SubmitError` (a 422, or a
/// diagnostic for `$validate`), a missing one a malformed body.
fn frame(
    body: &FramedBody,
    field: &'static str,
    require_rows: bool,
) -> Result<Result<DataFrame, SubmitError>, ApiError> {
    frame_in_halves(body, field, require_rows, None)
}

/// [`frame`], read in halves on two threads when it is large and a spare heavy-work slot
/// is free (held until it is read).
fn frame_in_halves(
    body: &FramedBody,
    field: &'static str,
    require_rows: bool,
    spare_slots: Option<&Semaphore>,
) -> Result<Result<DataFrame, SubmitError>, ApiError> {
    let text = body.frame(field)?;
    let spare = match spare_slots {
        Some(slots) if SIDE_BY_SIDE_FRAME_BYTES.contains(&text.len()) => slots.try_acquire().ok(),
        _ => None,
    };
    let parsed = match spare {
        Some(_held) => parse_frame_text_in_halves(text, field, require_rows),
        None => parse_frame_text(text, field, require_rows),
    };
    Ok(parsed.map_err(|e| SubmitError::InvalidFrame { field, message: e.0 }))
}

/// Frames of these sizes (each) are read on two threads when a spare heavy-work slot is
/// free: a `$train`'s frame in halves, a `$predict`'s two frames side by side (the two
/// frames of a 100k-row `$predict` take half the time on two cores). Larger frames are
/// read on one: a parse holds several times its frame's size while it runs, and two at
/// once raised the peak of a 1M-row predict from 356 to 533 MiB.
const SIDE_BY_SIDE_FRAME_BYTES: std::ops::RangeInclusive<usize> = (256 << 10)..=(8 << 20);

/// How a body's frames may be parsed: with the heavy-work slots to borrow a second core
/// from (never more than a free slot: heavy work stays within its bound).
#[derive(Clone, Copy)]
struct Parse<'a> {
    forced: Option<Generation>,
    spare_slots: Option<&'a Semaphore>,
}

fn train_request(body: &FramedBody, parse: Parse) -> Parsed {
    let forced = parse.forced;
    let fields = &body.fields;
    let config_id = ulid_field(fields, "config_id")?;
    body.check_unused_frames(&["data"])?;
    let data = frame_in_halves(body, "data", true, parse.spare_slots)?;
    let (geo, generation, prediction_periods) =
        (geo(fields)?, forced.map_or_else(|| generation(fields, false), Ok)?, run_info_periods(fields)?);
    Ok(data.map(|data| JobRequest::Train { config_id, data, geo, generation, prediction_periods }))
}

/// The read a `$train` makes first, sent before its frame is parsed (if its id is one).
fn train_first_read(service: &MlService, fields: &Map<String, Value>) -> Option<EarlyRead> {
    ulid_field(fields, "config_id").ok().map(|config_id| service.early_config_read(&config_id))
}

fn predict_request(body: &FramedBody, parse: Parse) -> Parsed {
    let forced = parse.forced;
    let fields = &body.fields;
    let uses_artifact_id = fields.contains_key("artifact_id");
    let model_artifact_id = ulid_field(fields, model_id_field(fields))?;
    body.check_unused_frames(&["historic", "future"])?;
    let large = |field| body.frame(field).is_ok_and(|text| SIDE_BY_SIDE_FRAME_BYTES.contains(&text.len()));
    let spare = match parse.spare_slots {
        Some(slots) if large("historic") && large("future") => slots.try_acquire().ok(),
        _ => None,
    };
    let (historic, future) = std::thread::scope(|scope| {
        // Without a spare slot, or a thread (the OS may refuse one), one after the other.
        let beside = spare.and_then(|slot| {
            let parse = move || {
                let _held = slot;
                frame(body, "historic", false)
            };
            std::thread::Builder::new().name("chapwasm-parse".into()).spawn_scoped(scope, parse).ok()
        });
        let future = frame(body, "future", true);
        let historic = match beside {
            Some(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => frame(body, "historic", false),
        };
        (historic, future)
    });
    let (historic, future) = (historic?, future?);
    let (geo, generation, prediction_periods) =
        (geo(fields)?, forced.map_or_else(|| generation(fields, uses_artifact_id), Ok)?, run_info_periods(fields)?);
    Ok(historic.and_then(|historic| {
        Ok(JobRequest::Predict { model_artifact_id, historic, future: future?, geo, generation, prediction_periods })
    }))
}

/// Where a `$predict` body names its model: chap-core's `artifact_id`, else the spec's name.
fn model_id_field(fields: &Map<String, Value>) -> &'static str {
    if fields.contains_key("artifact_id") { "artifact_id" } else { "model_artifact_id" }
}

/// The read a `$predict` makes first, sent before its frames are parsed (if its id is one).
fn predict_first_read(service: &MlService, fields: &Map<String, Value>) -> Option<EarlyRead> {
    ulid_field(fields, model_id_field(fields)).ok().map(|artifact_id| service.early_model_read(&artifact_id))
}

/// Starts a training job: everything is checked first (a 4xx creates nothing).
#[utoipa::path(post, path = "/api/v1/ml/$train", tag = "ml", operation_id = "train", request_body = TrainBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key and body \
            returns the first job instead of starting another")),
    responses((status = 202, description = "Accepted: follow the job", body = Accepted,
               headers(("Idempotent-Replayed" = String, description = "`true` when the key named an earlier job"))),
              ById, Conflicts, WithBody, Common))]
pub async fn train(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let route =
        Route { parse: train_request, first_read: train_first_read, legacy: "model_artifact_id", what: "Training" };
    submit(state, &headers, body, route).await
}

/// Starts a prediction job with a trained model.
#[utoipa::path(post, path = "/api/v1/ml/$predict", tag = "ml", operation_id = "predict", request_body = PredictBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key and body \
            returns the first job instead of starting another")),
    responses((status = 202, description = "Accepted: follow the job", body = Accepted,
               headers(("Idempotent-Replayed" = String, description = "`true` when the key named an earlier job"))),
              ById, Conflicts, WithBody, Common))]
pub async fn predict(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let route = Route {
        parse: predict_request,
        first_read: predict_first_read,
        legacy: "prediction_artifact_id",
        what: "Prediction",
    };
    submit(state, &headers, body, route).await
}

/// What a body parses to: a request, or a reason it cannot run (a 4xx either way).
type Parsed = Result<Result<JobRequest, SubmitError>, ApiError>;

/// What differs between `$train` and `$predict`.
struct Route {
    parse: fn(&FramedBody, Parse) -> Parsed,
    first_read: fn(&MlService, &Map<String, Value>) -> Option<EarlyRead>,
    /// The spec's name for the artifact id in the 202.
    legacy: &'static str,
    what: &'static str,
}

/// `$train`/`$predict`: the body parsed (and hashed, with an idempotency key), then
/// submitted. A small body is parsed here, its first read sent to the database before its
/// frames are read (`EarlyRead`); a larger one off the reactor.
async fn submit(state: AppState, headers: &HeaderMap, body: Bytes, route: Route) -> Result<Response, ApiError> {
    let Route { parse, first_read, legacy, what } = route;
    let key = idempotency_key(headers)?;
    let forced = state.forced_generation;
    let hash = key.is_some();
    // A small body parses in less time than the hand-off to a blocking thread takes.
    let (request, sha256, early) = if body.len() <= INLINE_PARSE_BYTES {
        let framed = FramedBody::parse(&body, &FRAME_FIELDS)?;
        let mut early = first_read(&state.service, &framed.fields);
        if let Some(early) = &mut early {
            early.send().await;
        }
        let request = parse(&framed, Parse { forced, spare_slots: None })?;
        (request, hash.then(|| request_sha256(what, &body)), early)
    } else {
        let slots = state.heavy_work.clone();
        let work = move || {
            let sha256 = hash.then(|| request_sha256(what, &body));
            let options = Parse { forced, spare_slots: Some(&slots) };
            Ok::<_, ApiError>((parse(&FramedBody::parse(&body, &FRAME_FIELDS)?, options)?, sha256))
        };
        let (request, sha256) = offload(&state, work).await??;
        (request, sha256, None)
    };
    let idempotency = key.zip(sha256).map(|(key, request_sha256)| Idempotency { key, request_sha256 });
    let submitted = state.service.submit(request.map_err(submit_error)?, idempotency, early);
    let submitted = submitted.await.map_err(submit_error)?;
    if let Some(metrics) = &state.metrics
        && !submitted.replayed
    {
        let accepted = if what == "Training" { &metrics.train_jobs } else { &metrics.predict_jobs };
        accepted.inc();
    }
    Ok(accepted(submitted, legacy, what))
}

/// The longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// A request's `Idempotency-Key` header, checked (printable ASCII, at most 255 bytes).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let invalid = || {
        ApiError::validation(
            &["header", "Idempotency-Key"],
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters"),
        )
    };
    let key = value.to_str().map_err(|_| invalid())?;
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(invalid());
    }
    Ok(Some(key.to_owned()))
}

/// The hex SHA-256 of a request: its route (`what`: Training or Prediction) and body, which a
/// retry must repeat.
fn request_sha256(route: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(route).chain_update([0]).chain_update(body).finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 202 body: the artifact id under current chapkit's name and the spec's `legacy` one
/// (a replayed idempotent request says so in `Idempotent-Replayed`).
fn accepted(submitted: Submitted, legacy: &str, what: &str) -> Response {
    let legacy = |name: &str| (legacy == name).then(|| submitted.artifact_id.clone());
    let body = Accepted {
        message: format!("{what} job submitted. Job ID: {}", submitted.job_id),
        model_artifact_id: legacy("model_artifact_id"),
        prediction_artifact_id: legacy("prediction_artifact_id"),
        job_id: submitted.job_id,
        artifact_id: submitted.artifact_id,
    };
    let replayed = if submitted.replayed { "true" } else { "false" };
    (StatusCode::ACCEPTED, [("idempotent-replayed", replayed)], Json(body)).into_response()
}

/// `$validate`: the checks of `$train`/`$predict` as a dry run, reported as chapkit's
/// diagnostics. Malformed bodies are still a 422, as in chapkit.
#[utoipa::path(post, path = "/api/v1/ml/$validate", tag = "ml", operation_id = "validate", request_body = ValidateBody,
    responses((status = 200, description = "Whether the request would run, and if not why", body = Validation),
              WithBody, Common))]
pub async fn validate(State(state): State<AppState>, body: Bytes) -> Result<Json<Validation>, ApiError> {
    let forced = state.forced_generation;
    let request = offload(&state, move || {
        let body = FramedBody::parse(&body, &FRAME_FIELDS)?;
        let parse = Parse { forced, spare_slots: None };
        match body.fields.get("type").and_then(Value::as_str) {
            Some("train") => train_request(&body, parse),
            Some("predict") => predict_request(&body, parse),
            _ => Err(ApiError::validation(&["body", "type"], "`type` must be \"train\" or \"predict\"")),
        }
    })
    .await??;
    let checked = match request {
        Ok(mut request) => state.service.check(&mut request).await.map(drop),
        Err(error) => Err(error),
    };
    let diagnostics = match checked {
        Ok(_) => vec![],
        Err(SubmitError::Store(e)) => return Err(e.into()),
        Err(SubmitError::Encode(message)) => return Err(ApiError::internal(message)),
        Err(error @ SubmitError::QueueFull(_)) => return Err(submit_error(error)),
        Err(error) => {
            let (code, field) = match &error {
                SubmitError::ConfigNotFound(_) => ("config_not_found", "config_id"),
                SubmitError::ModelNotFound(_) => ("training_artifact_not_found", "artifact_id"),
                SubmitError::NotAModel(_) => ("invalid_training_artifact", "artifact_id"),
                SubmitError::FailedModel(_) => ("training_artifact_failed", "artifact_id"),
                SubmitError::InvalidFrame { field, .. } => ("invalid_data_frame", *field),
                SubmitError::Horizon(_) => ("prediction_periods_out_of_bounds", "prediction_periods"),
                SubmitError::ComponentGone(_) => ("component_not_found", "component_id"),
                SubmitError::IdempotencyConflict(_) => ("idempotency_conflict", "Idempotency-Key"),
                SubmitError::Store(_) | SubmitError::Encode(_) | SubmitError::QueueFull(_) => {
                    unreachable!("handled above")
                }
            };
            let (code, field) = (code.to_owned(), field.to_owned());
            vec![Diagnostic { severity: "error".into(), code, message: error.to_string(), field }]
        }
    };
    Ok(Json(Validation { valid: diagnostics.is_empty(), diagnostics }))
}

/// chap-core's requests carry `run_info` (and `artifact_id`); the spec's do not.
fn generation(body: &Map<String, Value>, uses_artifact_id: bool) -> Result<Generation, ApiError> {
    match body.get("run_info") {
        Some(Value::Object(_)) => Ok(Generation::Chapkit),
        Some(Value::Null) | None if uses_artifact_id => Ok(Generation::Chapkit),
        Some(Value::Null) | None => Ok(Generation::Spec),
        Some(_) => Err(ApiError::validation(&["body", "run_info"], "`run_info` must be an object")),
    }
}

/// `run_info.prediction_periods`, or the legacy `prediction_length`; other keys ignored.
fn run_info_periods(body: &Map<String, Value>) -> Result<Option<u64>, ApiError> {
    let Some(Value::Object(run_info)) = body.get("run_info") else { return Ok(None) };
    for key in ["prediction_periods", "prediction_length"] {
        match run_info.get(key) {
            None | Some(Value::Null) => continue,
            Some(value) => {
                return value.as_u64().map(Some).ok_or_else(|| {
                    ApiError::validation(&["body", "run_info", key], format!("`{key}` must be a non-negative integer"))
                });
            }
        }
    }
    Ok(None)
}

/// Optional GeoJSON: must be a FeatureCollection when present.
/// `geo`, checked as a whole by the `geojson` crate (features, geometries, coordinates),
/// passed on as text.
fn geo(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let geo = match body.get("geo") {
        None | Some(Value::Null) => return Ok(None),
        Some(geo) if geo["type"] == "FeatureCollection" && geo["features"].is_array() => geo.to_string(),
        Some(_) => {
            return Err(ApiError::validation(
                &["body", "geo", "type"],
                "`geo` must be a GeoJSON FeatureCollection ({\"type\": \"FeatureCollection\", \"features\": [...]})",
            ));
        }
    };
    match geo.parse::<geojson::FeatureCollection>() {
        Ok(_) => Ok(Some(geo)),
        Err(e) => Err(ApiError::validation(&["body", "geo"], format!("`geo` is not valid GeoJSON: {e}"))),
    }
}

fn submit_error(error: SubmitError) -> ApiError {
    match error {
        SubmitError::ConfigNotFound(_) | SubmitError::ModelNotFound(_) => ApiError::not_found(error.to_string()),
        SubmitError::NotAModel(_) | SubmitError::FailedModel(_) => ApiError::bad_request(error.to_string()),
        SubmitError::ComponentGone(_) => ApiError::conflict(error.to_string()),
        SubmitError::IdempotencyConflict(_) => ApiError::validation(&["header", "Idempotency-Key"], error.to_string()),
        SubmitError::InvalidFrame { field, message } => ApiError::validation(&["body", field], message),
        SubmitError::Horizon(message) => ApiError::validation(&["body", "run_info", "prediction_periods"], message),
        SubmitError::Encode(message) => ApiError::internal(message),
        SubmitError::QueueFull(_) => ApiError::unavailable(error.to_string(), QUEUE_FULL_RETRY_SECS),
        SubmitError::Store(e) => e.into(),
    }
}

/// When a client refused for a full queue may try again (a few jobs' time).
const QUEUE_FULL_RETRY_SECS: u64 = 5;
