//! The trained model: per location, the mean of `ln(1 + cases)` per season and the
//! standard deviation of the residuals around it.

use crate::period::{Cycle, season_of};
use chapwasm_sdk::ModelError;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Smallest residual spread, so a perfectly regular series still yields a distribution.
const MIN_SPREAD: f64 = 0.05;

#[derive(Serialize, Deserialize)]
struct LocationProfile {
    /// Mean log-count per season; `None` for a season never observed.
    season_means: Vec<Option<f64>>,
    overall_mean: f64,
    spread: f64,
}

#[derive(Serialize, Deserialize)]
pub struct SeasonalProfiles {
    cycle: Cycle,
    locations: BTreeMap<String, LocationProfile>,
    /// Used for a location that was not in the training data.
    fallback: LocationProfile,
}

/// A log-normal draw around a level, clamped at zero cases.
pub struct LogNormal {
    mean: f64,
    spread: f64,
}

impl LogNormal {
    pub fn draw(&self, rng: &mut impl Rng) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        ((self.mean + self.spread * z).exp() - 1.0).max(0.0)
    }
}

impl SeasonalProfiles {
    pub fn fit(
        locations: &[Option<&str>],
        periods: &[Option<&str>],
        cases: &[Option<f64>],
    ) -> Result<Self, ModelError> {
        let mut cycle = None;
        let mut by_location: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
        for row in 0..cases.len() {
            let (Some(location), Some(period), Some(count)) = (locations[row], periods[row], cases[row]) else {
                continue; // a null anywhere: the row carries no observation
            };
            let (row_cycle, season) = season_of(period)?;
            if *cycle.get_or_insert(row_cycle) != row_cycle {
                return Err(ModelError::invalid_data("time_period mixes monthly and weekly periods"));
            }
            by_location.entry(location.to_owned()).or_default().push((season, count.max(0.0).ln_1p()));
        }
        let cycle =
            cycle.ok_or_else(|| ModelError::invalid_data("no row has location, time_period and disease_cases"))?;
        let all: Vec<(usize, f64)> = by_location.values().flatten().copied().collect();
        let fallback = LocationProfile::fit(&all, cycle.seasons());
        let locations =
            by_location.into_iter().map(|(k, obs)| (k, LocationProfile::fit(&obs, cycle.seasons()))).collect();
        Ok(Self { cycle, locations, fallback })
    }

    pub fn location_count(&self) -> usize {
        self.locations.len()
    }

    /// The distribution of cases at `location` in `period`.
    pub fn distribution(&self, location: &str, period: &str) -> Result<LogNormal, ModelError> {
        let (cycle, season) = season_of(period)?;
        if cycle != self.cycle {
            return Err(ModelError::invalid_data(format!(
                "time_period `{period}` is {cycle:?} but the model was trained on {:?} data",
                self.cycle
            )));
        }
        let profile = self.locations.get(location).unwrap_or(&self.fallback);
        let mean = profile.season_means[season].unwrap_or(profile.overall_mean);
        Ok(LogNormal { mean, spread: profile.spread })
    }
}

impl LocationProfile {
    fn fit(observations: &[(usize, f64)], seasons: usize) -> Self {
        let mut sums = vec![(0.0, 0usize); seasons];
        for &(season, value) in observations {
            sums[season].0 += value;
            sums[season].1 += 1;
        }
        let season_means: Vec<Option<f64>> = sums.iter().map(|&(sum, n)| (n > 0).then(|| sum / n as f64)).collect();
        let n = observations.len().max(1) as f64;
        let overall_mean = observations.iter().map(|o| o.1).sum::<f64>() / n;
        let variance = observations
            .iter()
            .map(|&(season, value)| (value - season_means[season].unwrap_or(overall_mean)).powi(2))
            .sum::<f64>()
            / n;
        Self { season_means, overall_mean, spread: variance.sqrt().max(MIN_SPREAD) }
    }
}
