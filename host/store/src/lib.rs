//! The store: every durable record (configs, artifacts, jobs) in one SQL database through
//! sqlx's `Any` driver, so SQLite (default; in memory or a file) and PostgreSQL share the
//! same queries (`$N` placeholders, portable types) and the same migrations.
//!
//! No HTTP and no JSON wire shapes here: rows in, rows out. Every job state change is one
//! statement or one transaction.

mod artifacts;
mod components;
mod compression;
mod configs;
mod idempotency;
mod input_parts;
mod jobs;
mod leases;
mod notifications;
mod pools;
mod precompiled;
mod retention;
mod url;
mod writer;

pub use artifacts::{ArtifactChangeError, ArtifactRow, LinkError, MAX_ARTIFACT_DEPTH};
pub use components::{ComponentDeletion, ComponentRow};
pub use configs::ConfigRow;
pub use idempotency::KeyedJob;
pub use jobs::{Claim, JobRow, JobStatus};
pub use leases::Rescued;
pub use notifications::Listener;
pub use retention::Swept;
pub use url::Backend;

use sqlx::AnyPool;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL `{0}`: use `:memory:`, a SQLite file path, `sqlite://…` or `postgres://…`")]
    UnsupportedUrl(String),
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// Reads (for a SQLite file: read-only connections; see `pools`).
    reader: AnyPool,
    /// Every statement that writes, and every transaction.
    writer: writer::Writer,
    backend: Backend,
    url: String,
}

impl Store {
    /// Opens (creating if needed) and migrates the database. `url` is `:memory:` (the
    /// default: lost on exit), a file path such as `ml.db`, a `sqlite://` URL, or a
    /// `postgres://` URL (several replicas may share that one).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let target = url::parse(url)?;
        let pools::Pools { reader, writer } = pools::Pools::open(&target).await?;
        MIGRATOR.run(&mut *writer.acquire().await?).await?;
        if target.backend == Backend::Postgres {
            compression::warn_unless_lz4(&mut *writer.acquire().await?).await;
        }
        let store = Self { reader, writer, backend: target.backend, url: target.url.clone() };
        if target.file {
            store.checkpoint_in_background();
        }
        Ok(store)
    }

    /// Copies the SQLite write-ahead log into the database file every second, off the
    /// request path (a large artifact would otherwise make its commit wait for the fsyncs
    /// of a checkpoint), and every 10 s truncates it: under steady load a passive
    /// checkpoint never finds a moment with no reader, so the log would only grow (by
    /// ~20 MB/s under a small-job soak, measured). Stops when the pool is closed.
    fn checkpoint_in_background(&self) {
        let pool = self.reader.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut ticks = 0u64;
            while !pool.is_closed() {
                every.tick().await;
                ticks += 1;
                let mode = if ticks.is_multiple_of(10) { "TRUNCATE" } else { "PASSIVE" };
                let checkpoint = sqlx::AssertSqlSafe(format!("PRAGMA wal_checkpoint({mode})"));
                if let Err(error) = sqlx::query(checkpoint).execute(&pool).await {
                    tracing::warn!(%error, mode, "WAL checkpoint failed");
                }
            }
        });
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The health check: a read, and whether writes can be made (a SQLite writer whose
    /// worker thread stopped is opened again here; see `writer`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        self.check_writer().await
    }

    /// Whether writes can be made; reopens a SQLite writer whose worker thread stopped (a
    /// pool, on PostgreSQL and `:memory:`, replaces broken connections itself).
    pub async fn check_writer(&self) -> Result<(), StoreError> {
        Ok(self.writer.check().await?)
    }
}

#[cfg(test)]
mod test_reads;
