//! `MemoryWatch`: the server's memory across a run — idle, each phase's own peak (the
//! process's peak is reset when a phase starts), and the peak over the whole run (the
//! largest of the peaks seen before each reset).

use super::rss::{Memory, read_memory, reset_peak};

pub struct MemoryWatch {
    pid: Option<u32>,
    /// The largest peak read before a reset, in KiB.
    run_peak_kib: u64,
    /// Whether the last reset was allowed (else a "phase peak" would be the run's).
    phase_started: bool,
}

impl MemoryWatch {
    pub fn new(pid: Option<u32>) -> Self {
        Self { pid, run_peak_kib: 0, phase_started: false }
    }

    /// The memory now (`None` without a pid, or when it cannot be read).
    pub fn now(&mut self) -> Option<Memory> {
        let memory = read_memory(self.pid?)?;
        self.run_peak_kib = self.run_peak_kib.max(memory.peak_kib);
        Some(memory)
    }

    /// Starts a phase: the process's peak restarts from its present resident set.
    pub fn start_phase(&mut self) {
        self.now();
        self.phase_started = self.pid.is_some_and(reset_peak);
    }

    /// The peak since the phase started, in MiB (`None` if it could not be reset).
    pub fn phase_peak_mib(&mut self) -> Option<f64> {
        let memory = self.now()?;
        self.phase_started.then(|| mib(memory.peak_kib))
    }

    /// The peak over the whole run so far, in MiB.
    pub fn run_peak_mib(&mut self) -> Option<f64> {
        self.now()?;
        Some(mib(self.run_peak_kib))
    }
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_phase_peak_and_a_run_peak() {
        let mut watch = MemoryWatch::new(Some(std::process::id()));
        let before = watch.run_peak_mib().expect("linux /proc");
        watch.start_phase();
        let held = std::hint::black_box(vec![1u8; 64 << 20]);
        let phase = watch.phase_peak_mib().expect("own process: the peak can be reset");
        assert!(phase >= 64.0, "{phase} MiB while holding 64 MiB");
        drop(held);
        // A new phase starts from what is resident now, below the 64 MiB just freed.
        watch.start_phase();
        let next = watch.phase_peak_mib().unwrap();
        assert!(next < phase, "the second phase's peak {next} MiB is its own, not the first's {phase} MiB");
        assert!(watch.run_peak_mib().unwrap() >= before.max(phase));
    }

    #[test]
    fn without_a_pid_nothing_is_reported() {
        let mut watch = MemoryWatch::new(None);
        watch.start_phase();
        assert_eq!((watch.phase_peak_mib(), watch.run_peak_mib()), (None, None));
    }
}
