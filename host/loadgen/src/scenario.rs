//! The workload: the client's round-trip floor; quiet-server latencies (one job at a
//! time) for small and large frames, each waited for over SSE and by polling; throughput
//! of small train+predict pairs at a client concurrency; a drained burst; concurrent large
//! predicts with their peak memory; optionally one huge train and predict; large trains
//! of a CHAP-shaped frame (with text columns), polled; and the server's memory idle,
//! after the load, and at its peak.

use super::burst::burst;
use super::client::{BenchClient, LoadError, TimedJob, Wait};
use super::floor::{interval_as_slept, round_trip_floor};
use super::frames::{chap_training_frame, future_frame, training_frame};
use super::memory_watch::{MemoryWatch, mib};
use super::plan::Plan;
use super::report::{Better, Figure, Report};
use super::stats::Summary;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Round trips timed for the floor.
const FLOOR_SAMPLES: usize = 200;

/// Runs the plan and reports every figure. One-at-a-time phases use the first client;
/// the throughput phase spreads its clients over all of them (replicas of one service).
pub async fn run(clients: &[BenchClient], plan: &Plan, label: &str) -> Result<Report, LoadError> {
    let client = clients.first().ok_or_else(|| LoadError::Protocol("no server to measure".into()))?;
    for replica in clients {
        replica.wait_ready(Duration::from_secs(60)).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut memory = MemoryWatch::new(plan.pid);
    let idle = memory.now();
    let mut report = Report::new(label, plan.clone());
    let floor = round_trip_floor(client, FLOOR_SAMPLES).await?;
    let floor_median = Summary::of(&floor).map_or(0.0, |s| s.median);
    report.add(Figure::seconds("floor".into(), "client round trip, bodiless GET to an empty responder".into(), floor));
    let poll = Duration::from_millis(plan.poll_ms);
    let slept = interval_as_slept(poll, FLOOR_SAMPLES).await;
    report.add(Figure::seconds(
        "poll_slept".into(),
        format!("client poll interval as slept (asked {} ms)", plan.poll_ms),
        slept,
    ));

    let config_id = client.create_config().await?;
    let small = (training_frame(plan.small_rows), future_frame(plan.small_rows));
    let warm = client.train(&config_id, &small.0).await?;
    report.check(&warm);
    report.check(&client.predict(&warm.artifact_id, &small.0, &small.1).await?);
    drop(small);

    let polled = client.waiting(Wait::Poll(poll));
    let waits = [(client, "SSE".to_owned(), ""), (&polled, format!("polled every {} ms", plan.poll_ms), "_poll")];
    let mut large_model = None;
    for (rows, repeats) in [(plan.small_rows, plan.repeats), (plan.large_rows, plan.large_repeats)] {
        let mut accepts = (Vec::new(), Vec::new());
        for (waiting, how, suffix) in &waits {
            let timings = timed_pairs(waiting, &config_id, rows, repeats, &mut report).await?;
            report.add(Figure::seconds(
                format!("train_e2e{suffix}_{rows}"),
                format!("$train to completed, {rows} rows ({how})"),
                timings.train_done,
            ));
            report.add(Figure::seconds(
                format!("predict_e2e{suffix}_{rows}"),
                format!("$predict to completed, {rows} rows ({how})"),
                timings.predict_done,
            ));
            accepts.0.extend(timings.train_accept);
            accepts.1.extend(timings.predict_accept);
            if rows == plan.large_rows {
                large_model = timings.last_model; // what the memory phase predicts with
            }
        }
        if rows == plan.small_rows {
            report_accepts(&mut report, rows, accepts, floor_median);
        }
    }

    let (pairs_per_second, pair_seconds) = throughput(clients, plan, &config_id, &mut report).await?;
    report.add(Figure::new(
        "pairs_per_second",
        &format!("train+predict pairs/s, {} rows, {} clients (SSE)", plan.pair_rows, plan.concurrency),
        "1/s",
        Better::Higher,
        &[pairs_per_second],
    ));
    report.add(Figure::seconds("pair_e2e".into(), "one pair under load, train to predicted".into(), pair_seconds));

    if plan.burst > 0 {
        let drained = burst(client, plan, &config_id).await?;
        drained.ends.iter().for_each(|end| report.check_end(end));
        report.add(Figure::new(
            "burst_jobs_per_second",
            &format!(
                "burst: {} trains then {} predicts ({} rows), submitted at once, drained",
                plan.burst, plan.burst, plan.burst_rows
            ),
            "jobs/s",
            Better::Higher,
            &[drained.jobs as f64 / drained.seconds],
        ));
    }

    if let (Some(model), true) = (&large_model, plan.memory_predicts > 0) {
        memory.start_phase();
        let frames = (training_frame(plan.large_rows), future_frame(plan.large_rows));
        let request_mb = (frames.0.len() + frames.1.len()) as f64 / 1e6;
        let predicts = (0..plan.memory_predicts).map(|_| client.predict(model, &frames.0, &frames.1));
        for predict in futures_util::future::join_all(predicts).await {
            report.check(&predict?);
        }
        let title = format!(
            "peak memory, {} concurrent {}-row predicts ({request_mb:.1} MB of JSON each)",
            plan.memory_predicts, plan.large_rows
        );
        add_mib(&mut report, "concurrent_predicts_peak_rss", &title, memory.phase_peak_mib());
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = memory.now().map(|m| mib(m.rss_kib));
        add_mib(&mut report, "rss_after_load", "resident memory 2 s after those predicts", after);
    }

    if plan.huge_rows > 0 {
        huge(client, plan, &config_id, &mut memory, &mut report).await?;
    }

    // Last, so that the phases before it, and their memory, are as they were without it.
    if plan.large_repeats > 0 {
        chap_shaped_trains(&polled, &config_id, plan, &mut report).await?;
    }

    add_mib(&mut report, "idle_rss", "resident memory, idle", idle.map(|m| mib(m.rss_kib)));
    add_mib(&mut report, "peak_rss", "peak resident memory over the run", memory.run_peak_mib());
    Ok(report)
}

/// The 202 latencies, and the same above the client's floor.
fn report_accepts(report: &mut Report, rows: usize, (train, predict): (Vec<f64>, Vec<f64>), floor: f64) {
    let above = |samples: &[f64]| samples.iter().map(|s| s - floor).collect::<Vec<_>>();
    report.add(Figure::seconds(
        format!("train_accept_above_floor_{rows}"),
        format!("202 for $train above the floor, {rows} rows"),
        above(&train),
    ));
    report.add(Figure::seconds(
        format!("predict_accept_above_floor_{rows}"),
        format!("202 for $predict above the floor, {rows} rows"),
        above(&predict),
    ));
    report.add(Figure::seconds(format!("train_accept_{rows}"), format!("202 for $train, {rows} rows"), train));
    report.add(Figure::seconds(format!("predict_accept_{rows}"), format!("202 for $predict, {rows} rows"), predict));
}

fn add_mib(report: &mut Report, key: &str, title: &str, value: Option<f64>) {
    if let Some(value) = value {
        report.add(Figure::new(key, title, "MiB", Better::Lower, &[value]));
    }
}

/// One train and one predict of `plan.huge_rows` rows (polled), with their peak memory.
async fn huge(
    client: &BenchClient,
    plan: &Plan,
    config_id: &str,
    memory: &mut MemoryWatch,
    report: &mut Report,
) -> Result<(), LoadError> {
    let rows = plan.huge_rows;
    let polled = client.waiting(Wait::Poll(Duration::from_millis(plan.drain_poll_ms)));
    let (train_frame, future) = (training_frame(rows), future_frame(rows));
    memory.start_phase();
    let train = polled.train(config_id, &train_frame).await?;
    report.check(&train);
    let predict = polled.predict(&train.artifact_id, &train_frame, &future).await?;
    report.check(&predict);
    let title = |what: &str| format!("{what} to completed, {rows} rows (polled every {} ms)", plan.drain_poll_ms);
    report.add(Figure::seconds(format!("train_e2e_huge_{rows}"), title("$train"), vec![train.finished.as_secs_f64()]));
    report.add(Figure::seconds(
        format!("predict_e2e_huge_{rows}"),
        title("$predict"),
        vec![predict.finished.as_secs_f64()],
    ));
    let request_mb = (train_frame.len() + future.len()) as f64 / 1e6;
    let peak = memory.phase_peak_mib();
    add_mib(
        report,
        "huge_peak_rss",
        &format!("peak memory, {rows}-row train then predict ({request_mb:.0} MB predict request)"),
        peak,
    );
    Ok(())
}

/// `plan.large_repeats` trains of a CHAP-shaped frame of `plan.large_rows` rows, one at a
/// time, polled: what its text columns cost beside the numeric frame's figure.
async fn chap_shaped_trains(
    polled: &BenchClient,
    config_id: &str,
    plan: &Plan,
    report: &mut Report,
) -> Result<(), LoadError> {
    let rows = plan.large_rows;
    let frame = chap_training_frame(rows);
    let mut done = Vec::new();
    for _ in 0..plan.large_repeats {
        let train = polled.train(config_id, &frame).await?;
        report.check(&train);
        done.push(train.finished.as_secs_f64());
    }
    report.add(Figure::seconds(
        format!("train_e2e_poll_chap_{rows}"),
        format!(
            "$train to completed, {rows} rows with time_period and location as text (polled every {} ms)",
            plan.poll_ms
        ),
        done,
    ));
    Ok(())
}

/// What the one-at-a-time phase measured, and the last model it trained.
#[derive(Default)]
struct JobTimings {
    train_accept: Vec<f64>,
    predict_accept: Vec<f64>,
    train_done: Vec<f64>,
    predict_done: Vec<f64>,
    last_model: Option<String>,
}

/// `repeats` train+predict pairs on `rows`-row frames, one job at a time.
async fn timed_pairs(
    client: &BenchClient,
    config_id: &str,
    rows: usize,
    repeats: usize,
    report: &mut Report,
) -> Result<JobTimings, LoadError> {
    let (train_frame, future) = (training_frame(rows), future_frame(rows));
    let mut timings = JobTimings::default();
    for _ in 0..repeats {
        let train = client.train(config_id, &train_frame).await?;
        let predict = client.predict(&train.artifact_id, &train_frame, &future).await?;
        timings.add(report, train, &predict);
    }
    Ok(timings)
}

impl JobTimings {
    fn add(&mut self, report: &mut Report, train: TimedJob, predict: &TimedJob) {
        report.check(&train);
        report.check(predict);
        self.train_accept.push(train.accepted.as_secs_f64());
        self.predict_accept.push(predict.accepted.as_secs_f64());
        self.train_done.push(train.finished.as_secs_f64());
        self.predict_done.push(predict.finished.as_secs_f64());
        self.last_model = Some(train.artifact_id);
    }
}

/// `plan.pairs` pairs over `plan.concurrency` clients: pairs per second, and each pair's time.
async fn throughput(
    clients: &[BenchClient],
    plan: &Plan,
    config_id: &str,
    report: &mut Report,
) -> Result<(f64, Vec<f64>), LoadError> {
    let frames = Arc::new((training_frame(plan.pair_rows), future_frame(plan.pair_rows)));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..plan.concurrency.max(1))
        .map(|worker| {
            let client = clients[worker % clients.len()].clone();
            let (frames, next, config_id) = (frames.clone(), next.clone(), config_id.to_owned());
            let pairs = plan.pairs;
            tokio::spawn(async move {
                let mut done = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < pairs {
                    let train = client.train(&config_id, &frames.0).await?;
                    let predict = client.predict(&train.artifact_id, &frames.0, &frames.1).await?;
                    done.push((train, predict));
                }
                Ok::<_, LoadError>(done)
            })
        })
        .collect();
    let mut pair_seconds = Vec::new();
    for worker in workers {
        let done = worker.await.map_err(|e| LoadError::Protocol(format!("a client task died: {e}")))??;
        for (train, predict) in done {
            report.check(&train);
            report.check(&predict);
            pair_seconds.push((train.finished + predict.finished).as_secs_f64());
        }
    }
    Ok((pair_seconds.len() as f64 / started.elapsed().as_secs_f64(), pair_seconds))
}
