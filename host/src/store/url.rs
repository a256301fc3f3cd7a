//! Turns the user's `--database-url` into a sqlx URL and pool shape.

use super::StoreError;

pub(super) struct Target {
    pub url: String,
    pub file: bool,
    pub max_connections: u32,
}

pub(super) fn parse(url: &str) -> Result<Target, StoreError> {
    if url == ":memory:" || url == "sqlite::memory:" {
        // One connection: every new connection to `:memory:` would be a new, empty database.
        return Ok(Target { url: "sqlite::memory:".into(), file: false, max_connections: 1 });
    }
    if url.contains("://") && !url.starts_with("sqlite://") {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    Ok(Target { url: format!("sqlite://{path}?mode=rwc"), file: true, max_connections: 8 })
}
