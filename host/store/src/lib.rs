//! The store: every durable record (configs, artifacts, jobs) in one SQL database through
//! sqlx's `Any` driver, so SQLite (default; in memory or a file) and PostgreSQL share the
//! same queries (`$N` placeholders, portable types) and the same migrations.
//!
//! No HTTP and no JSON wire shapes here: rows in, rows out. Every job state change is one
//! statement or one transaction.

mod artifacts;
mod components;
mod configs;
mod idempotency;
mod jobs;
mod leases;
mod notifications;
mod precompiled;
mod retention;
mod url;

pub use artifacts::{ArtifactChangeError, ArtifactRow, LinkError, MAX_ARTIFACT_DEPTH};
pub use components::{ComponentDeletion, ComponentRow};
pub use configs::ConfigRow;
pub use idempotency::KeyedJob;
pub use jobs::{JobRow, JobStatus};
pub use leases::Rescued;
pub use notifications::Listener;
pub use retention::Swept;
pub use url::Backend;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL `{0}`: use `:memory:`, a SQLite file path, `sqlite://…` or `postgres://…`")]
    UnsupportedUrl(String),
}

/// A PostgreSQL connection idle at least this long is pinged before it is used.
const PING_IDLE_POSTGRES_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
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
        let (backend, file) = (target.backend, target.file);
        let pool = AnyPoolOptions::new()
            .max_connections(target.max_connections)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            // sqlx pings every connection it takes from the pool by default: for SQLite a
            // round trip to the connection's worker thread that cannot fail, for PostgreSQL
            // a network round trip. Either doubled the cost of every statement (a job runs
            // ~12). A PostgreSQL connection idle long enough to have been dropped by the
            // server or the network is still pinged before use.
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres && meta.idle_for >= PING_IDLE_POSTGRES_AFTER {
                        use sqlx::Connection;
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    if backend == Backend::Postgres {
                        return Ok(());
                    }
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    if file {
                        // Large pages for large rows (frames, artifacts): fewer overflow
                        // pages per blob. Takes effect when the file is created.
                        conn.execute("PRAGMA page_size = 16384").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // No checkpoint inside a commit (it would fsync on a request's
                        // path); `checkpoint_in_background` does them instead.
                        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                        // A log that was checkpointed is cut back to this size when it is
                        // reused, so a burst does not leave a huge file behind.
                        conn.execute("PRAGMA journal_size_limit = 67108864").await?;
                    }
                    Ok(())
                })
            })
            .connect(&target.url)
            .await?;
        MIGRATOR.run(&pool).await?;
        let store = Self { pool, backend: target.backend, url: target.url.clone() };
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
        let pool = self.pool.clone();
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

    /// `SELECT 1`: the health check.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod test_reads;
