//! A job's inputs, stored in parts (`job_input_parts`, migration 0015). Bound as one blob,
//! 4.8 MB of inputs were copied whole four times on the way into SQLite (twice by sqlx's
//! `Any` layer, at bind and into the record by SQLite), each copy into a fresh mapping
//! that had to be faulted in: the insert of a 100k-row job took 19-27 ms on 2026-12-05's
//! machine. In parts smaller than the allocator's mapping threshold (128 KiB, see the
//! server's allocator settings) the same copies reuse heap memory: 9.5-9.7 ms.

use super::StoreError;
use sqlx::Row;

/// The most bytes of inputs in one part.
pub(super) const PART_BYTES: usize = 120 << 10;
/// The most parts one statement inserts (16 bytes of row and a parameter each).
const PARTS_PER_STATEMENT: usize = 256;

/// The parts of `inputs`, in order (one empty part for empty inputs: no parts means no
/// inputs were stored).
pub(super) fn parts(inputs: &[u8]) -> Vec<&[u8]> {
    if inputs.is_empty() { vec![inputs] } else { inputs.chunks(PART_BYTES).collect() }
}

/// `INSERT` of `count` parts numbered from `first`, the job id being `$1` and the parts
/// `$first_param` onwards.
pub(super) fn insert_sql(first: usize, count: usize, first_param: usize) -> String {
    let rows: Vec<String> = (0..count).map(|i| format!("($1, {}, ${})", first + i, first_param + i)).collect();
    format!("INSERT INTO job_input_parts (job_id, part, bytes) VALUES {}", rows.join(", "))
}

/// How many of `parts` the batch with the job's row carries (SQLite): the rest follow in
/// statements of their own (`insert_rest`).
pub(super) fn batched(parts: usize) -> usize {
    parts.min(PARTS_PER_STATEMENT)
}

/// Inserts `parts[from..]` in the caller's transaction.
pub(super) async fn insert_rest(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: &str,
    parts: &[&[u8]],
    from: usize,
) -> Result<(), StoreError> {
    let mut first = from;
    while first < parts.len() {
        let group = &parts[first..parts.len().min(first + PARTS_PER_STATEMENT)];
        let sql = insert_sql(first, group.len(), 2);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(job_id);
        for part in group {
            query = query.bind(*part);
        }
        query.execute(&mut **tx).await?;
        first += group.len();
    }
    Ok(())
}

/// Reads a job's inputs back: its parts, joined (`None` if none were stored).
pub(super) async fn read(reader: &mut sqlx::AnyConnection, job_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let rows = sqlx::query("SELECT bytes FROM job_input_parts WHERE job_id = $1 ORDER BY part")
        .bind(job_id)
        .fetch_all(&mut *reader)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let parts = rows.iter().map(|row| row.try_get::<&[u8], _>("bytes")).collect::<Result<Vec<_>, _>>()?;
    Ok(Some(parts.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_split_into_parts_that_join_back() {
        let inputs: Vec<u8> = (0..PART_BYTES * 2 + 7).map(|i| i as u8).collect();
        let split = parts(&inputs);
        assert_eq!(split.iter().map(|p| p.len()).collect::<Vec<_>>(), [PART_BYTES, PART_BYTES, 7]);
        assert_eq!(split.concat(), inputs);
        assert_eq!(parts(&[]), [&[] as &[u8]]);
        assert_eq!(
            insert_sql(3, 2, 11),
            "INSERT INTO job_input_parts (job_id, part, bytes) VALUES ($1, 3, $11), ($1, 4, $12)"
        );
    }
}
