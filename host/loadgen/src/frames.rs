//! The workload's frames, as chapkit `DataFrame` JSON: five features `x1`..`x5` and the
//! target `disease_cases`, a linear function of them plus noise. Values come from a fixed
//! pseudo-random sequence, so every run and every server gets the same bytes. A
//! CHAP-shaped training frame also carries CHAP's identifier columns, `time_period` and
//! `location`, as text (weekly periods as chap-core sends them, `2000-W01`, over a
//! thousand locations), which both servers' models leave out of the features: real
//! frames have them, and text cells cost more to read and to hand to a model than
//! numbers.

use std::fmt::Write;

const FEATURES: [&str; 5] = ["x1", "x2", "x3", "x4", "x5"];

/// Locations of a CHAP-shaped frame; its rows are weeks × locations.
const LOCATIONS: usize = 1000;

/// A training frame of `rows` rows (features and `disease_cases`).
pub fn training_frame(rows: usize) -> String {
    frame(rows, true, false)
}

/// A future frame of `rows` rows (features only).
pub fn future_frame(rows: usize) -> String {
    frame(rows, false, false)
}

/// A training frame of `rows` rows led by `time_period` and `location` as text.
pub fn chap_training_frame(rows: usize) -> String {
    frame(rows, true, true)
}

fn frame(rows: usize, with_target: bool, with_identifiers: bool) -> String {
    let mut columns: Vec<&str> = Vec::new();
    if with_identifiers {
        columns.extend(["time_period", "location"]);
    }
    columns.extend(FEATURES);
    if with_target {
        columns.push("disease_cases");
    }
    let mut json = String::with_capacity(rows * 64 + 128);
    json.push_str("{\"columns\":");
    json.push_str(&serde_json::to_string(&columns).expect("strings serialise"));
    json.push_str(",\"data\":[");
    let mut random = Sequence(0x5eed);
    for row in 0..rows {
        if row > 0 {
            json.push(',');
        }
        json.push('[');
        if with_identifiers {
            let week = row / LOCATIONS;
            write!(json, "\"{}-W{:02}\",\"loc{:04}\",", 2000 + week / 52, week % 52 + 1, row % LOCATIONS)
                .expect("writing to a string");
        }
        let mut target = 10.0;
        for (i, _) in FEATURES.iter().enumerate() {
            let value = (random.next() * 1000.0).round() / 100.0;
            target += value * (i as f64 + 1.0);
            write!(json, "{value},").expect("writing to a string");
        }
        if with_target {
            let noisy = (target + random.next() * 4.0).round();
            write!(json, "{noisy},").expect("writing to a string");
        }
        json.pop();
        json.push(']');
    }
    json.push_str("]}");
    json
}

/// xorshift64*: small, fast and the same everywhere; floats in [0, 1).
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn frames_are_chapkit_data_frames_of_the_asked_size() {
        let train: Value = serde_json::from_str(&training_frame(1000)).unwrap();
        assert_eq!(train["columns"], serde_json::json!(["x1", "x2", "x3", "x4", "x5", "disease_cases"]));
        let rows = train["data"].as_array().unwrap();
        assert_eq!(rows.len(), 1000);
        assert!(rows.iter().all(|row| row.as_array().unwrap().len() == 6));
        let future: Value = serde_json::from_str(&future_frame(3)).unwrap();
        assert_eq!(future["data"].as_array().unwrap()[0].as_array().unwrap().len(), 5);
    }

    #[test]
    fn a_chap_shaped_frame_leads_with_periods_and_locations_as_text() {
        let train: Value = serde_json::from_str(&chap_training_frame(2001)).unwrap();
        let columns = ["time_period", "location", "x1", "x2", "x3", "x4", "x5", "disease_cases"];
        assert_eq!(train["columns"], serde_json::json!(columns));
        let rows = train["data"].as_array().unwrap();
        assert_eq!(rows.len(), 2001);
        assert_eq!(rows[0][0], "2000-W01");
        assert_eq!(rows[0][1], "loc0000");
        assert_eq!(rows[1999][1], "loc0999");
        assert_eq!((&rows[2000][0], &rows[2000][1]), (&Value::from("2000-W03"), &Value::from("loc0000")));
        assert!(rows.iter().all(|row| row.as_array().unwrap().len() == 8 && row[2].is_number()));
    }

    #[test]
    fn frames_are_deterministic() {
        assert_eq!(training_frame(50), training_frame(50));
        assert_ne!(training_frame(2), "{\"columns\":[],\"data\":[]}");
    }
}
