//! Data frames in and out of chapwasm, in the three forms they travel in: chapkit's frame
//! JSON (`json`: parsed in one streaming pass straight into typed columns, and rendered
//! straight from them), the compact binary codec in which job inputs are stored and over
//! which provenance hashes are computed (`codec`), and CSV for the command line (`csv`).
//! Pure data: no I/O beyond the readers and writers it is handed.

pub mod codec;
pub mod csv;
pub mod json;
