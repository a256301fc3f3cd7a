//! How PostgreSQL compresses the columns that hold a job's large values. It compresses any
//! value over ~2 KB before storing it out of line (TOAST), with pglz unless told otherwise,
//! and pglz is slow: measured on 2026-12-05 (2 cores, PostgreSQL 15 on the same machine,
//! forty 100k-row jobs from `chapwasm-bench`), `pglz_compress` took most of PostgreSQL's
//! CPU samples in `perf`. With lz4 on job inputs and artifact content, PostgreSQL's CPU
//! over those jobs fell from 9.44 to 2.21 s, a 100k-row train took 75 instead of 165 ms
//! and a predict 182 instead of 448 ms (medians, polled); the database grew from 153 to
//! 197 MB. Components' code is a large value too (up to the upload cap), written once.
//!
//! Asked for after the migrations, not in one: SQLite shares the migrations and has no such
//! setting. Only values written afterwards are affected. A server without lz4 (built
//! without it, or older than PostgreSQL 14), a role that does not own the tables, or a
//! table lock not granted within `LOCK_WAIT` keeps pglz, with a warning: it is slower, not
//! wrong.

use sqlx::{AnyConnection, Connection, Row};

/// The columns that hold a job's or a component's large values, as (table, column).
const LARGE_COLUMNS: [(&str, &str); 3] =
    [("job_inputs", "inputs"), ("artifact_content", "content"), ("component_wasm", "wasm")];

/// Longest a start waits for a table's lock to change its setting (replicas keep serving
/// while another one starts).
const LOCK_WAIT: &str = "5s";

/// Asks PostgreSQL to compress each large column with lz4 (where it does not already).
pub(super) async fn prefer_lz4(connection: &mut AnyConnection) {
    for (table, column) in LARGE_COLUMNS {
        if let Err(error) = prefer_lz4_for(connection, table, column).await {
            tracing::warn!(%error, table, column, "keeping PostgreSQL's default compression (pglz, slower)");
        }
    }
}

async fn prefer_lz4_for(connection: &mut AnyConnection, table: &str, column: &str) -> Result<(), sqlx::Error> {
    let already: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND attcompression = 'l'",
    )
    .bind(table)
    .bind(column)
    .fetch_one(&mut *connection)
    .await?
    .try_get("n")?;
    if already > 0 {
        return Ok(());
    }
    let mut transaction = connection.begin().await?;
    let wait = sqlx::AssertSqlSafe(format!("SET LOCAL lock_timeout = '{LOCK_WAIT}'"));
    sqlx::query(wait).execute(&mut *transaction).await?;
    // Both names are constants of this file.
    let alter = sqlx::AssertSqlSafe(format!("ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4"));
    sqlx::query(alter).execute(&mut *transaction).await?;
    transaction.commit().await
}
