//! `ServiceInfo`: what an operator says about the service (chapkit's `MLServiceInfo`
//! fields), from a JSON file or the library builder. Anything left out is filled from the
//! component's own `describe`.

use chapwasm_service::{ModelDescription, PeriodType};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// chapkit's `AssessedStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssessedStatus {
    Gray,
    Red,
    Orange,
    Yellow,
    Green,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMetadata {
    pub author: Option<String>,
    pub author_note: Option<String>,
    pub author_assessed_status: Option<AssessedStatus>,
    pub contact_email: Option<String>,
    pub organization: Option<String>,
    pub organization_logo_url: Option<String>,
    pub citation_info: Option<String>,
    pub repository_url: Option<String>,
    pub documentation_url: Option<String>,
}

/// Overrides of the service description; `None` means "from the component".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInfo {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub model_metadata: ModelMetadata,
    pub git_revision: Option<String>,
    pub period_type: Option<PeriodType>,
    pub min_prediction_periods: Option<u32>,
    pub max_prediction_periods: Option<u32>,
    pub allow_free_additional_continuous_covariates: Option<bool>,
    pub required_covariates: Option<Vec<String>>,
    pub requires_geo: Option<bool>,
    pub target: Option<String>,
}

impl ServiceInfo {
    /// A service called `display_name`, everything else from the component.
    pub fn named(display_name: &str) -> Self {
        Self { display_name: Some(display_name.to_owned()), ..Self::default() }
    }

    /// The `/api/v1/info` document. chap-core stores a model template only with a 7–40
    /// hex digit `git_revision`: without one given (here or in `GIT_REVISION`), it is the
    /// first 40 hex digits of the model component's SHA-256, which changes exactly when
    /// the model does.
    pub fn render(&self, model: &ModelDescription, component_sha256: &str) -> Value {
        let git_revision = self
            .git_revision
            .clone()
            .or_else(|| std::env::var("GIT_REVISION").ok().filter(|r| !r.is_empty()))
            .unwrap_or_else(|| component_sha256.chars().take(40).collect());
        json!({
            "id": self.id.clone().unwrap_or_else(|| model.name.clone()),
            "display_name": self.display_name.clone().unwrap_or_else(|| model.name.clone()),
            "version": self.version.clone().unwrap_or_else(|| model.version.clone()),
            "description": self.description.clone().unwrap_or_else(|| model.description.clone()),
            "model_metadata": self.model_metadata,
            "git_revision": git_revision,
            // chap-core shows these; chapwasm speaks chapkit's API, at our own version.
            "chapkit_version": env!("CARGO_PKG_VERSION"),
            "servicekit_version": env!("CARGO_PKG_VERSION"),
            "chapwasm_version": env!("CARGO_PKG_VERSION"),
            "period_type": self.period_type.unwrap_or(model.period_type),
            "min_prediction_periods": self.min_prediction_periods.unwrap_or(model.min_prediction_periods),
            "max_prediction_periods": self.max_prediction_periods.unwrap_or(model.max_prediction_periods),
            "allow_free_additional_continuous_covariates": self
                .allow_free_additional_continuous_covariates
                .unwrap_or(model.allow_free_additional_continuous_covariates),
            "required_covariates": self.required_covariates.clone().unwrap_or_else(|| model.required_covariates.clone()),
            "requires_geo": self.requires_geo.unwrap_or(model.requires_geo),
            "target": self.target.clone().unwrap_or_else(|| model.target.clone()),
            "hpo_search_space": null,
        })
    }
}
