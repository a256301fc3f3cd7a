//! Both regression plugins, through real components: exact recovery of known coefficients,
//! nulls crossing the boundary as nulls, lifecycle hooks, and errors that name the column.

use crate::support::{CallNow, Recorder, floats, ok, plugin};
use chapwasm_runtime::RuntimeError;
use chapwasm_sdk::{Column, DataFrame, ErrorKind, Values};
use std::sync::Arc;

/// y = 3 + 2·a − 0.5·b, noise-free, with `a` and `b` not collinear.
fn exact_line(rows: usize) -> (DataFrame, Vec<f64>) {
    let a: Vec<f64> = (0..rows).map(|i| i as f64 * 0.7).collect();
    let b: Vec<f64> = (0..rows).map(|i| ((i * 7) % 11) as f64 - 3.0).collect();
    let y: Vec<f64> = a.iter().zip(&b).map(|(a, b)| 3.0 + 2.0 * a - 0.5 * b).collect();
    (floats(&[("a", a), ("b", b), ("disease_cases", y.clone())]), y)
}

fn future_ab() -> (DataFrame, Vec<f64>) {
    let a = vec![100.0, -4.25, 0.0];
    let b = vec![7.5, 12.0, -1.0];
    let expected = a.iter().zip(&b).map(|(a, b)| 3.0 + 2.0 * a - 0.5 * b).collect();
    (floats(&[("a", a), ("b", b)]), expected)
}

fn assert_recovers_coefficients(plugin_name: &str) {
    let model = plugin(plugin_name);
    let (data, _) = exact_line(40);
    let bytes = ok(model.train_now("{}", data, None, Arc::new(Recorder::default())));
    let (future, expected) = future_ab();
    let predictions =
        ok(model.predict_now("{}", &bytes, DataFrame::default(), future, None, Arc::new(Recorder::default())));
    let samples = predictions.f64_column("sample_0").unwrap();
    for (got, want) in samples.iter().zip(&expected) {
        let got = got.expect("no null predictions");
        assert!((got - want).abs() < 1e-9, "{plugin_name}: predicted {got}, exact {want}");
    }
}

#[test]
fn linear_regression_recovers_known_coefficients() {
    assert_recovers_coefficients("linear-regression");
}

#[test]
fn scaled_regression_recovers_known_coefficients() {
    assert_recovers_coefficients("scaled-regression");
}

#[test]
fn nulls_reach_the_guest_as_nulls_and_come_back_as_nulls() {
    let model = plugin("linear-regression");
    let (data, _) = exact_line(12);
    let mut columns = data.into_columns();
    // Row 0's target is null, with a wild value underneath: if the guest saw the value,
    // the fit would be off.
    let (name, values, _) = columns.pop().unwrap().into_parts();
    let Values::F64(mut y) = values else { unreachable!() };
    y[0] = 1e9;
    let mut validity = vec![true; y.len()];
    validity[0] = false;
    columns.push(Column::with_validity(name, Values::F64(y), validity).unwrap());
    let recorder = Arc::new(Recorder::default());
    let bytes = ok(model.train_now("{}", DataFrame::from_columns(columns).unwrap(), None, recorder.clone()));
    let log = recorder.events.lock().unwrap().join("\n");
    assert!(log.contains("with 11 complete rows of 12"), "{log}");

    let (future, expected) = future_ab();
    let mut future = future;
    future.set_column(Column::f64_opt("note", vec![Some(1.0), None, Some(3.0)])).unwrap();
    let predictions = ok(model.predict_now("{}", &bytes, DataFrame::default(), future, None, recorder));
    let note = predictions.column("note").unwrap();
    assert_eq!(note.validity(), Some(&[true, false, true][..]), "null mask survives the round trip");
    let samples = predictions.f64_column("sample_0").unwrap();
    assert!((samples[1].unwrap() - expected[1]).abs() < 1e-9);
}

#[test]
fn the_specs_collinear_example_trains_and_predicts() {
    // The spec's automated test: x2 = x1 + 1, target in the last column `y`.
    let model = plugin("linear-regression");
    let data = floats(&[("x1", vec![1.0, 2.0, 3.0]), ("x2", vec![2.0, 3.0, 4.0]), ("y", vec![10.0, 15.0, 20.0])]);
    let bytes = ok(model.train_now("{}", data, None, Arc::new(Recorder::default())));
    let future = floats(&[("x1", vec![1.5, 2.5]), ("x2", vec![2.5, 3.5])]);
    let predictions =
        ok(model.predict_now("{}", &bytes, DataFrame::default(), future, None, Arc::new(Recorder::default())));
    let samples: Vec<f64> = predictions.f64_column("sample_0").unwrap().into_iter().map(Option::unwrap).collect();
    assert!((samples[0] - 12.5).abs() < 1e-9 && (samples[1] - 17.5).abs() < 1e-9, "{samples:?}");
}

#[test]
fn missing_feature_is_a_model_error_naming_the_column() {
    let model = plugin("linear-regression");
    let (data, _) = exact_line(10);
    let bytes = ok(model.train_now("{}", data, None, Arc::new(Recorder::default())));
    let future = floats(&[("a", vec![1.0])]);
    let call = model.predict_now("{}", &bytes, DataFrame::default(), future, None, Arc::new(Recorder::default()));
    match call.result {
        Err(RuntimeError::Model(e)) => {
            assert_eq!(e.kind, ErrorKind::InvalidData);
            assert!(e.message.contains("missing column `b`"), "{}", e.message);
        }
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[test]
fn configured_features_and_wrong_types_are_reported() {
    let model = plugin("linear-regression");
    let data = DataFrame::from_columns(vec![
        Column::str("location", vec!["a".into(), "b".into()]),
        Column::f64("disease_cases", vec![1.0, 2.0]),
    ])
    .unwrap();
    let call = model.train_now(r#"{"features": ["location"]}"#, data, None, Arc::new(Recorder::default()));
    let err = call.result.unwrap_err().to_string();
    assert_eq!(err, "model error (invalid-data): column `location` must be numeric, but row 0 holds \"a\"");
}

#[test]
fn class_style_hooks_run_around_every_call() {
    let model = plugin("scaled-regression");
    let (data, _) = exact_line(10);
    let recorder = Arc::new(Recorder::default());
    ok(model.train_now("{}", data, None, recorder.clone()));
    let events = recorder.events.lock().unwrap().clone();
    assert_eq!(events, ["log Debug on_init", "log Debug on_cleanup"]);
}

#[test]
fn corrupt_model_bytes_are_an_invalid_model_error() {
    let model = plugin("scaled-regression");
    let (future, _) = future_ab();
    let call = model.predict_now("{}", &[1, 2, 3], DataFrame::default(), future, None, Arc::new(Recorder::default()));
    match call.result {
        Err(RuntimeError::Model(e)) => assert_eq!(e.kind, ErrorKind::InvalidModel),
        other => panic!("expected invalid-model, got {other:?}"),
    }
}
