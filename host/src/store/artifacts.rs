//! Artifact rows: a tree (parent, level), JSON data, and optional binary content (model
//! bytes, encoded prediction frames) kept out of the JSON so lists never load it.

use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: i64,
    /// JSON text: user data, or the canonical ML record.
    pub data: String,
    pub content: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub tags: String,
    pub created_at: String,
    pub updated_at: String,
}

pub(super) fn row(r: AnyRow) -> Result<ArtifactRow, sqlx::Error> {
    Ok(ArtifactRow {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        level: r.try_get("level")?,
        data: r.try_get("data")?,
        content: r.try_get("content")?,
        content_type: r.try_get("content_type")?,
        tags: r.try_get("tags")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(super) async fn insert(tx: &mut Transaction<'_, Any>, artifact: &ArtifactRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO artifacts (id, parent_id, level, data, content, content_type, tags, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&artifact.id)
    .bind(&artifact.parent_id)
    .bind(artifact.level)
    .bind(&artifact.data)
    .bind(&artifact.content)
    .bind(&artifact.content_type)
    .bind(&artifact.tags)
    .bind(&artifact.created_at)
    .bind(&artifact.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes an artifact and all its descendants.
pub(super) async fn delete_tree(tx: &mut Transaction<'_, Any>, root: &str) -> Result<(), sqlx::Error> {
    let mut pending = vec![root.to_owned()];
    while let Some(id) = pending.pop() {
        let children =
            sqlx::query("SELECT id FROM artifacts WHERE parent_id = $1").bind(&id).fetch_all(&mut **tx).await?;
        for child in children {
            pending.push(child.try_get("id")?);
        }
        sqlx::query("DELETE FROM artifacts WHERE id = $1").bind(&id).execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    pub async fn get_artifact(&self, id: &str) -> Result<Option<ArtifactRow>, StoreError> {
        let found = sqlx::query("SELECT * FROM artifacts WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(found.map(row).transpose()?)
    }

    /// Artifacts in id order, without content.
    pub async fn list_artifacts(&self) -> Result<Vec<ArtifactRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, parent_id, level, data, NULL AS content, content_type, tags, created_at, updated_at \
             FROM artifacts ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    /// Direct children of an artifact, without content, in id order.
    pub async fn child_artifacts(&self, parent_id: &str) -> Result<Vec<ArtifactRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, parent_id, level, data, NULL AS content, content_type, tags, created_at, updated_at \
             FROM artifacts WHERE parent_id = $1 ORDER BY id",
        )
        .bind(parent_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    /// Root artifacts linked to a config, without content.
    pub async fn config_artifacts(&self, config_id: &str) -> Result<Vec<ArtifactRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.parent_id, a.level, a.data, NULL AS content, a.content_type, a.tags, a.created_at, a.updated_at \
             FROM artifacts a JOIN config_artifacts l ON l.artifact_id = a.id WHERE l.config_id = $1 ORDER BY a.id",
        )
        .bind(config_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    pub async fn count_artifacts(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM artifacts").fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// The config linked to the root of `artifact_id`'s tree.
    pub async fn config_of_root(&self, root_id: &str) -> Result<Option<String>, StoreError> {
        let found = sqlx::query("SELECT config_id FROM config_artifacts WHERE artifact_id = $1")
            .bind(root_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.map(|r| r.try_get("config_id")).transpose()?)
    }
}
