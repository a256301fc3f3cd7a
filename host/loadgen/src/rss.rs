//! A server's memory, read from `/proc/<pid>/status`: resident set now (`VmRSS`) and its
//! peak (`VmHWM`) since the process started or since the peak was last reset (writing `5`
//! to `/proc/<pid>/clear_refs`, which Linux allows for one's own processes), so that a
//! phase's own peak can be read.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

/// Parses the `VmRSS` and `VmHWM` lines of a `/proc/<pid>/status` text.
pub fn parse_status(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
        })
    };
    Some(Memory { rss_kib: field("VmRSS")?, peak_kib: field("VmHWM")? })
}

/// The memory of process `pid`, or `None` if it cannot be read (gone, other OS).
pub fn read_memory(pid: u32) -> Option<Memory> {
    parse_status(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Resets the peak of process `pid` to its present resident set; false if not allowed.
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_peak_from_a_status_file() {
        let status = "Name:\tchapwasm\nVmPeak:\t  999 kB\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\nThreads:\t4\n";
        assert_eq!(parse_status(status), Some(Memory { rss_kib: 20480, peak_kib: 40960 }));
    }

    #[test]
    fn a_status_without_memory_lines_is_none() {
        assert_eq!(parse_status("Name:\tkthreadd\nState:\tS (sleeping)\n"), None);
        assert_eq!(parse_status("VmRSS:\tlots kB\nVmHWM:\t1 kB\n"), None);
    }

    #[test]
    fn this_process_has_memory() {
        let memory = read_memory(std::process::id()).expect("linux /proc");
        assert!(memory.rss_kib > 0 && memory.peak_kib >= memory.rss_kib);
    }
}
