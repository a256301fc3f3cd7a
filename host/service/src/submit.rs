//! Accepting a job: check everything that can be checked before running (the config or
//! model exists, its component exists, frames parse), pin what the job will run — the
//! config's data and the component, by hash — and commit the job row with both. A 202
//! means this committed; later edits of the config affect later jobs only.

use super::clock::{job_time, new_id};
use super::early_read::{EarlyAnswer, EarlyRead};
use super::handoff::resident_bytes;
use super::sized_work::{is_large, sized_work};
use super::{Generation, MlKind, MlRecord, MlService, MlStatus, horizon};
use chapwasm_frames::codec as frame_codec;
use chapwasm_sdk::DataFrame;
use chapwasm_store::{ArtifactRow, Claim, JobRow, JobStatus, KeyedJob, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Everything a job needs to run, stored in its row (so it survives a restart) in a
/// compact binary form: frames as typed columns (`frame_codec`), parsed once at the door.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JobRequest {
    Train {
        config_id: String,
        #[serde(with = "frame_codec::field")]
        data: DataFrame,
        /// GeoJSON text.
        geo: Option<String>,
        generation: Generation,
        /// From `run_info`; replaced at submission by the decided horizon.
        #[serde(default)]
        prediction_periods: Option<u64>,
    },
    Predict {
        model_artifact_id: String,
        #[serde(with = "frame_codec::field")]
        historic: DataFrame,
        #[serde(with = "frame_codec::field")]
        future: DataFrame,
        geo: Option<String>,
        generation: Generation,
        #[serde(default)]
        prediction_periods: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub job_id: String,
    pub artifact_id: String,
    /// The job an earlier request with the same `Idempotency-Key` created (nothing new).
    pub replayed: bool,
}

/// A client's `Idempotency-Key` and the hash of the request it came with: a retry of the
/// same request gets the first job back; the same key with another request is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Idempotency {
    pub key: String,
    pub request_sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("Config {0} not found")]
    ConfigNotFound(String),
    #[error("Model artifact {0} not found")]
    ModelNotFound(String),
    #[error("Artifact {0} is not a trained model")]
    NotAModel(String),
    #[error("Cannot predict with artifact {0}: its training failed")]
    FailedModel(String),
    #[error("{message}")]
    InvalidFrame { field: &'static str, message: String },
    #[error("{0}")]
    Horizon(String),
    /// The component a config names, or a model was trained with, is no longer registered.
    #[error("Component {0} is no longer registered; upload it again")]
    ComponentGone(String),
    #[error("Idempotency-Key `{0}` was used with another request: use a new key for a new request")]
    IdempotencyConflict(String),
    /// The queue holds its most pending jobs: nothing was created; try again later.
    #[error("the job queue is full ({0} jobs waiting): nothing was created; try again later")]
    QueueFull(usize),
    /// Storing the job's inputs failed on the host (not the request's fault).
    #[error("cannot store the job's inputs: {0}")]
    Encode(String),
    /// The database's own text stays in the server log (clients may be anyone).
    #[error("the service's database failed (the server log has the details)")]
    Store(#[from] StoreError),
}

/// What a job was accepted with, fixed at submission: the config data it runs (with the
/// decided horizon) and the component, by SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pinned {
    pub config_data: String,
    pub component_sha256: String,
}

/// A job's stored inputs: the request as accepted and what it was pinned to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AcceptedJob {
    pub request: JobRequest,
    pub pinned: Pinned,
    /// The data's hash when it was worked out at submission (`data_hash`); not stored: a
    /// job read back from its row hashes its frames when it runs.
    #[serde(skip)]
    pub data_sha256: Option<String>,
}

impl JobRequest {
    /// A request stored on its own, as jobs were before they were pinned.
    pub fn decode_unpinned(bytes: &[u8]) -> Result<Self, String> {
        postcard::from_bytes(bytes).map_err(|e| e.to_string())
    }
}

impl AcceptedJob {
    /// The bytes stored in the job's row.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a job encodes")
    }

    /// A job from its stored bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        postcard::from_bytes(bytes).map_err(|e| e.to_string())
    }
}

impl MlService {
    /// Checks a request and commits it as a pending job; with an idempotency key, a retry
    /// returns the job the key already names (checked before any check of the request, so
    /// the answer does not change if, say, the config was deleted since). `early` is the
    /// request's first read if it was sent before the request was parsed (`early_read`):
    /// its answer is awaited first, even by a retry that will not use it, so that it does
    /// not hold its connection while the key is read.
    pub async fn submit(
        self: &Arc<Self>,
        mut request: JobRequest,
        idempotency: Option<Idempotency>,
        early: Option<EarlyRead>,
    ) -> Result<Submitted, SubmitError> {
        let mut early = match early {
            Some(read) => Some(read.answer().await),
            None => None,
        };
        if let Some(idempotency) = &idempotency
            && let Some(first) = self.store.keyed_job(&idempotency.key).await?
        {
            return replay(first, idempotency);
        }
        // Bounded across replicas, give or take the submissions racing this one.
        let (kind, pinned, waiting) = self.check_queued(&mut request, self.max_pending_jobs, &mut early).await?;
        if waiting >= self.max_pending_jobs {
            return Err(SubmitError::QueueFull(self.max_pending_jobs));
        }
        let component_sha256 = pinned.component_sha256.clone();
        let mut accepted = AcceptedJob { request, pinned, data_sha256: None };
        let resident = resident_bytes(&accepted);
        let fits = self.handoff.fits(resident);
        // Large inputs, nothing waiting and a slot free: no need to queue (see `door`).
        let door = match waiting {
            0 if fits && is_large(resident) => self.open_door().await,
            _ => None,
        };
        // Inputs too large for the hand-off are freed where they are encoded, not held
        // through the insert. A job at the door has its data hashed meanwhile (`data_hash`),
        // and its door goes with the work, so that the slot stays taken until the work
        // ends even if this submission is dropped (a client gone, a deadline).
        let encode = move || {
            let inputs = if door.is_some() {
                let (inputs, digest) = accepted.encode_and_hash();
                accepted.data_sha256 = digest;
                inputs
            } else {
                accepted.encode()
            };
            (fits.then_some(accepted), inputs, door)
        };
        let encoded = sized_work(resident, encode).await;
        let (kept, inputs, door) = encoded.map_err(|e| SubmitError::Encode(e.to_string()))?;
        // The artifact id is allocated first, as chapkit does (consecutive ULIDs).
        let artifact_id = new_id();
        let job = JobRow {
            id: new_id(),
            kind: kind.to_owned(),
            status: JobStatus::Pending,
            inputs: Some(inputs),
            artifact_id: artifact_id.clone(),
            submitted_at: job_time(),
            started_at: None,
            finished_at: None,
            error: None,
            error_traceback: None,
            attempt: 0,
        };
        let handed_over = match (door, kept) {
            (Some(door), Some(accepted)) => {
                return self.start_at_door(door, job, accepted, component_sha256, idempotency).await;
            }
            (_, kept) => kept,
        };
        // Handed over before the commit, so that a claim racing it finds them; taken back
        // if nothing was created.
        if let Some(accepted) = handed_over {
            self.handoff.keep(&job.id, resident, accepted);
        }
        let inserted = self.insert(&job, &component_sha256, idempotency.as_ref(), None).await;
        if !matches!(inserted, Ok(None)) {
            self.handoff.forget(&job.id);
        }
        if let (Some(first), Some(idempotency)) = (inserted?, &idempotency) {
            return replay(first, idempotency);
        }
        self.events.publish(super::JobEvent::changed(&job));
        self.wakeup.notify_one();
        Ok(Submitted { job_id: job.id, artifact_id, replayed: false })
    }

    /// Commits a new job (once per idempotency key), claimed by `claim` if given: `None`
    /// if it was created, else the job the key already names.
    pub(super) async fn insert(
        &self,
        job: &JobRow,
        component_sha256: &str,
        idempotency: Option<&Idempotency>,
        claim: Option<Claim<'_>>,
    ) -> Result<Option<KeyedJob>, SubmitError> {
        match idempotency {
            None => Ok(self.store.insert_job(job, Some(component_sha256), claim).await.map(|()| None)?),
            // A retry racing the first request: whichever commits first wins.
            Some(idempotency) => {
                let inserted = self.store.insert_job_once(
                    job,
                    Some(component_sha256),
                    claim,
                    &idempotency.key,
                    &idempotency.request_sha256,
                );
                Ok(inserted.await?)
            }
        }
    }

    /// Everything `submit` checks, without creating anything (`$validate`); fills in the
    /// decided horizon. Returns the job kind and what the job is pinned to.
    pub async fn check(&self, request: &mut JobRequest) -> Result<(&'static str, Pinned), SubmitError> {
        let (kind, pinned, _) = self.check_queued(request, 0, &mut None).await?;
        Ok((kind, pinned))
    }

    /// `check`, and how many jobs wait to run (counted no further than `queue_limit`),
    /// read with the config. The first read's answer comes from `early` when that read it
    /// (only a submission passes one: it counts the queue to the service's bound).
    async fn check_queued(
        &self,
        request: &mut JobRequest,
        queue_limit: usize,
        early: &mut Option<EarlyAnswer>,
    ) -> Result<(&'static str, Pinned, usize), SubmitError> {
        Ok(match request {
            JobRequest::Train { config_id, prediction_periods, .. } => {
                let config = match EarlyAnswer::config(early, config_id) {
                    Some(config) => config?,
                    None => self.store.get_config_and_queue(config_id, queue_limit).await?,
                };
                let (config, waiting) = config.ok_or_else(|| SubmitError::ConfigNotFound(config_id.clone()))?;
                *prediction_periods = self.horizon(*prediction_periods, None, &config.data)?;
                let component_sha256 = match &config.component_id {
                    None => self.model.sha256().to_owned(),
                    Some(id) => {
                        let row = self.store.find_component(id).await?;
                        row.ok_or_else(|| SubmitError::ComponentGone(id.clone()))?.sha256
                    }
                };
                let config_data = horizon::config_for_run(&config.data, *prediction_periods);
                ("train", Pinned { config_data, component_sha256 }, waiting)
            }
            JobRequest::Predict { model_artifact_id, future, prediction_periods, .. } => {
                let record = self.trained_model_record(model_artifact_id, early).await?;
                let config = self.store.get_config_and_queue(&record.config_id, queue_limit).await?;
                let (config, waiting) = config.ok_or_else(|| SubmitError::ConfigNotFound(record.config_id.clone()))?;
                *prediction_periods = self.horizon(*prediction_periods, Some(future), &config.data)?;
                // The model's code must still be there: a 4xx now, not a failed job later.
                if record.component_sha256 != self.model.sha256()
                    && self.store.find_component(&record.component_sha256).await?.is_none()
                {
                    return Err(SubmitError::ComponentGone(record.component_sha256.clone()));
                }
                let config_data = horizon::config_for_run(&config.data, *prediction_periods);
                ("predict", Pinned { config_data, component_sha256: record.component_sha256 }, waiting)
            }
        })
    }

    /// The record of a trained-model artifact, without loading the model bytes (read by
    /// `early` if that read it).
    async fn trained_model_record(&self, id: &str, early: &mut Option<EarlyAnswer>) -> Result<MlRecord, SubmitError> {
        let artifact = match EarlyAnswer::model(early, id) {
            Some(artifact) => artifact?,
            None => self.store.get_artifact_summary(id).await?,
        };
        trained_model_of(id, artifact.as_ref())
    }

    /// The record and bytes of a trained-model artifact (what a predict job runs on), in
    /// one read.
    pub(super) async fn trained_model(&self, id: &str) -> Result<(MlRecord, Vec<u8>), SubmitError> {
        let artifact = self.store.get_artifact(id).await?;
        let record = trained_model_of(id, artifact.as_ref())?;
        let bytes = artifact.and_then(|a| a.content).ok_or_else(|| SubmitError::NotAModel(id.to_owned()))?;
        Ok((record, bytes))
    }
}

/// The record of artifact `id` (as read), if it is a model a job trained successfully.
fn trained_model_of(id: &str, artifact: Option<&ArtifactRow>) -> Result<MlRecord, SubmitError> {
    let artifact = artifact.ok_or_else(|| SubmitError::ModelNotFound(id.to_owned()))?;
    if !artifact.written_by_job {
        return Err(SubmitError::NotAModel(id.to_owned()));
    }
    match serde_json::from_str::<MlRecord>(&artifact.data).ok() {
        Some(record) if record.chapwasm_ml == MlKind::TrainedModel && record.status == MlStatus::Failed => {
            Err(SubmitError::FailedModel(id.to_owned()))
        }
        Some(record) if record.chapwasm_ml == MlKind::TrainedModel => Ok(record),
        _ => Err(SubmitError::NotAModel(id.to_owned())),
    }
}

/// The first job of an idempotency key, if the request is the same one.
pub(super) fn replay(first: KeyedJob, idempotency: &Idempotency) -> Result<Submitted, SubmitError> {
    if first.request_sha256 != idempotency.request_sha256 {
        return Err(SubmitError::IdempotencyConflict(idempotency.key.clone()));
    }
    Ok(Submitted { job_id: first.job_id, artifact_id: first.artifact_id, replayed: true })
}

impl MlService {
    /// Decides and checks the horizon (see `horizon`).
    fn horizon(
        &self,
        run_info: Option<u64>,
        future: Option<&chapwasm_sdk::DataFrame>,
        config: &str,
    ) -> Result<Option<u64>, SubmitError> {
        let config: Value = serde_json::from_str(config).unwrap_or(Value::Null);
        let Some((periods, source)) = horizon::decide(run_info, future, &config) else { return Ok(None) };
        horizon::check(periods, source, self.horizon).map_err(SubmitError::Horizon)?;
        Ok(Some(periods))
    }
}
