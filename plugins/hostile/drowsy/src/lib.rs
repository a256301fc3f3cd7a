//! Hostile fixture: a model whose `describe` sleeps for an hour inside a WASI call, to prove
//! that an upload cannot hold the server (or a blocking thread) past describe's own limits.

use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
struct Config {}

fn info() -> ModelInfo {
    std::thread::sleep(std::time::Duration::from_secs(3600));
    ModelInfo::new("drowsy")
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
