//! Config rows: a name, the config object as JSON text, tags, timestamps.

use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigRow {
    pub id: String,
    pub name: String,
    /// The config object, JSON text.
    pub data: String,
    /// JSON array of tags.
    pub tags: String,
    pub created_at: String,
    pub updated_at: String,
    /// The uploaded component this config is for; `None`: the service's default model.
    pub component_id: Option<String>,
}

fn row(r: AnyRow) -> Result<ConfigRow, sqlx::Error> {
    Ok(ConfigRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        data: r.try_get("data")?,
        tags: r.try_get("tags")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        component_id: r.try_get("component_id")?,
    })
}

macro_rules! columns {
    () => {
        "id, name, data, tags, created_at, updated_at, component_id"
    };
}

impl Store {
    pub async fn insert_config(&self, config: &ConfigRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO configs (id, name, data, tags, created_at, updated_at, component_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&config.id)
        .bind(&config.name)
        .bind(&config.data)
        .bind(&config.tags)
        .bind(&config.created_at)
        .bind(&config.updated_at)
        .bind(&config.component_id)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    pub async fn get_config(&self, id: &str) -> Result<Option<ConfigRow>, StoreError> {
        let found = sqlx::query(concat!("SELECT ", columns!(), " FROM configs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.reader.acquire().await?)
            .await?;
        Ok(found.map(row).transpose()?)
    }

    /// A config and, read in the same statement, how many jobs wait to run (all replicas),
    /// counted no further than `queue_limit`: what a submission checks, in one round trip
    /// to the database instead of two.
    pub async fn get_config_and_queue(
        &self,
        id: &str,
        queue_limit: usize,
    ) -> Result<Option<(ConfigRow, usize)>, StoreError> {
        let found = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            ", (SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE status = 'pending' LIMIT $2) AS pending) AS waiting \
             FROM configs WHERE id = $1"
        ))
        .bind(id)
        .bind(i64::try_from(queue_limit).unwrap_or(i64::MAX))
        .fetch_optional(&mut *self.reader.acquire().await?)
        .await?;
        let Some(found) = found else { return Ok(None) };
        let waiting: i64 = found.try_get("waiting")?;
        Ok(Some((row(found)?, usize::try_from(waiting).unwrap_or(0))))
    }

    /// Configs in id (= creation) order; `page` is `(offset, limit)`.
    pub async fn list_configs(&self, page: Option<(i64, i64)>) -> Result<Vec<ConfigRow>, StoreError> {
        let (offset, limit) = page.unwrap_or((0, i64::MAX));
        let rows = sqlx::query(concat!("SELECT ", columns!(), " FROM configs ORDER BY id LIMIT $1 OFFSET $2"))
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *self.reader.acquire().await?)
            .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    pub async fn count_configs(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM configs")
            .fetch_one(&mut *self.reader.acquire().await?)
            .await?
            .try_get("n")?)
    }

    /// Replaces name, data and tags; returns false if there is no such config.
    pub async fn update_config(&self, config: &ConfigRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE configs SET name = $1, data = $2, tags = $3, updated_at = $4, component_id = $5 WHERE id = $6",
        )
        .bind(&config.name)
        .bind(&config.data)
        .bind(&config.tags)
        .bind(&config.updated_at)
        .bind(&config.component_id)
        .bind(&config.id)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a config and, as chapkit does, every artifact tree linked to it.
    pub async fn delete_config(&self, id: &str) -> Result<bool, StoreError> {
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        let roots: Vec<String> = sqlx::query("SELECT artifact_id FROM config_artifacts WHERE config_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| r.try_get("artifact_id"))
            .collect::<Result<_, _>>()?;
        for root in roots {
            super::artifacts::delete_tree(&mut tx, &root).await?;
        }
        let done = sqlx::query("DELETE FROM configs WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_reads::{config_row, pending_job, temp_store};

    /// A submission reads its config and the queue's length at once: pending jobs only,
    /// counted up to the limit; nothing for a config that does not exist.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_config_comes_with_the_queue_length_up_to_a_limit() {
        let (store, _file, _alone) = temp_store("config-and-queue").await;
        let config = config_row("01J00000000000000000000CFG");
        store.insert_config(&config).await.unwrap();
        for id in ["01J0000000000000000000000A", "01J0000000000000000000000B", "01J0000000000000000000000C"] {
            store.insert_job(&pending_job(id, vec![1]), None, None).await.unwrap();
        }
        let lease = std::time::Duration::from_secs(60);
        store.claim_next_job("2026-12-01T00:00:01.000000Z", "me", lease).await.unwrap().unwrap();
        for (limit, waiting) in [(10, 2), (2, 2), (1, 1), (0, 0)] {
            let found = store.get_config_and_queue(&config.id, limit).await.unwrap();
            assert_eq!(found, Some((config.clone(), waiting)), "limit {limit}");
        }
        assert_eq!(store.get_config_and_queue("01J0000000000000000000NONE", 10).await.unwrap(), None);
    }
}
