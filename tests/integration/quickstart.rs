//! The README's quick-start model (examples/quickstart-model) works as the README says.

use crate::support::{CallNow, Recorder, ok, plugin};
use chapwasm_sdk::{Column, DataFrame};
use std::sync::Arc;

#[test]
fn the_readme_model_trains_and_predicts_with_its_config() {
    let model = plugin("quickstart-model");
    assert_eq!(model.description().name, "mean-model");
    let data =
        DataFrame::from_columns(vec![Column::f64_opt("disease_cases", vec![Some(2.0), None, Some(4.0)])]).unwrap();
    let recorder = Arc::new(Recorder::default());
    let bytes = ok(model.train_now(r#"{"scale": 2.0}"#, data, None, recorder.clone()));
    assert_eq!(recorder.events.lock().unwrap().as_slice(), ["log Info training on 2 of 3 rows"]);
    let future = DataFrame::from_columns(vec![Column::str("location", vec!["a".into(), "b".into()])]).unwrap();
    let predictions = ok(model.predict_now("{}", &bytes, DataFrame::default(), future, None, recorder));
    assert_eq!(predictions.f64_column("sample_0").unwrap(), vec![Some(6.0), Some(6.0)]);
}
