//! A connection the caller holds alone for a read or a write: from a pool (PostgreSQL,
//! `:memory:`), the SQLite file's one writer (`writer`), or one of its readers (`readers`).

use super::readers::HeldReader;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};
use std::ops::{Deref, DerefMut};
use tokio::sync::OwnedMutexGuard;

pub(super) enum Connection {
    Pooled(PoolConnection<Any>),
    Writer(OwnedMutexGuard<AnyConnection>),
    Reader(HeldReader),
}

impl Deref for Connection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Connection::Pooled(connection) => connection,
            Connection::Writer(connection) => connection,
            Connection::Reader(connection) => connection,
        }
    }
}

impl DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Connection::Pooled(connection) => connection,
            Connection::Writer(connection) => connection,
            Connection::Reader(connection) => connection,
        }
    }
}
