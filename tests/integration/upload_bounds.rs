//! Uploads are bounded work, and native code is loaded only when verified: identical
//! concurrent uploads compile once, a rejected upload is not compiled again, the disk
//! cache is private, bounded and evicted with its component, and a precompiled file that
//! was tampered with or truncated is recompiled, never loaded.

use crate::support::app::{TestApp, compile_worker, plugin_bytes, spawn_app_with};
use crate::support::server::ServerProcess;
use chapwasm_runtime::CompileLimits;
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

async fn compile_stats(app: &TestApp) -> Value {
    app.get_json("/api/v1/system").await["components"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_concurrent_uploads_compile_once() {
    let app = spawn_app_with(AppSettings { max_uploads: 4, ..AppSettings::default() }).await;
    let before = compile_stats(&app).await;
    let wasm = plugin_bytes("seasonal-forecast");
    let uploads = (0..4).map(|_| app.upload(wasm.clone(), ""));
    let responses = futures_util::future::join_all(uploads).await;
    let mut ids = Vec::new();
    for response in responses {
        assert!(response.status().is_success(), "{}", response.status());
        ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one component record");
    let after = compile_stats(&app).await;
    assert_eq!(after["compiled"].as_u64().unwrap() - before["compiled"].as_u64().unwrap(), 1, "{after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_upload_is_not_compiled_again() {
    let app = spawn_app_with(AppSettings::default()).await;
    let before = compile_stats(&app).await;
    let mut details = Vec::new();
    for _ in 0..3 {
        let response = app.upload(plugin_bytes("impostor"), "").await;
        assert_eq!(response.status(), 422);
        details.push(response.json::<Value>().await.unwrap()["detail"].clone());
    }
    assert!(details.windows(2).all(|pair| pair[0] == pair[1]), "{details:?}");
    let after = compile_stats(&app).await;
    assert_eq!(after["compiled"].as_u64().unwrap() - before["compiled"].as_u64().unwrap(), 1, "{after}");
    assert_eq!(after["rejections_remembered"].as_u64().unwrap(), 2, "{after}");
}

/// A component built to take Cranelift minutes (the `labyrinth` fixture) is rejected at
/// the compile time limit: its compiler process is killed, the server goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_component_that_takes_too_long_to_compile_is_rejected_at_the_compile_limit() {
    let limits = CompileLimits { time_limit: Duration::from_secs(2), ..CompileLimits::default() };
    let app = spawn_app_with(AppSettings { compiler: compile_worker(limits), ..AppSettings::default() }).await;
    assert_eq!(app.get_json("/api/v1/system").await["compile_limits"]["time_limit_seconds"], 2.0);
    let started = Instant::now();
    let response = app.upload(plugin_bytes("labyrinth"), "").await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["detail"], "compiling took longer than the compile time limit of 2 s");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    app.upload_plugin("seasonal-forecast", "").await;
}

fn cached_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "cwasm"));
    files
}

/// The disk cache is created private, holds no more than its bound, and forgets a
/// component that is deleted.
#[tokio::test(flavor = "multi_thread")]
async fn the_disk_cache_is_private_bounded_and_evicted_with_its_component() {
    let dir = tempdir();
    let cache_dir = dir.join("cache");
    let settings = AppSettings {
        cache_dir: Some(cache_dir.clone()),
        cache_max_bytes: 3 << 20,
        database_url: dir.join("ml.db").to_str().unwrap().to_owned(),
        ..AppSettings::default()
    };
    let app = spawn_app_with(settings).await;
    assert_eq!(std::fs::metadata(&cache_dir).unwrap().permissions().mode() & 0o777, 0o700);
    let seasonal = app.upload_plugin("seasonal-forecast", "").await;
    assert_eq!(cached_files(&cache_dir).len(), 2, "the default model and the upload");
    app.delete(&format!("/api/v1/components/{}", seasonal["id"].as_str().unwrap())).await;
    assert_eq!(cached_files(&cache_dir).len(), 1, "the deleted component's code is gone");
    for name in ["seasonal-forecast", "scaled-regression", "mischief", "forger", "panicking"] {
        app.upload_plugin(name, "").await;
        let total: u64 = cached_files(&cache_dir).iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
        assert!(total <= 3 << 20, "the cache holds {total} bytes after {name}");
    }
}

/// Overwrites the machine code of a precompiled file (its ELF `.text` section) with int3
/// instructions, as someone who can write the cache directory could.
fn poison_text_section(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize;
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let (sections, entry, count, names) =
        (u64_at(&bytes, 0x28), u16_at(&bytes, 0x3a), u16_at(&bytes, 0x3c), u16_at(&bytes, 0x3e));
    let header = |i: usize| sections + i * entry;
    let name_table = u64_at(&bytes, header(names) + 0x18);
    let text = (0..count)
        .find(|&i| {
            let name = name_table + u32::from_le_bytes(bytes[header(i)..header(i) + 4].try_into().unwrap()) as usize;
            bytes[name..].starts_with(b".text\0")
        })
        .expect("a .text section");
    let (offset, size) = (u64_at(&bytes, header(text) + 0x18), u64_at(&bytes, header(text) + 0x20));
    bytes[offset..offset + size].fill(0xcc);
    std::fs::write(path, bytes).unwrap();
}

/// A restarted server finds its precompiled files tampered with (code overwritten) or
/// truncated: it compiles again instead of loading them, and jobs run correctly.
#[tokio::test(flavor = "multi_thread")]
async fn tampered_or_truncated_precompiled_code_is_recompiled_not_loaded() {
    let dir = tempdir();
    let database = dir.join("ml.db");
    let args = ["--database-url", database.to_str().unwrap()];
    let cache_dir = PathBuf::from(format!("{}.cwasm-cache", database.display()));
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0], [3.0, 6.1]]});
    let config_id = {
        let server = ServerProcess::start(&args);
        let app = server.client();
        let component = app.upload_plugin("scaled-regression", "").await;
        app.config_of(&component, json!({})).await
    };
    let mut files = cached_files(&cache_dir);
    assert_eq!(files.len(), 2);
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().len());
    poison_text_section(&files[0]);
    let half = std::fs::metadata(&files[1]).unwrap().len() / 2;
    std::fs::OpenOptions::new().write(true).open(&files[1]).unwrap().set_len(half).unwrap();

    let server = ServerProcess::start(&args);
    let app = server.client();
    let (_, job) = app.train_and_wait(&config_id, &frame).await;
    assert_eq!(job["status"], "completed", "{job}");
    let default_config = app.config(json!({})).await;
    let (_, job) = app.train_and_wait(&default_config, &frame).await;
    assert_eq!(job["status"], "completed", "{job}");
    let stats = compile_stats(&app).await;
    assert_eq!((stats["compiled"].as_u64(), stats["loaded_precompiled"].as_u64()), (Some(2), Some(0)), "{stats}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// A fresh directory under the system's temporary directory.
fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chapwasm-test-{}", chapwasm_service::clock::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Someone who can write the cache directory puts a FIFO where a component's code was: a
/// restarted server neither blocks on it nor loads it, and compiles the component again.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_in_the_cache_directory_is_not_read() {
    let dir = tempdir();
    let cache_dir = dir.join("cache");
    let settings = || AppSettings {
        cache_dir: Some(cache_dir.clone()),
        database_url: dir.join("ml.db").to_str().unwrap().to_owned(),
        ..AppSettings::default()
    };
    let config_id = {
        let app = spawn_app_with(settings()).await;
        let component = app.upload_plugin("scaled-regression", "").await;
        app.config_of(&component, json!({})).await
    };
    for file in cached_files(&cache_dir) {
        std::fs::remove_file(&file).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(&file).status().unwrap().success());
    }
    let app = spawn_app_with(settings()).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0], [3.0, 6.1]]});
    let job_id = app.submit_train(&config_id, &frame).await;
    let job = app.wait_for_job_within(&job_id, Duration::from_secs(20)).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(compile_stats(&app).await["loaded_precompiled"], 0);
}
