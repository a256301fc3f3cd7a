//! Hostile fixture: a model that tries what a malicious or broken model would, chosen by
//! the config's `act`. Probes of the outside world (files, directories, sockets,
//! environment) report what the guest saw as a model error, so tests can check that the
//! sandbox denied them; the other acts exhaust a resource or return garbage.

use chapwasm_sdk::{Column, DataFrame, Geo, ModelError, ModelInfo};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
struct Config {
    /// What to try.
    #[serde(default)]
    act: String,
    /// For `busy`: how long to keep the CPU busy, in milliseconds.
    #[serde(default)]
    millis: u64,
}

/// A well-behaved but slow call (for tests that must catch jobs mid-run).
fn busy(millis: u64) {
    let until = std::time::Instant::now() + std::time::Duration::from_millis(millis);
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
}

fn info() -> ModelInfo {
    ModelInfo::new("mischief").description("Misbehaves on purpose (sandbox test fixture).")
}

#[allow(unconditional_recursion)] // the point: overflow the stack
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 64]);
    recurse(depth + 1) + frame[0]
}

fn probe(act: &str) -> String {
    match act {
        "read-file" => format!("{:?}", std::fs::read_to_string("/etc/passwd").map(|s| s.len())),
        "list-root" => format!("{:?}", std::fs::read_dir("/").map(|d| d.count())),
        "connect-socket" => format!("{:?}", std::net::TcpStream::connect("127.0.0.1:5432").map(|_| "connected")),
        "read-env" => format!("{:?}", std::env::vars().collect::<Vec<_>>()),
        "random" => {
            use std::hash::BuildHasher;
            format!("{}", std::collections::hash_map::RandomState::new().hash_one(42u64))
        }
        _ => unreachable!("only probes are passed here"),
    }
}

fn train(config: &Config, _data: &DataFrame, _geo: Option<&Geo>) -> Result<(), ModelError> {
    match config.act.as_str() {
        "memory-bomb" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 16 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        "stack-overflow" => Err(ModelError::failed(format!("{}", recurse(0)))),
        "print-flood" => loop {
            println!("{}", "x".repeat(1024));
        },
        "log-flood" => {
            for line in 0..1_000_000 {
                chapwasm_sdk::log!(info, "line {line}");
            }
            Ok(())
        }
        act @ ("read-file" | "list-root" | "connect-socket" | "read-env" | "random") => {
            Err(ModelError::failed(probe(act)))
        }
        "busy" => {
            busy(config.millis);
            Ok(())
        }
        // Blocked inside a host call (WASI `subscribe-duration` + `block`), where epoch
        // interruption cannot reach it.
        "sleep" => {
            std::thread::sleep(std::time::Duration::from_secs(3600));
            Ok(())
        }
        "huge-error" => Err(ModelError::failed("E".repeat(64 << 20))),
        "huge-log-line" => {
            chapwasm_sdk::log(chapwasm_sdk::LogLevel::Info, &"L".repeat(64 << 20));
            Err(ModelError::failed("failed after a huge log line"))
        }
        "log-bytes-flood" => {
            let line = "B".repeat(16 << 10);
            for _ in 0..100_000 {
                chapwasm_sdk::log(chapwasm_sdk::LogLevel::Info, &line);
            }
            Err(ModelError::failed("failed after a flood of log bytes"))
        }
        "progress-flood" => {
            let message = "P".repeat(4 << 10);
            for step in 0..200_000u32 {
                chapwasm_sdk::progress(f64::from(step % 100) / 100.0, &message);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn predict(
    config: &Config,
    _: (),
    _: &DataFrame,
    mut future: DataFrame,
    _: Option<&Geo>,
) -> Result<DataFrame, ModelError> {
    let rows = future.num_rows();
    match config.act.as_str() {
        "wrong-rows" => Ok(DataFrame::from_columns(vec![Column::f64("sample_0", vec![1.0; rows + 1])])?),
        "non-finite" => {
            future.set_f64("sample_0", vec![f64::NAN; rows])?;
            Ok(future)
        }
        "busy" => {
            busy(config.millis);
            future.set_f64("sample_0", vec![0.0; rows])?;
            Ok(future)
        }
        "sleep" => {
            std::thread::sleep(std::time::Duration::from_secs(3600));
            Ok(future)
        }
        "huge-frame" => Ok(DataFrame::from_columns(vec![Column::f64("sample_0", vec![0.5; 20_000_000])])?),
        _ => {
            future.set_f64("sample_0", vec![0.0; rows])?;
            Ok(future)
        }
    }
}

chapwasm_sdk::export_functional_model! {
    info: info,
    config: Config,
    model: (),
    train: train,
    predict: predict,
}
