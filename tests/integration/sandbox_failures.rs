//! A guest that panics is a failed call carrying the panic message, never a host crash;
//! the same component keeps working for the next call.

use crate::support::{CallNow, Recorder, block_on, floats, load, ok, plugin};
use chapwasm_runtime::RuntimeError;
use chapwasm_sdk::DataFrame;
use std::sync::Arc;

#[test]
fn a_panic_in_train_is_an_error_with_the_panic_message() {
    let model = plugin("panicking");
    let call = model.train_now("{}", floats(&[("boom", vec![1.0])]), None, Arc::new(Recorder::default()));
    match call.result {
        Err(RuntimeError::Panic { message }) => {
            assert!(message.contains("the model exploded on purpose"), "{message}");
            assert!(message.contains("src/lib.rs"), "the location is kept: {message}");
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
    // A fresh instance per call: the trapped one is gone, the component still works.
    ok(model.train_now("{}", floats(&[("calm", vec![1.0])]), None, Arc::new(Recorder::default())));
}

#[test]
fn a_panic_in_predict_is_an_error_with_the_panic_message() {
    let model = plugin("panicking");
    let bytes = ok(model.train_now("{}", DataFrame::default(), None, Arc::new(Recorder::default())));
    let call = model.predict_now(
        "{}",
        &bytes,
        DataFrame::default(),
        DataFrame::default(),
        None,
        Arc::new(Recorder::default()),
    );
    let err = call.result.unwrap_err().to_string();
    assert!(err.starts_with("model panicked: panicked at"), "{err}");
    assert!(err.contains("index out of bounds"), "{err}");
}

#[test]
fn an_endless_loop_is_stopped_by_cancellation() {
    let model = plugin("endless-loop");
    let cancel = chapwasm_runtime::CancelToken::default();
    let canceler = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        canceler.cancel();
    });
    let call = block_on(model.train("{}".into(), DataFrame::default(), None, Arc::new(Recorder::default()), cancel));
    assert!(matches!(call.result, Err(RuntimeError::Canceled)), "{:?}", call.result);
}

#[test]
fn an_endless_loop_hits_the_time_limit() {
    let limits =
        chapwasm_runtime::SandboxLimits { time_limit: std::time::Duration::from_secs(1), ..Default::default() };
    let settings = chapwasm_runtime::RuntimeSettings { limits, ..Default::default() };
    let runtime = chapwasm_runtime::Runtime::new(settings).unwrap();
    let wasm = std::fs::read(chapwasm_server::bundled::plugin_path("endless-loop")).unwrap();
    let model = load(&runtime, &wasm).unwrap();
    let call = model.train_now("{}", DataFrame::default(), None, Arc::new(Recorder::default()));
    let err = call.result.unwrap_err();
    assert_eq!(err.to_string(), "time limit of 1 s exceeded");
}
