//! The contract as the host sees it: `describe` of every plugin, schemas that accept the
//! plugin's defaults, the compile cache, and rejection of things that are not models.

use crate::support::{load, plugin, runtime};
use chapwasm_runtime::{PeriodType, RuntimeError};
use serde_json::{Map, Value};

const PLUGINS: [&str; 3] = ["linear-regression", "scaled-regression", "seasonal-forecast"];

/// The config object made of every property's `default` in the schema.
fn defaults_of(schema: &Value) -> Value {
    let mut config = Map::new();
    for (name, property) in schema["properties"].as_object().expect("schema has properties") {
        if let Some(default) = property.get("default") {
            config.insert(name.clone(), default.clone());
        }
    }
    Value::Object(config)
}

#[test]
fn every_plugin_describes_itself_with_a_schema_that_accepts_its_defaults() {
    for name in PLUGINS {
        let description = plugin(name).description().clone();
        assert_eq!(description.name, name);
        assert_eq!(description.version, "0.1.0");
        assert_eq!(description.target, "disease_cases");
        let validator = jsonschema::validator_for(&description.config_schema)
            .unwrap_or_else(|e| panic!("{name}: schema does not compile: {e}"));
        let defaults = defaults_of(&description.config_schema);
        assert!(validator.is_valid(&defaults), "{name}: defaults {defaults} rejected");
        assert!(validator.is_valid(&serde_json::json!({})), "{name}: {{}} rejected");
        // chapkit's reserved keys are extra properties every schema must let through.
        let with_reserved = serde_json::json!({"prediction_periods": 3, "additional_continuous_covariates": []});
        assert!(validator.is_valid(&with_reserved), "{name}: reserved keys rejected");
    }
}

#[test]
fn a_schema_rejects_a_wrongly_typed_config() {
    let schema = plugin("seasonal-forecast").description().config_schema.clone();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&serde_json::json!({"n_samples": "many"})));
    assert!(!validator.is_valid(&serde_json::json!({"n_samples": 0})));
}

#[test]
fn describe_carries_chapkit_service_metadata() {
    let forecast = plugin("seasonal-forecast");
    let description = forecast.description();
    assert_eq!(description.period_type, PeriodType::Any);
    assert_eq!((description.min_prediction_periods, description.max_prediction_periods), (1, 52));
    assert!(!description.requires_geo);
    assert_eq!(forecast.sha256().len(), 64);
}

#[test]
fn the_same_bytes_compile_once() {
    let wasm = std::fs::read(chapwasm_server::bundled::plugin_path("linear-regression")).unwrap();
    let runtime = chapwasm_runtime::Runtime::new(Default::default()).unwrap();
    load(&runtime, &wasm).unwrap();
    load(&runtime, &wasm).unwrap();
    assert_eq!(runtime.compile_stats().compiled, 1);
}

#[test]
fn bytes_that_are_not_a_model_component_are_rejected_with_the_fix() {
    let message = |bytes: &[u8]| load(runtime(), bytes).unwrap_err().to_string();
    assert_eq!(
        message(b"definitely not wasm"),
        "invalid component: not WebAssembly: the bytes do not start with `\\0asm`"
    );
    assert!(message(b"\0asm\x01\0\0\0").contains("core WebAssembly module, not a component"));
    let stowaway = std::fs::read(chapwasm_server::bundled::plugin_path("stowaway")).unwrap();
    assert_eq!(
        message(&stowaway),
        "invalid component: the component imports what the sandbox does not provide: evil:thing/exfil \
         (allowed: chap:model/host@0.1.0, chap:model/types@0.1.0 and WASI 0.2)"
    );
    assert!(matches!(load(runtime(), &stowaway), Err(RuntimeError::InvalidComponent(_))));
}
