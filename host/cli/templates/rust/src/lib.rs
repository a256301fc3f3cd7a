use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo, log};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The model's settings: their JSON Schema is what the service validates configs against.
#[derive(Deserialize, JsonSchema)]
struct Config {
    /// Multiplier applied to the historical mean (default 1).
    scale: Option<f64>,
}

/// What training learns: any serde type; the SDK stores it as compact binary.
#[derive(Serialize, Deserialize)]
struct Model(f64);

fn train(config: &Config, data: &DataFrame, _geo: Option<&Geo>) -> Result<Model, ModelError> {
    let observed: Vec<f64> = data.f64_column("disease_cases")?.into_iter().flatten().collect(); // nulls are None
    if observed.is_empty() {
        return Err(ModelError::invalid_data("no observed disease_cases"));
    }
    log!(info, "training on {} of {} rows", observed.len(), data.num_rows());
    Ok(Model(config.scale.unwrap_or(1.0) * observed.iter().sum::<f64>() / observed.len() as f64))
}

fn predict(
    _: &Config,
    model: Model,
    _: &DataFrame,
    mut future: DataFrame,
    _: Option<&Geo>,
) -> Result<DataFrame, ModelError> {
    future.set_f64("sample_0", vec![model.0; future.num_rows()])?;
    Ok(future)
}

chapwasm_sdk::export_functional_model! {
    info: || ModelInfo::new("{{name}}").description("Predicts the (scaled) training mean."),
    config: Config,
    model: Model,
    train: train,
    predict: predict,
}
