//! Ids and timestamps in chapkit's formats: ULIDs; job times with microseconds and `Z`;
//! entity times naive to the second; ML metadata times with a `+00:00` offset.

use chrono::{SecondsFormat, Utc};

pub fn new_id() -> String {
    ulid::Ulid::generate().to_string()
}

pub fn is_ulid(text: &str) -> bool {
    text.len() == 26 && ulid::Ulid::from_string(text).is_ok()
}

/// `2026-11-28T00:37:50.092672Z`
pub fn job_time() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `2026-11-28T00:37:50`
pub fn entity_time() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `2026-11-28T00:37:50.099299+00:00`
pub fn metadata_time(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}
