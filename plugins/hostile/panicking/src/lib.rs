//! Hostile fixture: a model whose `train` panics (when the data has a column `boom`) and
//! whose `predict` always panics, to prove a panic becomes a failed call with its message.

use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
struct Config {}

fn info() -> ModelInfo {
    ModelInfo::new("panicking").description("Panics on purpose (sandbox test fixture).")
}

fn train(_config: &Config, data: &DataFrame, _geo: Option<&Geo>) -> Result<(), ModelError> {
    if data.has_column("boom") {
        panic!("the model exploded on purpose");
    }
    Ok(())
}

fn predict(_: &Config, _: (), _: &DataFrame, _: DataFrame, _: Option<&Geo>) -> Result<DataFrame, ModelError> {
    let empty: Vec<f64> = Vec::new();
    Ok(DataFrame::with_rows(empty[3] as usize)) // index out of bounds: a panic, not a model error
}

chapwasm_sdk::export_functional_model! {
    info: info,
    config: Config,
    model: (),
    train: train,
    predict: predict,
}
