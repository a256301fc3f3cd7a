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
    /// The chapwasm server.
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

    /// Sends `request`; its JSON body, or the server's problem (or the start of whatever
    /// else it sent) as the error.
    async fn json(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let response = request.send().await.with_context(|| format!("cannot reach {}", self.server))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let body: Option<Value> = serde_json::from_str(&text).ok();
        let start: String = text.chars().take(200).collect();
        match body {
            Some(body) if status.is_success() => Ok(body),
            Some(body) if body["detail"].is_string() => {
                bail!("the server answered {status}: {}", body["detail"].as_str().unwrap_or_default())
            }
            _ if status.is_success() => bail!("the server answered {status} but not with JSON: {start}"),
            _ => bail!("the server answered {status}: {start}"),
        }
    }
}

/// The string field `key` of `value`, or an error naming what is missing.
fn field<'a>(value: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    value[key].as_str().ok_or_else(|| anyhow!("the server's answer has no `{key}`: {value}"))
}

pub async fn push(args: PushArgs) -> anyhow::Result<()> {
    let wasm = std::fs::read(&args.component).with_context(|| format!("cannot read {}", args.component.display()))?;
    let request = args.server.request(reqwest::Method::POST, "/api/v1/components");
    let component = args.server.json(request.header("content-type", "application/wasm").body(wasm)).await?;
    let model = &component["model"];
    let text = |value: &Value| value.as_str().unwrap_or("?").to_owned();
    println!("component {} ({} {})", field(&component, "id")?, text(&model["name"]), text(&model["version"]));
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
                Some(path) => {
                    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                    serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", path.display()))?
                }
                None => json!({}),
            };
            let body = json!({"name": "chapwasm-cli", "data": data, "component_id": args.component_id});
            let config = server.json(server.request(reqwest::Method::POST, "/api/v1/configs").json(&body)).await?;
            field(&config, "id")?.to_owned()
        }
    };
    let body = json!({"config_id": config_id, "data": frame(&args.data)?});
    let accepted = server.json(server.request(reqwest::Method::POST, "/api/v1/ml/$train").json(&body)).await?;
    let job = follow(server, &accepted).await?;
    println!("model {}", field(&job, "artifact_id")?);
    Ok(())
}

pub async fn predict(args: PredictArgs) -> anyhow::Result<()> {
    let server = &args.server;
    let body =
        json!({"model_artifact_id": args.model, "historic": frame(&args.historic)?, "future": frame(&args.future)?});
    let accepted = server.json(server.request(reqwest::Method::POST, "/api/v1/ml/$predict").json(&body)).await?;
    let job = follow(server, &accepted).await?;
    let id = field(&job, "artifact_id")?;
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

/// The `data` of each server-sent event in `bytes` that a blank line has completed (lines
/// end with LF, CRLF or CR; several `data:` lines join with newlines); what is left stays.
fn events(bytes: &mut Vec<u8>, data: &mut Vec<String>) -> Vec<String> {
    let mut complete = Vec::new();
    while let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
        let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
        if bytes[end] == b'\r' && end + 1 == bytes.len() {
            break; // a CR at the end of what arrived may be half of a CRLF
        }
        let line: Vec<u8> = bytes.drain(..end + if crlf { 2 } else { 1 }).take(end).collect();
        let line = String::from_utf8_lossy(&line);
        if line.is_empty() {
            if !data.is_empty() {
                complete.push(std::mem::take(data).join("\n"));
            }
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
        }
    }
    complete
}

/// Follows an accepted job to its end with a progress bar: over its event stream, opened
/// again (after reading the job) if it ends early — a proxy's timeout, a restart, full
/// stream slots. Its last record, or its error.
async fn follow(server: &Server, accepted: &Value) -> anyhow::Result<Value> {
    let job_id = field(accepted, "job_id")?;
    eprintln!("job {job_id}, writing artifact {}", accepted["artifact_id"].as_str().unwrap_or("?"));
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {msg}")
            .map_err(|e| anyhow!("{e}"))?
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let mut last = Value::Null;
    for attempt in 0.. {
        if attempt > 0 {
            last = server.json(server.request(reqwest::Method::GET, &format!("/api/v1/jobs/{job_id}"))).await?;
            if is_terminal(&last) || attempt > 120 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        let path = format!("/api/v1/jobs/{job_id}/$stream");
        let Ok(stream) = server.request(reqwest::Method::GET, &path).send().await else { continue };
        if !stream.status().is_success() {
            continue;
        }
        let mut chunks = stream.bytes_stream();
        let (mut pending, mut data) = (Vec::new(), Vec::new());
        while let Some(Ok(chunk)) = chunks.next().await {
            pending.extend_from_slice(&chunk);
            for text in events(&mut pending, &mut data) {
                let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                if let Some(fraction) = event["progress"]["fraction"].as_f64() {
                    let percent = (fraction * 100.0).round() as u64;
                    bar.set_position(percent);
                    let message = event["progress"]["message"].as_str().unwrap_or_default();
                    if bar.is_hidden() {
                        eprintln!("{percent:>3}% {message}");
                    }
                    bar.set_message(message.to_owned());
                } else if event["status"] != last["status"] {
                    say(&bar, format!("job {job_id} {}", event["status"].as_str().unwrap_or("?")));
                }
                last = event;
            }
        }
        if is_terminal(&last) {
            break;
        }
    }
    bar.finish_and_clear();
    match last["status"].as_str() {
        Some("completed") => {
            eprintln!("job {job_id} completed");
            Ok(last)
        }
        Some(status) if is_terminal(&last) => {
            bail!("job {job_id} {status}: {}", last["error"].as_str().unwrap_or("no error given"))
        }
        _ => bail!("lost track of job {job_id}: it is still {} on the server", last["status"]),
    }
}

fn is_terminal(job: &Value) -> bool {
    matches!(job["status"].as_str(), Some("completed" | "failed" | "canceled" | "deleted"))
}

#[cfg(test)]
mod tests {
    use super::events;

    #[test]
    fn events_split_across_chunks_and_line_endings_are_read_whole() {
        let (mut pending, mut data) = (Vec::new(), Vec::new());
        let mut seen = Vec::new();
        for chunk in
            ["data: {\"a\":", " 1}\r", "\n\r\ndata: Gro\u{c3}", "\u{9f}e\n", "data: two\r\rdata: x\ndata: y\n\n"]
        {
            // Bytes, not chars: a character may be split between chunks.
            let bytes: Vec<u8> = chunk.chars().map(|c| c as u32 as u8).collect();
            pending.extend_from_slice(&bytes);
            seen.extend(events(&mut pending, &mut data));
        }
        assert_eq!(seen, ["{\"a\": 1}", "Große\ntwo", "x\ny"]);
    }
}
