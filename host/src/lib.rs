//! chapwasm: train and run ML models delivered as WebAssembly components.
//!
//! Layers (see ARCHITECTURE.md): `runtime` (wasmtime, the sandbox) and `csv_frame` (CSV in and
//! out of the shared data frame). The REST service builds on these.

pub mod api;
pub mod app;
pub mod builder;
pub mod bundled;
pub mod csv_frame;
pub mod frame_json;
pub mod info;
pub mod runtime;
pub mod service;
pub mod store;

pub use chapwasm_sdk::{Column, ColumnType, DataFrame, ErrorKind, ModelError, Values};
