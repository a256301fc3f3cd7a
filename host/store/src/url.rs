//! Turns the user's `--database-url` into a sqlx URL, the backend, and a pool shape.

use super::StoreError;

/// Which database engine a store talks to; a few statements differ (claiming with
/// `SKIP LOCKED`, SQLite's pragmas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQL for SQLite's clock in milliseconds since the epoch (see [`Backend::now_ms`]); a
/// macro so that statements can be built from it at compile time.
macro_rules! sqlite_now_ms {
    () => {
        "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    };
}

/// SQL for PostgreSQL's clock in milliseconds since the epoch (see [`Backend::now_ms`]).
macro_rules! postgres_now_ms {
    () => {
        "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
    };
}

pub(super) use {postgres_now_ms, sqlite_now_ms};

impl Backend {
    /// SQL for the database's clock in milliseconds since the epoch: leases are judged by
    /// it, so replicas whose clocks disagree still agree on which leases expired.
    pub(super) fn now_ms(self) -> &'static str {
        match self {
            Backend::Sqlite => sqlite_now_ms!(),
            Backend::Postgres => postgres_now_ms!(),
        }
    }
}

pub(super) struct Target {
    pub url: String,
    pub backend: Backend,
    /// A SQLite file (not `:memory:`).
    pub file: bool,
    /// Connections of the pool that writes (for a SQLite file, its only writer).
    pub max_connections: u32,
}

pub(super) fn parse(url: &str) -> Result<Target, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target { url: url.to_owned(), backend: Backend::Postgres, file: false, max_connections: 8 });
    }
    if url == ":memory:" || url == "sqlite::memory:" {
        // One connection: every new connection to `:memory:` would be a new, empty database.
        let url = "sqlite::memory:".into();
        return Ok(Target { url, backend: Backend::Sqlite, file: false, max_connections: 1 });
    }
    if url.contains("://") && !url.starts_with("sqlite://") {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    // One writer; `pools.rs` adds the file's readers.
    Ok(Target { url: format!("sqlite://{path}?mode=rwc"), backend: Backend::Sqlite, file: true, max_connections: 1 })
}
