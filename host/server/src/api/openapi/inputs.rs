//! What the API takes (bodies, path ids, limit overrides), as types for the OpenAPI
//! document. Handlers read bodies field by field (to name the field at fault in a 422, and
//! to parse frames straight into columns), so these types only describe the wire;
//! schemathesis (`tests/integration/http_docs.rs`) sends what they allow and checks the
//! answers.

use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// A config to create or replace.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ConfigBody {
    pub name: String,
    /// Checked against the component's config schema (`GET /api/v1/configs/$schema`);
    /// missing fields take their defaults. Default `{}`.
    pub data: Option<Value>,
    pub tags: Option<Vec<String>>,
    /// An uploaded component's id; absent or `null`: the service's default model.
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub component_id: Option<String>,
}

/// An artifact to create or replace.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ArtifactBody {
    /// Any JSON.
    pub data: Value,
    /// The parent artifact's ULID (trees are at most 32 deep).
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub parent_id: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// The artifact to link to, or unlink from, a config.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LinkBody {
    /// A root artifact's ULID.
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub artifact_id: String,
}

/// A data frame as chapkit sends it (pandas' `split` orientation, row-major). Each column
/// takes one type; `time_period`, `location` and `parent` are always text.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Frame {
    /// Distinct column names (at most 10 000).
    pub columns: Vec<String>,
    /// One array per row, one cell per column: numbers, booleans, text or `null`.
    pub data: Vec<Vec<Value>>,
    /// Ignored.
    pub index: Option<Vec<Value>>,
}

/// chap-core's run parameters.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RunInfo {
    /// How many periods to forecast (the model's bounds apply).
    pub prediction_periods: Option<u64>,
    /// The older name of `prediction_periods`.
    pub prediction_length: Option<u64>,
}

/// A `$train` request.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TrainBody {
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub config_id: String,
    /// Training data: at least one row.
    pub data: Frame,
    /// A GeoJSON FeatureCollection of the locations.
    pub geo: Option<Value>,
    /// Present (chap-core's requests): the artifact is written in chapkit's shape.
    pub run_info: Option<RunInfo>,
}

/// A `$predict` request: the model as `artifact_id` (chapkit) or `model_artifact_id` (the
/// spec).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PredictBody {
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub artifact_id: Option<String>,
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub model_artifact_id: Option<String>,
    /// Observed data up to the forecast (may have no rows).
    pub historic: Frame,
    /// The periods to forecast: at least one row.
    pub future: Frame,
    pub geo: Option<Value>,
    pub run_info: Option<RunInfo>,
}

/// A `$validate` request: `type` says which checks to run, the rest is a `$train` or
/// `$predict` body.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ValidateBody {
    /// `train` or `predict`.
    #[schema(rename = "type")]
    pub kind: String,
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub config_id: Option<String>,
    #[schema(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub artifact_id: Option<String>,
    pub data: Option<Frame>,
    pub historic: Option<Frame>,
    pub future: Option<Frame>,
    pub geo: Option<Value>,
    pub run_info: Option<RunInfo>,
}

/// Raw bytes (a component, a model).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct Binary(Vec<u8>);

/// A component upload as a form (`curl -F file=@model.wasm`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The component's bytes.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Limits tighter than the service's, for one component's calls (the query of an upload,
/// the body of `PUT .../limits`). Each is at most the service's own; unset keeps it.
#[derive(ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Limits {
    pub memory_bytes: Option<u64>,
    pub time_limit_seconds: Option<f64>,
    pub fuel: Option<u64>,
    pub model_bytes: Option<u64>,
    pub output_frame_bytes: Option<u64>,
    pub output_bytes: Option<u64>,
    pub log_lines: Option<u64>,
    pub log_bytes: Option<u64>,
}

/// The record a path names.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct Id {
    /// A ULID (26 characters of Crockford base 32).
    #[param(pattern = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::Limits;
    use chapwasm_service::LimitOverrides;
    use utoipa::IntoParams;

    /// `Limits` describes `LimitOverrides` by hand: the two must name the same fields.
    #[test]
    fn limits_name_every_override() {
        let all = LimitOverrides {
            memory_bytes: Some(1),
            time_limit_seconds: Some(1.0),
            fuel: Some(1),
            model_bytes: Some(1),
            output_frame_bytes: Some(1),
            output_bytes: Some(1),
            log_lines: Some(1),
            log_bytes: Some(1),
        };
        let overrides = serde_json::to_value(all).unwrap();
        let mut fields: Vec<&str> = overrides.as_object().unwrap().keys().map(String::as_str).collect();
        let params = Limits::into_params(|| None);
        let mut documented: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        fields.sort_unstable();
        documented.sort_unstable();
        assert_eq!(fields, documented);
    }
}
