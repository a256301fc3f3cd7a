//! The error a model returns: a kind the host can act on and a message a user can act on.

use std::fmt;

/// Mirrors `error-kind` in `wit/model.wit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The configuration does not fit the model.
    InvalidConfig,
    /// The data does not fit the model (missing column, wrong type, too few rows).
    InvalidData,
    /// The model bytes cannot be decoded.
    InvalidModel,
    /// Anything else.
    Failed,
}

impl ErrorKind {
    /// The kebab-case name used in the WIT contract and in job errors.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid-config",
            ErrorKind::InvalidData => "invalid-data",
            ErrorKind::InvalidModel => "invalid-model",
            ErrorKind::Failed => "failed",
        }
    }
}

/// A failure detected by model code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ModelError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidConfig, message)
    }

    pub fn invalid_data(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidData, message)
    }

    pub fn invalid_model(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidModel, message)
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for ModelError {}
