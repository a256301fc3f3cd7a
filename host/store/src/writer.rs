//! Where writes go. PostgreSQL (and `:memory:`, whose one connection reads too) writes
//! through its pool. A SQLite file has one writing connection (`pools`), held here rather
//! than in a pool: a pool pings every connection given back to it — for SQLite a round
//! trip to the connection's worker thread after every write, which the next write then
//! waits behind — and one connection needs no pool. Writers queue on the lock instead,
//! first come first served. A pool also replaces a connection that broke; here `check`
//! does (the health check, the rescuer and the scheduler's retry call it).

use super::connection::Connection;
use sqlx::{AnyConnection, AnyPool};
use std::sync::Arc;
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
    Sole { connection: Arc<Mutex<AnyConnection>>, url: Arc<str> },
}

impl Writer {
    /// The one writer of the SQLite file at `url`.
    pub(super) async fn sole(url: &str) -> Result<Self, sqlx::Error> {
        let connection = super::pools::sqlite_writer(url).await?;
        Ok(Writer::Sole { connection: Arc::new(Mutex::new(connection)), url: url.into() })
    }

    /// Waits for the connection to write on (at most [`WAIT_FOR_WRITER`]).
    pub(super) async fn acquire(&self) -> Result<Connection, sqlx::Error> {
        Ok(match self {
            Writer::Pool(pool) => Connection::Pooled(pool.acquire().await?),
            Writer::Sole { connection, .. } => {
                let lock = tokio::time::timeout(WAIT_FOR_WRITER, connection.clone().lock_owned());
                Connection::Writer(lock.await.map_err(|_| sqlx::Error::PoolTimedOut)?)
            }
        })
    }

    /// Whether writes can be made. A pool checks its own connections; the SQLite writer,
    /// when no write holds it (a busy one is alive), runs `SELECT 1` (an answer slower
    /// than [`CHECK_ANSWER`] counts as busy), and is opened anew if its worker thread has
    /// stopped (sqlx stops it when a cancelled `BEGIN` cannot be rolled back, or when it
    /// panics).
    pub(super) async fn check(&self) -> Result<(), sqlx::Error> {
        let Writer::Sole { connection, url } = self else { return Ok(()) };
        let Ok(mut held) = connection.try_lock() else { return Ok(()) };
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
    use crate::test_reads::{pending_job, temp_store};
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

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

    /// A request dropped at any point of its write (its client went away) leaves either
    /// the whole write or nothing, and the one writing connection usable: the next write
    /// commits and readers see it (a transaction left open would hide it from them).
    #[tokio::test(flavor = "multi_thread")]
    async fn a_write_abandoned_at_any_point_leaves_all_or_nothing_and_the_writer_usable() {
        let (store, _file, _alone) = temp_store("abandoned-writes").await;
        let mut cx = Context::from_waker(Waker::noop());
        for polls in 0..40 {
            let abandoned = job(polls);
            let mut write = Box::pin(store.insert_job(&abandoned, None, None));
            for _ in 0..polls {
                if let Poll::Ready(done) = write.as_mut().poll(&mut cx) {
                    done.expect("written");
                    break;
                }
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            drop(write);
            let next = job(1000 + polls);
            store.insert_job(&next, None, None).await.expect("the writer still writes");
            assert!(store.get_job(&next.id).await.unwrap().is_some(), "committed and visible after {polls} polls");
            let row = store.get_job(&abandoned.id).await.unwrap().is_some();
            let inputs = store.job_inputs(&abandoned.id).await.unwrap().is_some();
            assert_eq!(row, inputs, "half a job written after {polls} polls");
        }
    }
}
