//! Running one claimed job: load its inputs, call the guest on a blocking thread (so HTTP
//! stays responsive), then commit the artifact and completion together, or the failure
//! with the guest's error and output.

use super::clock::{entity_time, job_time, metadata_time};
use super::events::ProgressPublisher;
use super::{Generation, JobRequest, MlKind, MlRecord, MlService};
use crate::frame_json::{parse_frame, render_frame};
use crate::runtime::{Call, GuestOutput};
use crate::store::{ArtifactRow, JobRow};
use std::sync::Arc;

/// What a successful guest call produced, ready to store.
struct Produced {
    record: MlRecord,
    parent_id: Option<String>,
    content: Vec<u8>,
    content_type: &'static str,
}

impl MlService {
    pub(super) async fn execute(self: &Arc<Self>, job: JobRow) {
        let outcome = match serde_json::from_str::<JobRequest>(&job.request) {
            Ok(request) => self.produce(request, &job.id).await,
            Err(e) => Err((format!("the stored job request is unreadable: {e}"), String::new())),
        };
        let now = job_time();
        let stored = match outcome {
            Ok(produced) => {
                let level = if produced.parent_id.is_some() { 1 } else { 0 };
                let link = (level == 0).then(|| produced.record.config_id.clone());
                let created = entity_time();
                let artifact = ArtifactRow {
                    id: job.artifact_id.clone(),
                    parent_id: produced.parent_id,
                    level,
                    data: serde_json::to_string(&produced.record).expect("record serialises"),
                    content: Some(produced.content),
                    content_type: Some(produced.content_type.to_owned()),
                    tags: "[]".into(),
                    created_at: created.clone(),
                    updated_at: created,
                };
                self.store.complete_job(&job.id, &now, &artifact, link.as_deref()).await
            }
            Err((error, traceback)) => self.store.fail_job(&job.id, &now, &error, &traceback).await,
        };
        if let Err(error) = stored {
            tracing::error!(job = %job.id, %error, "cannot record the job's outcome");
        }
        self.events.publish(super::JobEvent::Changed { job_id: job.id.clone() });
    }

    /// Runs the guest; on failure returns `(error, traceback)` for the job record.
    async fn produce(self: &Arc<Self>, request: JobRequest, job_id: &str) -> Result<Produced, (String, String)> {
        let plain = |message: String| (message, String::new());
        let observer = Arc::new(ProgressPublisher { events: self.events.clone(), job_id: job_id.to_owned() });
        match request {
            JobRequest::Train { config_id, data, geo, generation } => {
                let config = self.store.get_config(&config_id).await.map_err(|e| plain(e.to_string()))?;
                let config = config.ok_or_else(|| plain(format!("Config {config_id} not found")))?;
                let frame = parse_frame(&data, "data", true).map_err(|e| plain(e.0))?;
                let geo = geo.map(|g| g.to_string());
                let this = self.clone();
                let started = chrono::Utc::now();
                let call = tokio::task::spawn_blocking(move || {
                    this.model.train(&config.data, frame, geo.as_deref(), observer)
                })
                .await
                .map_err(|e| plain(format!("the model call was aborted: {e}")))?;
                let (bytes, record) = self.finish(call, started, MlKind::TrainedModel, generation, config_id, None)?;
                Ok(Produced { record, parent_id: None, content: bytes, content_type: "application/x-chapwasm-model" })
            }
            JobRequest::Predict { model_artifact_id, historic, future, geo, generation } => {
                let (model, bytes) = self.trained_model(&model_artifact_id).await.map_err(|e| plain(e.to_string()))?;
                let config = self.store.get_config(&model.config_id).await.map_err(|e| plain(e.to_string()))?;
                let config = config.ok_or_else(|| plain(format!("Config {} not found", model.config_id)))?;
                let historic = parse_frame(&historic, "historic", false).map_err(|e| plain(e.0))?;
                let future = parse_frame(&future, "future", true).map_err(|e| plain(e.0))?;
                let geo = geo.map(|g| g.to_string());
                let this = self.clone();
                let started = chrono::Utc::now();
                let call = tokio::task::spawn_blocking(move || {
                    this.model.predict(&config.data, &bytes, historic, future, geo.as_deref(), observer)
                })
                .await
                .map_err(|e| plain(format!("the model call was aborted: {e}")))?;
                let parent = Some(model_artifact_id.clone());
                let (frame, record) =
                    self.finish(call, started, MlKind::Prediction, generation, model.config_id, parent.clone())?;
                let content = render_frame(&frame).to_string().into_bytes();
                Ok(Produced {
                    record,
                    parent_id: parent,
                    content,
                    content_type: "application/vnd.chapkit.dataframe+json",
                })
            }
        }
    }

    fn finish<T>(
        &self,
        call: Call<T>,
        started: chrono::DateTime<chrono::Utc>,
        kind: MlKind,
        generation: Generation,
        config_id: String,
        model_artifact_id: Option<String>,
    ) -> Result<(T, MlRecord), (String, String)> {
        let completed = chrono::Utc::now();
        let value = call.result.map_err(|e| (e.to_string(), traceback(&call.output)))?;
        let description = self.model.description();
        let output = call.output;
        let record = MlRecord {
            chapwasm_ml: kind,
            generation,
            config_id,
            model_artifact_id,
            model_type: format!("{}@{}", description.name, description.version),
            component_sha256: self.model.sha256().to_owned(),
            started_at: metadata_time(started),
            completed_at: metadata_time(completed),
            duration_seconds: ((completed - started).num_microseconds().unwrap_or(0) as f64 / 1e6 * 100.0).round()
                / 100.0,
            log: log_text(&output),
            stdout: output.stdout,
            stderr: output.stderr,
        };
        Ok((value, record))
    }
}

fn log_text(output: &GuestOutput) -> String {
    output.logs.iter().map(|r| format!("[{:?}] {}\n", r.level, r.message)).collect()
}

/// The guest's own account of a failure: its log, stdout and stderr.
fn traceback(output: &GuestOutput) -> String {
    format!("--- log ---\n{}--- stdout ---\n{}\n--- stderr ---\n{}", log_text(output), output.stdout, output.stderr)
}
