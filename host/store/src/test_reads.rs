//! What the store's own tests share: a pending job row to insert, row counts, and for the
//! tests that count the bytes SQLite reads (to show that a record's read does not walk a
//! large column) a file database of their own, emptied of its write-ahead log first, and
//! a lock that keeps them from running at once, because the count is the whole process's.

use super::{ArtifactRow, ConfigRow, JobRow, JobStatus, Store};
use std::future::Future;
use std::task::{Context, Poll, Waker};
use tokio::sync::{Mutex, MutexGuard};

static ALONE: Mutex<()> = Mutex::const_new(());

/// Bytes this process has read through system calls so far (SQLite reads its pages with
/// `pread`).
pub fn bytes_read() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").expect("linux /proc");
    io.lines().find_map(|line| line.strip_prefix("rchar: ")?.parse().ok()).expect("rchar")
}

/// Copies the log into the database and empties it, so that the background checkpoint
/// finds nothing to read while a test counts.
pub async fn empty_the_log(store: &Store) {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *store.reader.acquire().await.expect("a reader"))
        .await
        .expect("a checkpoint");
}

/// Deletes the database's files when dropped.
pub struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

pub async fn temp_store(name: &str) -> (Store, TempFile, MutexGuard<'static, ()>) {
    let alone = ALONE.lock().await;
    let path = std::env::temp_dir().join(format!("chapwasm-{name}-{}.db", std::process::id()));
    let store = Store::connect(path.to_str().expect("a UTF-8 temp dir")).await.expect("a store");
    (store, TempFile(path), alone)
}

/// A pending job row carrying `inputs`, as a submission would insert it.
pub fn pending_job(id: &str, inputs: Vec<u8>) -> JobRow {
    JobRow {
        id: id.into(),
        kind: "train".into(),
        status: JobStatus::Pending,
        inputs: Some(inputs),
        artifact_id: format!("{id}-artifact"),
        submitted_at: "2026-12-05T00:00:00.000000Z".into(),
        started_at: None,
        finished_at: None,
        error: None,
        error_traceback: None,
        attempt: 0,
    }
}

/// Rows of `table` whose `column` is `id` (to see that a cascade removed them).
pub async fn rows_of(store: &Store, table: &str, column: &str, id: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *store.reader.acquire().await.expect("a reader"))
        .await
        .expect("a count");
    sqlx::Row::try_get(&row, "n").expect("n")
}

/// A config row, as a client would create it.
pub fn config_row(id: &str) -> ConfigRow {
    ConfigRow {
        id: id.into(),
        name: "c".into(),
        data: "{}".into(),
        tags: "[]".into(),
        created_at: "2026-12-05T00:00:00.000000Z".into(),
        updated_at: "2026-12-05T00:00:00.000000Z".into(),
        component_id: None,
    }
}

/// An artifact as a client writes it, with `content` if given.
pub fn artifact_row(id: &str, content: Option<Vec<u8>>) -> ArtifactRow {
    ArtifactRow {
        id: id.into(),
        parent_id: None,
        level: 0,
        data: "{}".into(),
        content,
        content_type: Some("application/octet-stream".into()),
        tags: "[]".into(),
        created_at: "2026-12-05T00:00:02.000000Z".into(),
        updated_at: "2026-12-05T00:00:02.000000Z".into(),
        written_by_job: false,
    }
}

/// Polls `call` up to `polls` times, 50 µs apart (its statements run on the connection's
/// thread meanwhile), then drops it, as a request whose client went away: its output if
/// it finished first.
pub fn abandon_after<F: Future>(call: F, polls: usize) -> Option<F::Output> {
    let mut call = Box::pin(call);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..polls {
        if let Poll::Ready(done) = call.as_mut().poll(&mut cx) {
            return Some(done);
        }
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
    None
}
