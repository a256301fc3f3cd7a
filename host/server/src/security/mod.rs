//! Who may do what, and how much: API keys with scopes (`keys`), the class of every route
//! and which classes each mode locks (`policy`), the middleware that enforces both and a
//! per-caller rate limit (`guard`, `rate_limit`). An operator who binds a non-loopback
//! address with nothing locked is told so loudly, at start and in `/api/v1/system`.

pub mod guard;
pub mod keys;
pub mod policy;
pub mod rate_limit;

use keys::{ApiKeys, Scope};
use policy::AuthMode;
use rate_limit::{RateLimit, RateLimiter};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// What the operator chose: keys, the mode (`None`: `required` with keys, `open` without),
/// and the per-caller rate limit (`None`: unlimited).
#[derive(Debug, Clone, Default)]
pub struct SecuritySettings {
    pub keys: ApiKeys,
    pub mode: Option<AuthMode>,
    pub rate_limit: Option<RateLimit>,
    /// Requests with a body over 1 MiB at once (`None`: [`DEFAULT_MAX_LARGE_BODIES`]);
    /// each is held whole in memory, up to the body limit.
    pub max_large_bodies: Option<usize>,
    /// How long a large body waits for a slot before it is refused with 503 (`None`:
    /// [`DEFAULT_LARGE_BODY_WAIT`]).
    pub large_body_wait: Option<Duration>,
}

/// Requests with a body over 1 MiB received at once, by default.
pub const DEFAULT_MAX_LARGE_BODIES: usize = 4;
/// How long a large body waits for a slot, by default: long enough for the bodies ahead
/// of it to be parsed and stored (~0.1 s each for 100k-row frames on 2 cores), short
/// enough that a client stuck behind tricklers hears so.
pub const DEFAULT_LARGE_BODY_WAIT: Duration = Duration::from_secs(10);

/// Why the security settings cannot work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SecurityError {
    #[error("--auth required needs at least one API key (--api-keys-file, CHAPWASM_API_KEYS or SERVICEKIT_API_KEYS)")]
    RequiredWithoutKeys,
    #[error("--auth chap-core needs at least one API key (`admin:KEY` to manage components, `user:KEY` for clients)")]
    ChapCoreWithoutKeys,
}

/// The security settings in force, shared by the middleware and `/api/v1/system`.
pub struct Security {
    pub keys: ApiKeys,
    pub mode: AuthMode,
    pub rate_limiter: Option<RateLimiter>,
    /// `/metrics` is an admin route (the operator's choice), not a read.
    pub metrics_need_admin: bool,
    /// Requests with a body over 1 MiB being received and handled at once (`guard.rs`).
    pub large_bodies: Arc<Semaphore>,
    /// How long a large body waits for one of those slots.
    pub large_body_wait: Duration,
    rate_limit: Option<RateLimit>,
    /// The address served on, once known.
    bound: OnceLock<SocketAddr>,
}

impl Security {
    pub fn new(settings: SecuritySettings, metrics_need_admin: bool) -> Result<Self, SecurityError> {
        let SecuritySettings { keys, mode, rate_limit, max_large_bodies, large_body_wait } = settings;
        let large_body_wait = large_body_wait.unwrap_or(DEFAULT_LARGE_BODY_WAIT);
        let large_bodies = Arc::new(Semaphore::new(max_large_bodies.unwrap_or(DEFAULT_MAX_LARGE_BODIES).max(1)));
        let mode = mode.unwrap_or(if keys.is_empty() { AuthMode::Open } else { AuthMode::Required });
        match mode {
            AuthMode::Required if keys.is_empty() => return Err(SecurityError::RequiredWithoutKeys),
            AuthMode::ChapCore if keys.is_empty() => return Err(SecurityError::ChapCoreWithoutKeys),
            _ => {}
        }
        let rate_limiter = rate_limit.map(RateLimiter::new);
        Ok(Self {
            keys,
            mode,
            rate_limiter,
            metrics_need_admin,
            large_bodies,
            large_body_wait,
            rate_limit,
            bound: OnceLock::new(),
        })
    }

    /// Records the address served on; warns if it is reachable from other machines while
    /// anyone may change code there.
    pub fn served_on(&self, address: SocketAddr) {
        let _ = self.bound.set(address);
        if let Some(warning) = self.warning() {
            tracing::warn!(%address, "{warning}");
        }
    }

    /// The warning for an exposed, unlocked service, if it is one.
    fn warning(&self) -> Option<&'static str> {
        let exposed = self.bound.get().is_some_and(|address| !address.ip().is_loopback());
        (exposed && self.mode == AuthMode::Open).then_some(
            "SECURITY: this service is reachable from other machines and needs no API key: anyone who reaches it \
             can upload and run code, and read or delete every config, job and artifact. Set keys \
             (--api-keys-file, CHAPWASM_API_KEYS) and --auth chap-core (chap-core keeps working) or required.",
        )
    }

    /// What `/api/v1/system` says about access (never a key).
    pub fn report(&self) -> Value {
        json!({
            "auth": self.mode.name(),
            "api_keys": {"admin": self.keys.count(Scope::Admin), "user": self.keys.count(Scope::User)},
            "rate_limit": self.rate_limit.map(|r| json!({"per_second": r.per_second, "burst": r.burst})),
            "warning": self.warning(),
        })
    }
}
