//! The spec's shell runner over HTTP: its example with Python scripts and with sh/awk
//! (same predictions as the Rust quick start), a failing script as a failed job carrying its
//! stderr, and the bounds the host keeps on trusted commands: the time limit and `DELETE`
//! kill the whole process group, and each call's directory is removed.

use crate::support::app::{TestApp, spawn_app_with};
use chapwasm_server::settings::AppSettings;
use chapwasm_server::shell_model::ShellModelRunner;
use chapwasm_service::SandboxLimits;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn example(language: &str) -> ShellModelRunner {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shell").join(language).join("model.toml");
    ShellModelRunner::from_toml_file(&path).unwrap()
}

async fn serve(runner: ShellModelRunner, limits: SandboxLimits) -> TestApp {
    spawn_app_with(AppSettings { shell_model: Some(runner), limits, ..AppSettings::default() }).await
}

async fn trains_and_predicts_the_quick_start_mean(language: &str, name: &str) {
    let app = serve(example(language), SandboxLimits::default()).await;
    assert_eq!(app.get_json("/api/v1/info").await["id"], name);
    let config = app.config(json!({"scale": 2.0})).await;
    let data = json!({"columns": ["location", "disease_cases"], "data": [["a", 2], ["b", null], ["c", 4]]});
    let (trained, job) = app.train_and_wait(&config, &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let future = json!({"columns": ["location"], "data": [["a"], ["b"]]});
    let historic = json!({"columns": ["location"], "data": []});
    let (_, job) = app.predict_and_wait(&trained["artifact_id"], &historic, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    // The Rust quick start (tests/integration/quickstart.rs) predicts 6.0 for this data.
    let samples = app.prediction_column(&job, "sample_0").await;
    assert_eq!(samples.iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>(), [6.0, 6.0]);

    // A script that exits non-zero fails the job with its stderr.
    let (_, failed) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[null]]})).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"], "model error (failed): script failed with exit code 1: no observed disease_cases");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spec_shell_example_runs_with_python_scripts() {
    trains_and_predicts_the_quick_start_mean("python", "mean-shell-python").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spec_shell_example_runs_with_sh_and_awk() {
    trains_and_predicts_the_quick_start_mean("awk", "mean-shell-awk").await;
}

/// A declaration in a fresh directory whose training runs `train` (an `sh -c` script),
/// run there; predicting is never reached.
fn declared(train: &str) -> (ShellModelRunner, PathBuf) {
    let dir = std::env::temp_dir().join(format!("chapwasm-shell-test-{}", chapwasm_service::clock::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = format!(
        "name = \"sleeper\"\ntrain_command = [\"sh\", \"-c\", {train:?}, \"sh\", \"{{model_file}}\"]\n\
         predict_command = \"true {{output_file}}\"\n"
    );
    std::fs::write(dir.join("model.toml"), toml).unwrap();
    (ShellModelRunner::from_toml_file(&dir.join("model.toml")).unwrap(), dir)
}

/// Whether the process runs (a zombie waiting for its reaper does not).
fn alive(pid: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(Path::new("/proc").join(pid.trim()).join("stat")) else { return false };
    let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Waits (a few seconds at most) for `file` to be written, and returns what it holds.
async fn written(file: &Path) -> String {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(file)
            && text.ends_with('\n')
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} was never written", file.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_job_past_its_time_limit_is_killed_with_everything_it_started() {
    // The script starts a child in the background, notes its pid and where the call's
    // directory is, then sleeps past the limit.
    let (runner, dir) = declared("sleep 60 & echo $! > child.pid; dirname \"$1\" > call.dir; sleep 60");
    let limits = SandboxLimits { time_limit: Duration::from_secs(1), ..SandboxLimits::default() };
    let app = serve(runner, limits).await;
    let config = app.config(json!({})).await;
    let (_, job) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    assert_eq!((&job["status"], &job["error"]), (&json!("failed"), &json!("time limit of 1 s exceeded")), "{job}");
    let child = written(&dir.join("child.pid")).await;
    let call_dir = written(&dir.join("call.dir")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!alive(&child), "the script's background child {child} outlived the call");
    assert!(!Path::new(call_dir.trim()).exists(), "the call's directory {call_dir} was left behind");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_its_output_does_not_give_a_shell_job_more_time() {
    // Each close comes before the previous second is up: a clock restarted at each would
    // let the script finish at 2.6 s.
    let (runner, dir) = declared("sleep 0.9; exec >&-; sleep 0.9; exec 2>&-; sleep 0.8; echo late > \"$1\"");
    let limits = SandboxLimits { time_limit: Duration::from_secs(1), ..SandboxLimits::default() };
    let app = serve(runner, limits).await;
    let config = app.config(json!({})).await;
    let (_, job) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    assert_eq!((&job["status"], &job["error"]), (&json!("failed"), &json!("time limit of 1 s exceeded")), "{job}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_for_a_model_file_fails_the_job_without_blocking_the_server() {
    let (runner, dir) = declared("mkfifo \"$1\"");
    let app = serve(runner, SandboxLimits::default()).await;
    let config = app.config(json!({})).await;
    let (_, job) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["error"].as_str().unwrap().contains("model.bin is not a regular file"), "{job}");
    assert_eq!(app.get("/health").await.status(), 200);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_running_shell_job_kills_its_process_group() {
    let (runner, dir) = declared("sleep 60 & echo $! > child.pid; sleep 60");
    let app = serve(runner, SandboxLimits::default()).await;
    let config = app.config(json!({})).await;
    let job_id = app.submit_train(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    let child = written(&dir.join("child.pid")).await;
    assert!(alive(&child));
    assert_eq!(app.delete(&format!("/api/v1/jobs/{job_id}")).await.status(), 204);
    for _ in 0..50 {
        if !alive(&child) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alive(&child), "the script's child {child} outlived the deleted job");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_job_printing_past_the_output_cap_is_stopped() {
    let (runner, dir) = declared("yes chatter; echo never > \"$1\"");
    let limits = SandboxLimits { output_bytes: 64 << 10, ..SandboxLimits::default() };
    let app = serve(runner, limits).await;
    let config = app.config(json!({})).await;
    let (_, job) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    assert_eq!((&job["status"], &job["error"]), (&json!("failed"), &json!("stdout limit of 64 KiB exceeded")), "{job}");
    std::fs::remove_dir_all(dir).ok();
}

/// `chapwasm serve --shell-model model.toml` run from the declaration's own directory.
#[test]
fn a_declaration_named_by_a_bare_file_name_is_served() {
    use std::io::BufRead;
    let (_, dir) = declared("true");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_chapwasm"))
        .args(["serve", "--port", "0", "--shell-model", "model.toml"])
        .current_dir(&dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(server.stderr.take().unwrap()).lines();
    let said: Vec<String> = lines.map_while(Result::ok).take_while(|line| !line.contains("listening on")).collect();
    let running = server.try_wait().unwrap().is_none();
    // SIGTERM, so the server stops as an operator's would (and removes its scratch directory).
    std::process::Command::new("kill").arg(server.id().to_string()).status().ok();
    server.wait().ok();
    assert!(running, "the server did not start: {said:?}");
    std::fs::remove_dir_all(dir).ok();
}

/// SIGTERM to a server whose shell job is running: the server exits within its grace
/// period and the job's process group goes with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_shutting_down_kills_its_running_shell_jobs() {
    let (_, dir) = declared("sleep 60 & echo $! > child.pid; sleep 60");
    let declaration = dir.join("model.toml");
    let args = ["--shell-model", declaration.to_str().unwrap(), "--shutdown-grace-secs", "1"];
    let mut server = crate::support::server::ServerProcess::start(&args);
    let client = server.client();
    let job_id = client.submit_train(&client.config(json!({})).await, &json!({"columns": ["x"], "data": [[1]]})).await;
    let child = written(&dir.join("child.pid")).await;
    assert!(alive(&child));
    client.wait_for_status(&job_id, &["running"], Duration::from_secs(10)).await;
    server.terminate();
    let exit = server.wait_within(Duration::from_secs(10)).expect("the server exits within its grace period");
    assert!(exit.success(), "{exit:?}");
    for _ in 0..50 {
        if !alive(&child) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alive(&child), "the shell job's child {child} outlived the server");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_declaration_with_an_unknown_placeholder_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("chapwasm-shell-test-{}", chapwasm_service::clock::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = "name = \"typo\"\ntrain_command = \"python3 train.py {data}\"\npredict_command = \"true\"\n";
    std::fs::write(dir.join("model.toml"), toml).unwrap();
    let runner = ShellModelRunner::from_toml_file(&dir.join("model.toml")).unwrap();
    let settings = AppSettings { shell_model: Some(runner), ..AppSettings::default() };
    let error = crate::support::block_on(settings.build()).err().expect("refused");
    assert!(error.to_string().contains("unknown placeholder {data}"), "{error}");
    std::fs::remove_dir_all(dir).ok();
}
