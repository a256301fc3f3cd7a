//! The connections a store holds, and how each is set up. PostgreSQL (and SQLite in
//! memory) use one pool for everything. A SQLite file gets one writer connection and a
//! few read-only ones (`readers`): SQLite admits one writer at a time anyway, and with several
//! writing connections each waited for the file lock in SQLite's busy handler (which
//! sleeps, 1 ms and up) and each statement woke another sleeping worker thread; one
//! writer queues writes in this process instead (`writer`), and keeps its thread warm.
//! Readers are `query_only`: a write sent to one fails rather than contending.

use super::readers::{Reader, ReaderSet};
use super::url::Target;
use super::writer::Writer;
use super::{Backend, StoreError};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, Connection, Executor};
use std::time::Duration;

/// Read-only connections to a SQLite file (reads of large blobs run side by side).
pub(super) const SQLITE_READERS: usize = 4;

/// A PostgreSQL connection idle at least this long is pinged before it is used.
const PING_IDLE_POSTGRES_AFTER: Duration = Duration::from_secs(1);

/// Where reads and writes go (the same pool, except for a SQLite file).
pub(super) struct Pools {
    pub reader: Reader,
    pub writer: Writer,
}

impl Pools {
    pub(super) async fn open(target: &Target) -> Result<Self, StoreError> {
        if !(target.backend == Backend::Sqlite && target.file) {
            let pool = options(target).max_connections(target.max_connections).connect(&target.url).await?;
            return Ok(Self { reader: Reader::Pool(pool.clone()), writer: Writer::Pool(pool) });
        }
        // The writer first: for a new SQLite file it sets the page size and WAL mode.
        let writer = Writer::sole(&target.url).await?;
        let reader = Reader::Set(ReaderSet::open(&target.url, SQLITE_READERS).await?);
        Ok(Self { reader, writer })
    }
}

/// A SQLite file's writing connection, set up.
pub(super) async fn sqlite_writer(url: &str) -> Result<AnyConnection, sqlx::Error> {
    sqlite_connection(url, Role::Writer).await
}

/// A read-only connection to a SQLite file, set up.
pub(super) async fn sqlite_reader(url: &str) -> Result<AnyConnection, sqlx::Error> {
    sqlite_connection(url, Role::Reader).await
}

async fn sqlite_connection(url: &str, role: Role) -> Result<AnyConnection, sqlx::Error> {
    let mut connection = AnyConnection::connect(url).await?;
    prepare(&mut connection, Backend::Sqlite, true, role).await?;
    Ok(connection)
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Reader,
    Writer,
}

/// The pool of PostgreSQL or of a SQLite database in memory.
fn options(target: &Target) -> AnyPoolOptions {
    let (backend, file) = (target.backend, target.file);
    AnyPoolOptions::new()
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        // sqlx pings a connection when it takes it from the pool (by default) and again
        // when it is given back (always; off the caller's path): for SQLite a round trip
        // to the connection's worker thread that cannot fail, for PostgreSQL a network
        // round trip. The first is off; a PostgreSQL connection idle long enough to have
        // been dropped by the server or the network is still pinged before use.
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            Box::pin(async move {
                if backend == Backend::Postgres && meta.idle_for >= PING_IDLE_POSTGRES_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _| Box::pin(prepare(conn, backend, file, Role::Writer)))
}

/// Sets up a new connection: SQLite's settings; for PostgreSQL, how it compresses large
/// values (`compression`).
async fn prepare(conn: &mut AnyConnection, backend: Backend, file: bool, role: Role) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        super::compression::prefer_lz4(conn).await;
        return Ok(());
    }
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA busy_timeout = 30000").await?;
    if file {
        // Large pages for large rows (frames, artifacts): fewer overflow pages per blob.
        // Takes effect when the file is created.
        conn.execute("PRAGMA page_size = 16384").await?;
        conn.execute("PRAGMA journal_mode = WAL").await?;
        conn.execute("PRAGMA synchronous = NORMAL").await?;
        // No checkpoint inside a commit (it would fsync on a request's path);
        // `checkpoint_in_background` does them instead.
        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
        // A log that was checkpointed is cut back to this size when it is reused, so a
        // burst does not leave a huge file behind.
        conn.execute("PRAGMA journal_size_limit = 67108864").await?;
    }
    if role == Role::Reader && file {
        conn.execute("PRAGMA query_only = ON").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::ConfigRow;
    use crate::test_reads::temp_store;

    fn config(id: String) -> ConfigRow {
        let now = "2026-12-04T00:00:00".to_owned();
        let (data, tags) = ("{}".to_owned(), "[]".to_owned());
        ConfigRow { id, name: "c".into(), data, tags, created_at: now.clone(), updated_at: now, component_id: None }
    }

    /// The end of a start gives SQLite's cache back (a start only logs a failure, so a
    /// broken statement would otherwise go unseen); the store reads and writes after it.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_cache_is_given_back_on_a_file_and_in_memory() {
        let (store, _file, _alone) = temp_store("release-cache").await;
        store.insert_config(&config("01JCACHE000000000000000000".into())).await.expect("written");
        store.release_cache().await.expect("a SQLite file gives its cache back");
        assert!(store.get_config("01JCACHE000000000000000000").await.unwrap().is_some());
        let memory = crate::Store::connect(":memory:").await.expect("in memory");
        memory.release_cache().await.expect("in memory too");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_sqlite_files_readers_refuse_writes() {
        let (store, _file, _alone) = temp_store("readers-refuse-writes").await;
        let mut reader = store.reader.acquire().await.expect("a reader");
        let write = sqlx::query("DELETE FROM configs").execute(&mut *reader).await;
        assert!(write.is_err(), "a reader connection wrote");
        let mut writer = store.writer.acquire().await.expect("the writer");
        sqlx::query("DELETE FROM configs").execute(&mut *writer).await.expect("the writer writes");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn concurrent_writes_all_land_and_each_is_read_back_at_once() {
        let (store, _file, _alone) = temp_store("concurrent-writes").await;
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let id = format!("config-{i:02}");
                    store.insert_config(&config(id.clone())).await.expect("written");
                    store.get_config(&id).await.expect("read").expect("a committed write is visible to readers")
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("no panic");
        }
        assert_eq!(store.count_configs().await.unwrap(), 40);
    }
}
