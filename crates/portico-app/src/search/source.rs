//! What a feature implements to make its content searchable.
//!
//! A feature writes an outbox row (`tx.outbox(entity, id, ..)`) in each transaction that changes its
//! searchable content, and provides a [`SearchSource`] for that `entity`, listed once in
//! `crate::features::SEARCH_SOURCES`. The follower asks the source for the current documents of the
//! things the outbox names, and for all of them when it rebuilds the index.

use std::future::Future;
use std::pin::Pin;

use portico_search::{Change, SearchDoc};

use crate::{App, AppError};

/// Where a rebuild's documents go, in batches.
pub type DocSink = tokio::sync::mpsc::Sender<Vec<SearchDoc>>;

/// Sends one batch to a rebuild; an error when the rebuild has stopped taking documents.
pub async fn send(out: &DocSink, batch: Vec<SearchDoc>) -> Result<usize, AppError> {
    let n = batch.len();
    out.send(batch)
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("the search index rebuild stopped")))?;
    Ok(n)
}

/// The future a [`SearchSource`] method returns (boxed, so sources can be listed as `dyn`).
pub type SourceFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 'a>>;

/// The searchable documents of one kind of thing.
pub trait SearchSource: Send + Sync {
    /// The `entity` this source indexes, as written in the outbox and stored in the index.
    fn entity(&self) -> &'static str;

    /// The change that brings the index in line with the current state of `entity_id`: its documents,
    /// or a removal when it is gone. `None` when there is nothing to do.
    fn load<'a>(&'a self, app: &'a App, entity_id: &'a str) -> SourceFuture<'a, Option<Change>>;

    /// Every document of this kind, for a rebuild, sent to `out` in batches as they are read (a large
    /// help centre is never held in memory at once). Returns how many were sent.
    fn all<'a>(&'a self, app: &'a App, out: &'a DocSink) -> SourceFuture<'a, usize>;
}
