//! The few chapkit calls the workload makes, with timings: create a config, submit
//! `$train`/`$predict` (timing the 202), and wait for the job's terminal state — on its
//! SSE stream, or by asking for the job at a fixed interval. Both ways are offered
//! because upstream chapkit's stream itself reads its store every `poll_interval`
//! seconds (0.5 by default, which would make an SSE figure of chapkit measure that delay;
//! the stream is asked for 0.005 here), while chapwasm's pushes changes: polling both
//! servers at the same short interval is the comparison issue 16 defines.

use super::pause::pause;
use super::sse::SseBuffer;
use serde::Deserialize;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("{call} answered {status}: {body}")]
    Status { call: String, status: u16, body: String },
    #[error("{0}")]
    Protocol(String),
}

/// The 202 body of `$train`/`$predict`.
#[derive(Debug, Clone, Deserialize)]
pub struct Submitted {
    pub job_id: String,
    pub artifact_id: String,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobEnd {
    pub status: String,
    #[serde(default)]
    pub error: Option<String>,
}

impl JobEnd {
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "canceled" | "deleted")
    }
}

/// One timed job: the 202's latency, time until it was seen terminal, how it ended.
#[derive(Debug, Clone)]
pub struct TimedJob {
    pub accepted: Duration,
    pub finished: Duration,
    pub artifact_id: String,
    pub end: JobEnd,
}

/// How a client learns that a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Follow the job's SSE stream (`GET /api/v1/jobs/{id}/$stream`).
    Sse,
    /// `GET /api/v1/jobs/{id}` every interval until the job is terminal.
    Poll(Duration),
}

#[derive(Clone)]
pub struct BenchClient {
    http: reqwest::Client,
    base: String,
    wait: Wait,
}

impl BenchClient {
    pub fn new(base: &str) -> Self {
        Self { http: reqwest::Client::new(), base: base.trim_end_matches('/').to_owned(), wait: Wait::Sse }
    }

    /// The same client (same connection pool) waiting for jobs the given way.
    pub fn waiting(&self, wait: Wait) -> Self {
        Self { wait, ..self.clone() }
    }

    /// Waits until `/health` answers 200 (the server may still be starting).
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), LoadError> {
        let started = Instant::now();
        loop {
            match self.http.get(format!("{}/health", self.base)).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                _ if started.elapsed() > timeout => {
                    return Err(LoadError::Protocol(format!("{} was not ready within {timeout:?}", self.base)));
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Creates an empty config and returns its id.
    pub async fn create_config(&self) -> Result<String, LoadError> {
        let body = r#"{"name":"bench","data":{}}"#.to_owned();
        let created: serde_json::Value = self.post_json("/api/v1/configs", body).await?.json().await?;
        created["id"].as_str().map(str::to_owned).ok_or_else(|| LoadError::Protocol(format!("no config id: {created}")))
    }

    /// Submits a training job and waits for it.
    pub async fn train(&self, config_id: &str, frame: &str) -> Result<TimedJob, LoadError> {
        self.run_job(TRAIN, train_body(config_id, frame)).await
    }

    /// Submits a prediction job and waits for it.
    pub async fn predict(&self, model_id: &str, historic: &str, future: &str) -> Result<TimedJob, LoadError> {
        self.run_job(PREDICT, predict_body(model_id, historic, future)).await
    }

    /// Submits a training job without waiting for it.
    pub async fn submit_train(&self, config_id: &str, frame: &str) -> Result<Submitted, LoadError> {
        Ok(self.post_json(TRAIN, train_body(config_id, frame)).await?.json().await?)
    }

    /// Submits a prediction job without waiting for it.
    pub async fn submit_predict(&self, model_id: &str, historic: &str, future: &str) -> Result<Submitted, LoadError> {
        Ok(self.post_json(PREDICT, predict_body(model_id, historic, future)).await?.json().await?)
    }

    async fn run_job(&self, path: &str, body: String) -> Result<TimedJob, LoadError> {
        let started = Instant::now();
        let submitted: Submitted = self.post_json(path, body).await?.json().await?;
        let accepted = started.elapsed();
        let end = self.wait(&submitted.job_id).await?;
        Ok(TimedJob { accepted, finished: started.elapsed(), artifact_id: submitted.artifact_id, end })
    }

    /// Waits for the job's terminal state, the client's way.
    pub async fn wait(&self, job_id: &str) -> Result<JobEnd, LoadError> {
        match self.wait {
            Wait::Sse => self.follow_stream(job_id).await,
            Wait::Poll(interval) => self.poll(job_id, interval).await,
        }
    }

    /// Asks for the job every `interval` until it is terminal.
    pub async fn poll(&self, job_id: &str, interval: Duration) -> Result<JobEnd, LoadError> {
        let url = format!("{}/api/v1/jobs/{job_id}", self.base);
        loop {
            let end: JobEnd = self.checked("job", self.http.get(&url).send().await?).await?.json().await?;
            if end.is_terminal() {
                return Ok(end);
            }
            pause(interval).await;
        }
    }

    /// The time of one bodiless request to `url` (the caller's round-trip floor).
    pub async fn round_trip(&self, url: &str) -> Result<Duration, LoadError> {
        let started = Instant::now();
        self.checked("round trip", self.http.get(url).send().await?).await?.bytes().await?;
        Ok(started.elapsed())
    }

    /// Follows the job's SSE stream until it reports a terminal state.
    async fn follow_stream(&self, job_id: &str) -> Result<JobEnd, LoadError> {
        let url = format!("{}/api/v1/jobs/{job_id}/$stream?poll_interval=0.005", self.base);
        let mut response = self.checked("stream", self.http.get(url).send().await?).await?;
        let mut buffer = SseBuffer::default();
        while let Some(chunk) = response.chunk().await? {
            for data in buffer.push(&String::from_utf8_lossy(&chunk)) {
                let end: JobEnd = serde_json::from_str(&data)
                    .map_err(|e| LoadError::Protocol(format!("unreadable job event {data}: {e}")))?;
                if end.is_terminal() {
                    return Ok(end);
                }
            }
        }
        Err(LoadError::Protocol(format!("the stream of job {job_id} closed before it ended")))
    }

    /// Posts JSON. A 503 with `Retry-After` (a server shedding load, as chapwasm does past
    /// its large-body slots and their wait) is retried after the time it asks for; so is
    /// a connection the server closed while a large body was still being sent (the 503
    /// is then lost to the client; a server refusing a body has not accepted it). No
    /// `Idempotency-Key` is sent: it would make chapwasm hash every body, work a client
    /// without one does not cause.
    async fn post_json(&self, path: &str, body: String) -> Result<reqwest::Response, LoadError> {
        let mut last_error = None;
        for _ in 0..MAX_RETRIES {
            let request = self.http.post(format!("{}{path}", self.base)).header("content-type", "application/json");
            let sent = request.body(body.clone()).send().await;
            match sent {
                Ok(response) => match retry_after(&response) {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return self.checked(path, response).await,
                },
                Err(error) if error.is_request() || error.is_connect() => {
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        match last_error {
            Some(error) => Err(error.into()),
            None => Err(LoadError::Protocol(format!("{path} was still refused after {MAX_RETRIES} attempts"))),
        }
    }

    async fn checked(&self, call: &str, response: reqwest::Response) -> Result<reqwest::Response, LoadError> {
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        Err(LoadError::Status { call: call.to_owned(), status, body: body.chars().take(500).collect() })
    }
}

const TRAIN: &str = "/api/v1/ml/$train";
/// Attempts of one submission refused with 503 + `Retry-After`.
const MAX_RETRIES: usize = 30;

/// How long a 503 asks the client to wait (at most a minute), if it asks.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    if response.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let seconds: u64 = response.headers().get("retry-after")?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(60)))
}
const PREDICT: &str = "/api/v1/ml/$predict";

fn train_body(config_id: &str, frame: &str) -> String {
    format!(r#"{{"config_id":"{config_id}","data":{frame}}}"#)
}

fn predict_body(model_id: &str, historic: &str, future: &str) -> String {
    format!(r#"{{"artifact_id":"{model_id}","historic":{historic},"future":{future}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_events_parse_with_or_without_an_error() {
        let running: JobEnd = serde_json::from_str(r#"{"id":"x","status":"running","progress":null}"#).unwrap();
        assert!(!running.is_terminal());
        let failed: JobEnd = serde_json::from_str(r#"{"status":"failed","error":"boom"}"#).unwrap();
        assert!(failed.is_terminal());
        assert_eq!(failed.error.as_deref(), Some("boom"));
        let deleted: JobEnd = serde_json::from_str(r#"{"status":"deleted"}"#).unwrap();
        assert!(deleted.is_terminal());
    }
}
