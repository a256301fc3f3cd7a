//! `ShellModelRunner`, the spec's shell runner: a model made of a training and a prediction
//! command (scripts in any language) that an operator declares — in a TOML file for
//! `chapwasm serve --shell-model model.toml`, or in code on the builders. **Trusted code
//! only**: the commands run natively with the server's rights (see the runtime's `shell`
//! module for what is and is not bounded). Never uploadable.
//!
//! ```toml
//! name = "mean-shell"
//! train_command = "python3 train.py --config {config_file} --data {data_file} --model {model_file}"
//! predict_command = "python3 predict.py --model {model_file} --future {future_file} --output {output_file}"
//! model_format = "json"
//! config_schema = { type = "object", properties = { scale = { type = "number", default = 1.0 } } }
//! ```
//! Commands are split into arguments as a shell would (quotes group), then placeholders
//! are filled, so a file path is always exactly one argument and nothing is re-split.

use chapwasm_service::{DefaultModel, ModelDescription, PeriodType, ShellCommands, ShellModel};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ShellModelError {
    #[error("cannot read {path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{path}: {error}")]
    Toml { path: PathBuf, error: toml::de::Error },
    #[error("{0}")]
    Invalid(String),
}

/// A command: one string split as a shell would, or the arguments themselves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ShellCommand {
    Line(String),
    Arguments(Vec<String>),
}

impl ShellCommand {
    fn argv(&self, which: &str) -> Result<Vec<String>, ShellModelError> {
        match self {
            ShellCommand::Arguments(argv) => Ok(argv.clone()),
            ShellCommand::Line(line) => shlex::split(line)
                .ok_or_else(|| ShellModelError::Invalid(format!("{which}: unbalanced quotes in `{line}`"))),
        }
    }
}

/// A shell model's declaration; what is left out takes the SDK's defaults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellModelRunner {
    pub name: String,
    #[serde(default = "version")]
    pub version: String,
    #[serde(default)]
    pub description: String,
    pub train_command: ShellCommand,
    pub predict_command: ShellCommand,
    /// What the model file holds (`pickle`, `json`, ...): for people; its bytes are stored
    /// as they are.
    #[serde(default = "model_format")]
    pub model_format: String,
    /// The JSON Schema of the model's config (default: any object).
    #[serde(default = "any_object")]
    pub config_schema: serde_json::Value,
    #[serde(default = "target")]
    pub target: String,
    #[serde(default)]
    pub required_covariates: Vec<String>,
    #[serde(default)]
    pub allow_free_additional_continuous_covariates: bool,
    #[serde(default = "any_period")]
    pub period_type: PeriodType,
    #[serde(default)]
    pub requires_geo: bool,
    #[serde(default)]
    pub min_prediction_periods: u32,
    #[serde(default = "hundred")]
    pub max_prediction_periods: u32,
    /// Where the commands run (their scripts' directory); relative paths are taken from
    /// the declaration's directory. Default: that directory.
    #[serde(default)]
    pub directory: Option<PathBuf>,
}

fn version() -> String {
    "0.1.0".into()
}
fn model_format() -> String {
    "bytes".into()
}
fn any_object() -> serde_json::Value {
    serde_json::json!({"type": "object", "properties": {}})
}
fn target() -> String {
    "disease_cases".into()
}
fn any_period() -> PeriodType {
    PeriodType::Any
}
fn hundred() -> u32 {
    100
}

impl ShellModelRunner {
    /// Reads a declaration (TOML); its directory is where the commands run unless it says.
    pub fn from_toml_file(path: &Path) -> Result<Self, ShellModelError> {
        let text =
            std::fs::read_to_string(path).map_err(|error| ShellModelError::Read { path: path.to_owned(), error })?;
        let mut runner: Self =
            toml::from_str(&text).map_err(|error| ShellModelError::Toml { path: path.to_owned(), error })?;
        // A bare file name (`model.toml`) has the empty path as its parent: the current directory.
        let base = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let base = base.to_path_buf();
        runner.directory = Some(match runner.directory.take() {
            Some(directory) if directory.is_relative() => base.join(directory),
            Some(directory) => directory,
            None => base,
        });
        Ok(runner)
    }

    /// The service's default model for this declaration, with a private directory for
    /// its calls. Its SHA-256 covers the declaration and the files of its directory (the
    /// scripts, not subdirectories), so it changes when they do.
    pub(crate) fn into_default_model(self) -> Result<DefaultModel, ShellModelError> {
        let directory = self.directory.clone().unwrap_or_else(|| PathBuf::from("."));
        let directory =
            directory.canonicalize().map_err(|error| ShellModelError::Read { path: directory.clone(), error })?;
        let mut commands = ShellCommands {
            train: self.train_command.argv("train_command")?,
            predict: self.predict_command.argv("predict_command")?,
            directory,
            scratch: PathBuf::new(),
        };
        commands.check().map_err(ShellModelError::Invalid)?;
        if !self.config_schema.is_object() {
            return Err(ShellModelError::Invalid("config_schema must be a table (a JSON Schema object)".into()));
        }
        // Made last: a declaration refused above leaves nothing behind.
        commands.scratch = chapwasm_service::private_scratch()
            .map_err(|error| ShellModelError::Read { path: std::env::temp_dir(), error })?;
        let sha256 = self.digest(&commands);
        let description = ModelDescription {
            name: self.name,
            version: self.version,
            description: self.description,
            config_schema: self.config_schema,
            target: self.target,
            required_covariates: self.required_covariates,
            allow_free_additional_continuous_covariates: self.allow_free_additional_continuous_covariates,
            period_type: self.period_type,
            requires_geo: self.requires_geo,
            min_prediction_periods: self.min_prediction_periods,
            max_prediction_periods: self.max_prediction_periods,
        };
        Ok(DefaultModel::Shell(Box::new(ShellModel { commands, description, sha256 })))
    }

    fn digest(&self, commands: &ShellCommands) -> String {
        let mut hash = Sha256::new();
        let declared = Self { directory: None, ..self.clone() };
        hash.update(format!("{declared:?}"));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&commands.directory)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        for file in files {
            if let Ok(bytes) = std::fs::read(&file) {
                hash.update(file.file_name().unwrap_or_default().as_encoded_bytes());
                hash.update(bytes.len().to_le_bytes());
                hash.update(bytes);
            }
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
