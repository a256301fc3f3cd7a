//! chapwasm: train and run ML models delivered as WebAssembly components.
//!
//! Layers (see ARCHITECTURE.md): `api` (HTTP, chapkit's wire shapes) over `service` (jobs,
//! scheduler, artifacts) over `store` (SQL) and `runtime` (wasmtime, the sandbox). `builder`
//! and `app` assemble them; `frame_json` and `csv_frame` move data frames in and out;
//! `loadgen` is the HTTP load driver behind `chapwasm bench`.

pub mod api;
pub mod app;
pub mod builder;
pub mod bundled;
pub mod csv_frame;
pub mod frame_codec;
pub mod frame_json;
pub mod info;
pub mod loadgen;
pub mod runtime;
pub mod service;
pub mod store;

pub use chapwasm_sdk::{Column, ColumnType, DataFrame, ErrorKind, ModelError, Values};
