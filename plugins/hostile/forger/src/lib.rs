//! Hostile fixture: a component written against the raw bindings (no SDK to keep it
//! honest) whose `predict` returns a frame with the column `sample_0` twice, to prove the
//! host re-validates every frame a guest returns.

#![allow(clippy::too_many_arguments)] // the generated ABI shims mirror the WIT signatures

wit_bindgen::generate!({ path: "../../../wit", world: "model-runner" });

use chap::model::types::{Column, ColumnValues, PeriodType};

struct Forger;

impl Guest for Forger {
    fn describe() -> ModelInfo {
        ModelInfo {
            name: "forger".into(),
            version: "0.1.0".into(),
            description: "Returns duplicate columns (sandbox test fixture).".into(),
            config_schema: r#"{"type": "object"}"#.into(),
            target: "disease_cases".into(),
            required_covariates: Vec::new(),
            allow_free_additional_continuous_covariates: true,
            period_type: PeriodType::Any,
            requires_geo: false,
            min_prediction_periods: 0,
            max_prediction_periods: 100,
        }
    }

    fn train(_: String, _: DataFrame, _: Option<String>) -> Result<Vec<u8>, ModelError> {
        Ok(b"forged".to_vec())
    }

    fn predict(
        _: String,
        _: Vec<u8>,
        _: DataFrame,
        future: DataFrame,
        _: Option<String>,
    ) -> Result<DataFrame, ModelError> {
        let rows = future.num_rows as usize;
        let sample = || Column { name: "sample_0".into(), values: ColumnValues::F64(vec![1.0; rows]), validity: None };
        Ok(DataFrame { num_rows: future.num_rows, columns: vec![sample(), sample()] })
    }
}

export!(Forger);
