//! A per-caller rate limit (a key, or an address when no key is sent): `governor`'s
//! generic cell rate algorithm, one small cell per caller. Callers not seen for a while
//! are forgotten as requests go by, so the table is bounded by the callers active within
//! about one burst's refill time.

use super::guard::Identity;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Requests per second each caller may make on average, and how many at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// How many checks go by between sweeps of callers that are idle.
const SWEEP_EVERY: u64 = 4096;

pub struct RateLimiter {
    cells: DefaultKeyedRateLimiter<Identity>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Self { cells: governor::RateLimiter::keyed(quota), clock: DefaultClock::default(), checks: AtomicU64::new(0) }
    }

    /// Spends one of `caller`'s requests, or says how long until it has one.
    pub fn check(&self, caller: Identity) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.cells.retain_recent();
            self.cells.shrink_to_fit();
        }
        self.cells.check_key(&caller).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    #[test]
    fn each_caller_has_its_own_burst() {
        let limit = RateLimit { per_second: NonZeroU32::new(1).unwrap(), burst: NonZeroU32::new(3).unwrap() };
        let limiter = RateLimiter::new(limit);
        let (one, other) = (Identity::Key(0), Identity::Address(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        for _ in 0..3 {
            assert_eq!(limiter.check(one), Ok(()));
        }
        let wait = limiter.check(one).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(limiter.check(other), Ok(()), "another caller is not slowed by the first");
    }
}
