//! Conversions between the shared `DataFrame` and the generated WIT types (host side).
//! Frames move in by value (no copy of the column vectors). A frame coming out of a guest
//! is checked against the contract before the host builds anything from it: every column
//! holds `num_rows` values, every bitmap `ceil(num_rows / 8)` bytes, names are short — so
//! a guest that claims four billion rows costs a comparison, not four gigabytes — and
//! names are unique (`DataFrame::from_parts`: one hashed pass).

use super::bindings::chap::model::types as wit;
use super::description::{ModelDescription, PeriodType};
use super::error::RuntimeError;
use super::guest_text::{ERROR_MESSAGE_BYTES, truncate_owned};
use super::limits::bytes;
use chapwasm_sdk::{Column, DataFrame, ErrorKind, ModelError, Values, pack_validity, unpack_validity};

/// The longest column name a guest may return.
pub const MAX_COLUMN_NAME_BYTES: usize = 1 << 10;

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

fn values_len(values: &wit::ColumnValues) -> usize {
    match values {
        wit::ColumnValues::F64(v) => v.len(),
        wit::ColumnValues::S64(v) => v.len(),
        wit::ColumnValues::String(v) => v.len(),
        wit::ColumnValues::Bool(v) => v.len(),
    }
}

/// Checks a returned frame's shape, then converts it.
pub(crate) fn frame_from_wit(frame: wit::DataFrame) -> Result<DataFrame, RuntimeError> {
    let rows = frame.num_rows as usize;
    let invalid = |message: String| Err(RuntimeError::InvalidOutput(message));
    for column in &frame.columns {
        let name = &column.name;
        if name.len() > MAX_COLUMN_NAME_BYTES {
            return invalid(format!(
                "a column name of {} bytes (the limit is {})",
                name.len(),
                bytes(MAX_COLUMN_NAME_BYTES)
            ));
        }
        let len = values_len(&column.values);
        if len != rows {
            return invalid(format!("column `{name}` has {len} values for {rows} rows"));
        }
        if let Some(bits) = &column.validity
            && bits.len() != rows.div_ceil(8)
        {
            return invalid(format!(
                "column `{name}` has a validity bitmap of {} bytes for {rows} rows (expected {})",
                bits.len(),
                rows.div_ceil(8)
            ));
        }
    }
    let columns = frame.columns.into_iter().map(|column| {
        let values = match column.values {
            wit::ColumnValues::F64(v) => Values::F64(v),
            wit::ColumnValues::S64(v) => Values::I64(v),
            wit::ColumnValues::String(v) => Values::Str(v),
            wit::ColumnValues::Bool(v) => Values::Bool(v),
        };
        match column.validity {
            Some(bits) => Column::with_validity(column.name, values, unpack_validity(&bits, rows)),
            None => Ok(Column::new(column.name, values)),
        }
    });
    let columns = columns.collect::<Result<Vec<_>, _>>().map_err(|e| RuntimeError::InvalidOutput(e.message))?;
    DataFrame::from_parts(rows, columns).map_err(|e| RuntimeError::InvalidOutput(e.message))
}

/// The memory the host needs to hold a returned frame, counted as wasmtime's copy
/// budget counts it (the output frame limit is measured this way).
pub(crate) fn frame_bytes(frame: &wit::DataFrame) -> usize {
    frame
        .columns
        .iter()
        .map(|column| {
            let values = match &column.values {
                wit::ColumnValues::F64(values) => values.len() * 8,
                wit::ColumnValues::S64(values) => values.len() * 8,
                wit::ColumnValues::Bool(values) => values.len(),
                wit::ColumnValues::String(values) => {
                    values.iter().map(|s| s.len() + std::mem::size_of::<String>()).sum()
                }
            };
            std::mem::size_of::<wit::Column>()
                + column.name.len()
                + values
                + column.validity.as_ref().map_or(0, Vec::len)
        })
        .sum()
}

/// A model's error, its message cut to [`ERROR_MESSAGE_BYTES`].
pub(crate) fn model_error(error: wit::ModelError) -> RuntimeError {
    let kind = match error.kind {
        wit::ErrorKind::InvalidConfig => ErrorKind::InvalidConfig,
        wit::ErrorKind::InvalidData => ErrorKind::InvalidData,
        wit::ErrorKind::InvalidModel => ErrorKind::InvalidModel,
        wit::ErrorKind::Failed => ErrorKind::Failed,
    };
    RuntimeError::Model(ModelError::new(kind, truncate_owned(error.message, ERROR_MESSAGE_BYTES)))
}

/// The longest name, version, target or covariate name a description may carry.
const DESCRIPTION_TEXT_BYTES: usize = 1 << 10;
/// The longest free-text description kept.
const DESCRIPTION_PROSE_BYTES: usize = 16 << 10;

pub(crate) fn description(info: wit::ModelInfo) -> Result<ModelDescription, RuntimeError> {
    let config_schema: serde_json::Value = serde_json::from_str(&info.config_schema).map_err(|e| {
        RuntimeError::InvalidComponent(format!("describe() returned a config schema that is not JSON: {e}"))
    })?;
    if !config_schema.is_object() {
        return Err(RuntimeError::InvalidComponent(
            "describe() returned a config schema that is not a JSON object".into(),
        ));
    }
    let short = |field: &str, text: &str| match text.len() {
        n if n > DESCRIPTION_TEXT_BYTES => Err(RuntimeError::InvalidComponent(format!(
            "describe() returned a {field} of {n} bytes (the limit is {})",
            bytes(DESCRIPTION_TEXT_BYTES)
        ))),
        // Kept as text, which PostgreSQL's cannot hold with a NUL in it.
        _ if text.contains('\0') => {
            Err(RuntimeError::InvalidComponent(format!("describe() returned a {field} with a NUL character")))
        }
        _ => Ok(()),
    };
    short("name", &info.name)?;
    short("version", &info.version)?;
    short("target", &info.target)?;
    for covariate in &info.required_covariates {
        short("covariate name", covariate)?;
    }
    Ok(ModelDescription {
        name: info.name,
        version: info.version,
        description: truncate_owned(info.description, DESCRIPTION_PROSE_BYTES),
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
