//! Runs one command of a shell model: argv as given (no shell, so no word splitting of the
//! file paths), a minimal environment, stdin closed, in a process group of its own. The
//! whole group is killed when the time limit passes, when the call is canceled (a
//! `DELETE`), when its output passes the cap, and when the call is dropped (shutdown), so
//! nothing it started in its group outlives it. (A process that starts a session of its
//! own, `setsid`, leaves the group: trusted code is trusted not to.)

use crate::cancel::CancelToken;
use crate::error::RuntimeError;
use crate::limits::SandboxLimits;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use tokio::io::{AsyncRead, AsyncReadExt};

/// What the command printed, each stream cut at the output cap.
#[derive(Debug, Default)]
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
}

/// The search path commands get; nothing else of the server's environment is passed.
const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Kills the process group when dropped (the command's end, an error, a canceled call).
struct Group(i32);

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe {
            libc::kill(-self.0, libc::SIGKILL);
        }
    }
}

/// Reads a stream to its end, keeping at most `cap` bytes; `true` if there was more.
async fn capped(mut stream: impl AsyncRead + Unpin, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 8192];
    let mut over = false;
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        let room = cap.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..read.min(room)]);
        if read > room {
            over = true;
            break;
        }
    }
    (kept, over)
}

/// Runs `argv` in `directory` with `home` as its home and temporary directory; its exit
/// status and what it printed, or the limit it ran past.
pub async fn run(
    argv: &[String],
    directory: &Path,
    home: &Path,
    limits: &SandboxLimits,
    cancel: &CancelToken,
) -> (Result<ExitStatus, RuntimeError>, Printed) {
    let Some((program, arguments)) = argv.split_first() else {
        return (Err(RuntimeError::Sandbox("the command is empty".into())), Printed::default());
    };
    let spawned = tokio::process::Command::new(program)
        .args(arguments)
        .current_dir(directory)
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", home)
        .env("TMPDIR", home)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return (Err(RuntimeError::Sandbox(format!("cannot start `{program}`: {e}"))), Printed::default()),
    };
    let group = child.id().map(|pid| Group(pid as i32));
    let cap = limits.output_bytes;
    let stdout = tokio::spawn(capped(child.stdout.take().expect("piped"), cap));
    let stderr = tokio::spawn(capped(child.stderr.take().expect("piped"), cap));
    // A process that left the group (its own session) may hold the pipes: the readers are
    // stopped when the call ends, whatever it holds.
    let readers = (stdout.abort_handle(), stderr.abort_handle());
    let (stdout, stderr) = (async { stdout.await.unwrap_or_default() }, async { stderr.await.unwrap_or_default() });
    tokio::pin!(stdout, stderr);
    let mut printed = (None, None);
    // One deadline for the whole call: closing its streams does not restart the clock.
    let deadline = tokio::time::sleep(limits.time_limit);
    tokio::pin!(deadline);
    let ended = loop {
        tokio::select! {
            status = child.wait() => break status.map_err(|e| RuntimeError::Sandbox(format!("waiting for `{program}`: {e}"))),
            () = &mut deadline => break Err(RuntimeError::TimeLimit { limit: limits.time_limit }),
            () = cancel.canceled() => break Err(RuntimeError::Canceled),
            out = &mut stdout, if printed.0.is_none() => {
                let over = out.1;
                printed.0 = Some(out.0);
                if over {
                    break Err(RuntimeError::OutputLimit { stream: "stdout", limit: cap });
                }
            }
            err = &mut stderr, if printed.1.is_none() => {
                let over = err.1;
                printed.1 = Some(err.0);
                if over {
                    break Err(RuntimeError::OutputLimit { stream: "stderr", limit: cap });
                }
            }
        }
    };
    // Whatever happened, nothing of the group survives the call; the pipes then close.
    drop(group);
    let drain = std::time::Duration::from_secs(1);
    let stdout = match printed.0 {
        Some(bytes) => bytes,
        None => tokio::time::timeout(drain, stdout).await.map(|(bytes, _)| bytes).unwrap_or_default(),
    };
    let stderr = match printed.1 {
        Some(bytes) => bytes,
        None => tokio::time::timeout(drain, stderr).await.map(|(bytes, _)| bytes).unwrap_or_default(),
    };
    readers.0.abort();
    readers.1.abort();
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (ended, Printed { stdout: text(stdout), stderr: text(stderr) })
}
