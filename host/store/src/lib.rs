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
mod connection;
mod idempotency;
mod input_parts;
mod job_end;
mod job_insert;
mod jobs;
mod leases;
mod notifications;
mod pools;
mod precompiled;
mod readers;
mod retention;
mod url;
mod writer;

pub use artifacts::{ArtifactChangeError, ArtifactRow, LinkError, MAX_ARTIFACT_DEPTH};
pub use components::{ComponentDeletion, ComponentRow};
pub use configs::ConfigRow;
pub use idempotency::KeyedJob;
pub use job_insert::Claim;
pub use jobs::{JobRow, JobStatus};
pub use leases::Rescued;
pub use notifications::Listener;
pub use retention::Swept;
pub use url::Backend;

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
    /// Reads (for a SQLite file: read-only connections; see `readers`).
    reader: readers::Reader,
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
    /// ~20 MB/s under a small-job soak, measured). Every 10 s it also checks the readers
    /// (see `readers`). Stops when the store is dropped.
    fn checkpoint_in_background(&self) {
        let readers::Reader::Set(readers) = &self.reader else { return };
        let readers = std::sync::Arc::downgrade(readers);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut ticks = 0u64;
            loop {
                every.tick().await;
                let Some(readers) = readers.upgrade() else { return };
                ticks += 1;
                let mode = if ticks.is_multiple_of(10) { "TRUNCATE" } else { "PASSIVE" };
                let checkpoint = sqlx::AssertSqlSafe(format!("PRAGMA wal_checkpoint({mode})"));
                let done = match readers.acquire().await {
                    Ok(mut reader) => sqlx::query(checkpoint).execute(&mut *reader).await.map(drop),
                    Err(error) => Err(error),
                };
                if let Err(error) = done {
                    tracing::warn!(%error, mode, "WAL checkpoint failed");
                }
                // A reader whose thread stopped is otherwise found by the health check only.
                if ticks.is_multiple_of(10)
                    && let Err(error) = readers.check().await
                {
                    tracing::warn!(%error, "cannot open a SQLite reader again");
                }
            }
        });
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Gives back the pages SQLite's writer keeps cached (on PostgreSQL, nothing): for the
    /// end of a start, whose migrations and registration wrote pages no request needs,
    /// and an idle server would otherwise keep (~0.3–1.3 MB, measured with heaptrack).
    pub async fn release_cache(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA shrink_memory").execute(&mut *self.writer.acquire().await?).await?;
        }
        Ok(())
    }

    /// The health check: whether reads and writes can be made, after `check_connections`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.check_connections().await?;
        sqlx::query("SELECT 1").execute(&mut *self.reader.acquire().await?).await?;
        Ok(())
    }

    /// Opens again a SQLite writer or reader whose worker thread stopped (a pool, on
    /// PostgreSQL and `:memory:`, replaces broken connections itself): the writer first,
    /// and the readers whatever the writer's outcome.
    pub async fn check_connections(&self) -> Result<(), StoreError> {
        let writer = self.writer.check().await;
        let readers = self.reader.check().await;
        Ok(writer.and(readers)?)
    }
}

#[cfg(test)]
mod test_reads;
