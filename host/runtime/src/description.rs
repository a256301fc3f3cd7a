//! `ModelDescription`: the host's typed copy of a component's `describe()` answer, checked
//! once when the component is loaded (the config schema must be JSON).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodType {
    Weekly,
    Monthly,
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelDescription {
    pub name: String,
    pub version: String,
    pub description: String,
    /// JSON Schema of the model's config.
    pub config_schema: serde_json::Value,
    pub target: String,
    pub required_covariates: Vec<String>,
    pub allow_free_additional_continuous_covariates: bool,
    pub period_type: PeriodType,
    pub requires_geo: bool,
    pub min_prediction_periods: u32,
    pub max_prediction_periods: u32,
}
