//! The `chapwasm` command: `serve` (the chapkit-compatible ML service), `describe` and
//! `run` for model authors, and the hidden `compile-worker` the server compiles uploads
//! in. `anyhow` lives here and nowhere below.

mod commands;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    commands::Cli::parse().execute()
}
