//! The spec's class-based example: standardise the features (nulls filled with 0), fit OLS
//! on the scaled values, and keep scaler, coefficients and feature names in the model so
//! prediction applies exactly the same preprocessing.

use chapwasm_sdk::regression::{LinearFit, least_squares};
use chapwasm_sdk::{DataFrame, Geo, ModelError, ModelInfo, ModelRunner, log};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Configuration of the scaled regression.
#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(default)]
struct Config {
    /// Column to predict.
    target: String,
    /// Feature columns. Default: every numeric column except the target.
    features: Option<Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Self { target: "disease_cases".to_owned(), features: None }
    }
}

/// Mean and standard deviation of each feature, learned in `train`.
#[derive(Serialize, Deserialize)]
struct Scaler {
    means: Vec<f64>,
    scales: Vec<f64>,
}

impl Scaler {
    fn fit(rows: &[Vec<f64>], width: usize) -> Self {
        let n = rows.len().max(1) as f64;
        let means: Vec<f64> = (0..width).map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n).collect();
        let scales = (0..width)
            .map(|j| {
                let sd = (rows.iter().map(|r| (r[j] - means[j]).powi(2)).sum::<f64>() / n).sqrt();
                if sd > 0.0 { sd } else { 1.0 } // a constant feature stays unscaled, as sklearn does
            })
            .collect();
        Self { means, scales }
    }

    fn transform(&self, row: &[f64]) -> Vec<f64> {
        row.iter().zip(self.means.iter().zip(&self.scales)).map(|(x, (m, s))| (x - m) / s).collect()
    }
}

#[derive(Serialize, Deserialize)]
struct Model {
    feature_names: Vec<String>,
    scaler: Scaler,
    intercept: f64,
    coefficients: Vec<f64>,
}

/// The runner; `scaler` is the per-call state the spec's example keeps on `self`.
#[derive(Default)]
struct WeatherModelRunner {
    scaler: Option<Scaler>,
}

impl ModelRunner for WeatherModelRunner {
    type Config = Config;
    type Model = Model;

    fn info() -> ModelInfo {
        ModelInfo::new("scaled-regression")
            .version(env!("CARGO_PKG_VERSION"))
            .description("Standardised features (nulls as 0) and ordinary least squares; writes sample_0.")
    }

    fn on_init(&mut self) -> Result<(), ModelError> {
        log!(debug, "on_init");
        Ok(())
    }

    fn on_cleanup(&mut self) {
        self.scaler = None;
        log!(debug, "on_cleanup");
    }

    fn train(&mut self, config: &Config, data: &DataFrame, _geo: Option<&Geo>) -> Result<Model, ModelError> {
        let feature_names: Vec<String> = match &config.features {
            Some(features) => features.clone(),
            None => {
                data.numeric_column_names().into_iter().filter(|c| *c != config.target).map(str::to_owned).collect()
            }
        };
        let names: Vec<&str> = feature_names.iter().map(String::as_str).collect();
        let rows = data.f64_rows(&names, 0.0)?;
        let y = data.f64_filled(&config.target, 0.0)?;
        let scaler = self.scaler.insert(Scaler::fit(&rows, names.len()));
        let scaled: Vec<Vec<f64>> = rows.iter().map(|r| scaler.transform(r)).collect();
        let LinearFit { intercept, coefficients } = least_squares(&scaled, &y)?;
        let scaler = self.scaler.take().expect("set above");
        Ok(Model { feature_names, scaler, intercept, coefficients })
    }

    fn predict(
        &mut self,
        _config: &Config,
        model: Model,
        _historic: &DataFrame,
        mut future: DataFrame,
        _geo: Option<&Geo>,
    ) -> Result<DataFrame, ModelError> {
        let names: Vec<&str> = model.feature_names.iter().map(String::as_str).collect();
        let fit = LinearFit { intercept: model.intercept, coefficients: model.coefficients };
        let rows = future.f64_rows(&names, 0.0)?;
        let samples = rows.iter().map(|r| fit.predict(&model.scaler.transform(r))).collect();
        future.set_f64("sample_0", samples)?;
        Ok(future)
    }
}

chapwasm_sdk::export_model!(WeatherModelRunner);
