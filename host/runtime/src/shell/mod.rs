//! The spec's shell runner: a model made of two commands (`train_command`,
//! `predict_command`) that read and write files, for scripts in any language. **Trusted
//! code only**: the commands run as native processes with the server's user rights — no
//! sandbox, no memory limit, full network and filesystem access. The host only bounds what
//! it can from outside: the time limit, cancellation and shutdown (the process group is
//! killed), the output caps, the size of the files it reads back, and a fresh directory per
//! call that is removed afterwards. An operator declares a shell model; it is never
//! uploadable.
//!
//! Placeholders, filled with absolute paths in the call's directory: `{config_file}`
//! (JSON), `{data_file}` (training CSV), `{model_file}` (written by training, read by
//! prediction), `{historic_file}`, `{future_file}` (CSV), `{output_file}` (the predictions,
//! CSV, written by the command), `{geo_file}` (GeoJSON, or `null` when none was sent).

mod job_dir;
mod process;

pub use job_dir::private_scratch;

use crate::call::Call;
use crate::cancel::CancelToken;
use crate::error::RuntimeError;
use crate::guest_text::without_nul;
use crate::limits::SandboxLimits;
use crate::output::GuestOutput;
use chapwasm_sdk::{DataFrame, ErrorKind, ModelError};
use job_dir::JobDir;
use std::path::PathBuf;

/// The placeholders a command may use.
pub const PLACEHOLDERS: [&str; 7] =
    ["config_file", "data_file", "model_file", "historic_file", "future_file", "output_file", "geo_file"];

/// A shell model's commands and where they run.
#[derive(Debug, Clone, PartialEq)]
pub struct ShellCommands {
    /// argv of the training command (split like a shell would, before placeholders are
    /// filled, so a path is always one argument).
    pub train: Vec<String>,
    pub predict: Vec<String>,
    /// The commands' working directory (where their scripts are).
    pub directory: PathBuf,
    /// Where each call's directory is made.
    pub scratch: PathBuf,
}

impl ShellCommands {
    /// Checks that every `{placeholder}` is one of [`PLACEHOLDERS`].
    pub fn check(&self) -> Result<(), String> {
        for (which, argv) in [("train_command", &self.train), ("predict_command", &self.predict)] {
            if argv.is_empty() {
                return Err(format!("{which} is empty"));
            }
            for argument in argv {
                let mut rest = argument.as_str();
                while let Some(start) = rest.find('{') {
                    let Some(end) = rest[start..].find('}') else { break };
                    let name = &rest[start + 1..start + end];
                    if !PLACEHOLDERS.contains(&name) {
                        return Err(format!(
                            "{which}: unknown placeholder {{{name}}} (known: {})",
                            PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                        ));
                    }
                    rest = &rest[start + end + 1..];
                }
            }
        }
        Ok(())
    }
}

/// argv with each `{placeholder}` replaced by its file's path in `dir`.
fn filled(argv: &[String], dir: &JobDir) -> Vec<String> {
    argv.iter()
        .map(|argument| {
            PLACEHOLDERS.iter().fold(argument.clone(), |text, name| {
                let file = format!("{}.{}", name.trim_end_matches("_file"), extension(name));
                text.replace(&format!("{{{name}}}"), &dir.path_of(&file).display().to_string())
            })
        })
        .collect()
}

fn extension(placeholder: &str) -> &'static str {
    match placeholder {
        "config_file" | "geo_file" => "json",
        "model_file" => "bin",
        _ => "csv",
    }
}

fn csv(frame: &DataFrame) -> Result<Vec<u8>, RuntimeError> {
    let mut bytes = Vec::new();
    chapwasm_frames::csv::write_csv(frame, &mut bytes).map_err(|e| RuntimeError::Sandbox(e.to_string()))?;
    Ok(bytes)
}

fn io(what: &str) -> impl Fn(std::io::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::Sandbox(format!("{what}: {e}"))
}

/// The inputs every call gets: its directory with the config and geo files written.
fn prepare(commands: &ShellCommands, config: &str, geo: Option<&str>) -> Result<JobDir, RuntimeError> {
    let dir = JobDir::create(&commands.scratch).map_err(io("creating the call's directory"))?;
    dir.write("config.json", config.as_bytes()).map_err(io("writing the config"))?;
    dir.write("geo.json", geo.unwrap_or("null").as_bytes()).map_err(io("writing geo"))?;
    Ok(dir)
}

/// Runs one command; a non-zero exit is the model's failure, its stderr the reason.
async fn execute(
    argv: &[String],
    commands: &ShellCommands,
    dir: &JobDir,
    limits: &SandboxLimits,
    cancel: &CancelToken,
) -> (Result<(), RuntimeError>, GuestOutput) {
    let (ended, printed) = process::run(&filled(argv, dir), &commands.directory, dir.path(), limits, cancel).await;
    let (stdout, stderr) = (without_nul(printed.stdout), without_nul(printed.stderr));
    let output = GuestOutput { stdout, stderr, logs: Vec::new() };
    let result = ended.and_then(|status| match status.code() {
        Some(0) => Ok(()),
        code => {
            let how =
                code.map_or_else(|| "was killed by a signal".to_owned(), |c| format!("failed with exit code {c}"));
            let last = output.stderr.trim_end().lines().last().unwrap_or("(nothing on stderr)");
            let message = format!("script {how}: {last}");
            Err(RuntimeError::Model(ModelError::new(ErrorKind::Failed, message)))
        }
    });
    (result, output)
}

/// Trains: writes config, data and geo, runs `train`, returns the model file's bytes.
pub async fn train(
    commands: &ShellCommands,
    config: &str,
    data: &DataFrame,
    geo: Option<&str>,
    limits: &SandboxLimits,
    cancel: &CancelToken,
) -> Call<Vec<u8>> {
    let dir = match prepare(commands, config, geo).and_then(|dir| {
        dir.write("data.csv", &csv(data)?).map_err(io("writing the data"))?;
        Ok(dir)
    }) {
        Ok(dir) => dir,
        Err(error) => return Call { result: Err(error), output: GuestOutput::default() },
    };
    let (ran, output) = execute(&commands.train, commands, &dir, limits, cancel).await;
    let result = ran.and_then(|()| match dir.read_at_most("model.bin", limits.model_bytes) {
        Ok(Some(Ok(model))) => Ok(model),
        Ok(Some(Err(size))) => Err(RuntimeError::ModelSizeLimit { limit: limits.model_bytes, size: Some(size) }),
        Ok(None) => Err(RuntimeError::InvalidOutput("the training command wrote no {model_file}".into())),
        Err(e) => Err(io("reading the model")(e)),
    });
    Call { result, output }
}

/// Predicts: writes config, model, historic, future and geo, runs `predict`, reads the
/// output CSV.
#[allow(clippy::too_many_arguments)] // the contract's inputs, plus the runner, limits and cancel token
pub async fn predict(
    commands: &ShellCommands,
    config: &str,
    model: &[u8],
    historic: &DataFrame,
    future: &DataFrame,
    geo: Option<&str>,
    limits: &SandboxLimits,
    cancel: &CancelToken,
) -> Call<DataFrame> {
    let dir = match prepare(commands, config, geo).and_then(|dir| {
        dir.write("model.bin", model).map_err(io("writing the model"))?;
        dir.write("historic.csv", &csv(historic)?).map_err(io("writing historic"))?;
        dir.write("future.csv", &csv(future)?).map_err(io("writing future"))?;
        Ok(dir)
    }) {
        Ok(dir) => dir,
        Err(error) => return Call { result: Err(error), output: GuestOutput::default() },
    };
    let (ran, output) = execute(&commands.predict, commands, &dir, limits, cancel).await;
    let limit = limits.output_frame_bytes;
    let result = ran.and_then(|()| match dir.read_at_most("output.csv", limit) {
        Ok(Some(Ok(bytes))) => chapwasm_frames::csv::read_csv(bytes.as_slice())
            .map_err(|e| RuntimeError::InvalidOutput(format!("the prediction command's {{output_file}}: {e}"))),
        Ok(Some(Err(size))) => Err(RuntimeError::FrameSizeLimit { limit, size: Some(size) }),
        Ok(None) => Err(RuntimeError::InvalidOutput("the prediction command wrote no {output_file}".into())),
        Err(e) => Err(io("reading the predictions")(e)),
    });
    Call { result, output }
}
