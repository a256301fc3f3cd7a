//! A real `chapwasm serve` process, for what an in-process server cannot show: its own
//! peak memory, how it exits on SIGTERM, and what it does with files on disk.

use super::app::TestApp;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    pub child: Child,
    pub base: String,
    /// Its stderr lines after the address (the first 10 000).
    pub logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// `chapwasm serve --port 0 <args>`, once it announces its address.
    pub fn start(args: &[&str]) -> ServerProcess {
        Self::start_logging(args, "warn")
    }

    /// The same, logging what `rust_log` (a `RUST_LOG` filter) lets through.
    pub fn start_logging(args: &[&str], rust_log: &str) -> ServerProcess {
        Self::start_with(args, rust_log, &[])
    }

    /// The same, with these environment variables set.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        Self::start_with(args, "warn", env)
    }

    fn start_with(args: &[&str], rust_log: &str, env: &[(&str, &str)]) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chapwasm"))
            .args(["serve", "--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", rust_log)
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chapwasm serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("the server announces its address").unwrap();
            // A line of its own, or the message of a JSON line (`--log-format json`).
            if let Some((_, address)) = line.split_once("chapwasm listening on ") {
                break address.trim().trim_end_matches("\"}").to_owned();
            }
        };
        // Keep draining its stderr so it never blocks on a full pipe.
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut kept = kept.lock().unwrap();
                if kept.len() < 10_000 {
                    kept.push(line);
                }
            }
        });
        ServerProcess { child, base, logs }
    }

    pub fn client(&self) -> TestApp {
        TestApp { base: self.base.clone(), client: reqwest::Client::new(), service: None, _database: None }
    }

    /// The most memory the process has held since it started (`VmHWM`), in MiB.
    pub fn peak_rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/<pid>/status");
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    }

    /// Waits up to `bound` for the process to exit.
    pub fn wait_within(&mut self, bound: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < bound {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
