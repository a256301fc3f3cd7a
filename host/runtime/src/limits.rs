//! What one model call may use. The service sets the limits every call runs under; a
//! component may carry overrides that only tighten them, so an operator's ceiling holds
//! whatever an uploader asks for. Every limit names itself and its value when hit.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Bounds on what one call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Most linear memory a call may hold, all its memories together; growing past it traps.
    pub memory_bytes: usize,
    /// Longest wall-clock time one call may run, wherever the guest is (in wasm or blocked
    /// in a host call).
    pub time_limit: Duration,
    /// Fuel (roughly, WebAssembly instructions) one call may burn; `None` turns metering
    /// off. Metering costs some speed, so it is opt-in for the whole service.
    pub fuel: Option<u64>,
    /// Largest model `train` may return.
    pub model_bytes: usize,
    /// Largest frame `predict` may return, measured as the memory the host needs to hold
    /// it (8 bytes per number, 1 per bool, each string's text plus 24 bytes, each column's
    /// name, bitmap and 64 bytes).
    pub output_frame_bytes: usize,
    /// Capacity of each of stdout and stderr.
    pub output_bytes: usize,
    /// Most `log` lines per call.
    pub log_lines: usize,
    /// Most `log` bytes per call (each line counted as kept, at most 16 KiB).
    pub log_bytes: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 512 << 20,
            time_limit: Duration::from_secs(600),
            fuel: None,
            model_bytes: 256 << 20,
            output_frame_bytes: 256 << 20,
            output_bytes: 1 << 20,
            log_lines: 10_000,
            log_bytes: 1 << 20,
        }
    }
}

/// The limits of `describe()`, which runs when a component is uploaded or loaded: short,
/// because every upload pays them and a description is small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescribeLimits {
    pub memory_bytes: usize,
    pub time_limit: Duration,
    /// Capacity of each of stdout and stderr, and of the log.
    pub output_bytes: usize,
}

impl Default for DescribeLimits {
    fn default() -> Self {
        Self { memory_bytes: 128 << 20, time_limit: Duration::from_secs(10), output_bytes: 64 << 10 }
    }
}

/// The largest description `describe()` may return (its config schema, mostly).
pub const DESCRIPTION_BYTES: usize = 1 << 20;

impl DescribeLimits {
    /// The sandbox `describe()` runs in: these limits, the service's fuel (metering is all
    /// or nothing for an engine), and a description of at most [`DESCRIPTION_BYTES`].
    pub(crate) fn sandbox(&self, service: &SandboxLimits) -> SandboxLimits {
        SandboxLimits {
            memory_bytes: self.memory_bytes,
            time_limit: self.time_limit,
            fuel: service.fuel,
            model_bytes: DESCRIPTION_BYTES,
            output_frame_bytes: DESCRIPTION_BYTES,
            output_bytes: self.output_bytes,
            log_lines: 1000,
            log_bytes: self.output_bytes,
        }
    }

    /// The limits as the API reports them.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "memory_bytes": self.memory_bytes,
            "time_limit_seconds": self.time_limit.as_secs_f64(),
            "output_bytes": self.output_bytes,
            "description_bytes": DESCRIPTION_BYTES,
        })
    }
}

/// Per-component overrides, as uploaded (`?memory_bytes=…`) or `PUT` to
/// `/api/v1/components/{id}/limits`. Unset fields keep the service's limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_limit_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_frame_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_lines: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_bytes: Option<usize>,
}

impl LimitOverrides {
    /// These overrides tightened further by `other`, field by field (an unset field is
    /// the service's ceiling, so the set one wins): nothing ever loosens.
    pub fn narrowed(&self, other: &LimitOverrides) -> LimitOverrides {
        fn least<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(if b < a { b } else { a }),
                (a, b) => a.or(b),
            }
        }
        LimitOverrides {
            memory_bytes: least(self.memory_bytes, other.memory_bytes),
            time_limit_seconds: least(self.time_limit_seconds, other.time_limit_seconds),
            fuel: least(self.fuel, other.fuel),
            model_bytes: least(self.model_bytes, other.model_bytes),
            output_frame_bytes: least(self.output_frame_bytes, other.output_frame_bytes),
            output_bytes: least(self.output_bytes, other.output_bytes),
            log_lines: least(self.log_lines, other.log_lines),
            log_bytes: least(self.log_bytes, other.log_bytes),
        }
    }
}

/// Why overrides cannot apply.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    #[error("`{name}` must be positive")]
    NotPositive { name: &'static str },
    #[error("`{name}` of {asked} exceeds the service's limit of {ceiling}: a component may only tighten limits")]
    AboveCeiling { name: &'static str, asked: String, ceiling: String },
    #[error("`fuel` cannot be set: fuel metering is off on this service (start it with `--fuel`)")]
    FuelOff,
}

impl SandboxLimits {
    /// These limits tightened by a component's overrides.
    pub fn tightened(&self, overrides: &LimitOverrides) -> Result<SandboxLimits, LimitError> {
        let mut limits = *self;
        tighten("memory_bytes", overrides.memory_bytes, &mut limits.memory_bytes, bytes)?;
        tighten("model_bytes", overrides.model_bytes, &mut limits.model_bytes, bytes)?;
        tighten("output_frame_bytes", overrides.output_frame_bytes, &mut limits.output_frame_bytes, bytes)?;
        tighten("output_bytes", overrides.output_bytes, &mut limits.output_bytes, bytes)?;
        tighten("log_lines", overrides.log_lines, &mut limits.log_lines, |n| format!("{n} lines"))?;
        tighten("log_bytes", overrides.log_bytes, &mut limits.log_bytes, bytes)?;
        if let Some(seconds) = overrides.time_limit_seconds {
            let name = "time_limit_seconds";
            if !(seconds.is_finite() && seconds > 0.0) {
                return Err(LimitError::NotPositive { name });
            }
            if seconds > self.time_limit.as_secs_f64() {
                let ceiling = format!("{} s", self.time_limit.as_secs_f64());
                return Err(LimitError::AboveCeiling { name, asked: format!("{seconds} s"), ceiling });
            }
            limits.time_limit = Duration::from_secs_f64(seconds);
        }
        if let Some(fuel) = overrides.fuel {
            let Some(ceiling) = self.fuel else { return Err(LimitError::FuelOff) };
            let mut value = ceiling;
            tighten("fuel", Some(fuel), &mut value, |n| format!("{n} units"))?;
            limits.fuel = Some(value);
        }
        Ok(limits)
    }

    /// The limits as the API reports them.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "memory_bytes": self.memory_bytes,
            "time_limit_seconds": self.time_limit.as_secs_f64(),
            "fuel": self.fuel,
            "model_bytes": self.model_bytes,
            "output_frame_bytes": self.output_frame_bytes,
            "output_bytes": self.output_bytes,
            "log_lines": self.log_lines,
            "log_bytes": self.log_bytes,
        })
    }

    /// The most a guest may pass to the host in one copy (wasmtime's host-call fuel, which
    /// stops a copy before the host allocates for it): the call's own output limit (the
    /// model or the frame it returns), or a full stdout write, plus room for the rest of
    /// the result. Set from our limits so that ours are the ones that fire.
    pub(crate) fn transfer_budget(&self, output_limit: usize) -> usize {
        output_limit.max(self.output_bytes).saturating_add(TRANSFER_HEADROOM)
    }
}

/// What a call's transfer budget allows beyond its output limit (an error message, the
/// columns' names and bitmaps around a frame's values).
const TRANSFER_HEADROOM: usize = 1 << 20;

fn tighten<T: PartialOrd + Copy + Default + std::fmt::Display>(
    name: &'static str,
    asked: Option<T>,
    limit: &mut T,
    show: impl Fn(T) -> String,
) -> Result<(), LimitError> {
    let Some(asked) = asked else { return Ok(()) };
    if asked <= T::default() {
        return Err(LimitError::NotPositive { name });
    }
    if asked > *limit {
        return Err(LimitError::AboveCeiling { name, asked: show(asked), ceiling: show(*limit) });
    }
    *limit = asked;
    Ok(())
}

/// A byte count as people write limits: `64 MiB`, `512 KiB`, or `1000 bytes`.
pub fn bytes(count: usize) -> String {
    match count {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_only_tighten() {
        let service = SandboxLimits::default();
        let tight =
            LimitOverrides { memory_bytes: Some(64 << 20), time_limit_seconds: Some(2.5), ..Default::default() };
        let limits = service.tightened(&tight).unwrap();
        assert_eq!((limits.memory_bytes, limits.time_limit), (64 << 20, Duration::from_millis(2500)));
        let loose = LimitOverrides { memory_bytes: Some(1 << 30), ..Default::default() };
        assert_eq!(
            service.tightened(&loose).unwrap_err().to_string(),
            "`memory_bytes` of 1024 MiB exceeds the service's limit of 512 MiB: a component may only tighten limits"
        );
        let zero = LimitOverrides { log_lines: Some(0), ..Default::default() };
        assert_eq!(service.tightened(&zero).unwrap_err(), LimitError::NotPositive { name: "log_lines" });
    }

    #[test]
    fn fuel_overrides_need_metering() {
        let fuel = LimitOverrides { fuel: Some(1000), ..Default::default() };
        assert_eq!(SandboxLimits::default().tightened(&fuel).unwrap_err(), LimitError::FuelOff);
        let metered = SandboxLimits { fuel: Some(1 << 30), ..Default::default() };
        assert_eq!(metered.tightened(&fuel).unwrap().fuel, Some(1000));
    }

    #[test]
    fn byte_counts_read_like_limits() {
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(1536), "1536 bytes");
        assert_eq!(bytes(2048), "2 KiB");
        assert_eq!(bytes(1000), "1000 bytes");
    }
}
