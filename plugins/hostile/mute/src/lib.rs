//! Hostile fixture: a model whose `describe` panics, to prove an upload that cannot
//! describe itself is rejected with the panic's message.

use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
struct Config {}

fn info() -> ModelInfo {
    panic!("this model will not say what it is")
}

fn train(_: &Config, _: &DataFrame, _: Option<&Geo>) -> Result<(), ModelError> {
    Ok(())
}

fn predict(_: &Config, _: (), _: &DataFrame, future: DataFrame, _: Option<&Geo>) -> Result<DataFrame, ModelError> {
    Ok(future)
}

chapwasm_sdk::export_functional_model! {
    info: info,
    config: Config,
    model: (),
    train: train,
    predict: predict,
}
