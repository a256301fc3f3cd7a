//! `chapwasm serve`: the chapkit-compatible ML service.

use anyhow::Context;
use chapwasm_runtime::{CompileLimits, Compiler, DescribeLimits, SandboxLimits};
use chapwasm_server::monitoring::MetricsAccess;
use chapwasm_server::settings::AppSettings;
use chapwasm_service::{Generation, LeasePolicy, QueuePolicy, Retention};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// How log lines are written (to stderr).
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub(super) enum LogFormat {
    /// For people.
    Text,
    /// One JSON object per line, for log collectors (each request's lines carry its
    /// `trace_id`).
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum MetricsFlag {
    /// A read like any other: open unless --auth required.
    Open,
    /// Only callers with an admin key.
    Admin,
    /// No /metrics.
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum WireGeneration {
    Spec,
    Chapkit,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// `:memory:` (lost on exit), a SQLite file such as `ml.db`, or `sqlite://path`.
    #[arg(long, default_value = ":memory:")]
    database_url: String,
    /// Most jobs running at once (default: number of cores).
    #[arg(long)]
    max_concurrency: Option<usize>,
    /// The model component to serve (default: the bundled linear regression).
    #[arg(long, conflicts_with = "shell_model")]
    component: Option<PathBuf>,
    /// Serve a shell model instead (the spec's ShellModelRunner): a TOML declaration of a
    /// train and a predict command with {data_file}-style placeholders. Trusted code only:
    /// the commands run natively, with this server's rights.
    #[arg(long)]
    shell_model: Option<PathBuf>,
    /// A JSON file of service info (chapkit's MLServiceInfo fields: id, display_name,
    /// version, description, model_metadata{author, author_assessed_status, contact_email,
    /// ...}, period_type, min/max_prediction_periods, ...); unset fields come from the model.
    #[arg(long)]
    info: Option<PathBuf>,
    /// Write every ML artifact in this wire generation (`spec`: `ml_type` artifacts;
    /// `chapkit`: 2.4's `type`/`metadata`/`content`). Default: whatever each request spoke.
    #[arg(long, value_enum)]
    wire_generation: Option<WireGeneration>,
    /// Largest linear memory a model may use, in MiB.
    #[arg(long, default_value_t = 512)]
    memory_limit_mib: usize,
    /// Longest a single train or predict call may run, in seconds.
    #[arg(long, default_value_t = 600)]
    time_limit_secs: u64,
    /// Fuel (about one unit per WebAssembly instruction) a call may burn; metering is off
    /// unless this is set, and costs some speed when on.
    #[arg(long)]
    fuel: Option<u64>,
    /// Largest model `train` may return, in MiB.
    #[arg(long, default_value_t = 256)]
    model_limit_mib: usize,
    /// Largest frame `predict` may return, in MiB (8 bytes per number).
    #[arg(long, default_value_t = 256)]
    output_frame_limit_mib: usize,
    /// Capacity of a call's captured stdout and of its stderr, in KiB.
    #[arg(long, default_value_t = 1024)]
    stdout_limit_kib: usize,
    /// Most `log` lines one call may write.
    #[arg(long, default_value_t = 10_000)]
    log_lines_limit: usize,
    /// Most `log` bytes one call may write, in KiB (lines are cut at 16 KiB).
    #[arg(long, default_value_t = 1024)]
    log_limit_kib: usize,
    /// Longest `describe()` may run when a component is uploaded or loaded, in seconds.
    #[arg(long, default_value_t = 10.0)]
    describe_time_limit_secs: f64,
    /// Most linear memory `describe()` may use, in MiB.
    #[arg(long, default_value_t = 128)]
    describe_memory_limit_mib: usize,
    /// Longest compiling one uploaded component may take, in seconds (compiles run in a
    /// child process, killed at the limit).
    #[arg(long, default_value_t = 60.0)]
    compile_time_limit_secs: f64,
    /// Most memory (address space) the compiling child process may use, in MiB.
    #[arg(long, default_value_t = 4096)]
    compile_memory_limit_mib: usize,
    /// Directory for precompiled components, so restarts do not recompile (default: next
    /// to a SQLite file database as `<file>.cwasm-cache`; none for `:memory:` or
    /// PostgreSQL). Created private (0700); code in it is loaded only when it matches the
    /// digest recorded in the database.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Most precompiled code kept in the cache directory, in MiB (least recently used
    /// files are deleted beyond it).
    #[arg(long, default_value_t = 1024)]
    cache_max_mib: u64,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 256)]
    body_limit_mib: usize,
    /// The longest a request may take, body included (SSE streams excepted), in seconds.
    #[arg(long, default_value_t = 300.0)]
    request_timeout_secs: f64,
    /// The longest a connection may take to send a request's head, or stay idle between
    /// requests, in seconds; then it is closed.
    #[arg(long, default_value_t = 30.0)]
    idle_timeout_secs: f64,
    /// Most connections served at once; more wait to be accepted.
    #[arg(long, default_value_t = chapwasm_server::builder::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// How long a job's claim holds without a heartbeat; after that another replica may
    /// take the job over (replicas sharing a PostgreSQL database).
    #[arg(long, default_value_t = 30.0)]
    lease_secs: f64,
    /// Claims before a job whose workers keep disappearing is failed.
    #[arg(long, default_value_t = 3)]
    max_attempts: i64,
    /// On SIGTERM or Ctrl-C: how long running jobs may take to finish before they are
    /// handed back to the queue.
    #[arg(long, default_value_t = 30.0)]
    shutdown_grace_secs: f64,
    /// Most jobs waiting to run; beyond it `$train`/`$predict` answer 503 with
    /// Retry-After and create nothing.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_pending_jobs: u64,
    /// How long finished jobs (with their stored inputs) are kept, in seconds; 0 keeps
    /// them for ever. Default: a week.
    #[arg(long, default_value_t = 604_800)]
    retain_jobs_secs: u64,
    /// How long prediction artifacts are kept, in seconds; 0 keeps them for ever. Trained
    /// models are always kept. Default: a week.
    #[arg(long, default_value_t = 604_800)]
    retain_predictions_secs: u64,
    /// How log lines are written to stderr.
    #[arg(long, value_enum, default_value = "text")]
    pub(super) log_format: LogFormat,
    /// Who may scrape /metrics (Prometheus text).
    #[arg(long, value_enum, default_value = "open")]
    metrics: MetricsFlag,
    /// Most job event streams (SSE) open at once; beyond it, 503.
    #[arg(long, default_value_t = chapwasm_server::builder::DEFAULT_MAX_STREAMS)]
    max_streams: usize,
    /// Most component uploads received at once; beyond it, 503.
    #[arg(long, default_value_t = chapwasm_server::builder::DEFAULT_MAX_UPLOADS)]
    max_uploads: usize,
    #[command(flatten)]
    access: super::access::AccessArgs,
    #[command(flatten)]
    register: super::register::RegisterArgs,
}

pub async fn execute(args: ServeArgs) -> anyhow::Result<()> {
    let defaults = AppSettings::default();
    let component = match &args.component {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?),
        None => None,
    };
    let shell_model = match &args.shell_model {
        Some(path) => Some(chapwasm_server::shell_model::ShellModelRunner::from_toml_file(path)?),
        None => None,
    };
    let info = match &args.info {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is not valid service info", path.display()))?
        }
        None => Default::default(),
    };
    let limits = SandboxLimits {
        memory_bytes: args.memory_limit_mib << 20,
        time_limit: std::time::Duration::from_secs(args.time_limit_secs),
        fuel: args.fuel,
        model_bytes: args.model_limit_mib << 20,
        output_frame_bytes: args.output_frame_limit_mib << 20,
        output_bytes: args.stdout_limit_kib << 10,
        log_lines: args.log_lines_limit,
        log_bytes: args.log_limit_kib << 10,
    };
    let describe_limits = DescribeLimits {
        memory_bytes: args.describe_memory_limit_mib << 20,
        time_limit: seconds(args.describe_time_limit_secs, "--describe-time-limit-secs")?,
        ..DescribeLimits::default()
    };
    let cache_dir = args.cache_dir.clone().or_else(|| default_cache_dir(&args.database_url));
    let compiler = Compiler::Subprocess {
        program: std::env::current_exe().context("cannot find the chapwasm executable to compile components with")?,
        args: Vec::new(),
        limits: CompileLimits {
            time_limit: seconds(args.compile_time_limit_secs, "--compile-time-limit-secs")?,
            memory_bytes: args.compile_memory_limit_mib << 20,
        },
    };
    // Bound first: the registration names the port.
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
    let settings = AppSettings {
        registration: args.register.registration(listener.local_addr()?.port())?,
        security: args.access.settings()?,
        max_streams: args.max_streams,
        max_uploads: args.max_uploads,
        idle_timeout: seconds(args.idle_timeout_secs, "--idle-timeout-secs")?,
        max_connections: args.max_connections,
        metrics: match args.metrics {
            MetricsFlag::Open => Some(MetricsAccess::Open),
            MetricsFlag::Admin => Some(MetricsAccess::Admin),
            MetricsFlag::Off => None,
        },
        cache_dir,
        describe_limits,
        cache_max_bytes: args.cache_max_mib << 20,
        compiler,
        limits,
        info,
        wire_generation: args.wire_generation.map(|g| match g {
            WireGeneration::Spec => Generation::Spec,
            WireGeneration::Chapkit => Generation::Chapkit,
        }),
        database_url: args.database_url,
        max_concurrency: args.max_concurrency.unwrap_or(defaults.max_concurrency),
        body_limit: args.body_limit_mib << 20,
        request_timeout: seconds(args.request_timeout_secs, "--request-timeout-secs")?,
        component,
        shell_model,
        queue: QueuePolicy {
            lease: LeasePolicy {
                duration: seconds(args.lease_secs, "--lease-secs")?,
                max_attempts: args.max_attempts.max(1),
            },
            max_pending_jobs: args.max_pending_jobs as usize,
            retention: Retention {
                finished_jobs: kept_for(args.retain_jobs_secs),
                predictions: kept_for(args.retain_predictions_secs),
            },
        },
    };
    let grace = seconds(args.shutdown_grace_secs, "--shutdown-grace-secs")?;
    let app = settings.build().await?;
    super::memory_trim::trim_after_jobs(app.service.clone());
    tracing::info!(address = %listener.local_addr()?, "chapwasm serving");
    let announcement = format!("chapwasm listening on http://{}", listener.local_addr()?);
    match args.log_format {
        LogFormat::Text => eprintln!("{announcement}"),
        // Every line a JSON object, this one too.
        LogFormat::Json => eprintln!("{}", serde_json::json!({"message": announcement})),
    }
    app.serve_until(listener, stop_signal(), grace).await?;
    Ok(())
}

/// The cache directory beside a SQLite file database (`ml.db` → `ml.db.cwasm-cache`);
/// none for an in-memory database or a server URL, from which no path may be derived
/// (it would put credentials and host names into a relative path and into logs).
fn default_cache_dir(database_url: &str) -> Option<PathBuf> {
    if database_url.contains("://") && !database_url.starts_with("sqlite://") {
        return None;
    }
    let path =
        database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:")).unwrap_or(database_url);
    let path = path.split('?').next().unwrap_or(path);
    let in_memory = path.is_empty() || path == ":memory:" || path == "sqlite::memory:" || path.starts_with("postgres");
    (!in_memory).then(|| PathBuf::from(format!("{path}.cwasm-cache")))
}

/// A retention flag: `0` keeps for ever.
fn kept_for(seconds: u64) -> Option<std::time::Duration> {
    (seconds > 0).then(|| std::time::Duration::from_secs(seconds))
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(value).map_err(|_| anyhow::anyhow!("{flag} must be a non-negative number"))
}

/// SIGTERM (what orchestrators send) or Ctrl-C.
async fn stop_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let sigterm = async {
        match terminate.as_mut() {
            Some(signal) => drop(signal.recv().await),
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = sigterm => tracing::info!("SIGTERM: draining"),
        _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: draining"),
    }
}

#[cfg(test)]
mod tests {
    use super::default_cache_dir;
    use std::path::PathBuf;

    #[test]
    fn only_a_file_database_gets_a_default_cache_directory() {
        assert_eq!(default_cache_dir("ml.db"), Some(PathBuf::from("ml.db.cwasm-cache")));
        assert_eq!(default_cache_dir("sqlite://data/ml.db?mode=rwc"), Some(PathBuf::from("data/ml.db.cwasm-cache")));
        assert_eq!(default_cache_dir("sqlite:ml.db"), Some(PathBuf::from("ml.db.cwasm-cache")));
        assert_eq!(default_cache_dir(":memory:"), None);
        assert_eq!(default_cache_dir("postgres://user:secret@db.internal:5432/chap"), None);
        assert_eq!(default_cache_dir("postgresql://db/chap"), None);
    }
}
