//! Artifacts on the wire. An ML artifact's canonical record is rendered in the generation
//! of the request that created it: the spec's `{ml_type, ...}` or current chapkit's
//! `{type, metadata, content, content_type, content_size}` (exactly those keys: chap-core
//! forbids extras). Model bytes never appear inline; `$download` serves them.

use super::wire::Artifact;
use chapwasm_service::ArtifactRow;
use chapwasm_service::{Generation, MlKind, MlRecord, MlStatus};
use serde_json::{Value, json};

/// The canonical ML record of an artifact a job wrote (`None` for a client's artifact,
/// whatever its data looks like).
fn ml_record(row: &ArtifactRow, stored: &Value) -> Option<MlRecord> {
    row.written_by_job.then(|| serde_json::from_value::<MlRecord>(stored.clone()).ok()).flatten()
}

pub fn artifact(row: &ArtifactRow, with_content: bool) -> Artifact {
    let stored: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
    let data = match ml_record(row, &stored) {
        Some(record) => ml_data(row, &record, with_content),
        None => stored,
    };
    Artifact::new(row, data)
}

fn ml_data(row: &ArtifactRow, record: &MlRecord, with_content: bool) -> Value {
    let size = row.content.as_ref().map(Vec::len);
    let frame =
        || -> Value { row.content.as_deref().and_then(|c| serde_json::from_slice(c).ok()).unwrap_or(Value::Null) };
    let model_placeholder = || match size {
        Some(size) => {
            json!({"_type": "bytes", "size": size, "download": format!("/api/v1/artifacts/{}/$download", row.id)})
        }
        None => Value::Null,
    };
    let mut data = match (record.generation, record.chapwasm_ml) {
        (Generation::Spec, MlKind::TrainedModel) => json!({
            "ml_type": "trained_model",
            "config_id": record.config_id,
            "model": model_placeholder(),
            "model_type": record.model_type,
            "model_size_bytes": size,
            "started_at": record.started_at,
            "completed_at": record.completed_at,
            "duration_seconds": record.duration_seconds,
        }),
        (Generation::Spec, MlKind::Prediction) => {
            let mut data = json!({
                "ml_type": "prediction",
                "config_id": record.config_id,
                "model_artifact_id": record.model_artifact_id,
                "started_at": record.started_at,
                "completed_at": record.completed_at,
                "duration_seconds": record.duration_seconds,
            });
            if with_content {
                data["predictions"] = frame();
            }
            data
        }
        (Generation::Chapkit, kind) => {
            let (type_name, content) = match kind {
                MlKind::TrainedModel => ("ml_training_workspace", model_placeholder()),
                MlKind::Prediction => ("ml_prediction", frame()),
            };
            let mut data = json!({
                "type": type_name,
                "metadata": chapkit_metadata(record),
                "content_type": row.content_type,
                "content_size": if kind == MlKind::TrainedModel { json!(size) } else { Value::Null },
            });
            if with_content {
                data["content"] = content;
            }
            return data;
        }
    };
    if record.status == MlStatus::Failed {
        data["status"] = json!(status_name(record.status));
        data["error"] = json!(record.error);
    }
    data
}

/// `$metadata`: an ML artifact's chapkit metadata, a user artifact's `data.metadata`, or `{}`.
pub fn metadata(row: &ArtifactRow) -> Value {
    let stored: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
    match ml_record(row, &stored) {
        Some(record) => {
            let mut metadata = chapkit_metadata(&record);
            metadata["log"] = json!(record.log);
            metadata["error"] = json!(record.error);
            metadata["model_type"] = json!(record.model_type);
            metadata["component_sha256"] = json!(record.component_sha256);
            metadata["config_sha256"] = json!(record.config_sha256);
            metadata["data_sha256"] = json!(record.data_sha256);
            metadata["model_artifact_id"] = json!(record.model_artifact_id);
            metadata
        }
        None => stored.get("metadata").cloned().unwrap_or_else(|| json!({})),
    }
}

/// chapkit's `MLMetadata` (what chap-core validates: exactly these keys).
fn chapkit_metadata(record: &MlRecord) -> Value {
    json!({
        "status": status_name(record.status),
        "config_id": record.config_id,
        "started_at": record.started_at,
        "completed_at": record.completed_at,
        "duration_seconds": record.duration_seconds,
        "exit_code": null,
        "stdout": record.stdout,
        "stderr": record.stderr,
    })
}

fn status_name(status: MlStatus) -> &'static str {
    match status {
        MlStatus::Success => "success",
        MlStatus::Failed => "failed",
    }
}
