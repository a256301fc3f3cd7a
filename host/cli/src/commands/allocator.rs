//! How the server's allocator gives memory back. glibc's malloc, left to its defaults,
//! keeps what a burst of large jobs freed: it raises its mmap threshold after each large
//! free (so the next frame-sized buffers land in its heaps, which it rarely shrinks) and
//! opens up to eight arenas per core, each holding its own freed memory. Measured on
//! 2026-12-01 (2 cores, four concurrent 100k-row predicts, `chapwasm-bench`): 362 MiB peak
//! and 273 MiB still resident 2 s later with the defaults; with the threshold fixed at
//! 128 KiB and one arena per core, 152–158 MiB peak and 40–44 MiB after. The price is a
//! fresh mapping (and its page faults) for every large buffer; mimalloc, tried the same
//! day, kept more (461 MiB peak, 344–419 MiB after) and was no faster.

/// Buffers of at least this size are mapped on their own and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: i32 = 128 << 10;

/// Sets the allocator up for a long-running server (glibc only; elsewhere nothing). An
/// operator's own malloc settings (`MALLOC_*` variables, `GLIBC_TUNABLES`) win.
pub fn return_memory_eagerly() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if tuned_by_operator() {
            return;
        }
        let arenas = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
        let arenas = i32::try_from(arenas).unwrap_or(i32::MAX);
        // SAFETY: mallopt only changes malloc's tunables; it is called before `serve`
        // starts its runtime, while this is the process's only thread.
        let set = unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
                && libc::mallopt(libc::M_ARENA_MAX, arenas) == 1
        };
        if !set {
            eprintln!("warning: glibc refused the server's malloc settings; running with its defaults");
        }
    }
}

/// Whether the operator set malloc's tunables (`MALLOC_*` variables, `GLIBC_TUNABLES`):
/// then the server leaves malloc alone, trimming included.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
pub(super) fn tuned_by_operator() -> bool {
    std::env::vars_os().any(|(name, _)| is_malloc_tunable(&name.to_string_lossy()))
}

/// glibc reads `GLIBC_TUNABLES` and `MALLOC_*` variables, some with a trailing underscore
/// (`MALLOC_TRIM_THRESHOLD_`), some without (`MALLOC_ARENA_MAX`).
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
fn is_malloc_tunable(name: &str) -> bool {
    name == "GLIBC_TUNABLES" || name.starts_with("MALLOC_")
}

#[cfg(test)]
mod tests {
    use super::is_malloc_tunable;

    #[test]
    fn every_spelling_of_a_malloc_tunable_is_the_operators() {
        for name in
            ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_ARENA_TEST", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"]
        {
            assert!(is_malloc_tunable(name), "{name}");
        }
        for name in ["PATH", "RUST_LOG", "CHAPWASM_MALLOC"] {
            assert!(!is_malloc_tunable(name), "{name}");
        }
    }
}
