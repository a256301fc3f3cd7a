//! A submission's first read, sent before its frames are parsed. A small `$train` spends
//! ~0.15 ms reading its frame on the request's thread and then, one after the other,
//! ~0.15 ms waiting for the database's answer about its config (on a SQLite file a round
//! trip to the connection's own thread; `$predict` likewise for its model's artifact).
//! Sent first, the read runs on the other core while the frame is read, and the
//! submission finds its answer waiting.
//!
//! The answer is taken only by a submission for the same id, and is what the same read
//! would have found had the request come a frame's parse earlier; anything else reads
//! afresh. Nothing is written, so an early read whose request fails to parse is dropped;
//! the statement it sent still runs on its connection, so a request refused for its frame
//! (a 422) now costs the database one read, as an accepted one does.

use super::MlService;
use chapwasm_store::{ArtifactRow, ConfigRow, StoreError};
use futures_util::future::BoxFuture;
use std::task::{Context, Poll};

/// A read under way for one submission (see the module docs).
pub enum EarlyRead {
    /// A `$train`'s config, with the queue's length counted to the service's bound.
    Config { config_id: String, read: Pending<Option<(ConfigRow, usize)>> },
    /// A `$predict`'s model artifact, without its content.
    Model { artifact_id: String, read: Pending<Option<ArtifactRow>> },
}

/// A read's answer, still coming or already in.
type Pending<T> = BoxFuture<'static, Result<T, StoreError>>;

/// An early read's answer, for the submission to take.
pub(super) enum EarlyAnswer {
    Config { config_id: String, found: Result<Option<(ConfigRow, usize)>, StoreError> },
    Model { artifact_id: String, found: Result<Option<ArtifactRow>, StoreError> },
}

impl MlService {
    /// Begins reading what a `$train` for `config_id` reads first.
    pub fn early_config_read(&self, config_id: &str) -> EarlyRead {
        let (store, id, limit) = (self.store.clone(), config_id.to_owned(), self.max_pending_jobs);
        let read = Box::pin(async move { store.get_config_and_queue(&id, limit).await });
        EarlyRead::Config { config_id: config_id.to_owned(), read }
    }

    /// Begins reading what a `$predict` with the model `artifact_id` reads first.
    pub fn early_model_read(&self, artifact_id: &str) -> EarlyRead {
        let (store, id) = (self.store.clone(), artifact_id.to_owned());
        let read = Box::pin(async move { store.get_artifact_summary(&id).await });
        EarlyRead::Model { artifact_id: artifact_id.to_owned(), read }
    }
}

impl EarlyRead {
    /// Sends the read on its way: polls it once, which hands the statement to the
    /// database's connection (when one is free) and returns at once.
    pub async fn send(&mut self) {
        std::future::poll_fn(|context| {
            match self {
                EarlyRead::Config { read, .. } => poll_once(read, context),
                EarlyRead::Model { read, .. } => poll_once(read, context),
            }
            Poll::Ready(())
        })
        .await;
    }

    /// Waits for the answer. A submission does this before any other read: a read under
    /// way holds its connection, and submissions each holding one while waiting for
    /// another could take every connection there is.
    pub(super) async fn answer(self) -> EarlyAnswer {
        match self {
            EarlyRead::Config { config_id, read } => EarlyAnswer::Config { config_id, found: read.await },
            EarlyRead::Model { artifact_id, read } => EarlyAnswer::Model { artifact_id, found: read.await },
        }
    }
}

impl EarlyAnswer {
    /// The config and queue length, if `early` read them for `config_id`.
    pub(super) fn config(
        early: &mut Option<EarlyAnswer>,
        config_id: &str,
    ) -> Option<Result<Option<(ConfigRow, usize)>, StoreError>> {
        match early.take()? {
            EarlyAnswer::Config { config_id: id, found } if id == config_id => Some(found),
            other => {
                *early = Some(other);
                None
            }
        }
    }

    /// The model artifact's summary, if `early` read it for `artifact_id`.
    pub(super) fn model(
        early: &mut Option<EarlyAnswer>,
        artifact_id: &str,
    ) -> Option<Result<Option<ArtifactRow>, StoreError>> {
        match early.take()? {
            EarlyAnswer::Model { artifact_id: id, found } if id == artifact_id => Some(found),
            other => {
                *early = Some(other);
                None
            }
        }
    }
}

/// Polls `read` once; an answer already in is kept, to be taken by `answer`.
fn poll_once<T: Send + 'static>(read: &mut Pending<T>, context: &mut Context<'_>) {
    if let Poll::Ready(answer) = read.as_mut().poll(context) {
        *read = Box::pin(std::future::ready(answer));
    }
}

#[cfg(test)]
mod tests {
    use super::{EarlyAnswer, EarlyRead};
    use chapwasm_store::ConfigRow;

    fn config(id: &str) -> ConfigRow {
        let (now, data, tags) = ("2026-12-06T00:00:00".to_owned(), "{}".to_owned(), "[]".to_owned());
        ConfigRow {
            id: id.into(),
            name: "c".into(),
            data,
            tags,
            created_at: now.clone(),
            updated_at: now,
            component_id: None,
        }
    }

    #[test]
    fn an_answer_is_taken_once_and_only_for_the_config_it_read() {
        let mut early = Some(EarlyAnswer::Config { config_id: "a".into(), found: Ok(Some((config("a"), 3))) });
        assert!(EarlyAnswer::config(&mut early, "b").is_none(), "another config's answer");
        assert!(EarlyAnswer::model(&mut early, "a").is_none(), "a config's answer for a model");
        let Some(Ok(Some((found, waiting)))) = EarlyAnswer::config(&mut early, "a") else { panic!("its own answer") };
        assert_eq!((found.id.as_str(), waiting), ("a", 3));
        assert!(early.is_none() && EarlyAnswer::config(&mut early, "a").is_none(), "taken once");
    }

    #[test]
    fn a_models_answer_is_taken_only_for_that_model() {
        let mut early = Some(EarlyAnswer::Model { artifact_id: "m".into(), found: Ok(None) });
        assert!(EarlyAnswer::config(&mut early, "m").is_none(), "a model's answer for a config");
        assert!(EarlyAnswer::model(&mut early, "n").is_none(), "another model's answer");
        assert!(matches!(EarlyAnswer::model(&mut early, "m"), Some(Ok(None))), "found missing: a 404 follows");
        assert!(early.is_none());
    }

    /// Sending starts the read (its first poll) without waiting for its answer.
    #[tokio::test]
    async fn sending_starts_the_read_and_does_not_wait_for_it() {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (tell, told) = tokio::sync::oneshot::channel::<()>();
        let read = Box::pin({
            let started = started.clone();
            async move {
                started.store(true, std::sync::atomic::Ordering::SeqCst);
                told.await.expect("told");
                Ok(None)
            }
        });
        let mut read = EarlyRead::Config { config_id: "c".into(), read };
        read.send().await;
        assert!(started.load(std::sync::atomic::Ordering::SeqCst), "sent");
        tell.send(()).expect("waiting");
        assert!(matches!(read.answer().await, EarlyAnswer::Config { found: Ok(None), .. }));
    }

    /// Sending polls once: an answer already in is kept, one still coming is waited for.
    #[tokio::test]
    async fn a_sent_read_answers_whether_it_finished_at_once_or_later() {
        let at_once = Box::pin(async { Ok(Some((config("now"), 0))) });
        let mut read = EarlyRead::Config { config_id: "now".into(), read: at_once };
        read.send().await;
        let EarlyAnswer::Config { found: Ok(Some((found, _))), .. } = read.answer().await else { panic!("answered") };
        assert_eq!(found.id, "now");

        let (tell, told) = tokio::sync::oneshot::channel::<()>();
        let later = Box::pin(async move {
            told.await.expect("told");
            Ok(None)
        });
        let mut read = EarlyRead::Model { artifact_id: "later".into(), read: later };
        read.send().await;
        tell.send(()).expect("waiting");
        assert!(matches!(read.answer().await, EarlyAnswer::Model { found: Ok(None), .. }));
    }
}
