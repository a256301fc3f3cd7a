//! Where reads go. PostgreSQL (and `:memory:`, whose one connection writes too) reads
//! through its pool. A SQLite file has a few read-only connections (`pools`), held here
//! rather than in a pool: a pool pings every connection given back to it, from a task it
//! spawns — for SQLite a round trip to the connection's worker thread after every read. In
//! a burst of 400 small trains then 400 predicts that was ~4.8 of the ~21 wake-ups of
//! SQLite's worker threads per job (2026-12-06, counted from sqlx's statement log), each a
//! context switch on both sides. A reader here goes back to the set as it is: reads leave
//! no transaction behind, and a command abandoned half-way only delays the next one on
//! the same worker. A reader whose worker thread stopped is replaced by `check` (the
//! health check, the rescuer, and every 10 s the checkpoint task), as the writer is.

use super::connection::Connection;
use sqlx::{AnyConnection, AnyPool};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest a read waits for a free reader (as long as a pool waits for a connection).
const WAIT_FOR_READER: Duration = Duration::from_secs(30);

/// The longest `check` waits for a reader's answer: a slower one is busy, so alive.
const CHECK_ANSWER: Duration = Duration::from_secs(1);

/// Where a store reads.
#[derive(Clone)]
pub(super) enum Reader {
    Pool(AnyPool),
    Set(Arc<ReaderSet>),
}

impl Reader {
    /// Waits for a connection to read on.
    pub(super) async fn acquire(&self) -> Result<Connection, sqlx::Error> {
        Ok(match self {
            Reader::Pool(pool) => Connection::Pooled(pool.acquire().await?),
            Reader::Set(set) => Connection::Reader(set.acquire().await?),
        })
    }

    /// Opens again a SQLite reader whose worker thread stopped (see
    /// [`ReaderSet::check`]); a pool replaces its broken connections itself.
    pub(super) async fn check(&self) -> Result<(), sqlx::Error> {
        match self {
            Reader::Pool(_) => Ok(()),
            Reader::Set(set) => set.check().await,
        }
    }
}

/// The read-only connections to one SQLite file: at most `size`, opened as reads need
/// them, taken in turn (oldest given back first, so `check` reaches every one).
pub(super) struct ReaderSet {
    url: Arc<str>,
    idle: Mutex<VecDeque<AnyConnection>>,
    free: Arc<Semaphore>,
}

/// A reader, the caller's alone while held; given back to its set when dropped.
pub(super) struct HeldReader {
    connection: Option<AnyConnection>,
    set: Arc<ReaderSet>,
    _turn: OwnedSemaphorePermit,
}

impl ReaderSet {
    /// Up to `size` readers of the SQLite file at `url`; the first opened now (a bad file
    /// fails at start).
    pub(super) async fn open(url: &str, size: usize) -> Result<Arc<Self>, sqlx::Error> {
        let first = super::pools::sqlite_reader(url).await?;
        let idle = Mutex::new(VecDeque::from([first]));
        Ok(Arc::new(Self { url: url.into(), idle, free: Arc::new(Semaphore::new(size)) }))
    }

    /// Waits for a reader, opening one if none is idle and fewer than `size` are open (at
    /// most [`WAIT_FOR_READER`] for both).
    pub(super) async fn acquire(self: &Arc<Self>) -> Result<HeldReader, sqlx::Error> {
        let acquire = async {
            let turn = self.free.clone().acquire_owned().await.expect("the semaphore is never closed");
            let idle = self.idle.lock().expect("readers lock").pop_front();
            let connection = match idle {
                Some(connection) => connection,
                None => super::pools::sqlite_reader(&self.url).await?,
            };
            Ok(HeldReader { connection: Some(connection), set: self.clone(), _turn: turn })
        };
        tokio::time::timeout(WAIT_FOR_READER, acquire).await.map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    /// Asks each idle reader in turn for an answer, and opens anew one whose worker thread
    /// has stopped. Never waits for a reader: a busy one is alive, and so is one that
    /// answers slower than [`CHECK_ANSWER`].
    pub(super) async fn check(self: &Arc<Self>) -> Result<(), sqlx::Error> {
        let idle = self.idle.lock().expect("readers lock").len();
        for _ in 0..idle {
            let Ok(turn) = self.free.clone().try_acquire_owned() else { return Ok(()) };
            let Some(connection) = self.idle.lock().expect("readers lock").pop_front() else { return Ok(()) };
            let mut held = HeldReader { connection: Some(connection), set: self.clone(), _turn: turn };
            let answer = tokio::time::timeout(CHECK_ANSWER, sqlx::query("SELECT 1").execute(&mut *held)).await;
            match answer {
                Ok(Err(sqlx::Error::WorkerCrashed)) => {
                    tracing::warn!("a SQLite reader's worker thread stopped; opening it again");
                    // Dropped first: if the new one cannot be opened, a read opens it later.
                    held.connection = None;
                    held.connection = Some(super::pools::sqlite_reader(&self.url).await?);
                }
                Ok(answered) => answered.map(drop)?,
                Err(_busy) => {}
            }
        }
        Ok(())
    }
}

impl Drop for HeldReader {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.set.idle.lock().expect("readers lock").push_back(connection);
        }
    }
}

impl std::ops::Deref for HeldReader {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.connection.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for HeldReader {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.connection.as_mut().expect("held until dropped")
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;
    use crate::test_reads::{abandon_after, pending_job, temp_store};

    /// Readers open now: idle ones, and those held (the checkpoint task may hold one).
    fn open_readers(reader: &Reader) -> usize {
        let Reader::Set(set) = reader else { panic!("a SQLite file has a reader set") };
        let held = crate::pools::SQLITE_READERS - set.free.available_permits();
        set.idle.lock().unwrap().len() + held
    }

    /// Readers are opened as reads need them, never more than the set's size, and reused.
    #[tokio::test(flavor = "multi_thread")]
    async fn concurrent_reads_share_at_most_four_readers() {
        let (store, _file, _alone) = temp_store("reader-set").await;
        assert_eq!(open_readers(&store.reader), 1);
        let reads: Vec<_> = (0..40)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.count_configs().await.expect("a read") })
            })
            .collect();
        for read in reads {
            assert_eq!(read.await.expect("no panic"), 0);
        }
        let open = open_readers(&store.reader);
        assert!((1..=4).contains(&open), "{open} readers open");
        store.ping().await.expect("every reader answers");
        assert_eq!(open_readers(&store.reader), open, "the health check opens none and loses none");
    }

    /// A read dropped at any point (its client went away) gives its reader back usable:
    /// the next reads on it see what was written since (no snapshot is left open).
    #[tokio::test(flavor = "multi_thread")]
    async fn a_read_abandoned_at_any_point_leaves_its_reader_usable() {
        let (store, _file, _alone) = temp_store("abandoned-reads").await;
        let job = pending_job("01JREAD0000000000000000000", vec![7; 300_000]);
        store.insert_job(&job, None, None).await.expect("written");
        for polls in 0..30 {
            if let Some(done) = abandon_after(store.job_inputs(&job.id), polls) {
                done.expect("read");
            }
            let written = pending_job(&format!("01J{polls:023}"), vec![1; 10]);
            store.insert_job(&written, None, None).await.expect("written");
            for _ in 0..4 {
                let inputs = store.job_inputs(&job.id).await.expect("the readers still read");
                assert_eq!(inputs.as_deref(), job.inputs.as_deref(), "after {polls} polls");
                let seen = store.get_job(&written.id).await.expect("a read");
                assert!(seen.is_some(), "a reader given back after {polls} polls still sees new writes");
            }
        }
    }
}
