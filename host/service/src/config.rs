//! Config data as chapkit's `BaseConfig` treats it: nested `user_option_values` hoisted
//! (flat keys win), reserved `prediction_periods` (3) and `additional_continuous_covariates`
//! (`[]`) defaulted, unknown keys kept, then validated against the model's JSON Schema.

use serde_json::{Map, Value, json};

/// A config that fails validation: where, and why.
#[derive(Debug)]
pub struct ConfigInvalid {
    pub path: Vec<String>,
    pub message: String,
}

pub struct ConfigValidator {
    schema: jsonschema::Validator,
}

impl ConfigValidator {
    pub fn new(schema: &Value) -> Result<Self, String> {
        jsonschema::validator_for(schema).map(|schema| Self { schema }).map_err(|e| e.to_string())
    }

    /// The stored form of submitted config data, or why it is invalid.
    pub fn normalize(&self, data: Value) -> Result<Value, ConfigInvalid> {
        let Value::Object(mut data) = data else {
            return Err(ConfigInvalid { path: vec![], message: "config data must be a JSON object".into() });
        };
        if let Some(Value::Object(nested)) = data.remove("user_option_values") {
            for (key, value) in nested {
                data.entry(key).or_insert(value);
            }
        }
        data.entry("prediction_periods").or_insert(json!(3));
        data.entry("additional_continuous_covariates").or_insert(json!([]));
        check_reserved(&data)?;
        let value = Value::Object(data);
        if let Some(error) = self.schema.iter_errors(&value).next() {
            let path = error.instance_path().to_string();
            let path = path.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect();
            return Err(ConfigInvalid { path, message: error.to_string() });
        }
        Ok(value)
    }
}

fn check_reserved(data: &Map<String, Value>) -> Result<(), ConfigInvalid> {
    let periods_ok = data["prediction_periods"].as_u64().is_some();
    if !periods_ok {
        return Err(ConfigInvalid {
            path: vec!["prediction_periods".into()],
            message: "prediction_periods must be a non-negative integer".into(),
        });
    }
    let covariates_ok =
        data["additional_continuous_covariates"].as_array().is_some_and(|a| a.iter().all(Value::is_string));
    if !covariates_ok {
        return Err(ConfigInvalid {
            path: vec!["additional_continuous_covariates".into()],
            message: "additional_continuous_covariates must be a list of column names".into(),
        });
    }
    Ok(())
}
