//! Hostile fixture: `train` never returns (a busy loop that never calls the host), to
//! prove that time limits and cancellation stop a guest that does not cooperate.

use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
struct Config {}

fn info() -> ModelInfo {
    ModelInfo::new("endless-loop").description("Never finishes training (sandbox test fixture).")
}

fn train(_config: &Config, data: &DataFrame, _geo: Option<&Geo>) -> Result<u64, ModelError> {
    let mut counter = data.num_rows() as u64;
    loop {
        counter = std::hint::black_box(counter.wrapping_mul(6364136223846793005).wrapping_add(1));
        if counter == 0 {
            return Ok(counter); // unreachable in practice; keeps the loop from being optimised away
        }
    }
}

fn predict(_: &Config, _: u64, _: &DataFrame, future: DataFrame, _: Option<&Geo>) -> Result<DataFrame, ModelError> {
    Ok(future)
}

chapwasm_sdk::export_functional_model! {
    info: info,
    config: Config,
    model: u64,
    train: train,
    predict: predict,
}
