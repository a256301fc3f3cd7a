//! `chapwasm serve`'s registration flags: where chap-core's orchestrator is (or chapkit's
//! `SERVICEKIT_ORCHESTRATOR_URL`), how it reaches this service, and the registration key
//! (`SERVICEKIT_REGISTRATION_KEY`, sent as `X-Service-Key`; never printed).

use chapwasm_server::registration::Registration;
use clap::Args;
use std::time::Duration;

#[derive(Args)]
pub struct RegisterArgs {
    /// Register with chap-core's orchestrator (its base URL, or its `/v2/services/$register`
    /// URL) and keep the registration alive (default: SERVICEKIT_ORCHESTRATOR_URL; neither:
    /// no registration). Plain http:// only.
    #[arg(long)]
    register_with: Option<String>,
    /// The URL chap-core reaches this service at (default:
    /// http://<SERVICEKIT_HOST or host name>:<SERVICEKIT_PORT, PORT or the bound port>).
    #[arg(long)]
    public_url: Option<String>,
    /// Seconds between keepalives (at most a third of the orchestrator's TTL is used).
    #[arg(long, default_value_t = 10)]
    keepalive_secs: u64,
}

impl RegisterArgs {
    /// The registration to keep, given the port the service is bound to.
    pub fn registration(&self, bound_port: u16) -> anyhow::Result<Option<Registration>> {
        let Some(orchestrator) = self.register_with.clone().or_else(|| env("SERVICEKIT_ORCHESTRATOR_URL")) else {
            return Ok(None);
        };
        if !orchestrator.starts_with("http://") {
            anyhow::bail!(
                "the orchestrator URL must be plain http:// (this build has no TLS client; put chap-core's \
                 orchestrator on an internal network or behind a local proxy): {orchestrator}"
            );
        }
        let service_url = self.public_url.clone().unwrap_or_else(|| {
            let host = env("SERVICEKIT_HOST").unwrap_or_else(|| {
                std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or("localhost".into())
            });
            let port = env("SERVICEKIT_PORT").or_else(|| env("PORT")).unwrap_or_else(|| bound_port.to_string());
            format!("http://{host}:{port}")
        });
        let key = env("SERVICEKIT_REGISTRATION_KEY");
        let keepalive = Duration::from_secs(self.keepalive_secs.max(1));
        Ok(Some(Registration { orchestrator, service_url, key, keepalive }))
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
