//! How PostgreSQL compresses the large values chapwasm writes (job inputs, artifact
//! content, component code). It compresses any value over ~2 KB before storing it out of
//! line (TOAST), with pglz unless told otherwise, and pglz is slow: measured on 2026-12-05
//! (2 cores, PostgreSQL 15 on the same machine, forty 100k-row jobs from
//! `chapwasm-bench`), `pglz_compress` took most of PostgreSQL's CPU samples in `perf`.
//! With lz4 for job inputs and artifact content, PostgreSQL's CPU over those jobs fell
//! from 9.44 to 2.21 s, a 100k-row train took 75 instead of 165 ms and a predict 182
//! instead of 448 ms (medians, polled); the database grew from 153 to 197 MB.
//!
//! Asked for per connection (`default_toast_compression`), not per column: a session
//! setting takes no lock (a column's takes its table's, and every replica's queries on it
//! would queue behind a start), needs no ownership of the tables, and leaves a method a
//! DBA set on a column in charge. Only values written afterwards are affected. A server
//! without lz4 (built without it, or older than PostgreSQL 14) refuses the setting: then
//! pglz stays, with one warning at start — slower, not wrong.

use sqlx::{AnyConnection, Executor, Row};

/// Asks a new PostgreSQL connection to compress large values with lz4; a server that
/// refuses keeps its default (see `warn_unless_lz4`).
pub(super) async fn prefer_lz4(connection: &mut AnyConnection) {
    let _refused = connection.execute("SET default_toast_compression = 'lz4'").await;
}

/// Warns once if a connection's large values are not compressed with lz4.
pub(super) async fn warn_unless_lz4(connection: &mut AnyConnection) {
    let method = sqlx::query("SELECT current_setting('default_toast_compression', true) AS method")
        .fetch_one(&mut *connection)
        .await
        .and_then(|row| row.try_get::<Option<String>, _>("method"));
    match method {
        Ok(Some(method)) if method == "lz4" => {}
        Ok(method) => tracing::warn!(
            method = method.as_deref().unwrap_or("pglz"),
            "PostgreSQL refused lz4 for large values (it needs PostgreSQL 14 or later, built with lz4): \
             jobs with large frames cost it several times more CPU"
        ),
        Err(error) => tracing::warn!(%error, "cannot read PostgreSQL's compression of large values"),
    }
}
