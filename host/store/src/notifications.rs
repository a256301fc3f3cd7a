//! Notifications between replicas sharing a PostgreSQL database: `NOTIFY` on one channel,
//! and a `LISTEN`ing connection of its own per replica. Payloads are opaque text here (the
//! service decides what they say); PostgreSQL caps them at 8000 bytes.

use super::{Store, StoreError};
use sqlx::postgres::PgListener;

/// The channel job events travel on.
const CHANNEL: &str = "chapwasm_jobs";

/// A connection listening on the job-events channel.
pub struct Listener(PgListener);

impl Store {
    /// Sends `payload` to every listening replica (this one included).
    pub async fn notify(&self, payload: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }

    /// Opens a connection that listens on the job-events channel (PostgreSQL only).
    pub async fn listen(&self) -> Result<Listener, StoreError> {
        let mut listener = PgListener::connect(&self.url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Listener(listener))
    }
}

impl Listener {
    /// The next payload; `None` (or an error) means the connection was lost, and with it
    /// whatever was sent meanwhile: listen again, then catch up from the tables.
    pub async fn recv(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self.0.try_recv().await?.map(|notification| notification.payload().to_owned()))
    }
}
