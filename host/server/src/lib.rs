//! chapwasm over HTTP: chapkit's REST API on axum, in front of the service crate.
//!
//! `api` holds the handlers (one module per URL prefix), the one problem+json error type,
//! and the wire shapes of both chapkit generations; `builder` assembles a service and its
//! router (the spec's `MlServiceBuilder`/`ServiceBuilder`), `settings` does the same from
//! one value, and `app` serves the result; `info` renders
//! `/api/v1/info`; `security` decides who may call what (keys, scopes, rate limits);
//! `monitoring` serves `/metrics`; `registration` announces the service to chap-core;
//! `bundled` embeds the default model, built from `plugins/` by this
//! crate's build script. Handlers reach the database only through the service: this
//! crate does not depend on the store crate, the runtime crate or sqlx.

mod api;
pub mod app;
pub mod builder;
pub mod bundled;
pub mod info;
pub mod monitoring;
pub mod registration;
pub mod security;
pub mod settings;
pub mod shell_model;

pub use chapwasm_sdk::{Column, ColumnType, DataFrame, ErrorKind, ModelError, Values};
