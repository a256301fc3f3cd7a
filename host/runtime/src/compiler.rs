//! Where components are compiled. Cranelift cannot be interrupted, and a component under
//! the 64 MiB upload cap can be made to take minutes and gigabytes to compile (measured:
//! one 7.6 MB function took 54 s and 3.8 GB; 200 000 nested blocks took 92 s). So an
//! untrusted upload is compiled in a child process — the `chapwasm` binary's hidden
//! `compile-worker` subcommand — under a time limit and an address-space limit; the child
//! is killed when either is exceeded, and the upload rejected with the limit's name. The
//! child builds its engine from the same [`engine_config`], so its output is code this
//! engine accepts; it reaches the parent through a pipe, never through the disk.

use super::error::RuntimeError;
use super::guest_text::{ERROR_MESSAGE_BYTES, truncated};
use super::limits::bytes;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;
use wasmtime::Config;

/// How components are compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compiler {
    /// In this process, without a time bound: for trusted components only (the command
    /// line, tests of the runtime itself).
    InProcess,
    /// In a child process (`program args… compile-worker`), bounded.
    Subprocess { program: PathBuf, args: Vec<String>, limits: CompileLimits },
}

/// Bounds on compiling one component in a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileLimits {
    pub time_limit: Duration,
    /// Address space of the child (its compiler's working memory).
    pub memory_bytes: usize,
}

impl Default for CompileLimits {
    fn default() -> Self {
        Self { time_limit: Duration::from_secs(60), memory_bytes: 4 << 30 }
    }
}

impl CompileLimits {
    /// The limits as the API reports them.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "time_limit_seconds": self.time_limit.as_secs_f64(),
            "memory_bytes": self.memory_bytes,
        })
    }
}

/// The engine configuration every compile and every call uses (parent and child alike).
pub(crate) fn engine_config(fuel: bool) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Same inputs, same bits: NaNs produced by guest float code are canonical, so
    // retraining on the same data gives byte-identical models.
    config.cranelift_nan_canonicalization(true);
    // Guests run as async calls (`call_async`), so that a call blocked in a host call can
    // be abandoned at its deadline (see `call.rs`). A ticker advances the epoch; at every
    // tick a running guest yields to its supervisor, which checks the deadline and the
    // cancel token.
    config.epoch_interruption(true);
    // Fuel metering only when the service sets a fuel limit: it slows every call.
    config.consume_fuel(fuel);
    config
}

/// Compiles `wasm` to this engine's machine code in a child process.
pub(crate) async fn compile_in_child(
    program: &PathBuf,
    args: &[String],
    limits: CompileLimits,
    fuel: bool,
    wasm: &[u8],
) -> Result<Vec<u8>, RuntimeError> {
    let sandbox = |what: &str, e: std::io::Error| RuntimeError::Sandbox(format!("{what} the compiler process: {e}"));
    let mut command = tokio::process::Command::new(program);
    command.args(args).arg(WORKER_COMMAND);
    if fuel {
        command.arg("--fuel");
    }
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let address_space = limits.memory_bytes as u64;
    // SAFETY: `setrlimit` is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let memory = libc::rlimit { rlim_cur: address_space, rlim_max: address_space };
            // No core files: a worker killed for its memory would otherwise write gigabytes.
            let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            if libc::setrlimit(libc::RLIMIT_AS, &memory) != 0 || libc::setrlimit(libc::RLIMIT_CORE, &no_core) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| sandbox("cannot start", e))?;
    let (mut stdin, stdout, stderr) =
        (child.stdin.take().expect("piped"), child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
    let input = wasm.to_vec();
    let code_cap = max_code_bytes(wasm.len());
    let run = async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let feed = async move {
            let _ = stdin.write_all(&input).await;
        };
        let mut code = Vec::new();
        let mut report = Vec::new();
        // Reads are capped: past the cap the worker blocks and the time limit ends it.
        let (mut stdout, mut stderr) = (stdout.take(code_cap as u64 + 1), stderr.take(WORKER_REPORT_BYTES));
        let read_code = stdout.read_to_end(&mut code);
        let read_report = stderr.read_to_end(&mut report);
        let (_, read_code, _, status) = tokio::join!(feed, read_code, read_report, child.wait());
        (read_code.map(|_| code), report, status)
    };
    let (code, report, status) = match tokio::time::timeout(limits.time_limit, run).await {
        Ok(done) => done,
        // The child is killed as the future holding it is dropped (`kill_on_drop`).
        Err(_) => {
            return Err(RuntimeError::LoadFailed(format!(
                "compiling took longer than the compile time limit of {} s",
                limits.time_limit.as_secs_f64()
            )));
        }
    };
    let status = status.map_err(|e| sandbox("cannot wait for", e))?;
    let code = code.map_err(|e| sandbox("cannot read from", e))?;
    if status.success() && code.len() <= code_cap {
        return Ok(code);
    }
    if status.success() {
        return Err(RuntimeError::LoadFailed(format!("the compiled code is larger than {}", bytes(code_cap))));
    }
    let report = String::from_utf8_lossy(&report);
    let reason = report.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if reason.contains("memory allocation") || reason.contains("out of memory") || status.code().is_none() {
        return Err(RuntimeError::LoadFailed(format!(
            "compiling needed more than the compile memory limit of {}",
            bytes(limits.memory_bytes)
        )));
    }
    // The worker said why the bytes do not compile: that is the component's fault.
    Err(RuntimeError::InvalidComponent(truncated(reason.trim_start_matches("Error: "), ERROR_MESSAGE_BYTES)))
}

/// The most machine code a worker may hand back: generous against what Cranelift emits
/// for the input (a few times its size), bounded all the same.
fn max_code_bytes(wasm_bytes: usize) -> usize {
    wasm_bytes.saturating_mul(16).saturating_add(64 << 20)
}

/// The most of a worker's stderr read (its error message).
const WORKER_REPORT_BYTES: u64 = 64 << 10;

/// The subcommand the child runs.
pub const WORKER_COMMAND: &str = "compile-worker";

/// The child's side: reads a component from stdin, writes its machine code to stdout. An
/// invalid component is an error on stderr and a non-zero exit.
pub fn run_compile_worker(fuel: bool) -> Result<(), String> {
    let mut wasm = Vec::new();
    std::io::stdin().take(MAX_WORKER_INPUT).read_to_end(&mut wasm).map_err(|e| e.to_string())?;
    let engine = wasmtime::Engine::new(&engine_config(fuel)).map_err(|e| format!("{e:#}"))?;
    let code = engine.precompile_component(&wasm).map_err(|e| format!("{e:#}"))?;
    std::io::stdout().write_all(&code).map_err(|e| e.to_string())
}

/// The most a compile worker reads (the upload cap, with room to spare).
const MAX_WORKER_INPUT: u64 = 128 << 20;
