//! The burst: `plan.burst` trains submitted as fast as the clients can send them, drained
//! (every one terminal), then a predict for each trained model, drained likewise. The
//! figure is jobs per second from the first submission to the last terminal job: the
//! server's capacity when work arrives faster than it runs, whatever its notification
//! delay (jobs are checked in submission order, each polled until terminal).

use super::client::{BenchClient, JobEnd, LoadError, Submitted};
use super::frames::{future_frame, training_frame};
use super::plan::Plan;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a drained burst took, and how its jobs ended.
pub struct Drained {
    pub jobs: usize,
    pub seconds: f64,
    pub ends: Vec<JobEnd>,
}

pub async fn burst(client: &BenchClient, plan: &Plan, config_id: &str) -> Result<Drained, LoadError> {
    let frames = Arc::new((training_frame(plan.burst_rows), future_frame(plan.burst_rows)));
    let drain = Duration::from_millis(plan.drain_poll_ms);
    let started = Instant::now();
    let config_id: Arc<str> = config_id.into();
    let trains = submit_all(client, plan.concurrency, plan.burst, {
        let frames = frames.clone();
        move |client, _| {
            let (frames, config_id) = (frames.clone(), config_id.clone());
            async move { client.submit_train(&config_id, &frames.0).await }
        }
    })
    .await?;
    let mut ends = drain_all(client, &trains, drain).await?;
    // Only trained models can predict (a failed train is counted by the report).
    let models: Vec<String> = trains
        .into_iter()
        .zip(&ends)
        .filter(|(_, end)| end.status == "completed")
        .map(|(job, _)| job.artifact_id)
        .collect();
    let models = Arc::new(models);
    let count = models.len();
    let predicts = submit_all(client, plan.concurrency, count, move |client, index| {
        let (frames, models) = (frames.clone(), models.clone());
        async move { client.submit_predict(&models[index], &frames.0, &frames.1).await }
    })
    .await?;
    ends.extend(drain_all(client, &predicts, drain).await?);
    Ok(Drained { jobs: ends.len(), seconds: started.elapsed().as_secs_f64(), ends })
}

/// Submits `total` jobs over `concurrency` clients; the answers in index order.
async fn submit_all<F, Fut>(
    client: &BenchClient,
    concurrency: usize,
    total: usize,
    submit: F,
) -> Result<Vec<Submitted>, LoadError>
where
    F: Fn(BenchClient, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Submitted, LoadError>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (client, next, submit) = (client.clone(), next.clone(), submit.clone());
            tokio::spawn(async move {
                let mut sent = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= total {
                        return Ok::<_, LoadError>(sent);
                    }
                    sent.push((index, submit(client.clone(), index).await?));
                }
            })
        })
        .collect();
    let mut submitted = Vec::with_capacity(total);
    for sender in senders {
        submitted.extend(sender.await.map_err(|e| LoadError::Protocol(format!("a client task died: {e}")))??);
    }
    submitted.sort_by_key(|(index, _)| *index);
    Ok(submitted.into_iter().map(|(_, job)| job).collect())
}

/// Waits for every job, in submission order.
async fn drain_all(client: &BenchClient, jobs: &[Submitted], interval: Duration) -> Result<Vec<JobEnd>, LoadError> {
    let mut ends = Vec::with_capacity(jobs.len());
    for job in jobs {
        ends.push(client.poll(&job.job_id, interval).await?);
    }
    Ok(ends)
}
