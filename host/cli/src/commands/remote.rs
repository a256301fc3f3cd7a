//! An author's commands against a running server: `push` (upload a component, print its id
//! and config schema), `train` and `predict` (CSV in; the job followed over its event
//! stream with a live progress bar; predictions written to CSV).

use anyhow::{Context, anyhow, bail};
use chapwasm_frames::csv::{read_csv, write_csv};
use chapwasm_frames::json::{frame_json_bytes, parse_frame};
use clap::Args;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct Server {
    /// The chapwasm (or chapkit) server.
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    server: String,
    /// An API key (sent as X-API-Key), when the server asks for one.
    #[arg(long, env = "CHAPWASM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
}

#[derive(Args)]
pub struct PushArgs {
    /// The model component (.wasm).
    component: PathBuf,
    #[command(flatten)]
    server: Server,
}

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    server: Server,
    /// Train with this existing config.
    #[arg(long, conflicts_with_all = ["component_id", "config"])]
    config_id: Option<String>,
    /// Or create a config for this uploaded component (default: the server's model)...
    #[arg(long)]
    component_id: Option<String>,
    /// ...from this JSON file (default `{}`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Training data (CSV with a header row).
    #[arg(long)]
    data: PathBuf,
}

#[derive(Args)]
pub struct PredictArgs {
    #[command(flatten)]
    server: Server,
    /// The trained model's artifact id (what `train` printed).
    #[arg(long)]
    model: String,
    /// Observed history (CSV); may have only a header row.
    #[arg(long)]
    historic: PathBuf,
    /// Rows to forecast (CSV).
    #[arg(long)]
    future: PathBuf,
    /// Where to write the predictions (CSV).
    #[arg(long)]
    output: PathBuf,
}

impl Server {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = reqwest::Client::new().request(method, format!("{}{path}", self.server.trim_end_matches('/')));
        match &self.api_key {
            Some(key) => request.header("x-api-key", key),
            None => request,
        }
    }

    /// Sends `request`; its JSON body, or the server's problem as the error.
    async fn json(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let response = request.send().await.with_context(|| format!("cannot reach {}", self.server))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let detail = body["detail"].as_str().map_or_else(|| body.to_string(), str::to_owned);
            bail!("the server answered {status}: {detail}");
        }
        Ok(body)
    }
}

pub async fn push(args: PushArgs) -> anyhow::Result<()> {
    let wasm = std::fs::read(&args.component).with_context(|| format!("cannot read {}", args.component.display()))?;
    let request = args.server.request(reqwest::Method::POST, "/api/v1/components");
    let component = args.server.json(request.header("content-type", "application/wasm").body(wasm)).await?;
    let model = &component["model"];
    let text = |value: &Value| value.as_str().unwrap_or("?").to_owned();
    println!("component {} ({} {})", text(&component["id"]), text(&model["name"]), text(&model["version"]));
    println!("{}", serde_json::to_string_pretty(&model["config_schema"])?);
    Ok(())
}

fn frame(path: &Path) -> anyhow::Result<Value> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let frame = read_csv(std::io::BufReader::new(file)).with_context(|| format!("in {}", path.display()))?;
    Ok(serde_json::from_slice(&frame_json_bytes(&frame))?)
}

pub async fn train(args: TrainArgs) -> anyhow::Result<()> {
    let server = &args.server;
    let config_id = match args.config_id {
        Some(id) => id,
        None => {
            let data: Value = match &args.config {
                Some(path) => serde_json::from_slice(&std::fs::read(path)?).context("--config is not JSON")?,
                None => json!({}),
            };
            let body = json!({"name": "chapwasm-cli", "data": data, "component_id": args.component_id});
            let config = server.json(server.request(reqwest::Method::POST, "/api/v1/configs").json(&body)).await?;
            config["id"].as_str().ok_or_else(|| anyhow!("the server sent a config without an id"))?.to_owned()
        }
    };
    let body = json!({"config_id": config_id, "data": frame(&args.data)?});
    let accepted = server.json(server.request(reqwest::Method::POST, "/api/v1/ml/$train").json(&body)).await?;
    let job = follow(server, &accepted).await?;
    println!("model {}", job["artifact_id"].as_str().unwrap_or("?"));
    Ok(())
}

pub async fn predict(args: PredictArgs) -> anyhow::Result<()> {
    let server = &args.server;
    let body =
        json!({"model_artifact_id": args.model, "historic": frame(&args.historic)?, "future": frame(&args.future)?});
    let accepted = server.json(server.request(reqwest::Method::POST, "/api/v1/ml/$predict").json(&body)).await?;
    let job = follow(server, &accepted).await?;
    let id = job["artifact_id"].as_str().ok_or_else(|| anyhow!("the job names no artifact"))?;
    let artifact = server.json(server.request(reqwest::Method::GET, &format!("/api/v1/artifacts/{id}"))).await?;
    let predictions = match &artifact["data"] {
        data if data["predictions"].is_object() => &data["predictions"],
        data => &data["content"],
    };
    let predictions = parse_frame(predictions, "predictions", false).map_err(|e| anyhow!("{}", e.0))?;
    let file =
        std::fs::File::create(&args.output).with_context(|| format!("cannot write {}", args.output.display()))?;
    write_csv(&predictions, std::io::BufWriter::new(file))?;
    eprintln!("wrote {} ({} rows)", args.output.display(), predictions.num_rows());
    Ok(())
}

/// Shows `message` on the bar, or as a line of its own when there is no terminal to draw
/// the bar on (a pipe, a CI log).
fn say(bar: &ProgressBar, message: String) {
    if bar.is_hidden() {
        eprintln!("{message}");
    }
    bar.set_message(message);
}

/// Follows an accepted job's event stream to its end with a progress bar; its last record,
/// or its error.
async fn follow(server: &Server, accepted: &Value) -> anyhow::Result<Value> {
    let job_id = accepted["job_id"].as_str().ok_or_else(|| anyhow!("the server accepted no job: {accepted}"))?;
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos:>3}% {msg}")
            .map_err(|e| anyhow!("{e}"))?
            .progress_chars("=> "),
    );
    say(&bar, format!("job {job_id} submitted"));
    let stream = server.request(reqwest::Method::GET, &format!("/api/v1/jobs/{job_id}/$stream")).send().await?;
    if !stream.status().is_success() {
        bail!("cannot follow job {job_id}: {}", stream.status());
    }
    let mut bytes = stream.bytes_stream();
    let (mut pending, mut last) = (String::new(), Value::Null);
    while let Some(chunk) = bytes.next().await {
        pending.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            let Some(data) = line.trim_end().strip_prefix("data:") else { continue };
            let Ok(event) = serde_json::from_str::<Value>(data.trim()) else { continue };
            if let Some(fraction) = event["progress"]["fraction"].as_f64() {
                let percent = (fraction * 100.0).round() as u64;
                bar.set_position(percent);
                let message = event["progress"]["message"].as_str().unwrap_or_default();
                say(&bar, format!("{percent:>3}% {message}"));
            } else if event["status"] != last["status"] {
                say(&bar, format!("job {job_id} {}", event["status"].as_str().unwrap_or("?")));
            }
            last = event;
        }
    }
    match last["status"].as_str() {
        Some("completed") => {
            bar.set_position(100);
            bar.finish();
            Ok(last)
        }
        Some(status) => {
            bar.abandon();
            bail!("job {job_id} {status}: {}", last["error"].as_str().unwrap_or("no error given"))
        }
        None => bail!("the event stream of job {job_id} ended without its end"),
    }
}
