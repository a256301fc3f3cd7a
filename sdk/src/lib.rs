//! The chapwasm SDK: write a CHAP model as a WebAssembly component in a few dozen lines.
//!
//! A model author implements two functions, `train` and `predict`, in one of two styles:
//!
//! * **functional** — two plain functions registered with [`export_functional_model!`];
//! * **class style** — a struct implementing [`ModelRunner`] (with optional `on_init` /
//!   `on_cleanup` hooks), registered with [`export_model!`].
//!
//! Either way the SDK does the plumbing the WIT contract (`wit/model.wit`) requires: the
//! config arrives parsed into the author's `serde` struct, whose JSON Schema (`schemars`)
//! is what `describe` reports; data arrives as a [`DataFrame`]; the trained model is any
//! `serde` type, stored as compact binary (`postcard`) so authors never touch bytes; and a
//! panic is reported through the host's log before the guest traps, so the job's error
//! carries the panic message.
//!
//! With the default `guest` feature off, the crate is just the data-frame and error types,
//! which the host shares so both sides agree on one representation.

mod column;
mod error;
mod frame;
mod validity;

pub use column::{Column, ColumnType, Values};
pub use error::{ErrorKind, ModelError};
pub use frame::DataFrame;
pub use validity::{pack_validity, unpack_validity};

#[cfg(any(feature = "regression", test))]
pub mod regression;

#[cfg(feature = "guest")]
mod guest;
#[cfg(feature = "guest")]
pub use guest::*;
