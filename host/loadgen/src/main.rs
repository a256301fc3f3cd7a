//! `chapwasm-bench`: the load driver (`run`) against any chapkit-compatible URL, and
//! `compare`, which turns the JSON reports of several servers into one table of ratios.
//! A binary of its own, so the server carries no benchmark client.

use anyhow::Context;
use chapwasm_loadgen::{BenchClient, Plan, Report, compare, comparison_table, goals_table, run};
use clap::{Args, Parser};
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    BenchCommand::parse().execute()
}

/// Measure a chapkit-compatible server over HTTP, or compare measurements.
#[derive(Parser)]
#[command(name = "chapwasm-bench", version)]
pub enum BenchCommand {
    /// Run the workload against a server and print its figures.
    Run(RunArgs),
    /// Compare JSON reports (several runs per server allowed) as ratios to a baseline.
    Compare {
        /// The label of the reference server (ratios say how many times better the candidate is).
        #[arg(long, default_value = "chapkit")]
        baseline: String,
        #[arg(long, default_value = "chapwasm")]
        candidate: String,
        /// Also print the figures that have a goal (issue 16) with their verdicts.
        #[arg(long)]
        goals: bool,
        /// Report files written by `bench run --json`.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
}

#[derive(Args)]
pub struct RunArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:8000. Repeat it for replicas of one
    /// service: the throughput phase spreads its clients over them.
    #[arg(long, required = true)]
    url: Vec<String>,
    /// Name of the server in reports.
    #[arg(long, default_value = "server")]
    label: String,
    /// The server's pid, to report its memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long, default_value_t = Plan::default().small_rows)]
    small_rows: usize,
    #[arg(long, default_value_t = Plan::default().large_rows)]
    large_rows: usize,
    #[arg(long, default_value_t = Plan::default().pair_rows)]
    pair_rows: usize,
    #[arg(long, default_value_t = Plan::default().repeats)]
    repeats: usize,
    #[arg(long, default_value_t = Plan::default().large_repeats)]
    large_repeats: usize,
    #[arg(long, default_value_t = Plan::default().pairs)]
    pairs: usize,
    #[arg(long, default_value_t = Plan::default().concurrency)]
    concurrency: usize,
    /// Interval of status polling in the polled phases (milliseconds).
    #[arg(long, default_value_t = Plan::default().poll_ms)]
    poll_ms: u64,
    /// Trains (then as many predicts) of the burst phase; 0 skips it.
    #[arg(long, default_value_t = Plan::default().burst)]
    burst: usize,
    #[arg(long, default_value_t = Plan::default().burst_rows)]
    burst_rows: usize,
    /// Interval at which burst jobs are checked until drained (milliseconds).
    #[arg(long, default_value_t = Plan::default().drain_poll_ms)]
    drain_poll_ms: u64,
    /// Concurrent large predicts of the memory phase; 0 skips it.
    #[arg(long, default_value_t = Plan::default().memory_predicts)]
    memory_predicts: usize,
    /// Rows of one train and one predict timed last, with their peak memory; 0 skips it.
    #[arg(long, default_value_t = Plan::default().huge_rows)]
    huge_rows: usize,
}

impl BenchCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        match self {
            BenchCommand::Run(args) => {
                let plan = Plan {
                    small_rows: args.small_rows,
                    large_rows: args.large_rows,
                    pair_rows: args.pair_rows,
                    repeats: args.repeats,
                    large_repeats: args.large_repeats,
                    pairs: args.pairs,
                    concurrency: args.concurrency,
                    poll_ms: args.poll_ms,
                    burst: args.burst,
                    burst_rows: args.burst_rows,
                    drain_poll_ms: args.drain_poll_ms,
                    memory_predicts: args.memory_predicts,
                    huge_rows: args.huge_rows,
                    pid: args.pid,
                };
                let clients: Vec<BenchClient> = args.url.iter().map(|url| BenchClient::new(url)).collect();
                let runtime = tokio::runtime::Runtime::new()?;
                let report = runtime.block_on(run(&clients, &plan, &args.label))?;
                print!("{}", report.table());
                if let Some(path) = args.json {
                    std::fs::write(&path, serde_json::to_string_pretty(&report)?)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                Ok(())
            }
            BenchCommand::Compare { baseline, candidate, goals, reports } => {
                let reports = reports
                    .iter()
                    .map(|path| {
                        let text =
                            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                        serde_json::from_str::<Report>(&text)
                            .with_context(|| format!("{} is not a report", path.display()))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let rows = compare(&reports, &baseline, &candidate);
                print!("{}", comparison_table(&rows, &baseline, &candidate));
                if goals {
                    print!("\nGoals\n\n{}", goals_table(&rows, &baseline, &candidate));
                }
                Ok(())
            }
        }
    }
}
