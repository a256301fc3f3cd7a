//! The seasonal forecaster on chap-core-shaped data: complete, contiguous, finite samples
//! for every location × future period, reproducible by seed.

use crate::support::chap_data::{dataset, split};
use crate::support::{CallNow, Recorder, ok, plugin};
use chapwasm_sdk::DataFrame;
use std::collections::BTreeSet;
use std::sync::Arc;

fn forecast(config: &str) -> (DataFrame, DataFrame) {
    let model = plugin("seasonal-forecast");
    let (train, future) = split(&dataset(3, 36, 7), 3);
    let bytes = ok(model.train_now(config, train.clone(), None, Arc::new(Recorder::default())));
    let predictions = ok(model.predict_now(config, &bytes, train, future.clone(), None, Arc::new(Recorder::default())));
    (future, predictions)
}

#[test]
fn every_location_and_period_gets_contiguous_finite_samples() {
    let (future, predictions) = forecast(r#"{"n_samples": 20, "seed": 1}"#);
    assert_eq!(predictions.num_rows(), 9, "3 locations × 3 periods");
    let pairs: BTreeSet<(String, String)> = predictions
        .str_column("location")
        .unwrap()
        .into_iter()
        .zip(predictions.str_column("time_period").unwrap())
        .map(|(l, t)| (l.unwrap().to_owned(), t.unwrap().to_owned()))
        .collect();
    let expected: BTreeSet<(String, String)> =
        (1..=3).flat_map(|l| ["2023-10", "2023-11", "2023-12"].map(|t| (format!("loc_{l}"), t.to_owned()))).collect();
    assert_eq!(pairs, expected);
    let samples: Vec<&str> = predictions.column_names().filter(|c| c.starts_with("sample_")).collect();
    assert_eq!(samples, (0..20).map(|i| format!("sample_{i}")).collect::<Vec<_>>());
    for name in samples {
        for value in predictions.f64_column(name).unwrap() {
            let value = value.expect("no nulls");
            assert!(value.is_finite() && value >= 0.0, "{name} = {value}");
        }
    }
    // The input columns come back unchanged (chap-core ignores them, but they echo).
    assert_eq!(predictions.column("parent").unwrap(), future.column("parent").unwrap());
}

#[test]
fn same_seed_same_forecast_other_seed_other_forecast() {
    let (_, first) = forecast(r#"{"n_samples": 5, "seed": 99}"#);
    let (_, second) = forecast(r#"{"n_samples": 5, "seed": 99}"#);
    let (_, other) = forecast(r#"{"n_samples": 5, "seed": 100}"#);
    assert_eq!(first, second);
    assert_ne!(first.column("sample_0"), other.column("sample_0"));
}

#[test]
fn training_is_deterministic_to_the_byte() {
    let model = plugin("seasonal-forecast");
    let (train, _) = split(&dataset(3, 24, 3), 3);
    let a = ok(model.train_now("{}", train.clone(), None, Arc::new(Recorder::default())));
    let b = ok(model.train_now("{}", train, None, Arc::new(Recorder::default())));
    assert_eq!(a, b);
}

#[test]
fn a_bad_period_string_names_the_value() {
    let model = plugin("seasonal-forecast");
    let (train, _) = split(&dataset(1, 12, 3), 2);
    let mut columns = train.into_columns();
    let index = columns.iter().position(|c| c.name() == "time_period").unwrap();
    let rows = columns[index].len();
    columns[index] = chapwasm_sdk::Column::str("time_period", vec!["March 2021".to_owned(); rows]);
    let call = model.train_now("{}", DataFrame::from_columns(columns).unwrap(), None, Arc::new(Recorder::default()));
    let err = call.result.unwrap_err().to_string();
    assert!(err.contains("time_period `March 2021` is neither YYYY-MM nor YYYY-Wnn"), "{err}");
}

#[test]
fn progress_reports_reach_the_observer() {
    let model = plugin("seasonal-forecast");
    let (train, future) = split(&dataset(2, 24, 5), 3);
    let bytes = ok(model.train_now("{}", train.clone(), None, Arc::new(Recorder::default())));
    let recorder = Arc::new(Recorder::default());
    ok(model.predict_now("{}", &bytes, train, future, None, recorder.clone()));
    let events = recorder.events.lock().unwrap().clone();
    assert_eq!(events, ["progress 0 sampling", "progress 1 sampled"]);
}
