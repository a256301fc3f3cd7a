//! How long finished work is kept. A sweeper on every replica deletes finished jobs (with
//! their stored inputs and idempotency keys) and prediction artifacts past their time.
//! Models are kept: they stay while anything may predict with them.

use super::MlService;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

/// How long finished jobs and predictions are kept (`None`: for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub finished_jobs: Option<Duration>,
    pub predictions: Option<Duration>,
}

impl Default for Retention {
    /// A week of each.
    fn default() -> Self {
        let week = Duration::from_secs(7 * 24 * 3600);
        Self { finished_jobs: Some(week), predictions: Some(week) }
    }
}

impl Retention {
    /// How often to sweep: a quarter of the shortest time kept, between 0.1 s and a minute.
    fn interval(&self) -> Option<Duration> {
        let shortest = [self.finished_jobs, self.predictions].into_iter().flatten().min()?;
        Some((shortest / 4).clamp(Duration::from_millis(100), Duration::from_secs(60)))
    }
}

impl MlService {
    /// Sweeps at the retention's interval, for ever (returns at once if nothing expires).
    pub(super) async fn sweep_forever(self: Arc<Self>) {
        let Some(interval) = self.retention.interval() else { return };
        let mut every = tokio::time::interval(interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let now = Utc::now();
            let before =
                |kept: Option<Duration>| kept.and_then(|kept| chrono::Duration::from_std(kept).ok()).map(|k| now - k);
            let jobs =
                before(self.retention.finished_jobs).map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
            let predictions = before(self.retention.predictions).map(|at| at.format("%Y-%m-%dT%H:%M:%S").to_string());
            match self.store.sweep(jobs.as_deref(), predictions.as_deref()).await {
                Ok(swept) if swept != Default::default() => tracing::info!(?swept, "retention: swept expired records"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "retention: cannot sweep"),
            }
        }
    }
}
