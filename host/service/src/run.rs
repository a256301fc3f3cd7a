//! Running one claimed job: load its inputs, call the guest on a blocking thread (so HTTP
//! stays responsive), then commit the artifact and the job's end together. A model that
//! fails still leaves an artifact under the pre-allocated id, with status `failed` and the
//! guest's error, stdout, stderr and log, so a client can read why.

use super::clock::{entity_time, job_time, metadata_time};
use super::data_hash::{predict_data_sha256, sha256_hex, train_data_sha256};
use super::events::ProgressPublisher;
use super::leases::Heartbeat;
use super::predictions;
use super::sized_work::{frame_bytes, sized_work};
use super::{AcceptedJob, Generation, JobRequest, MlKind, MlRecord, MlService, MlStatus};
use chapwasm_frames::json::frame_json_bytes;
use chapwasm_runtime::{Call, CancelToken, GuestOutput, ModelComponent, RuntimeError};
use chapwasm_store::{ArtifactRow, JobRow, JobStatus};
use std::sync::Arc;

/// An artifact to write: the record, its parent, and content on success.
struct Produced {
    record: MlRecord,
    parent_id: Option<String>,
    content: Option<(Vec<u8>, &'static str)>,
}

enum Outcome {
    Succeeded(Produced),
    /// The guest ran and failed: the job fails and a `failed` artifact keeps its output.
    ModelFailed {
        produced: Produced,
        error: String,
        traceback: String,
    },
    /// The job could not even start the guest (its inputs vanished meanwhile).
    Failed(String),
}

/// The inputs of one guest call, resolved from the store.
struct Context {
    kind: MlKind,
    config_sha256: String,
    data_sha256: String,
    generation: Generation,
    config_id: String,
    model_artifact_id: Option<String>,
}

impl MlService {
    /// Records a claimed job as running in this process, stopped by `cancel`; false, and
    /// nothing recorded, once `drain` has taken the jobs it hands back (the caller then
    /// hands this one back: `hand_back_late`).
    pub(super) fn register_running(&self, job: &JobRow, cancel: CancelToken) -> bool {
        let mut running = self.running.lock().expect("running lock");
        if self.handed_back.load(std::sync::atomic::Ordering::SeqCst) {
            return false;
        }
        running.insert(job.id.clone(), super::RunningJob { cancel, attempt: job.attempt });
        true
    }

    /// Runs a job claimed from the queue (registered by `register_running`) to its end.
    pub(super) async fn execute(self: &Arc<Self>, job: JobRow, cancel: CancelToken) {
        let heartbeat = self.heartbeat(job.id.clone(), job.attempt);
        let clock = std::time::Instant::now();
        let accepted = match self.handoff.take(&job.id) {
            Some(accepted) => Ok(accepted),
            None => self.read_inputs(&job.id).await,
        };
        let decoded = clock.elapsed();
        let outcome = match accepted {
            Ok(accepted) => self.produce(accepted, &job.id, cancel).await,
            Err(e) => Outcome::Failed(format!("the stored job inputs are unreadable: {e}")),
        };
        let ran = clock.elapsed();
        self.record_end(&job, outcome, heartbeat).await;
        tracing::debug!(
            job = %job.id,
            decode_ms = ms(decoded),
            run_ms = ms(ran - decoded),
            store_ms = ms(clock.elapsed() - ran),
            "job finished"
        );
    }

    /// Runs `accepted` for a job started at the door (see `door`) while `admission`
    /// commits its row: that returns the heartbeat of the admitted job, or `None` when
    /// nothing was committed, and then the run's outcome is dropped unwritten.
    pub(super) async fn execute_admitted(
        self: &Arc<Self>,
        job: JobRow,
        accepted: AcceptedJob,
        cancel: CancelToken,
        admission: impl Future<Output = Option<Heartbeat>>,
    ) {
        let clock = std::time::Instant::now();
        let run = async { (self.produce(accepted, &job.id, cancel).await, clock.elapsed()) };
        let commit = async { (admission.await, clock.elapsed()) };
        let ((outcome, produced), (heartbeat, committed)) = tokio::join!(run, commit);
        let Some(heartbeat) = heartbeat else { return };
        let ran = clock.elapsed();
        self.record_end(&job, outcome, heartbeat).await;
        tracing::debug!(
            job = %job.id,
            run_ms = ms(produced),
            commit_ms = ms(committed),
            store_ms = ms(clock.elapsed() - ran),
            "job started at the door finished"
        );
    }

    /// Commits a run's outcome (fenced by its attempt), forgets the job here and tells
    /// subscribers.
    async fn record_end(&self, job: &JobRow, outcome: Outcome, heartbeat: Heartbeat) {
        let now = job_time();
        let mut ended = job.clone_summary();
        ended.finished_at = Some(now.clone());
        let stored = match outcome {
            Outcome::Succeeded(produced) => {
                ended.status = JobStatus::Completed;
                let (artifact, link) = artifact_row(job, produced);
                self.store.complete_job(&job.id, job.attempt, &now, &artifact, link.as_deref()).await
            }
            Outcome::ModelFailed { produced, error, traceback } => {
                (ended.status, ended.error, ended.error_traceback) =
                    (JobStatus::Failed, Some(error.clone()), Some(traceback.clone()));
                let (artifact, link) = artifact_row(job, produced);
                let artifact = Some((&artifact, link.as_deref()));
                self.store.fail_job(&job.id, job.attempt, &now, &error, &traceback, artifact).await
            }
            Outcome::Failed(error) => {
                (ended.status, ended.error, ended.error_traceback) =
                    (JobStatus::Failed, Some(error.clone()), Some(String::new()));
                self.store.fail_job(&job.id, job.attempt, &now, &error, "", None).await
            }
        };
        drop(heartbeat);
        self.running.lock().expect("running lock").remove(&job.id);
        match stored {
            // Not written: the job was deleted or taken over; subscribers read the row back.
            Ok(true) => self.events.publish(super::JobEvent::changed(&ended)),
            Ok(false) => self.events.publish(super::JobEvent::Changed { job_id: job.id.clone(), job: None }),
            Err(error) => {
                tracing::error!(job = %job.id, %error, "cannot record the job's outcome");
                self.events.publish(super::JobEvent::Changed { job_id: job.id.clone(), job: None });
            }
        }
    }

    /// A job's inputs from the database (submitted elsewhere or before a restart).
    async fn read_inputs(&self, job_id: &str) -> Result<AcceptedJob, String> {
        match self.store.job_inputs(job_id).await {
            Ok(Some(bytes)) => self.stored_job(&bytes).await,
            Ok(None) => Err("written by an older version of chapwasm; submit it again".to_owned()),
            Err(error) => {
                // The database's own text goes to the log, not into the job a client reads.
                tracing::error!(job = %job_id, %error, "cannot read the job's inputs");
                Err("the database could not be read".to_owned())
            }
        }
    }

    /// A job's stored inputs. Rows accepted before jobs were pinned hold only the request:
    /// those are pinned now, as a submission would have been.
    async fn stored_job(&self, bytes: &[u8]) -> Result<AcceptedJob, String> {
        let legacy = match AcceptedJob::decode(bytes) {
            Ok(accepted) => return Ok(accepted),
            Err(e) => JobRequest::decode_unpinned(bytes).map_err(|_| e)?,
        };
        let mut request = legacy;
        let (_, pinned) = self.check(&mut request).await.map_err(|e| e.to_string())?;
        Ok(AcceptedJob { request, pinned, data_sha256: None })
    }

    async fn produce(self: &Arc<Self>, accepted: AcceptedJob, job_id: &str, cancel: CancelToken) -> Outcome {
        let AcceptedJob { request, pinned, data_sha256: known_sha256 } = accepted;
        let observer = Arc::new(ProgressPublisher { events: self.events.clone(), job_id: job_id.to_owned() });
        let started = chrono::Utc::now();
        match request {
            JobRequest::Train { config_id, data, geo, generation, .. } => {
                // What was accepted runs: the pinned config data and component, whatever
                // happened to the config since.
                let model = match self.component_by_sha(&pinned.component_sha256).await {
                    Ok(model) => model,
                    Err(e) => return failed_to_load(job_id, e),
                };
                let size = frame_bytes(&data);
                let (data, data_sha256) = match hashed(data, size, known_sha256, train_data_sha256).await {
                    Ok(hashed) => hashed,
                    Err(e) => return Outcome::Failed(e),
                };
                let config = pinned.config_data;
                let config_sha256 = sha256_hex(&[config.as_bytes()]);
                let call = model.train(config, data, geo, observer, cancel).await;
                let context = Context {
                    kind: MlKind::TrainedModel,
                    config_sha256,
                    data_sha256,
                    generation,
                    config_id,
                    model_artifact_id: None,
                };
                outcome(&model, call, started, context, |bytes| (bytes, "application/x-chapwasm-model"))
            }
            JobRequest::Predict { model_artifact_id, historic, future, geo, generation, .. } => {
                let (record, bytes) = match self.trained_model(&model_artifact_id).await {
                    Ok(found) => found,
                    Err(e) => {
                        tracing::warn!(job = %job_id, error = ?e, "cannot read the model to predict with");
                        return Outcome::Failed(e.to_string());
                    }
                };
                let model = match self.component_by_sha(&pinned.component_sha256).await {
                    Ok(model) => model,
                    Err(e) => return failed_to_load(job_id, e),
                };
                let size = frame_bytes(&historic).saturating_add(frame_bytes(&future));
                let frames = hashed((historic, future), size, known_sha256, |(historic, future)| {
                    predict_data_sha256(historic, future)
                });
                let ((historic, future), data_sha256) = match frames.await {
                    Ok(hashed) => hashed,
                    Err(e) => return Outcome::Failed(e),
                };
                let config = pinned.config_data;
                let config_sha256 = sha256_hex(&[config.as_bytes()]);
                let future_rows = future.num_rows();
                let call = model.predict(config, bytes, historic, future, geo, observer, cancel).await;
                let call = call.and_then(|frame| {
                    predictions::check(&frame, future_rows)
                        .map(|()| frame)
                        .map_err(|e| RuntimeError::InvalidOutput(format!("invalid predictions: {e}")))
                });
                let context = Context {
                    kind: MlKind::Prediction,
                    config_sha256,
                    data_sha256,
                    generation,
                    config_id: record.config_id,
                    model_artifact_id: Some(model_artifact_id),
                };
                outcome(&model, call, started, context, |frame| {
                    (frame_json_bytes(&frame), "application/vnd.chapkit.dataframe+json")
                })
            }
        }
    }
}

/// Turns a finished guest call into what to store.
/// A job whose component cannot be loaded fails with a message fit for anyone; the whole
/// error goes to the log.
fn failed_to_load(job_id: &str, error: super::RegisterError) -> Outcome {
    tracing::warn!(job = %job_id, error = ?error, "cannot load the job's component");
    Outcome::Failed(error.to_string())
}

fn outcome<T>(
    model: &ModelComponent,
    call: Call<T>,
    started: chrono::DateTime<chrono::Utc>,
    context: Context,
    encode: impl FnOnce(T) -> (Vec<u8>, &'static str),
) -> Outcome {
    let completed = chrono::Utc::now();
    let description = model.description();
    let output = call.output;
    let error = call.result.as_ref().err().map(ToString::to_string);
    let record = MlRecord {
        chapwasm_ml: context.kind,
        status: if error.is_some() { MlStatus::Failed } else { MlStatus::Success },
        error: error.clone(),
        generation: context.generation,
        config_id: context.config_id,
        model_artifact_id: context.model_artifact_id.clone(),
        model_type: format!("{}@{}", description.name, description.version),
        component_sha256: model.sha256().to_owned(),
        config_sha256: context.config_sha256,
        data_sha256: context.data_sha256,
        started_at: metadata_time(started),
        completed_at: metadata_time(completed),
        duration_seconds: ((completed - started).num_microseconds().unwrap_or(0) as f64 / 1e4).round() / 100.0,
        log: log_text(&output),
        stdout: output.stdout.clone(),
        stderr: output.stderr.clone(),
    };
    let parent_id = context.model_artifact_id;
    match call.result {
        Ok(value) => Outcome::Succeeded(Produced { record, parent_id, content: Some(encode(value)) }),
        Err(_) => Outcome::ModelFailed {
            produced: Produced { record, parent_id, content: None },
            error: error.unwrap_or_default(),
            traceback: traceback(&output),
        },
    }
}

/// The artifact row for the job's pre-allocated id, and the config to link a root to.
fn artifact_row(job: &JobRow, produced: Produced) -> (ArtifactRow, Option<String>) {
    let level = if produced.parent_id.is_some() { 1 } else { 0 };
    let link = (level == 0).then(|| produced.record.config_id.clone());
    let created = entity_time();
    let (content, content_type) = match produced.content {
        Some((bytes, kind)) => (Some(bytes), Some(kind.to_owned())),
        None => (None, None),
    };
    let artifact = ArtifactRow {
        id: job.artifact_id.clone(),
        parent_id: produced.parent_id,
        level,
        data: serde_json::to_string(&produced.record).expect("record serialises"),
        content,
        content_type,
        tags: "[]".into(),
        created_at: created.clone(),
        updated_at: created,
        written_by_job: true,
    };
    (artifact, link)
}

/// A duration in milliseconds, for the debug lines of finished jobs.
fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn log_text(output: &GuestOutput) -> String {
    output.logs.iter().map(|r| format!("[{:?}] {}\n", r.level, r.message)).collect()
}

/// The guest's own account of a failure: its log, stdout and stderr.
fn traceback(output: &GuestOutput) -> String {
    format!("--- log ---\n{}--- stdout ---\n{}\n--- stderr ---\n{}", log_text(output), output.stdout, output.stderr)
}

/// The frames (of `bytes` in memory) and their data hash: `known` if it was worked out at
/// submission (`data_hash`), else computed off the async worker when they are large
/// (`sized_work`).
async fn hashed<T: Send + 'static>(
    frames: T,
    bytes: usize,
    known: Option<String>,
    hash: fn(&T) -> String,
) -> Result<(T, String), String> {
    if let Some(digest) = known {
        return Ok((frames, digest));
    }
    let hashing = sized_work(bytes, move || {
        let digest = hash(&frames);
        (frames, digest)
    });
    hashing.await.map_err(|e| format!("hashing the job's data was interrupted: {e}"))
}
