//! What operators and the load balancer ask about a node: does the database answer, how deep is the
//! job queue, and the session store the web edge keeps its sessions in.

pub use portico_storage::jobs::JobCounts;
pub use portico_storage::sessions::{
    DbSessionStore as SessionStore, IP_KEY, USER_AGENT_KEY, USER_ID_KEY,
};

use crate::{App, AppError};

/// Answers once the database has run a trivial query.
pub async fn ping(app: &App) -> Result<(), AppError> {
    Ok(app.db().ping().await?)
}

/// Jobs by state, for `/metrics` and the operations API.
pub async fn job_counts(app: &App) -> Result<JobCounts, AppError> {
    Ok(portico_storage::jobs::count_jobs(app.db().conn()).await?)
}

/// The database-backed session store (sessions live in the database so any node serves any visitor).
pub fn session_store(app: &App) -> SessionStore {
    SessionStore::new(app.db().clone(), app.clock().clone())
}
