//! `CallLimiter`: what one call's instances may allocate, counted together. wasmtime's
//! `StoreLimits` bounds each linear memory on its own, so a component with several
//! memories (multi-memory is on, and toolchains emit several core modules) could hold a
//! multiple of the limit; here every memory's growth, initial size included, is added to
//! one total, and so is every table's.
//!
//! A refusal is a trap carrying our own `RuntimeError`, so the call reports the limit by
//! name without parsing wasmtime's messages.

use super::error::RuntimeError;
use wasmtime::ResourceLimiter;

/// Most core instances, linear memories and tables one call may create. Generous for
/// what toolchains emit (a Rust component has a handful of core instances; bundled
/// interpreters a few dozen), small enough that the address space wasmtime reserves per
/// memory stays bounded.
pub const MAX_INSTANCES: usize = 1000;
pub const MAX_MEMORIES: usize = 100;
pub const MAX_TABLES: usize = 1000;
/// Most table elements (function references) one call may hold, over all its tables.
pub const MAX_TABLE_ELEMENTS: usize = 10 << 20;

pub(crate) struct CallLimiter {
    memory_limit: usize,
    memory_in_use: usize,
    table_elements: usize,
}

impl CallLimiter {
    pub(crate) fn new(memory_limit: usize) -> Self {
        Self { memory_limit, memory_in_use: 0, table_elements: 0 }
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = (self.memory_in_use - current.min(self.memory_in_use)).saturating_add(desired);
        if total > self.memory_limit {
            return Err(wasmtime::Error::new(RuntimeError::MemoryLimit { limit: self.memory_limit }));
        }
        self.memory_in_use = total;
        Ok(true)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = (self.table_elements - current.min(self.table_elements)).saturating_add(desired);
        if total > MAX_TABLE_ELEMENTS {
            return Err(wasmtime::Error::new(RuntimeError::Sandbox(format!(
                "table limit of {MAX_TABLE_ELEMENTS} elements exceeded"
            ))));
        }
        self.table_elements = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_count_against_one_total() {
        let mut limiter = CallLimiter::new(100);
        assert!(limiter.memory_growing(0, 60, None).unwrap());
        assert!(limiter.memory_growing(60, 70, None).unwrap(), "the first memory grows by 10");
        let refused = limiter.memory_growing(0, 40, None).unwrap_err();
        assert!(matches!(refused.downcast_ref::<RuntimeError>(), Some(RuntimeError::MemoryLimit { limit: 100 })));
        assert!(limiter.memory_growing(0, 30, None).unwrap(), "a second memory fits in what is left");
    }
}
