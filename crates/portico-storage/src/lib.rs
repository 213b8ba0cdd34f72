//! The database: one connection type for SQLite (embedded default) and PostgreSQL (scale-out), one
//! migration set, and the repositories every feature uses. Queries are written once in the portable SQL
//! subset both engines share (`$1` placeholders, `RETURNING`, `ON CONFLICT`); the few places where the
//! engines differ live in [`dialect`].

pub mod account_links;
pub mod api_tokens;
pub mod audit;
pub mod backup;
pub mod db;
pub mod dialect;
pub mod error;
pub mod events;
pub mod jobs;
pub mod kb;
pub mod migration;
pub mod notify;
pub mod organizations;
pub mod outbox;
mod query;
pub mod requests;
pub mod sessions;
pub mod settings;
pub mod sign_in_throttle;
pub mod users;

pub use db::{Backend, DatabaseUrl, Db, DbConfig};
pub use error::StorageError;
