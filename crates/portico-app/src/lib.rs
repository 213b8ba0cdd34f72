//! Use cases. Both edges (HTML and JSON) call these functions; they authorise, validate, run the
//! transaction and enqueue the jobs a change causes. Nothing here knows about HTTP.

pub mod analytics;
pub mod audit;
pub mod demo;
pub mod error;
pub mod features;
pub mod files;
pub mod i18n;
pub mod identity;
pub mod jobs;
pub mod kb;
pub mod mail;
pub mod ops;
pub mod portal;
pub mod requests;
pub mod search;
mod state;
pub mod tx;
pub mod viewer;

pub use error::AppError;
pub use state::{App, AppSettings};
pub use tx::Tx;
