//! The host's hot paths for a 100k-row frame with 5 features (the load driver's frames),
//! each beside a baseline measured in the same run:
//! - chapkit frame JSON → typed columns (`parse_frame_text`, and on two threads
//!   `parse_frame_text_in_halves`), against copying the JSON text once and against
//!   building a `serde_json::Value` tree of it;
//! - typed columns → JSON (`frame_json_bytes`, what a prediction artifact holds);
//! - typed columns ↔ the compact binary form job inputs are stored in (`chapwasm_frames::codec`);
//! - writing and reading back a 100k-row prediction artifact in a SQLite file;
//! - committing a 100k-row job's inputs (4.8 MB, in parts: `chapwasm_store`'s
//!   `input_parts`), against writing the same bytes as one blob (an artifact's content),
//!   with the server's malloc settings (buffers of 128 KiB and more mapped apart).
//!
//! (Typed columns → guest → typed columns is the runtime crate's `benches/runtime.rs`.)
//! Run: `cargo bench -p chapwasm-service --bench frames`

use chapwasm_frames::codec;
use chapwasm_frames::json::{frame_json_bytes, parse_frame_text, parse_frame_text_in_halves};
use chapwasm_loadgen::{future_frame, training_frame};
use chapwasm_store::{ArtifactRow, JobRow, JobStatus, Store};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const ROWS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let json = training_frame(ROWS);
    let frame = parse_frame_text(&json, "data", true).unwrap();
    let mut group = c.benchmark_group("frames_100k_rows");
    group.sample_size(20);
    group.bench_function("baseline_copy_json_text", |b| b.iter(|| black_box(json.clone())));
    group.bench_function("baseline_json_value_tree", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(&json).unwrap()))
    });
    group.bench_function("json_to_typed_columns", |b| b.iter(|| black_box(parse_frame_text(&json, "data", true))));
    group.bench_function("json_to_typed_columns_in_halves", |b| {
        b.iter(|| black_box(parse_frame_text_in_halves(&json, "data", true)))
    });
    group.bench_function("typed_columns_to_json", |b| b.iter(|| black_box(frame_json_bytes(&frame))));
    let encoded = codec::encode(&frame);
    group.bench_function("typed_columns_encode_binary", |b| b.iter(|| black_box(codec::encode(&frame))));
    group.bench_function("typed_columns_decode_binary", |b| b.iter(|| black_box(codec::decode(&encoded))));
    group.finish();

    artifact_round_trip(c);
    job_inputs(c, &encoded);
}

/// A job with `inputs` committed as a submission commits it, beside the same bytes
/// written as one blob through the same writer (an artifact's content).
fn job_inputs(c: &mut Criterion, inputs: &[u8]) {
    // As `chapwasm serve` sets glibc's malloc up (host/cli/src/commands/allocator.rs).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: only malloc's tunables change; nothing else runs allocations concurrently yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
    let (runtime, store, dir) = temp_store("inputs");
    let mut next = 0u64;
    let mut group = c.benchmark_group("job_inputs_100k_rows");
    group.sample_size(20);
    group.bench_function("baseline_one_blob", |b| {
        b.iter(|| {
            next += 1;
            let mut row = artifact(next, inputs.to_vec());
            runtime.block_on(store.insert_artifact(&mut row)).unwrap();
        })
    });
    group.bench_function("job_inputs_in_parts", |b| {
        b.iter(|| {
            next += 1;
            let job = pending_job(next, inputs.to_vec());
            runtime.block_on(store.insert_job(&job, None, None)).unwrap();
        })
    });
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

fn pending_job(n: u64, inputs: Vec<u8>) -> JobRow {
    JobRow {
        id: ulid::Ulid::from_parts(n, 2).to_string(),
        kind: "train".into(),
        status: JobStatus::Pending,
        inputs: Some(inputs),
        artifact_id: ulid::Ulid::from_parts(n, 3).to_string(),
        submitted_at: "2026-11-28T00:00:00Z".into(),
        started_at: None,
        finished_at: None,
        error: None,
        error_traceback: None,
        attempt: 0,
    }
}

/// A 100k-row prediction artifact (6 columns of JSON, as stored) written to and read from
/// a SQLite file, as a job's completion and `GET /api/v1/artifacts/{id}` do.
fn artifact_round_trip(c: &mut Criterion) {
    let (runtime, store, dir) = temp_store("artifacts");
    let mut predictions = parse_frame_text(&future_frame(ROWS), "future", true).unwrap();
    predictions.set_f64("sample_0", vec![1.5; ROWS]).unwrap();
    let content = frame_json_bytes(&predictions);
    let mut next = 0u64;
    let mut group = c.benchmark_group("artifact_100k_row_prediction");
    group.sample_size(20);
    group.bench_function("write", |b| {
        b.iter(|| {
            next += 1;
            let mut row = artifact(next, content.clone());
            runtime.block_on(store.insert_artifact(&mut row)).unwrap();
        })
    });
    let mut row = artifact(0, content.clone());
    runtime.block_on(store.insert_artifact(&mut row)).unwrap();
    group.bench_function("read", |b| b.iter(|| black_box(runtime.block_on(store.get_artifact(&row.id)).unwrap())));
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// A runtime and a store on a SQLite file in a directory of its own (removed by the caller).
fn temp_store(name: &str) -> (tokio::runtime::Runtime, Store, std::path::PathBuf) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = std::env::temp_dir().join(format!("chapwasm-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = runtime.block_on(Store::connect(&dir.join("bench.db").display().to_string())).unwrap();
    (runtime, store, dir)
}

fn artifact(n: u64, content: Vec<u8>) -> ArtifactRow {
    ArtifactRow {
        id: ulid::Ulid::from_parts(n, 1).to_string(),
        parent_id: None,
        level: 0,
        data: "{}".into(),
        content: Some(content),
        content_type: Some("application/vnd.chapkit.dataframe+json".into()),
        tags: "[]".into(),
        created_at: "2026-11-28T00:00:00Z".into(),
        updated_at: "2026-11-28T00:00:00Z".into(),
        written_by_job: true,
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
