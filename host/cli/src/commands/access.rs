//! `chapwasm serve`'s access flags: where API keys come from, which operations need one,
//! and the per-caller rate limit. Keys are read here and handed on as digests; they are
//! never printed, and errors name their source, not the key.

use anyhow::Context;
use chapwasm_server::security::SecuritySettings;
use chapwasm_server::security::keys::{ApiKeys, Scope};
use chapwasm_server::security::policy::AuthMode;
use chapwasm_server::security::rate_limit::RateLimit;
use clap::{Args, ValueEnum};
use std::num::NonZeroU32;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// No request needs a key (only sensible on loopback).
    Open,
    /// What chap-core does (reads, new configs, $train/$predict/$validate) stays open;
    /// changing others' data and downloading model bytes or code need a key, components
    /// and deletes an admin key. chap-core, which sends no key, keeps working.
    ChapCore,
    /// Every request but /health and /api/v1/info needs a key.
    Required,
}

#[derive(Args)]
pub struct AccessArgs {
    /// A file of API keys, one per line: `admin:KEY`, `user:KEY`, or a bare `KEY` (admin).
    /// Keys are also read from CHAPWASM_API_KEYS (same form, comma-separated) and from
    /// chapkit's SERVICEKIT_API_KEYS (comma-separated; every key there is an admin key).
    #[arg(long)]
    api_keys_file: Option<PathBuf>,
    /// Which requests need a key (default: `required` when keys are configured, else
    /// `open`).
    #[arg(long, value_enum)]
    auth: Option<Mode>,
    /// Requests per second each caller (a key, or an address without one) may make on
    /// average; 0 turns the limit off.
    #[arg(long, default_value_t = 0)]
    rate_limit_per_sec: u32,
    /// Requests a caller may make at once above its rate (with --rate-limit-per-sec).
    #[arg(long, default_value_t = 100)]
    rate_limit_burst: u32,
    /// Requests with a body over 1 MiB received at once (each is held whole in memory, up
    /// to --body-limit-mib); beyond it, 503.
    #[arg(long, default_value_t = chapwasm_server::security::DEFAULT_MAX_LARGE_BODIES)]
    max_large_bodies: usize,
    /// How long a large body waits for one of those slots before it is refused with 503,
    /// in seconds.
    #[arg(long, default_value_t = chapwasm_server::security::DEFAULT_LARGE_BODY_WAIT.as_secs_f64())]
    large_body_wait_secs: f64,
}

impl AccessArgs {
    pub fn settings(&self) -> anyhow::Result<SecuritySettings> {
        let mut keys = ApiKeys::default();
        if let Some(path) = &self.api_keys_file {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            keys.add(&path.display().to_string(), &text, Scope::Admin)?;
        }
        if let Ok(text) = std::env::var("CHAPWASM_API_KEYS") {
            keys.add("CHAPWASM_API_KEYS", &text, Scope::Admin)?;
        }
        if let Ok(text) = std::env::var("SERVICEKIT_API_KEYS") {
            keys.add_chapkit("SERVICEKIT_API_KEYS", &text)?;
        }
        let mode = self.auth.map(|mode| match mode {
            Mode::Open => AuthMode::Open,
            Mode::ChapCore => AuthMode::ChapCore,
            Mode::Required => AuthMode::Required,
        });
        let rate_limit = NonZeroU32::new(self.rate_limit_per_sec).map(|per_second| RateLimit {
            per_second,
            burst: NonZeroU32::new(self.rate_limit_burst).unwrap_or(NonZeroU32::MIN),
        });
        let large_body_wait = std::time::Duration::try_from_secs_f64(self.large_body_wait_secs)
            .map_err(|_| anyhow::anyhow!("--large-body-wait-secs must be a non-negative number of seconds"))?;
        Ok(SecuritySettings {
            keys,
            mode,
            rate_limit,
            max_large_bodies: Some(self.max_large_bodies),
            large_body_wait: Some(large_body_wait),
        })
    }
}
