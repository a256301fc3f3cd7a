//! The workload: quiet-server latencies (one job at a time), large frames end to end,
//! then throughput of small train+predict pairs at a client concurrency, with the
//! server's memory before and after.

use super::client::{BenchClient, LoadError, TimedJob};
use super::frames::{future_frame, training_frame};
use super::plan::Plan;
use super::report::{Better, Figure, Report};
use super::rss::read_memory;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Runs the plan and reports every figure. One-at-a-time phases use the first client;
/// the throughput phase spreads its clients over all of them (replicas of one service).
pub async fn run(clients: &[BenchClient], plan: &Plan, label: &str) -> Result<Report, LoadError> {
    let client = clients.first().ok_or_else(|| LoadError::Protocol("no server to measure".into()))?;
    for replica in clients {
        replica.wait_ready(Duration::from_secs(60)).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = plan.pid.and_then(read_memory);
    let config_id = client.create_config().await?;
    let mut report = Report::new(label, plan.clone());

    let small = (training_frame(plan.small_rows), future_frame(plan.small_rows));
    let warm = client.train(&config_id, &small.0).await?;
    report.check(&warm);
    report.check(&client.predict(&warm.artifact_id, &small.0, &small.1).await?);
    drop(small);
    let small = timed_pairs(client, &config_id, plan.small_rows, plan.repeats, &mut report).await?;
    small.report(&mut report, plan.small_rows, true);
    let large = timed_pairs(client, &config_id, plan.large_rows, plan.large_repeats, &mut report).await?;
    large.report(&mut report, plan.large_rows, false);

    let (pairs_per_second, pair_seconds) = throughput(clients, plan, &config_id, &mut report).await?;
    report.add(Figure::new(
        "pairs_per_second",
        &format!("train+predict pairs/s, {} rows, {} clients", plan.pair_rows, plan.concurrency),
        "1/s",
        Better::Higher,
        &[pairs_per_second],
    ));
    report.add(Figure::seconds("pair_e2e".into(), "one pair under load, train to predicted".into(), pair_seconds));

    if let (Some(idle), Some(after)) = (idle, plan.pid.and_then(read_memory)) {
        report.add(Figure::new(
            "idle_rss",
            "resident memory, idle",
            "MiB",
            Better::Lower,
            &[idle.rss_kib as f64 / 1024.0],
        ));
        report.add(Figure::new(
            "peak_rss",
            "peak resident memory",
            "MiB",
            Better::Lower,
            &[after.peak_kib as f64 / 1024.0],
        ));
    }
    Ok(report)
}

#[derive(Default)]
struct JobTimings {
    train_accept: Vec<f64>,
    predict_accept: Vec<f64>,
    train_done: Vec<f64>,
    predict_done: Vec<f64>,
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
        timings.add(report, &train, &predict);
    }
    Ok(timings)
}

impl JobTimings {
    /// The figures: end-to-end times, and the 202 latencies when `accepts`.
    fn report(self, report: &mut Report, rows: usize, accepts: bool) {
        let figure = |key: &str, title: &str, samples| {
            Figure::seconds(format!("{key}_{rows}"), format!("{title}, {rows} rows"), samples)
        };
        if accepts {
            report.add(figure("train_accept", "202 for $train", self.train_accept));
            report.add(figure("predict_accept", "202 for $predict", self.predict_accept));
        }
        report.add(figure("train_e2e", "$train to completed", self.train_done));
        report.add(figure("predict_e2e", "$predict to completed", self.predict_done));
    }

    fn add(&mut self, report: &mut Report, train: &TimedJob, predict: &TimedJob) {
        report.check(train);
        report.check(predict);
        self.train_accept.push(train.accepted.as_secs_f64());
        self.predict_accept.push(predict.accepted.as_secs_f64());
        self.train_done.push(train.finished.as_secs_f64());
        self.predict_done.push(predict.finished.as_secs_f64());
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
