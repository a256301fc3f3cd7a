//! What a model call costs through the runtime, for 100k-row frames with 5 features:
//! sandbox start (fresh store + instance + a 2-row `train`), `train` and `predict` of the
//! bundled linear regression, and a native baseline in the same run (cloning the same
//! frame, i.e. touching every byte once) to read the others against. Calls go through the
//! whole supervised path (a blocking thread, the deadline and cancel race), as in the
//! service.
//!
//! Run: `cargo bench -p chapwasm-runtime --bench runtime`

use chapwasm_runtime::{CallObserver, CancelToken, Runtime, RuntimeSettings};
use chapwasm_sdk::{Column, DataFrame};
use chapwasm_server::bundled::LINEAR_REGRESSION;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;

const ROWS: usize = 100_000;

struct Quiet;
impl CallObserver for Quiet {}

fn frame(with_target: bool) -> DataFrame {
    let feature = |j: usize| (0..ROWS).map(|i| ((i * (j + 3)) % 101) as f64 * 0.5 + j as f64).collect::<Vec<_>>();
    let mut columns: Vec<Column> = (0..5).map(|j| Column::f64(format!("x{j}"), feature(j))).collect();
    if with_target {
        // Each feature read once (reading one per cell made the setup quadratic: seconds).
        let features: Vec<Vec<Option<f64>>> = columns.iter().map(|c| c.to_f64().unwrap()).collect();
        let y = (0..ROWS).map(|i| features.iter().enumerate().map(|(j, f)| f[i].unwrap() * (j as f64 + 1.0)).sum());
        columns.push(Column::f64("disease_cases", y.collect()));
    }
    DataFrame::from_columns(columns).unwrap()
}

fn bench(c: &mut Criterion) {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let runtime = Runtime::new(RuntimeSettings::default()).unwrap();
    let model = tokio.block_on(runtime.load_wasm(LINEAR_REGRESSION)).unwrap();
    let train = frame(true);
    let future = frame(false);
    let observer: Arc<dyn CallObserver> = Arc::new(Quiet);
    let run_train = |data: &DataFrame| {
        let call = model.train("{}".into(), data.clone(), None, observer.clone(), CancelToken::default());
        tokio.block_on(call).result.unwrap()
    };
    let bytes = run_train(&train);

    let mut group = c.benchmark_group("runtime_100k_rows");
    group.sample_size(20);
    group.bench_function("baseline_clone_frame_native", |b| b.iter(|| black_box(train.clone())));
    let tiny =
        DataFrame::from_columns(vec![Column::f64("x", vec![1.0, 2.0]), Column::f64("disease_cases", vec![1.0, 3.0])])
            .unwrap();
    group.bench_function("sandbox_start_train_2_rows", |b| b.iter(|| run_train(&tiny)));
    group.bench_function("train_linear_regression", |b| b.iter(|| run_train(&train)));
    group.bench_function("predict_linear_regression", |b| {
        b.iter(|| {
            let (model_bytes, future) = (bytes.clone(), future.clone());
            let call = model.predict(
                "{}".into(),
                model_bytes,
                DataFrame::default(),
                future,
                None,
                observer.clone(),
                CancelToken::default(),
            );
            tokio.block_on(call).result.unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
