//! The performance goals the project set against upstream chapkit (issue 16), by figure:
//! `compare --goals` prints each one's ratio beside its goal, so one run of
//! `scripts/bench-vs-chapkit.sh` says which are met.

use super::report::Comparison;
use std::fmt::Write;

/// A goal: the figure `key` must be at least `times` better than the baseline's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub key: &'static str,
    pub times: f64,
}

pub const GOALS: &[Goal] = &[
    Goal { key: "train_accept_above_floor_1000", times: 10.0 },
    Goal { key: "train_e2e_poll_1000", times: 10.0 },
    Goal { key: "predict_e2e_poll_1000", times: 15.0 },
    Goal { key: "train_e2e_poll_100000", times: 20.0 },
    Goal { key: "predict_e2e_poll_100000", times: 20.0 },
    Goal { key: "burst_jobs_per_second", times: 200.0 },
    Goal { key: "idle_rss", times: 10.0 },
    Goal { key: "peak_rss", times: 3.0 },
];

/// The figures that have a goal, in the goals' order: both servers' values, the ratio,
/// the goal and whether it is met.
pub fn goals_table(rows: &[Comparison], baseline: &str, candidate: &str) -> String {
    let mut out = format!("| figure | {baseline} | {candidate} | ratio | goal | |\n|---|---:|---:|---:|---:|---|\n");
    for goal in GOALS {
        let Some(row) = rows.iter().find(|row| row.key == goal.key) else {
            let _ = writeln!(out, "| {} | — | — | — | ≥ {}× | not measured |", goal.key, goal.times);
            continue;
        };
        let value = |label: &str| {
            row.values
                .iter()
                .find(|(l, _)| l == label)
                .and_then(|(_, v)| *v)
                .map_or("—".to_owned(), |v| format!("{} {}", super::report::round(v), row.unit))
        };
        let (ratio, verdict) = match row.ratio {
            Some(ratio) => {
                (format!("{}×", super::report::round(ratio)), if ratio >= goal.times { "met" } else { "missed" })
            }
            None => ("—".to_owned(), "not measured"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {ratio} | ≥ {}× | {verdict} |",
            row.title,
            value(baseline),
            value(candidate),
            goal.times
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, ratio: Option<f64>) -> Comparison {
        Comparison {
            key: key.into(),
            title: key.into(),
            unit: "ms".into(),
            values: vec![("chapkit".into(), Some(10.0)), ("chapwasm".into(), Some(1.0))],
            ratio,
        }
    }

    #[test]
    fn each_goal_is_met_missed_or_not_measured() {
        let rows = [row("idle_rss", Some(12.0)), row("peak_rss", Some(2.0)), row("not_a_goal", Some(1.0))];
        let table = goals_table(&rows, "chapkit", "chapwasm");
        assert!(table.contains("| idle_rss | 10.0 ms | 1.00 ms | 12.0× | ≥ 10× | met |"), "{table}");
        assert!(table.contains("| peak_rss | 10.0 ms | 1.00 ms | 2.00× | ≥ 3× | missed |"), "{table}");
        assert!(!table.contains("not_a_goal"), "{table}");
        let unmeasured = goals_table(&[row("burst_jobs_per_second", None)], "chapkit", "chapwasm");
        assert!(unmeasured.contains("| — | ≥ 200× | not measured |"), "{unmeasured}");
        assert!(unmeasured.contains("| idle_rss | — | — | — | ≥ 10× | not measured |"), "absent: {unmeasured}");
    }
}
