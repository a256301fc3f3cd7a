//! A CHAP-shaped probabilistic forecaster. For each location it learns the mean of
//! `log(1 + disease_cases)` for every season of the year (month 1–12 or ISO week 1–53)
//! and the spread of the residuals; for each future row it draws `n_samples` values
//! from a log-normal around that seasonal level. Draws come from a ChaCha8 generator
//! seeded by the config, so the same seed gives the same forecast, bit for bit.

mod period;
mod profile;

use chapwasm_sdk::{Column, DataFrame, Geo, ModelError, ModelInfo, ModelRunner, log};
use profile::SeasonalProfiles;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Configuration of the seasonal forecaster.
#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(default)]
struct Config {
    /// Number of samples per forecast row (`sample_0 .. sample_{n-1}`).
    #[schemars(range(min = 1, max = 1000))]
    n_samples: u32,
    /// Seed of the random draws; the same seed gives the same forecast.
    seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self { n_samples: 100, seed: 42 }
    }
}

#[derive(Default)]
struct SeasonalForecast;

impl ModelRunner for SeasonalForecast {
    type Config = Config;
    type Model = SeasonalProfiles;

    fn info() -> ModelInfo {
        ModelInfo::new("seasonal-forecast")
            .version(env!("CARGO_PKG_VERSION"))
            .description("Per-location seasonal log-normal forecast of disease_cases with seeded samples.")
            .prediction_periods(1, 52)
    }

    fn train(
        &mut self,
        _config: &Config,
        data: &DataFrame,
        _geo: Option<&Geo>,
    ) -> Result<SeasonalProfiles, ModelError> {
        let profiles = SeasonalProfiles::fit(
            &data.str_column("location")?,
            &data.str_column("time_period")?,
            &data.f64_column("disease_cases")?,
        )?;
        log!(info, "learned seasonal profiles for {} locations", profiles.location_count());
        Ok(profiles)
    }

    fn predict(
        &mut self,
        config: &Config,
        model: SeasonalProfiles,
        _historic: &DataFrame,
        mut future: DataFrame,
        _geo: Option<&Geo>,
    ) -> Result<DataFrame, ModelError> {
        if !(1..=1000).contains(&config.n_samples) {
            return Err(ModelError::invalid_config("n_samples must be between 1 and 1000"));
        }
        let locations = future.str_column("location")?;
        let periods = future.str_column("time_period")?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut samples = vec![Vec::with_capacity(future.num_rows()); config.n_samples as usize];
        let rows = future.num_rows().max(1);
        for (row, (location, period)) in locations.iter().zip(&periods).enumerate() {
            if row % 1000 == 0 {
                chapwasm_sdk::progress(row as f64 / rows as f64, "sampling");
            }
            let location = location.ok_or_else(|| ModelError::invalid_data(format!("row {row}: location is null")))?;
            let period = period.ok_or_else(|| ModelError::invalid_data(format!("row {row}: time_period is null")))?;
            let distribution = model.distribution(location, period)?;
            for column in samples.iter_mut() {
                column.push(distribution.draw(&mut rng));
            }
        }
        chapwasm_sdk::progress(1.0, "sampled");
        drop((locations, periods));
        for (i, values) in samples.into_iter().enumerate() {
            future.set_column(Column::f64(format!("sample_{i}"), values))?;
        }
        Ok(future)
    }
}

chapwasm_sdk::export_model!(SeasonalForecast);
