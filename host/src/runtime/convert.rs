//! Conversions between the shared `DataFrame` and the generated WIT types (host side).
//! Frames move in by value (no copy of the column vectors); frames coming out of a guest
//! are checked against the contract (equal lengths, unique names).

use super::bindings::chap::model::types as wit;
use super::description::{ModelDescription, PeriodType};
use super::error::RuntimeError;
use chapwasm_sdk::{Column, DataFrame, ErrorKind, ModelError, Values, pack_validity, unpack_validity};

pub(crate) fn frame_to_wit(frame: DataFrame) -> wit::DataFrame {
    let num_rows = frame.num_rows() as u32;
    let columns = frame
        .into_columns()
        .into_iter()
        .map(|column| {
            let (name, values, validity) = column.into_parts();
            let values = match values {
                Values::F64(v) => wit::ColumnValues::F64(v),
                Values::I64(v) => wit::ColumnValues::S64(v),
                Values::Str(v) => wit::ColumnValues::String(v),
                Values::Bool(v) => wit::ColumnValues::Bool(v),
            };
            wit::Column { name, values, validity: validity.map(|v| pack_validity(&v)) }
        })
        .collect();
    wit::DataFrame { num_rows, columns }
}

pub(crate) fn frame_from_wit(frame: wit::DataFrame) -> Result<DataFrame, RuntimeError> {
    let rows = frame.num_rows as usize;
    let mut out = DataFrame::with_rows(rows);
    for column in frame.columns {
        let values = match column.values {
            wit::ColumnValues::F64(v) => Values::F64(v),
            wit::ColumnValues::S64(v) => Values::I64(v),
            wit::ColumnValues::String(v) => Values::Str(v),
            wit::ColumnValues::Bool(v) => Values::Bool(v),
        };
        let column = match column.validity {
            Some(bits) => Column::with_validity(column.name, values, unpack_validity(&bits, rows)),
            None => Ok(Column::new(column.name, values)),
        }
        .map_err(|e| RuntimeError::InvalidOutput(e.message))?;
        if out.has_column(column.name()) {
            return Err(RuntimeError::InvalidOutput(format!("duplicate column `{}`", column.name())));
        }
        out.set_column(column).map_err(|e| RuntimeError::InvalidOutput(e.message))?;
    }
    Ok(out)
}

pub(crate) fn model_error(error: wit::ModelError) -> RuntimeError {
    let kind = match error.kind {
        wit::ErrorKind::InvalidConfig => ErrorKind::InvalidConfig,
        wit::ErrorKind::InvalidData => ErrorKind::InvalidData,
        wit::ErrorKind::InvalidModel => ErrorKind::InvalidModel,
        wit::ErrorKind::Failed => ErrorKind::Failed,
    };
    RuntimeError::Model(ModelError::new(kind, error.message))
}

pub(crate) fn description(info: wit::ModelInfo) -> Result<ModelDescription, RuntimeError> {
    let config_schema: serde_json::Value = serde_json::from_str(&info.config_schema).map_err(|e| {
        RuntimeError::InvalidComponent(format!("describe() returned a config schema that is not JSON: {e}"))
    })?;
    if !config_schema.is_object() {
        return Err(RuntimeError::InvalidComponent(
            "describe() returned a config schema that is not a JSON object".into(),
        ));
    }
    Ok(ModelDescription {
        name: info.name,
        version: info.version,
        description: info.description,
        config_schema,
        target: info.target,
        required_covariates: info.required_covariates,
        allow_free_additional_continuous_covariates: info.allow_free_additional_continuous_covariates,
        period_type: match info.period_type {
            wit::PeriodType::Weekly => PeriodType::Weekly,
            wit::PeriodType::Monthly => PeriodType::Monthly,
            wit::PeriodType::Any => PeriodType::Any,
        },
        requires_geo: info.requires_geo,
        min_prediction_periods: info.min_prediction_periods,
        max_prediction_periods: info.max_prediction_periods,
    })
}
