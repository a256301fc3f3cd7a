//! Slots for open event streams (job and health streams together): a bound for the
//! server, and a share of it for each caller (a key, or an address without one), so one
//! client cannot hold every slot and lock the others out.

use super::ApiError;
use crate::security::guard::{Caller, Identity};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct StreamSlots {
    all: Arc<Semaphore>,
    per_caller: usize,
    held: Arc<Mutex<HashMap<Identity, usize>>>,
}

/// One open stream's slot; given back when dropped (the stream ended or its client left).
pub struct StreamSlot {
    _permit: OwnedSemaphorePermit,
    caller: Option<Identity>,
    held: Arc<Mutex<HashMap<Identity, usize>>>,
}

impl StreamSlots {
    /// `total` streams at once, each caller at most a quarter of them (at least one).
    pub fn new(total: usize) -> Self {
        Self { all: Arc::new(Semaphore::new(total)), per_caller: (total / 4).max(1), held: Default::default() }
    }

    /// A slot for `caller`, or a 503 that says which bound was reached.
    pub fn take(&self, caller: Option<&Caller>, alternative: &str) -> Result<StreamSlot, ApiError> {
        let full = |detail: String| ApiError::unavailable(detail, 5);
        let permit = self
            .all
            .clone()
            .try_acquire_owned()
            .map_err(|_| full(format!("too many event streams are open: try again later, or {alternative}")))?;
        let identity = caller.and_then(|c| c.identity);
        if let Some(identity) = identity {
            let mut held = self.held.lock().expect("stream slots lock");
            let count = held.entry(identity).or_default();
            if *count >= self.per_caller {
                return Err(full(format!(
                    "this client has {count} event streams open, its most: close one, or {alternative}"
                )));
            }
            *count += 1;
        }
        Ok(StreamSlot { _permit: permit, caller: identity, held: self.held.clone() })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let Some(identity) = self.caller else { return };
        let mut held = self.held.lock().expect("stream slots lock");
        if let Some(count) = held.get_mut(&identity) {
            *count -= 1;
            if *count == 0 {
                held.remove(&identity);
            }
        }
    }
}
