//! Component rows: uploaded `.wasm` bytes keyed by SHA-256, with what `describe()` said.

use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRow {
    pub id: String,
    pub sha256: String,
    pub name: String,
    pub version: String,
    pub size_bytes: i64,
    /// JSON of the component's description.
    pub description: String,
    /// JSON of the component's limit overrides (`{}` for none).
    pub limits: String,
    pub created_at: String,
}

/// What `delete_unused_component` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentDeletion {
    Deleted,
    NotFound,
    /// Configs name it, trained models need it to predict, or accepted jobs still have to
    /// run it (the first few of each, by id).
    InUse {
        configs: i64,
        models: Vec<String>,
        jobs: Vec<String>,
    },
}

fn row(r: AnyRow) -> Result<ComponentRow, sqlx::Error> {
    Ok(ComponentRow {
        id: r.try_get("id")?,
        sha256: r.try_get("sha256")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        size_bytes: r.try_get("size_bytes")?,
        description: r.try_get("description")?,
        limits: r.try_get("limits")?,
        created_at: r.try_get("created_at")?,
    })
}

macro_rules! columns {
    () => {
        "id, sha256, name, version, size_bytes, description, limits, created_at"
    };
}

impl Store {
    /// Records a component and its code (kept apart: see migration 0013), together.
    pub async fn insert_component(&self, component: &ComponentRow, wasm: &[u8]) -> Result<(), StoreError> {
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        // `wasm` in `components` held the code before migration 0013; new rows leave it empty.
        sqlx::query(
            "INSERT INTO components (id, sha256, name, version, size_bytes, description, limits, wasm, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&component.id)
        .bind(&component.sha256)
        .bind(&component.name)
        .bind(&component.version)
        .bind(component.size_bytes)
        .bind(&component.description)
        .bind(&component.limits)
        .bind(&[][..] as &[u8])
        .bind(&component.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO component_wasm (component_id, wasm) VALUES ($1, $2)")
            .bind(&component.id)
            .bind(wasm)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A component by id or by SHA-256.
    pub async fn find_component(&self, id_or_sha256: &str) -> Result<Option<ComponentRow>, StoreError> {
        let found = sqlx::query(concat!("SELECT ", columns!(), " FROM components WHERE id = $1 OR sha256 = $1"))
            .bind(id_or_sha256)
            .fetch_optional(&mut *self.reader.acquire().await?)
            .await?;
        Ok(found.map(row).transpose()?)
    }

    pub async fn component_wasm(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let found = sqlx::query("SELECT wasm FROM component_wasm WHERE component_id = $1")
            .bind(id)
            .fetch_optional(&mut *self.reader.acquire().await?)
            .await?;
        Ok(found.map(|r| r.try_get("wasm")).transpose()?)
    }

    pub async fn list_components(&self) -> Result<Vec<ComponentRow>, StoreError> {
        let rows = sqlx::query(concat!("SELECT ", columns!(), " FROM components ORDER BY id"))
            .fetch_all(&mut *self.reader.acquire().await?)
            .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    /// Replaces a component's limit overrides.
    pub async fn set_component_limits(&self, id: &str, limits: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE components SET limits = $1 WHERE id = $2")
            .bind(limits)
            .bind(id)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a component unless a config names it or a trained model was trained with
    /// it (the model could not predict without it), checked and done in one transaction.
    pub async fn delete_unused_component(&self, id: &str) -> Result<ComponentDeletion, StoreError> {
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        let found =
            sqlx::query("SELECT sha256 FROM components WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        let Some(found) = found else { return Ok(ComponentDeletion::NotFound) };
        let sha256: String = found.try_get("sha256")?;
        let configs: i64 = sqlx::query("SELECT COUNT(*) AS n FROM configs WHERE component_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        // A job writes a model's record with `"chapwasm_ml":"trained_model","status":…`
        // first and the component's hash (hex: no LIKE wildcards) among its fields; a
        // failed training needs no code.
        let models: Vec<String> = sqlx::query(
            "SELECT id FROM artifacts WHERE written_by_job = 1 AND data LIKE $1 AND data LIKE $2 ORDER BY id LIMIT 5",
        )
        .bind(r#"{"chapwasm_ml":"trained_model","status":"success"%"#)
        .bind(format!(r#"%"component_sha256":"{sha256}"%"#))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
        let jobs: Vec<String> = sqlx::query(
            "SELECT id FROM jobs WHERE component_sha256 = $1 AND status IN ('pending', 'running') ORDER BY id LIMIT 5",
        )
        .bind(&sha256)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
        if configs > 0 || !models.is_empty() || !jobs.is_empty() {
            return Ok(ComponentDeletion::InUse { configs, models, jobs });
        }
        sqlx::query("DELETE FROM components WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(ComponentDeletion::Deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_reads::{bytes_read, empty_the_log, rows_of, temp_store};

    /// Every job looks its component's record up; the record must not cost the code's size.
    #[tokio::test(flavor = "multi_thread")]
    async fn reading_a_components_record_does_not_read_its_code() {
        let (store, _file, _alone) = temp_store("component").await;
        let wasm = vec![7u8; 8 << 20];
        let component = ComponentRow {
            id: "01J0000000000000000000000A".into(),
            sha256: "ab".repeat(32),
            name: "big".into(),
            version: "1.0.0".into(),
            size_bytes: wasm.len() as i64,
            description: "{}".into(),
            limits: "{}".into(),
            created_at: "2026-12-01T00:00:00Z".into(),
        };
        store.insert_component(&component, &wasm).await.unwrap();
        empty_the_log(&store).await;
        let before = bytes_read();
        for _ in 0..20 {
            assert_eq!(store.find_component(&component.sha256).await.unwrap().as_ref(), Some(&component));
        }
        let read = bytes_read() - before;
        assert!(read < wasm.len() as u64, "20 record reads read {read} bytes");
        assert_eq!(store.component_wasm(&component.id).await.unwrap().as_deref(), Some(wasm.as_slice()));
        assert_eq!(store.delete_unused_component(&component.id).await.unwrap(), ComponentDeletion::Deleted);
        assert_eq!(rows_of(&store, "component_wasm", "component_id", &component.id).await, 0, "code deleted too");
    }
}
