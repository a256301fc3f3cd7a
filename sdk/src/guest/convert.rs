//! Conversions between the SDK's types and the generated WIT types (guest side).

use super::bindings::chap::model::types as wit;
use super::info::{ModelInfo, PeriodType};
use crate::{Column, DataFrame, ErrorKind, ModelError, Values, pack_validity, unpack_validity};

pub(crate) fn frame_from_wit(frame: wit::DataFrame) -> Result<DataFrame, ModelError> {
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
            Some(bits) => Column::with_validity(column.name, values, unpack_validity(&bits, rows))?,
            None => Column::new(column.name, values),
        };
        if out.has_column(column.name()) {
            return Err(ModelError::invalid_data(format!("duplicate column `{}`", column.name())));
        }
        out.set_column(column)?;
    }
    Ok(out)
}

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

pub(crate) fn error_to_wit(error: ModelError) -> wit::ModelError {
    let kind = match error.kind {
        ErrorKind::InvalidConfig => wit::ErrorKind::InvalidConfig,
        ErrorKind::InvalidData => wit::ErrorKind::InvalidData,
        ErrorKind::InvalidModel => wit::ErrorKind::InvalidModel,
        ErrorKind::Failed => wit::ErrorKind::Failed,
    };
    wit::ModelError { kind, message: error.message }
}

pub(crate) fn info_to_wit(info: ModelInfo, config_schema: String) -> wit::ModelInfo {
    wit::ModelInfo {
        name: info.name,
        version: info.version,
        description: info.description,
        config_schema,
        target: info.target,
        required_covariates: info.required_covariates,
        allow_free_additional_continuous_covariates: info.allow_free_additional_continuous_covariates,
        period_type: match info.period_type {
            PeriodType::Weekly => wit::PeriodType::Weekly,
            PeriodType::Monthly => wit::PeriodType::Monthly,
            PeriodType::Any => wit::PeriodType::Any,
        },
        requires_geo: info.requires_geo,
        min_prediction_periods: info.min_prediction_periods,
        max_prediction_periods: info.max_prediction_periods,
    }
}
