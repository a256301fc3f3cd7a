//! Reports: named figures with their summaries, printed as a table or written as JSON;
//! `compare` lines up reports of several servers and gives each figure's ratio against a
//! baseline (how many times better: faster, more per second, less memory).

use super::client::{JobEnd, TimedJob};
use super::plan::Plan;
use super::stats::Summary;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Lower,
    Higher,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub key: String,
    pub title: String,
    pub unit: String,
    pub better: Better,
    pub summary: Option<Summary>,
}

impl Figure {
    pub fn new(key: &str, title: &str, unit: &str, better: Better, samples: &[f64]) -> Self {
        Self { key: key.into(), title: title.into(), unit: unit.into(), better, summary: Summary::of(samples) }
    }

    /// A duration figure, reported in milliseconds.
    pub fn seconds(key: String, title: String, samples: Vec<f64>) -> Self {
        let millis: Vec<f64> = samples.iter().map(|s| s * 1000.0).collect();
        Self::new(&key, &title, "ms", Better::Lower, &millis)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub label: String,
    pub plan: Plan,
    pub figures: Vec<Figure>,
    /// Jobs that did not complete (their errors, first few kept).
    pub failed_jobs: usize,
    pub errors: Vec<String>,
}

impl Report {
    pub fn new(label: &str, plan: Plan) -> Self {
        Self { label: label.into(), plan, figures: Vec::new(), failed_jobs: 0, errors: Vec::new() }
    }

    pub fn add(&mut self, figure: Figure) {
        self.figures.push(figure);
    }

    /// Counts a job that did not complete.
    pub fn check(&mut self, job: &TimedJob) {
        self.check_end(&job.end);
    }

    /// Counts a job that did not complete, from how it ended.
    pub fn check_end(&mut self, end: &JobEnd) {
        if end.status != "completed" {
            self.failed_jobs += 1;
            if self.errors.len() < 5 {
                self.errors.push(format!("{}: {}", end.status, end.error.as_deref().unwrap_or("")));
            }
        }
    }

    /// The report as a table.
    pub fn table(&self) -> String {
        let mut out = format!("{}\n", self.label);
        let _ = writeln!(out, "| figure | median | p10 | p90 | n |\n|---|---:|---:|---:|---:|");
        for figure in &self.figures {
            let cell = |value: Option<f64>| value.map_or("—".to_owned(), |v| format!("{} {}", round(v), figure.unit));
            let s = figure.summary;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                figure.title,
                cell(s.map(|s| s.median)),
                cell(s.map(|s| s.p10)),
                cell(s.map(|s| s.p90)),
                s.map_or(0, |s| s.n)
            );
        }
        if self.failed_jobs > 0 {
            let _ = writeln!(out, "\n{} job(s) did not complete: {}", self.failed_jobs, self.errors.join("; "));
        }
        out
    }
}

/// One figure across servers: the median over each server's reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub key: String,
    pub title: String,
    pub unit: String,
    /// (label, median of the reports' medians) in the order the labels first appear.
    pub values: Vec<(String, Option<f64>)>,
    /// How many times better the last label is than the baseline.
    pub ratio: Option<f64>,
}

/// Lines up `reports` (several runs per label allowed) figure by figure; ratios compare
/// each figure of `candidate` against `baseline`.
pub fn compare(reports: &[Report], baseline: &str, candidate: &str) -> Vec<Comparison> {
    let mut labels: Vec<&str> = Vec::new();
    for report in reports {
        if !labels.contains(&report.label.as_str()) {
            labels.push(&report.label);
        }
    }
    let Some(first) = reports.first() else { return Vec::new() };
    first
        .figures
        .iter()
        .map(|figure| {
            let median_of = |label: &str| {
                let medians: Vec<f64> = reports
                    .iter()
                    .filter(|r| r.label == label)
                    .flat_map(|r| r.figures.iter().filter(|f| f.key == figure.key))
                    .filter_map(|f| f.summary.map(|s| s.median))
                    .collect();
                Summary::of(&medians).map(|s| s.median)
            };
            let ratio = match (median_of(baseline), median_of(candidate)) {
                (Some(base), Some(ours)) if base > 0.0 && ours > 0.0 => Some(match figure.better {
                    Better::Lower => base / ours,
                    Better::Higher => ours / base,
                }),
                _ => None,
            };
            Comparison {
                key: figure.key.clone(),
                title: figure.title.clone(),
                unit: figure.unit.clone(),
                values: labels.iter().map(|label| (label.to_string(), median_of(label))).collect(),
                ratio,
            }
        })
        .collect()
}

/// The comparison as a table, the ratio last ("×" = times better than the baseline).
pub fn comparison_table(rows: &[Comparison], baseline: &str, candidate: &str) -> String {
    let Some(first) = rows.first() else { return String::new() };
    let labels: Vec<&str> = first.values.iter().map(|(label, _)| label.as_str()).collect();
    let mut out = format!("| figure | {} | {candidate} vs {baseline} |\n", labels.join(" | "));
    let _ = writeln!(out, "|---|{}---:|", "---:|".repeat(labels.len()));
    for row in rows {
        let values: Vec<String> =
            row.values.iter().map(|(_, v)| v.map_or("—".into(), |v| format!("{} {}", round(v), row.unit))).collect();
        let ratio = row.ratio.map_or("—".into(), |r| format!("{}×", round(r)));
        let _ = writeln!(out, "| {} | {} | {ratio} |", row.title, values.join(" | "));
    }
    out
}

/// Three significant digits, without trailing noise.
pub(crate) fn round(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let digits = (2 - value.abs().log10().floor() as i32).max(0) as usize;
    format!("{value:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(label: &str, accept_ms: f64, pairs: f64) -> Report {
        let mut report = Report::new(label, Plan::default());
        report.add(Figure::new("accept", "202", "ms", Better::Lower, &[accept_ms, accept_ms * 3.0, accept_ms / 3.0]));
        report.add(Figure::new("pairs", "pairs/s", "1/s", Better::Higher, &[pairs]));
        report
    }

    #[test]
    fn ratios_say_how_many_times_better_the_candidate_is() {
        let reports = [report("chapkit", 5.0, 20.0), report("chapwasm", 0.5, 1000.0), report("chapkit", 7.0, 10.0)];
        let rows = compare(&reports, "chapkit", "chapwasm");
        assert_eq!(rows[0].values, vec![("chapkit".to_owned(), Some(6.0)), ("chapwasm".to_owned(), Some(0.5))]);
        assert_eq!(rows[0].ratio, Some(12.0), "lower is better: baseline / candidate");
        assert_eq!(rows[1].ratio, Some(1000.0 / 15.0), "higher is better: candidate / baseline");
        let table = comparison_table(&rows, "chapkit", "chapwasm");
        assert!(table.contains("| 202 | 6.00 ms | 0.500 ms | 12.0× |"), "{table}");
    }

    #[test]
    fn a_figure_missing_on_one_side_has_no_ratio() {
        let mut partial = report("chapwasm", 1.0, 1.0);
        partial.figures[1].summary = None;
        let rows = compare(&[report("chapkit", 1.0, 1.0), partial], "chapkit", "chapwasm");
        assert_eq!(rows[1].ratio, None);
    }

    #[test]
    fn rounding_keeps_three_significant_digits() {
        assert_eq!(round(1234.4), "1234");
        assert_eq!(round(12.345), "12.3");
        assert_eq!(round(0.012345), "0.0123");
    }

    #[test]
    fn reports_round_trip_through_json() {
        let original = report("chapwasm", 2.0, 3.0);
        let back: Report = serde_json::from_str(&serde_json::to_string(&original).unwrap()).unwrap();
        assert_eq!(back.figures, original.figures);
        assert!(original.table().contains("| 202 | 2.00 ms | 0.933 ms | 5.20 ms | 3 |"), "{}", original.table());
    }
}
