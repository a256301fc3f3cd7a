//! The `chapwasm` command: `describe` and `run` for model authors (and, later, `serve`).

mod cli;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    cli::Cli::parse().execute()
}
