//! Digests of precompiled code: what the runtime wrote to its disk cache, recorded here
//! (out of reach of whoever can write that directory) so it can verify a file before
//! loading native code from it.

use super::{Store, StoreError};
use sqlx::Row;

impl Store {
    /// The recorded digest of a component's precompiled code for one engine configuration.
    pub async fn code_digest(&self, component_sha256: &str, engine_key: &str) -> Result<Option<String>, StoreError> {
        let found =
            sqlx::query("SELECT code_sha256 FROM precompiled_code WHERE component_sha256 = $1 AND engine_key = $2")
                .bind(component_sha256)
                .bind(engine_key)
                .fetch_optional(&mut *self.reader.acquire().await?)
                .await?;
        Ok(found.map(|r| r.try_get("code_sha256")).transpose()?)
    }

    /// Records (or replaces) the digest of freshly written precompiled code.
    pub async fn record_code_digest(
        &self,
        component_sha256: &str,
        engine_key: &str,
        code_sha256: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO precompiled_code (component_sha256, engine_key, code_sha256) VALUES ($1, $2, $3) \
             ON CONFLICT (component_sha256, engine_key) DO UPDATE SET code_sha256 = excluded.code_sha256",
        )
        .bind(component_sha256)
        .bind(engine_key)
        .bind(code_sha256)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    /// Forgets every digest of a component's code (it was deleted).
    pub async fn forget_code_digests(&self, component_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM precompiled_code WHERE component_sha256 = $1")
            .bind(component_sha256)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }
}
