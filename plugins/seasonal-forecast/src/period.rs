//! CHAP period strings: `YYYY-MM` (monthly), `YYYY-Wnn` or `YYYYWnn` (ISO weekly). The
//! forecaster only needs the season of the year and the length of the cycle.

use chapwasm_sdk::ModelError;
use serde::{Deserialize, Serialize};

/// Monthly or weekly data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cycle {
    Monthly,
    Weekly,
}

impl Cycle {
    /// Number of seasons in a year (weeks: 53 for long ISO years).
    pub fn seasons(self) -> usize {
        match self {
            Cycle::Monthly => 12,
            Cycle::Weekly => 53,
        }
    }
}

/// Parses a period into its cycle and 0-based season index.
pub fn season_of(period: &str) -> Result<(Cycle, usize), ModelError> {
    let bad = || {
        ModelError::invalid_data(format!(
            "time_period `{period}` is neither YYYY-MM nor YYYY-Wnn (e.g. 2023-01, 2022-W05)"
        ))
    };
    let year_ok = period.get(..4).is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()));
    if !year_ok {
        return Err(bad());
    }
    let rest = &period[4..];
    let (cycle, digits, max) = if let Some(week) = rest.strip_prefix("-W").or_else(|| rest.strip_prefix('W')) {
        (Cycle::Weekly, week, 53)
    } else if let Some(month) = rest.strip_prefix('-') {
        (Cycle::Monthly, month, 12)
    } else {
        return Err(bad());
    };
    let number: usize = digits.parse().map_err(|_| bad())?;
    if digits.len() != 2 || !(1..=max).contains(&number) {
        return Err(bad());
    }
    Ok((cycle, number - 1))
}
