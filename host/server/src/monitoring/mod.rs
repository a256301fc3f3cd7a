//! `/metrics` in Prometheus text: chapkit's `ml_train_jobs_total` and
//! `ml_predict_jobs_total`, and what an operator of untrusted models needs — jobs ended by
//! kind and status, their durations, sandbox limits hit, the queue, running jobs, compile
//! work, HTTP requests by route and status, and which replica answers. Counters are
//! this process's (a replica's); Prometheus sums replicas. Queue depth and running jobs are
//! read at scrape time.

mod http;
mod jobs;

pub use http::{count_requests, tag_route};
pub use jobs::follow_jobs;

use crate::api::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus::{
    Counter, Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Who may scrape `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsAccess {
    /// A read like any other: open unless `--auth required` (the default).
    #[default]
    Open,
    /// Only a caller with an admin key (when keys are configured).
    Admin,
}

/// Every metric the service exports, registered once.
pub struct Metrics {
    registry: Registry,
    pub train_jobs: IntCounter,
    pub predict_jobs: IntCounter,
    pub jobs_ended: IntCounterVec,
    pub job_seconds: HistogramVec,
    pub limit_hits: IntCounterVec,
    pub requests: IntCounterVec,
    pub events_missed: IntCounter,
    queue_depth: IntGauge,
    running: IntGauge,
    compiled: IntCounter,
    loaded_precompiled: IntCounter,
    compile_seconds: Counter,
}

impl Metrics {
    pub fn new(replica: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let register = |collector: Box<dyn prometheus::core::Collector>| registry.register(collector);
        let durations = vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0];
        let metrics = Self {
            train_jobs: IntCounter::new("ml_train_jobs_total", "Training jobs accepted")?,
            predict_jobs: IntCounter::new("ml_predict_jobs_total", "Prediction jobs accepted")?,
            jobs_ended: IntCounterVec::new(
                Opts::new("chapwasm_jobs_ended_total", "Jobs this replica ran to an end, by kind and status"),
                &["kind", "status"],
            )?,
            job_seconds: HistogramVec::new(
                HistogramOpts::new("chapwasm_job_duration_seconds", "From claim to end, jobs run by this replica")
                    .buckets(durations),
                &["kind", "status"],
            )?,
            limit_hits: IntCounterVec::new(
                Opts::new("chapwasm_sandbox_limit_hits_total", "Jobs failed by a sandbox limit, by limit"),
                &["limit"],
            )?,
            requests: IntCounterVec::new(
                Opts::new("chapwasm_http_requests_total", "HTTP requests answered, by method, route and status"),
                &["method", "route", "status"],
            )?,
            events_missed: IntCounter::new(
                "chapwasm_metrics_events_missed_total",
                "Job events the metrics fell too far behind to count",
            )?,
            queue_depth: IntGauge::new("chapwasm_queue_depth", "Jobs waiting to run, all replicas")?,
            running: IntGauge::new("chapwasm_running_jobs", "Jobs running in this replica")?,
            compiled: IntCounter::new("chapwasm_components_compiled_total", "Components compiled")?,
            loaded_precompiled: IntCounter::new(
                "chapwasm_components_loaded_precompiled_total",
                "Components loaded from verified precompiled code (disk cache hits)",
            )?,
            compile_seconds: Counter::new("chapwasm_compile_seconds_total", "Seconds spent compiling components")?,
            registry: registry.clone(),
        };
        for collector in [
            Box::new(metrics.train_jobs.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(metrics.predict_jobs.clone()),
            Box::new(metrics.jobs_ended.clone()),
            Box::new(metrics.job_seconds.clone()),
            Box::new(metrics.limit_hits.clone()),
            Box::new(metrics.requests.clone()),
            Box::new(metrics.events_missed.clone()),
            Box::new(metrics.queue_depth.clone()),
            Box::new(metrics.running.clone()),
            Box::new(metrics.compiled.clone()),
            Box::new(metrics.loaded_precompiled.clone()),
            Box::new(metrics.compile_seconds.clone()),
        ] {
            register(collector)?;
        }
        let info =
            IntGaugeVec::new(Opts::new("chapwasm_replica_info", "This replica (always 1)"), &["replica", "version"])?;
        info.with_label_values(&[replica, env!("CARGO_PKG_VERSION")]).set(1);
        register(Box::new(info))?;
        Ok(metrics)
    }
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", tag = "monitoring", operation_id = "metrics",
    responses((status = 200, description = "Prometheus' text format: chapkit's `ml_train_jobs_total` and \
               `ml_predict_jobs_total`, jobs, queue, sandbox limits, compilation, HTTP requests",
               content_type = "text/plain", body = String), crate::api::Common))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let Some(metrics) = state.metrics.clone() else { return StatusCode::NOT_FOUND.into_response() };
    match state.service.queue_depth().await {
        Ok(depth) => metrics.queue_depth.set(depth),
        Err(error) => tracing::warn!(%error, "metrics: cannot read the queue depth"),
    }
    metrics.running.set(state.service.running_here() as i64);
    // The runtime keeps the totals; the counters catch up with them at each scrape.
    let compile = state.service.compile_stats();
    metrics.compiled.inc_by((compile.compiled as u64).saturating_sub(metrics.compiled.get()));
    metrics
        .loaded_precompiled
        .inc_by((compile.loaded_precompiled as u64).saturating_sub(metrics.loaded_precompiled.get()));
    metrics.compile_seconds.inc_by((compile.compile_seconds - metrics.compile_seconds.get()).max(0.0));
    let mut text = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&metrics.registry.gather(), &mut text) {
        tracing::error!(%error, "metrics: cannot encode");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
