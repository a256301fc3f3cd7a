//! Summaries of repeated measurements: the median is the figure we report, with the
//! spread (min, p10, p90, max) beside it, so a noisy run shows itself.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub min: f64,
    pub p10: f64,
    pub p90: f64,
    pub max: f64,
}

impl Summary {
    /// The summary of `samples` (non-finite values are dropped); `None` when none are left.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            n: sorted.len(),
            median: quantile(&sorted, 0.5),
            min: sorted[0],
            p10: quantile(&sorted, 0.1),
            p90: quantile(&sorted, 0.9),
            max: sorted[sorted.len() - 1],
        })
    }
}

/// Linear interpolation between the closest ranks of sorted, non-empty data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(Summary::of(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap().median, 2.5);
    }

    #[test]
    fn spread_is_reported_and_non_finite_samples_are_dropped() {
        let samples: Vec<f64> = (1..=11).map(f64::from).chain([f64::NAN]).collect();
        let summary = Summary::of(&samples).unwrap();
        assert_eq!((summary.n, summary.min, summary.max), (11, 1.0, 11.0));
        assert_eq!((summary.p10, summary.median, summary.p90), (2.0, 6.0, 10.0));
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[f64::INFINITY]), None);
    }

    #[test]
    fn a_single_sample_is_every_quantile() {
        let summary = Summary::of(&[7.5]).unwrap();
        assert_eq!((summary.min, summary.p10, summary.median, summary.p90, summary.max), (7.5, 7.5, 7.5, 7.5, 7.5));
    }
}
