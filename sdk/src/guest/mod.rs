//! Everything that only makes sense inside a component: the generated bindings, the
//! runner trait and its adapter to the WIT exports, logging and progress.

#[doc(hidden)]
pub mod bindings;
mod convert;
mod geo;
mod info;
mod log;
mod macros;
mod runner;

pub use geo::Geo;
pub use info::{ModelInfo, PeriodType};
pub use log::{LogLevel, log, progress};
pub use runner::{Export, ModelRunner};
