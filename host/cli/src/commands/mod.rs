//! Command-line interface. Each subcommand lives in its own module; this one only parses.

mod access;
mod allocator;
mod describe;
mod memory_trim;
mod new;
mod register;
mod remote;
mod run;
mod serve;

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
    /// Create a model project (rust, python or js) that builds, with sample data and a
    /// test that trains and predicts.
    New(new::NewArgs),
    /// Serve the chapkit ML API (configs, artifacts, jobs, $train/$predict).
    Serve(Box<serve::ServeArgs>),
    /// Upload a component to a server; print its id and config schema.
    Push(remote::PushArgs),
    /// Train on a server from a CSV file, following the job with a progress bar.
    Train(remote::TrainArgs),
    /// Predict on a server from CSV files; write the predictions to a CSV file.
    Predict(remote::PredictArgs),
    /// Run a component's train or predict locally on CSV files.
    #[command(subcommand)]
    Run(run::RunCommand),
    /// (Internal) compile a component from stdin to machine code on stdout: the server
    /// runs uploads' compilation in this child process, under time and memory limits.
    #[command(name = "compile-worker", hide = true)]
    CompileWorker {
        #[arg(long)]
        fuel: bool,
    },
}

impl Cli {
    pub fn execute(self) -> anyhow::Result<()> {
        match self.command {
            Command::Describe { component } => tokio::runtime::Runtime::new()?.block_on(describe::execute(&component)),
            Command::New(args) => new::execute(args),
            Command::Push(args) => tokio::runtime::Runtime::new()?.block_on(remote::push(args)),
            Command::Train(args) => tokio::runtime::Runtime::new()?.block_on(remote::train(args)),
            Command::Predict(args) => tokio::runtime::Runtime::new()?.block_on(remote::predict(args)),
            Command::Run(command) => tokio::runtime::Runtime::new()?.block_on(command.execute()),
            Command::CompileWorker { fuel } => chapwasm_runtime::run_compile_worker(fuel).map_err(anyhow::Error::msg),
            Command::Serve(args) => {
                allocator::return_memory_eagerly();
                let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
                let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
                match args.log_format {
                    serve::LogFormat::Text => logs.init(),
                    serve::LogFormat::Json => logs.json().init(),
                }
                tokio::runtime::Runtime::new()?.block_on(serve::execute(*args))
            }
        }
    }
}
