//! The author's local loop through the real `chapwasm` binary: describe, train on a CSV,
//! predict to a CSV.

use chapwasm_server::bundled::plugin_path;
use std::path::Path;
use std::process::{Command, Output};

fn chapwasm(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chapwasm")).args(args).current_dir(dir).output().expect("run chapwasm")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chapwasm-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn describe_prints_the_model_description_as_json() {
    let component = plugin_path("linear-regression");
    let output = chapwasm(&["describe", component.to_str().unwrap()], &std::env::temp_dir());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let description: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(description["name"], "linear-regression");
    assert_eq!(description["config_schema"]["type"], "object");
    assert_eq!(description["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn run_train_then_predict_on_csv_files() {
    let dir = temp_dir("run");
    std::fs::write(
        dir.join("train.csv"),
        "rainfall,mean_temperature,disease_cases\n10,25,5\n15,28,8\n8,22,3\n20,30,12\n12,26,6\n",
    )
    .unwrap();
    std::fs::write(dir.join("historic.csv"), "rainfall,mean_temperature\n").unwrap();
    std::fs::write(dir.join("future.csv"), "rainfall,mean_temperature\n11,26\n14,27\n9,24\n").unwrap();
    std::fs::write(dir.join("config.json"), r#"{"prediction_periods": 3}"#).unwrap();
    let component = plugin_path("linear-regression");
    let component = component.to_str().unwrap();

    let train = chapwasm(
        &[
            "run",
            "train",
            "--component",
            component,
            "--config",
            "config.json",
            "--data",
            "train.csv",
            "--model",
            "out.model",
        ],
        &dir,
    );
    assert!(train.status.success(), "{}", String::from_utf8_lossy(&train.stderr));
    assert!(
        String::from_utf8_lossy(&train.stderr)
            .contains("fitting disease_cases on [\"rainfall\", \"mean_temperature\"]")
    );

    let predict = chapwasm(
        &[
            "run",
            "predict",
            "--component",
            component,
            "--config",
            "config.json",
            "--model",
            "out.model",
            "--historic",
            "historic.csv",
            "--future",
            "future.csv",
            "--output",
            "pred.csv",
        ],
        &dir,
    );
    assert!(predict.status.success(), "{}", String::from_utf8_lossy(&predict.stderr));
    let predictions = std::fs::read_to_string(dir.join("pred.csv")).unwrap();
    let mut lines = predictions.lines();
    assert_eq!(lines.next(), Some("rainfall,mean_temperature,sample_0"));
    assert_eq!(lines.count(), 3);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_failing_model_exits_non_zero_with_the_models_message() {
    let dir = temp_dir("fail");
    std::fs::write(dir.join("train.csv"), "boom\n1\n").unwrap();
    let component = plugin_path("panicking");
    let output = chapwasm(
        &["run", "train", "--component", component.to_str().unwrap(), "--data", "train.csv", "--model", "m"],
        &dir,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Error: model panicked: panicked at"), "{stderr}");
    std::fs::remove_dir_all(dir).ok();
}

/// An https orchestrator is refused at start with the reason (this build has no TLS
/// client), rather than retried for ever.
#[test]
fn serve_refuses_an_https_orchestrator_at_start() {
    let dir = temp_dir("https-orchestrator");
    let output = chapwasm(&["serve", "--port", "0", "--register-with", "https://chap.example:8000"], &dir);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("must be plain http://"), "{stderr}");
}
