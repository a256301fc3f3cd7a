//! Command-line interface. Each subcommand lives in its own module; this one only parses.

mod describe;
mod run;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "chapwasm", version, about = "Train and run ML models delivered as WebAssembly components")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print what a component says about itself (name, config schema, ...) as JSON.
    Describe {
        /// The model component (.wasm).
        component: PathBuf,
    },
    /// Run a component's train or predict locally on CSV files.
    #[command(subcommand)]
    Run(run::RunCommand),
}

impl Cli {
    pub fn execute(self) -> anyhow::Result<()> {
        match self.command {
            Command::Describe { component } => describe::execute(&component),
            Command::Run(command) => command.execute(),
        }
    }
}
