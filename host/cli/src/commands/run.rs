//! `chapwasm run train|predict`: an author's local loop — one component, CSV files in, a
//! model file or a predictions CSV out, the guest's log lines and progress on stderr.

use anyhow::{Context, anyhow, bail};
use chapwasm_frames::csv::{read_csv, write_csv};
use chapwasm_runtime::{Call, CallObserver, CancelToken, LogRecord, ModelComponent, Runtime, RuntimeSettings};
use chapwasm_server::DataFrame;
use chapwasm_service::ConfigValidator;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum RunCommand {
    /// Train: write the model bytes to --model.
    Train {
        #[command(flatten)]
        common: Common,
        /// Training data (CSV with a header row).
        #[arg(long)]
        data: PathBuf,
        /// Where to write the trained model.
        #[arg(long)]
        model: PathBuf,
    },
    /// Predict: write the future rows with sample columns to --output.
    Predict {
        #[command(flatten)]
        common: Common,
        /// A model written by `run train`.
        #[arg(long)]
        model: PathBuf,
        /// Observed history (CSV); may have only a header row.
        #[arg(long)]
        historic: PathBuf,
        /// Rows to forecast (CSV).
        #[arg(long)]
        future: PathBuf,
        /// Where to write the predictions (CSV).
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Args)]
pub struct Common {
    /// The model component (.wasm).
    #[arg(long)]
    component: PathBuf,
    /// A JSON file with the model's config (default `{}`: the model's defaults); checked
    /// against the component's config schema, as the server does, before the call.
    #[arg(long)]
    config: Option<PathBuf>,
    /// GeoJSON FeatureCollection passed to the model.
    #[arg(long)]
    geo: Option<PathBuf>,
}

impl RunCommand {
    pub async fn execute(self) -> anyhow::Result<()> {
        match self {
            RunCommand::Train { common, data, model } => {
                let (component, config, geo) = common.load().await?;
                let data = read_frame(&data)?;
                let call = component.train(config, data, geo, Arc::new(Stderr), CancelToken::default()).await;
                let bytes = finish(call)?;
                std::fs::write(&model, &bytes).with_context(|| format!("cannot write {}", model.display()))?;
                eprintln!("wrote {} ({} bytes)", model.display(), bytes.len());
            }
            RunCommand::Predict { common, model, historic, future, output } => {
                let (component, config, geo) = common.load().await?;
                let model = std::fs::read(&model).with_context(|| format!("cannot read {}", model.display()))?;
                let (historic, future) = (read_frame(&historic)?, read_frame(&future)?);
                let call =
                    component.predict(config, model, historic, future, geo, Arc::new(Stderr), CancelToken::default());
                let call = call.await;
                let predictions = finish(call)?;
                let file =
                    std::fs::File::create(&output).with_context(|| format!("cannot write {}", output.display()))?;
                write_csv(&predictions, std::io::BufWriter::new(file))?;
                eprintln!("wrote {} ({} rows)", output.display(), predictions.num_rows());
            }
        }
        Ok(())
    }
}

impl Common {
    async fn load(&self) -> anyhow::Result<(ModelComponent, String, Option<String>)> {
        let wasm = read(&self.component)?;
        let component = Runtime::new(RuntimeSettings::default())?.load_wasm(&wasm).await?;
        let config = match &self.config {
            Some(path) => String::from_utf8(read(path)?).context("the config is not UTF-8")?,
            None => "{}".to_owned(),
        };
        let parsed: serde_json::Value = serde_json::from_str(&config).context("--config is not JSON")?;
        let schema = &component.description().config_schema;
        let validator = ConfigValidator::new(schema).map_err(|e| anyhow!("the component's config schema: {e}"))?;
        let config = match validator.normalize(parsed) {
            Ok(normalized) => normalized.to_string(),
            Err(invalid) if invalid.path.is_empty() => bail!("--config: {}", invalid.message),
            Err(invalid) => bail!("--config: `{}`: {}", invalid.path.join("."), invalid.message),
        };
        let geo = self.geo.as_deref().map(read).transpose()?.map(String::from_utf8).transpose()?;
        Ok((component, config, geo))
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_frame(path: &Path) -> anyhow::Result<DataFrame> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    read_csv(std::io::BufReader::new(file)).with_context(|| format!("in {}", path.display()))
}

/// Prints what the guest wrote to stdout/stderr, then returns its result.
fn finish<T>(call: Call<T>) -> anyhow::Result<T> {
    eprint!("{}{}", call.output.stdout, call.output.stderr);
    Ok(call.result?)
}

/// Shows the guest's log and progress as they happen.
struct Stderr;

impl CallObserver for Stderr {
    fn progress(&self, fraction: f64, message: &str) {
        eprintln!("progress {:>3.0}% {message}", fraction * 100.0);
    }

    fn log(&self, record: &LogRecord) {
        eprintln!("[{:?}] {}", record.level, record.message);
    }
}
