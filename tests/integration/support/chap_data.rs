//! The synthetic CHAP data set of `reference/chap-core-client.md` §3, deterministic per
//! seed: `locations` × `periods` consecutive months from 2021-01, long format, with the
//! extra `parent` column chap-core adds and `population` as an integer.

use chapwasm_sdk::{Column, DataFrame, Values};

/// Small deterministic generator (SplitMix64) so test data needs no extra crate.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self, sd: f64) -> f64 {
        let (u1, u2) = (self.next_f64().max(1e-12), self.next_f64());
        sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn poisson(&mut self, lambda: f64) -> i64 {
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.next_f64();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
}

pub fn month(index: usize) -> String {
    format!("{}-{:02}", 2021 + index / 12, index % 12 + 1)
}

/// Training-shaped data: every column, `disease_cases` included.
pub fn dataset(locations: usize, periods: usize, seed: u64) -> DataFrame {
    let mut rng = SplitMix(seed);
    let (mut time, mut location, mut rain, mut temp, mut cases, mut pop, mut parent) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for l in 0..locations {
        let population = 50_000 * (l as i64 + 1) + (rng.next_f64() * 5000.0) as i64;
        let mut previous_rain = 120.0;
        for t in 0..periods {
            let angle = 2.0 * std::f64::consts::PI * t as f64 / 12.0;
            let rainfall = (120.0 + 80.0 * (angle + 0.3 * l as f64).sin() + rng.normal(15.0)).max(0.0);
            let lambda = (5.0 + 5.0 * l as f64) * (1.0 + previous_rain / 200.0) * population as f64 / 1e5;
            time.push(month(t));
            location.push(format!("loc_{}", l + 1));
            rain.push(rainfall);
            temp.push(25.0 + 3.0 * (angle - 0.5).sin() + rng.normal(0.5));
            cases.push(rng.poisson(lambda));
            pop.push(population);
            parent.push("-".to_owned());
            previous_rain = rainfall;
        }
    }
    DataFrame::from_columns(vec![
        Column::str("time_period", time),
        Column::f64("rainfall", rain),
        Column::f64("mean_temperature", temp),
        Column::new("disease_cases", Values::I64(cases)),
        Column::i64("population", pop),
        Column::str("parent", parent),
        Column::str("location", location),
    ])
    .unwrap()
}

/// Splits a data set into (training rows, future rows without `disease_cases`): the last
/// `horizon` periods of every location are the future.
pub fn split(frame: &DataFrame, horizon: usize) -> (DataFrame, DataFrame) {
    let periods = frame.str_column("time_period").unwrap();
    let mut sorted: Vec<&str> = periods.iter().map(|p| p.unwrap()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let cutoff = sorted[sorted.len() - horizon];
    let is_future: Vec<bool> = periods.iter().map(|p| p.unwrap() >= cutoff).collect();
    let (train, mut future) = (take(frame, &is_future, false), take(frame, &is_future, true));
    future.remove_column("disease_cases");
    (train, future)
}

fn take(frame: &DataFrame, mask: &[bool], keep: bool) -> DataFrame {
    let rows: Vec<usize> = (0..frame.num_rows()).filter(|&r| mask[r] == keep).collect();
    let columns = frame
        .columns()
        .iter()
        .map(|c| {
            let values = match c.values() {
                Values::F64(v) => Values::F64(rows.iter().map(|&r| v[r]).collect()),
                Values::I64(v) => Values::I64(rows.iter().map(|&r| v[r]).collect()),
                Values::Str(v) => Values::Str(rows.iter().map(|&r| v[r].clone()).collect()),
                Values::Bool(v) => Values::Bool(rows.iter().map(|&r| v[r]).collect()),
            };
            let validity = rows.iter().map(|&r| !c.is_null(r)).collect();
            Column::with_validity(c.name(), values, validity).unwrap()
        })
        .collect();
    DataFrame::from_columns(columns).unwrap()
}
