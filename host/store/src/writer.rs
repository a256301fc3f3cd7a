//! Where writes go. PostgreSQL (and `:memory:`, whose one connection reads too) writes
//! through its pool. A SQLite file has one writing connection (`pools`), held here rather
//! than in a pool: a pool pings every connection given back to it — for SQLite a round
//! trip to the connection's worker thread after every write, which the next write then
//! waits behind — and one connection needs no pool. Writers queue on the lock instead,
//! first come first served. A pool also replaces a connection that broke; here `check`
//! does (the health check, the rescuer and the scheduler's retry call it).
//!
//! On that one connection a short transaction can also go as one batch of statements
//! (`in_one_round_trip`): one round trip to the connection's thread instead of one for
//! `BEGIN`, each statement and `COMMIT`.

use super::connection::Connection;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// The longest a write waits for the SQLite writer (as long as a pool waits for a
/// connection).
const WAIT_FOR_WRITER: Duration = Duration::from_secs(30);

/// The longest `check` waits for the writer's answer: longer means it is still finishing a
/// write that was given up on, which is alive enough.
const CHECK_ANSWER: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub(super) enum Writer {
    Pool(AnyPool),
    Sole {
        connection: Arc<Mutex<AnyConnection>>,
        url: Arc<str>,
        /// Set while a batch runs (`in_one_round_trip`): still set when the next write
        /// takes the connection, the batch was given up on, maybe inside its transaction.
        unfinished: Arc<AtomicBool>,
    },
}

/// Rolls back what SQLite ran of a batch given up on (`unfinished`); if it had committed,
/// there is nothing to roll back and SQLite says so, which is fine. Cleared only once
/// done: a rollback given up on too is tried again by the next holder.
async fn roll_back_abandoned(unfinished: &AtomicBool, connection: &mut AnyConnection) {
    if unfinished.load(Ordering::SeqCst) {
        drop(sqlx::query("ROLLBACK").execute(&mut *connection).await);
        unfinished.store(false, Ordering::SeqCst);
    }
}

/// The text of a transaction of `statements` (`;`-separated) for [`Writer::in_one_round_trip`].
pub(super) fn one_transaction(statements: &str) -> String {
    format!("BEGIN; {statements}; COMMIT")
}

impl Writer {
    /// The one writer of the SQLite file at `url`.
    pub(super) async fn sole(url: &str) -> Result<Self, sqlx::Error> {
        let connection = super::pools::sqlite_writer(url).await?;
        let unfinished = Arc::new(AtomicBool::new(false));
        Ok(Writer::Sole { connection: Arc::new(Mutex::new(connection)), url: url.into(), unfinished })
    }

    /// Waits for the connection to write on (at most [`WAIT_FOR_WRITER`]).
    pub(super) async fn acquire(&self) -> Result<Connection, sqlx::Error> {
        Ok(match self {
            Writer::Pool(pool) => Connection::Pooled(pool.acquire().await?),
            Writer::Sole { connection, unfinished, .. } => {
                let lock = tokio::time::timeout(WAIT_FOR_WRITER, connection.clone().lock_owned());
                let mut held = lock.await.map_err(|_| sqlx::Error::PoolTimedOut)?;
                roll_back_abandoned(unfinished, &mut held).await;
                Connection::Writer(held)
            }
        })
    }

    /// Runs the batch `build` makes, a transaction written out as one list of statements
    /// (its text made by [`one_transaction`]), in one round trip to the SQLite writer's
    /// thread: all of it or nothing. Returns the rows its `SELECT`s gave, in order (not
    /// `changes()` counts: SQLite reports the last change's count again for `BEGIN` and
    /// `COMMIT`). A failed batch is rolled back here; one whose caller went away is rolled
    /// back, as far as SQLite ran it, by the next write before anything else (sqlx stops
    /// running a batch whose results nobody waits for). `None`, with nothing built, for a
    /// pool, whose connection could go back to it inside the transaction, and when `build`
    /// makes none: run the statements one by one then.
    pub(super) async fn in_one_round_trip<'q>(
        &self,
        build: impl FnOnce() -> Option<Query<'q, Any, AnyArguments>>,
    ) -> Option<Result<Vec<AnyRow>, sqlx::Error>> {
        let Writer::Sole { unfinished, .. } = self else { return None };
        let batch = build()?;
        let mut held = match self.acquire().await {
            Ok(held) => held,
            Err(error) => return Some(Err(error)),
        };
        unfinished.store(true, Ordering::SeqCst);
        let done = batch.fetch_all(&mut *held).await;
        if done.is_err() {
            drop(sqlx::query("ROLLBACK").execute(&mut *held).await);
        }
        unfinished.store(false, Ordering::SeqCst);
        Some(done)
    }

    /// Whether writes can be made. A pool checks its own connections; the SQLite writer,
    /// when no write holds it (a busy one is alive), runs `SELECT 1` (an answer slower
    /// than [`CHECK_ANSWER`] counts as busy), and is opened anew if its worker thread has
    /// stopped (sqlx stops it when a cancelled `BEGIN` cannot be rolled back, or when it
    /// panics).
    pub(super) async fn check(&self) -> Result<(), sqlx::Error> {
        let Writer::Sole { connection, url, unfinished } = self else { return Ok(()) };
        let Ok(mut held) = connection.try_lock() else { return Ok(()) };
        // Not left holding SQLite's write lock until the next write comes.
        roll_back_abandoned(unfinished, &mut held).await;
        let answer = tokio::time::timeout(CHECK_ANSWER, sqlx::query("SELECT 1").execute(&mut *held)).await;
        let Ok(answer) = answer else { return Ok(()) };
        match answer {
            Err(sqlx::Error::WorkerCrashed) => {
                tracing::warn!("the SQLite writer's worker thread stopped; opening the writer again");
                *held = super::pools::sqlite_writer(url).await?;
                Ok(())
            }
            checked => checked.map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::JobRow;
    use crate::test_reads::{abandon_after, pending_job, temp_store};

    fn job(n: usize) -> JobRow {
        pending_job(&format!("01J{n:023}"), vec![7; 100_000])
    }

    /// The health check asks the writer too, but never waits behind a write in progress.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_health_check_asks_a_free_writer_and_does_not_wait_for_a_busy_one() {
        let (store, _file, _alone) = temp_store("writer-check").await;
        store.ping().await.expect("a free writer answers");
        let busy = store.writer.acquire().await.expect("the writer");
        let checked = tokio::time::timeout(std::time::Duration::from_secs(2), store.ping()).await;
        checked.expect("no wait for the writer").expect("a busy writer counts as alive");
        drop(busy);
    }

    /// A batch that fails half-way leaves nothing of its first statements, and the writer
    /// outside any transaction: the next write commits on its own.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_batch_that_fails_half_way_leaves_nothing_and_the_writer_usable() {
        let (store, _file, _alone) = temp_store("failed-batch").await;
        let insert = "INSERT INTO configs (id, name, data, tags, created_at, updated_at) \
                      VALUES ($1, 'c', '{}', '[]', 'now', 'now')";
        let sql = super::one_transaction(&format!("{insert}; {insert}"));
        let batch = sqlx::query(sqlx::AssertSqlSafe(sql)).bind("twice");
        let failed = store.writer.in_one_round_trip(|| Some(batch)).await.expect("a SQLite file's writer");
        assert!(failed.is_err(), "the second insert of the same id fails");
        assert!(store.get_config("twice").await.unwrap().is_none(), "the first insert was rolled back");
        store.insert_job(&job(1), None, None).await.expect("the writer still writes");
        assert!(store.get_job(&job(1).id).await.unwrap().is_some(), "committed, so readers see it");
    }

    /// A batch given up on inside its transaction does not keep SQLite's write lock until
    /// the next write: the health check rolls it back.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_health_check_rolls_back_a_batch_given_up_on() {
        use std::sync::atomic::Ordering;
        let (store, _file, _alone) = temp_store("abandoned-batch").await;
        let super::Writer::Sole { connection, unfinished, .. } = &store.writer else { panic!("a sole writer") };
        {
            // As a batch whose caller went away after its first statements.
            let mut held = connection.lock().await;
            let half = "BEGIN; INSERT INTO configs (id, name, data, tags, created_at, updated_at) \
                        VALUES ('half', 'c', '{}', '[]', 'now', 'now')";
            sqlx::query(half).execute(&mut *held).await.expect("half a batch");
            unfinished.store(true, Ordering::SeqCst);
        }
        store.ping().await.expect("healthy");
        // Not through `acquire`, which would roll it back too.
        let mut held = connection.lock().await;
        sqlx::query("BEGIN").execute(&mut *held).await.expect("no transaction left open");
        sqlx::query("ROLLBACK").execute(&mut *held).await.expect("rolled back");
        drop(held);
        assert!(store.get_config("half").await.unwrap().is_none(), "nothing of it stays");
    }

    /// A request dropped at any point of its write (its client went away) leaves either
    /// the whole write or nothing, and the one writing connection usable: the next write
    /// commits and readers see it (a transaction left open would hide it from them).
    #[tokio::test(flavor = "multi_thread")]
    async fn a_write_abandoned_at_any_point_leaves_all_or_nothing_and_the_writer_usable() {
        let (store, _file, _alone) = temp_store("abandoned-writes").await;
        for polls in 0..40 {
            let abandoned = job(polls);
            if let Some(done) = abandon_after(store.insert_job(&abandoned, None, None), polls) {
                done.expect("written");
            }
            let next = job(1000 + polls);
            store.insert_job(&next, None, None).await.expect("the writer still writes");
            assert!(store.get_job(&next.id).await.unwrap().is_some(), "committed and visible after {polls} polls");
            let row = store.get_job(&abandoned.id).await.unwrap().is_some();
            let inputs = store.job_inputs(&abandoned.id).await.unwrap().is_some();
            assert_eq!(row, inputs, "half a job written after {polls} polls");
        }
    }
}
