//! The prediction horizon, as chapkit decides it: `run_info.prediction_periods` (or the
//! legacy `prediction_length`), else the number of distinct periods per location in the
//! future frame, else the config's `prediction_periods`; then checked against the service's
//! `[min, max]`. The model receives its config with `prediction_periods` set to it.

use chapwasm_sdk::DataFrame;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Where the horizon came from, for messages.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    RunInfo,
    Future,
    Config,
}

pub fn decide(run_info: Option<u64>, future: Option<&DataFrame>, config: &Value) -> Option<(u64, Source)> {
    if let Some(periods) = run_info {
        return Some((periods, Source::RunInfo));
    }
    if let Some(periods) = future.and_then(periods_per_location) {
        return Some((periods, Source::Future));
    }
    config["prediction_periods"].as_u64().map(|p| (p, Source::Config))
}

/// Most distinct `time_period`s of any one location, if the frame has both columns.
fn periods_per_location(future: &DataFrame) -> Option<u64> {
    let locations = future.str_column("location").ok()?;
    let periods = future.str_column("time_period").ok()?;
    let mut seen: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (location, period) in locations.into_iter().zip(periods) {
        if let (Some(location), Some(period)) = (location, period) {
            seen.entry(location).or_default().insert(period);
        }
    }
    seen.values().map(|p| p.len() as u64).max()
}

/// A message saying what to fix when the horizon is outside the model's bounds.
pub fn check(periods: u64, source: Source, (min, max): (u32, u32)) -> Result<(), String> {
    let from = match source {
        Source::RunInfo => "run_info",
        Source::Future => "the future frame",
        Source::Config => "the config",
    };
    let (min, max) = (u64::from(min), u64::from(max));
    if periods > max {
        return Err(format!("prediction_periods ({periods}, from {from}) exceeds the maximum allowed value ({max})"));
    }
    if periods < min {
        return Err(format!("prediction_periods ({periods}, from {from}) is below the minimum allowed value ({min})"));
    }
    Ok(())
}

/// The config JSON the model receives: the stored one with the decided horizon.
pub fn config_for_run(stored: &str, periods: Option<u64>) -> String {
    match (serde_json::from_str::<Value>(stored), periods) {
        (Ok(Value::Object(mut config)), Some(periods)) => {
            config.insert("prediction_periods".into(), periods.into());
            Value::Object(config).to_string()
        }
        _ => stored.to_owned(),
    }
}
