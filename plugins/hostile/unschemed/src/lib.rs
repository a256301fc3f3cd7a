//! Hostile fixture: a component (raw bindings) whose `describe` returns a config schema
//! that is not a valid JSON Schema (`"type": 12`), to prove uploads of it are rejected:
//! the host could not validate a single config against it.

#![allow(clippy::too_many_arguments)] // the generated ABI shims mirror the WIT signatures

wit_bindgen::generate!({ path: "../../../wit", world: "model-runner" });

use chap::model::types::PeriodType;

struct Unschemed;

impl Guest for Unschemed {
    fn describe() -> ModelInfo {
        ModelInfo {
            name: "unschemed".into(),
            version: "0.1.0".into(),
            description: "Describes an invalid config schema (sandbox test fixture).".into(),
            config_schema: r#"{"type": 12}"#.into(),
            target: "disease_cases".into(),
            required_covariates: Vec::new(),
            allow_free_additional_continuous_covariates: false,
            period_type: PeriodType::Any,
            requires_geo: false,
            min_prediction_periods: 0,
            max_prediction_periods: 100,
        }
    }

    fn train(_: String, _: DataFrame, _: Option<String>) -> Result<Vec<u8>, ModelError> {
        Ok(Vec::new())
    }

    fn predict(
        _: String,
        _: Vec<u8>,
        _: DataFrame,
        future: DataFrame,
        _: Option<String>,
    ) -> Result<DataFrame, ModelError> {
        Ok(future)
    }
}

export!(Unschemed);
