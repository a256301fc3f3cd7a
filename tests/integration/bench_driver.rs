//! The load driver (`chapwasm-bench`) against a real server: every phase runs over HTTP
//! — SSE and polled waits, the floor, the burst, concurrent predicts, a huge frame — and
//! reports its figure with every job completed. (What the figures say is for benchmarks,
//! not tests: nothing here looks at a time.)

use crate::support::app::spawn_app;
use chapwasm_loadgen::{BenchClient, Plan, run};

#[tokio::test]
async fn every_phase_of_the_driver_runs_against_chapwasm() {
    let app = spawn_app().await;
    let plan = Plan {
        small_rows: 40,
        large_rows: 400,
        pair_rows: 20,
        repeats: 2,
        large_repeats: 1,
        pairs: 4,
        concurrency: 2,
        poll_ms: 2,
        burst: 5,
        burst_rows: 30,
        drain_poll_ms: 5,
        memory_predicts: 2,
        huge_rows: 600,
        // The server runs in this process: its memory is ours.
        pid: Some(std::process::id()),
    };
    let report = run(&[BenchClient::new(&app.base)], &plan, "chapwasm").await.expect("the driver ran");
    assert_eq!(report.failed_jobs, 0, "{:?}", report.errors);
    let measured = |key: &str| {
        let figure = report.figures.iter().find(|f| f.key == key).unwrap_or_else(|| panic!("no figure {key}"));
        figure.summary.unwrap_or_else(|| panic!("{key} has no samples")).n
    };
    assert_eq!(measured("floor"), 200);
    for key in ["train_e2e_40", "train_e2e_poll_40", "predict_e2e_poll_40", "train_accept_above_floor_40"] {
        assert!(measured(key) >= 2, "{key}");
    }
    let large = ["train_e2e_poll_400", "predict_e2e_poll_400", "train_e2e_poll_chap_400"];
    for key in large.into_iter().chain(["pairs_per_second", "burst_jobs_per_second"]) {
        assert_eq!(measured(key), 1, "{key}");
    }
    for key in ["train_e2e_huge_600", "predict_e2e_huge_600", "huge_peak_rss", "concurrent_predicts_peak_rss"] {
        assert_eq!(measured(key), 1, "{key}");
    }
    for key in ["rss_after_load", "idle_rss", "peak_rss"] {
        assert_eq!(measured(key), 1, "{key}");
    }
}
