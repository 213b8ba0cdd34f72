//! Write transactions for use cases. A change, the jobs it causes and its search-outbox rows commit
//! together or not at all; workers are woken only after the commit, when the jobs are visible.

use portico_core::Timestamp;
use portico_storage::jobs::{self as store, NewJob};
use portico_storage::outbox::{self, OutboxOp};
use sea_orm::DatabaseTransaction;

use crate::{App, AppError};

/// An open write transaction. Dropping it without [`Tx::commit`] rolls everything back.
#[derive(Debug)]
pub struct Tx {
    txn: DatabaseTransaction,
    app: App,
    now: Timestamp,
    enqueued: bool,
    outboxed: bool,
    /// Requests changed in this transaction (id, internal only), announced after the commit.
    requests: Vec<(i64, bool)>,
    /// This process's turn to write (SQLite), released after the commit or rollback.
    _turn: portico_storage::db::WriteTurn,
}

impl Tx {
    /// The connection to pass to storage functions so they join this transaction.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The time this transaction acts at (one value for every row it writes).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Enqueues a job that becomes visible to workers only if the transaction commits.
    pub async fn enqueue(&mut self, job: &NewJob) -> Result<Option<i64>, AppError> {
        // Workers on other nodes are woken once, at commit.
        let id = store::insert_job(&self.txn, job, self.now).await?;
        self.enqueued |= id.is_some();
        Ok(id)
    }

    /// Records that searchable content changed.
    pub async fn outbox(
        &mut self,
        entity: &str,
        entity_id: &str,
        op: OutboxOp,
    ) -> Result<i64, AppError> {
        let id = outbox::insert_outbox(&self.txn, entity, entity_id, op, self.now).await?;
        self.outboxed = true;
        Ok(id)
    }

    /// Records that request `id` changed, for pages following it on any node (announced at commit).
    pub async fn request_changed(&mut self, id: i64, internal: bool) -> Result<(), AppError> {
        portico_storage::notify::request_changed(&self.txn, id, internal).await?;
        self.requests.push((id, internal));
        Ok(())
    }

    /// Commits, then wakes this node's workers if jobs were enqueued (other nodes hear a NOTIFY).
    pub async fn commit(self) -> Result<(), AppError> {
        if self.enqueued {
            store::wake_workers(&self.txn).await?;
        }
        self.txn
            .commit()
            .await
            .map_err(portico_storage::StorageError::from)?;
        if self.enqueued {
            self.app.wake_workers();
        }
        // On PostgreSQL every node (this one too) hears the NOTIFY; SQLite has only this node.
        if self.app.db().backend() != portico_storage::Backend::Postgres {
            for (id, internal) in &self.requests {
                self.app.announce_request(*id, *internal);
            }
        }
        if self.outboxed {
            self.app.content_changed();
            if let Some(s) = self.app.search_state() {
                s.wake();
            }
        }
        Ok(())
    }

    /// Abandons every write of this transaction.
    pub async fn rollback(self) -> Result<(), AppError> {
        self.txn
            .rollback()
            .await
            .map_err(portico_storage::StorageError::from)?;
        Ok(())
    }
}

impl App {
    /// Starts a write transaction (on SQLite it takes the write lock at once, see `Db::begin_write`).
    pub async fn begin(&self) -> Result<Tx, AppError> {
        let (txn, turn) = self.db().begin_write_in_turn().await?;
        Ok(Tx {
            txn,
            _turn: turn,
            app: self.clone(),
            now: self.now(),
            enqueued: false,
            outboxed: false,
            requests: Vec::new(),
        })
    }
}
