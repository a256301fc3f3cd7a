//! The canonical record of an ML artifact, stored as the artifact's JSON data. The api
//! renders it in either chapkit wire generation; the store never sees those shapes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MlKind {
    TrainedModel,
    Prediction,
}

/// Which chapkit wire format the request that created the artifact spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Generation {
    /// The spec's first ML API: `model_artifact_id`, `ml_type`.
    Spec,
    /// Current chapkit (2.4): `artifact_id`, `type` + `metadata` + `content`.
    Chapkit,
}

/// Whether the guest call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MlStatus {
    Success,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlRecord {
    /// Marks the artifact data as an ML record (user artifacts never carry it).
    pub chapwasm_ml: MlKind,
    pub status: MlStatus,
    /// The model's error when `status` is `failed`.
    pub error: Option<String>,
    pub generation: Generation,
    pub config_id: String,
    pub model_artifact_id: Option<String>,
    /// `name@version` of the component.
    pub model_type: String,
    pub component_sha256: String,
    /// SHA-256 of the config JSON the model received.
    #[serde(default)]
    pub config_sha256: String,
    /// SHA-256 of the input frames as stored (training data; or historic then future).
    #[serde(default)]
    pub data_sha256: String,
    pub started_at: String,
    pub completed_at: String,
    pub duration_seconds: f64,
    pub stdout: String,
    pub stderr: String,
    pub log: String,
}
