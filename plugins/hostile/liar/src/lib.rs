//! Hostile fixture: a component written against the raw bindings (the SDK would never
//! produce these) that lies about the shape and size of what it returns, chosen by the
//! config's `act`, to prove the host checks every size before it allocates for it:
//! - `rows-lie`: a frame claiming `u32::MAX` rows with one-value columns and a one-byte
//!   validity bitmap (unpacked naively, 4 GiB per column);
//! - `validity-lie`: the right row count, but a validity bitmap far longer than the rows;
//! - `many-columns`: 300 000 uniquely named empty columns and then the first name again
//!   (a quadratic duplicate check takes minutes);
//! - `huge-name`: one column whose name is 32 MiB;
//! - `huge-error`: a model error of 64 MiB;
//! - `huge-model`: `train` returns a 200 MiB model.

#![allow(clippy::too_many_arguments)] // the generated ABI shims mirror the WIT signatures

wit_bindgen::generate!({ path: "../../../wit", world: "model-runner" });

use chap::model::types::{Column, ColumnValues, ErrorKind, PeriodType};

struct Liar;

/// The act the config names (`{"act": "…"}`), found without a JSON parser.
fn act(config: &str) -> &str {
    let Some(start) = config.find("\"act\"") else { return "" };
    let rest = &config[start + 5..];
    let Some(open) = rest.find('"') else { return "" };
    let rest = &rest[open + 1..];
    rest.find('"').map_or("", |close| &rest[..close])
}

fn column(name: String, values: Vec<f64>, validity: Option<Vec<u8>>) -> Column {
    Column { name, values: ColumnValues::F64(values), validity }
}

fn lie(act: &str, rows: u32) -> Result<DataFrame, ModelError> {
    match act {
        "rows-lie" => Ok(DataFrame {
            num_rows: u32::MAX,
            columns: (0..8).map(|i| column(format!("sample_{i}"), vec![1.0], Some(vec![0xff]))).collect(),
        }),
        "validity-lie" => Ok(DataFrame {
            num_rows: rows,
            columns: vec![column("sample_0".into(), vec![1.0; rows as usize], Some(vec![0xff; 16 << 20]))],
        }),
        "many-columns" => {
            let mut columns: Vec<Column> = (0..300_000).map(|i| column(format!("c{i}"), Vec::new(), None)).collect();
            columns.push(column("c0".into(), Vec::new(), None));
            Ok(DataFrame { num_rows: 0, columns })
        }
        "huge-name" => Ok(DataFrame { num_rows: 0, columns: vec![column("N".repeat(32 << 20), Vec::new(), None)] }),
        "huge-error" => Err(ModelError { kind: ErrorKind::Failed, message: "E".repeat(64 << 20) }),
        _ => Ok(DataFrame { num_rows: rows, columns: vec![column("sample_0".into(), vec![1.0; rows as usize], None)] }),
    }
}

impl Guest for Liar {
    fn describe() -> ModelInfo {
        ModelInfo {
            name: "liar".into(),
            version: "0.1.0".into(),
            description: "Lies about the size of what it returns (sandbox test fixture).".into(),
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

    fn train(config: String, _: DataFrame, _: Option<String>) -> Result<Vec<u8>, ModelError> {
        match act(&config) {
            "huge-model" => Ok(vec![7; 200 << 20]),
            "huge-error" => lie("huge-error", 0).map(|_| Vec::new()),
            _ => Ok(b"liar".to_vec()),
        }
    }

    fn predict(
        config: String,
        _: Vec<u8>,
        _: DataFrame,
        future: DataFrame,
        _: Option<String>,
    ) -> Result<DataFrame, ModelError> {
        lie(act(&config), future.num_rows)
    }
}

export!(Liar);
