//! The spec's quick-start model in functional style: ordinary least squares of the target
//! on the feature columns; predictions go to `sample_0`. The service's default model.

use chapwasm_sdk::regression::{LinearFit, least_squares_columns_with_means};
use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo, log};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Configuration of the linear regression.
#[derive(Deserialize, Serialize, JsonSchema, Default)]
#[serde(default)]
struct Config {
    /// Column to predict. Default: `disease_cases`, or the last column when the data has
    /// no `disease_cases` column.
    target: Option<String>,
    /// Feature columns. Default: every column except the target and CHAP's identifier
    /// columns (`time_period`, `location`, `parent`); each must be numeric (a cell that
    /// is not a number fails the training, naming it).
    features: Option<Vec<String>>,
}

/// CHAP's identifier columns: never features.
const IDENTIFIERS: [&str; 3] = ["time_period", "location", "parent"];

#[derive(Serialize, Deserialize)]
struct Model {
    features: Vec<String>,
    intercept: f64,
    coefficients: Vec<f64>,
    /// Training means, used for missing feature values at prediction time.
    means: Vec<f64>,
}

fn info() -> ModelInfo {
    ModelInfo::new("linear-regression")
        .version(env!("CARGO_PKG_VERSION"))
        .description("Ordinary least squares of the target on its features; writes sample_0.")
}

fn train(config: &Config, data: &DataFrame, _geo: Option<&Geo>) -> Result<Model, ModelError> {
    let target = match &config.target {
        Some(target) => target.clone(),
        None if data.has_column("disease_cases") => "disease_cases".to_owned(),
        None => data.column_names().last().ok_or_else(|| ModelError::invalid_data("no columns"))?.to_owned(),
    };
    let features: Vec<String> = match &config.features {
        Some(features) => {
            let missing: Vec<&str> = features.iter().map(String::as_str).filter(|f| !data.has_column(f)).collect();
            if !missing.is_empty() {
                return Err(ModelError::invalid_config(format!(
                    "configured features not in the data: {}",
                    missing.join(", ")
                )));
            }
            features.clone()
        }
        None => data.column_names().filter(|c| *c != target && !IDENTIFIERS.contains(c)).map(str::to_owned).collect(),
    };
    // Numeric columns without nulls are fitted as they are (floats in place, integers
    // converted); otherwise rows with a null anywhere are left out of the fit, on copies.
    let in_place = |name: &str| data.column(name).ok().and_then(|c| c.complete_f64());
    let whole: Option<Vec<_>> = features.iter().map(|f| in_place(f)).collect();
    if let (Some(x), Some(y)) = (whole, in_place(&target)) {
        return fit(&target, features, &x, &y, data.num_rows());
    }
    let y = data.f64_column(&target)?;
    let columns = features.iter().map(|f| data.f64_column(f)).collect::<Result<Vec<_>, _>>()?;
    let complete: Vec<usize> =
        (0..data.num_rows()).filter(|&r| y[r].is_some() && columns.iter().all(|c| c[r].is_some())).collect();
    let pick = |values: &[Option<f64>]| complete.iter().map(|&r| values[r].unwrap_or_default()).collect::<Vec<f64>>();
    let (x, y): (Vec<Vec<f64>>, Vec<f64>) = (columns.iter().map(|c| pick(c)).collect(), pick(&y));
    fit(&target, features, &x, &y, data.num_rows())
}

/// The least-squares model of `y` on the feature columns `x` (complete rows only).
fn fit<C: AsRef<[f64]>>(
    target: &str,
    features: Vec<String>,
    x: &[C],
    y: &[f64],
    rows: usize,
) -> Result<Model, ModelError> {
    log!(info, "fitting {target} on {features:?} with {} complete rows of {rows}", y.len());
    let (LinearFit { intercept, coefficients }, means) = least_squares_columns_with_means(x, y)?;
    Ok(Model { features, intercept, coefficients, means })
}

fn predict(
    _config: &Config,
    model: Model,
    _historic: &DataFrame,
    mut future: DataFrame,
    _geo: Option<&Geo>,
) -> Result<DataFrame, ModelError> {
    let fit = LinearFit { intercept: model.intercept, coefficients: model.coefficients };
    let columns = model.features.iter().zip(&model.means).map(|(f, mean)| future.f64_filled(f, *mean));
    let columns = columns.collect::<Result<Vec<_>, _>>()?;
    let samples = fit.predict_columns(&columns, future.num_rows());
    future.set_f64("sample_0", samples)?;
    Ok(future)
}

chapwasm_sdk::export_functional_model! {
    info: info,
    config: Config,
    model: Model,
    train: train,
    predict: predict,
}
