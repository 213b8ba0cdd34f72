//! The one migration set, applied to SQLite and PostgreSQL alike. Tables are declared with sea-query's
//! schema builder so each engine receives its own DDL from one definition. Portable column types only:
//! timestamps are BIGINT milliseconds since the Unix epoch (UTC), JSON is stored as TEXT, booleans as
//! BOOLEAN (INTEGER 0/1 on SQLite).

use sea_orm_migration::prelude::*;

mod m0001_initial;
mod m0002_api_tokens;
mod m0003_sign_in_throttle;
mod m0004_accounts;
mod m0005_kb;
mod m0006_kb_feedback_events;
mod m0007_kb_review_by;
mod m0008_kb_files;
mod m0009_kb_embeddings;
mod m0010_kb_organization;
mod m0011_kb_file_tokens;
mod m0012_requests;
mod m0013_job_queue_indexes;
mod m0014_request_file_objects;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_api_tokens::Migration),
            Box::new(m0003_sign_in_throttle::Migration),
            Box::new(m0004_accounts::Migration),
            Box::new(m0005_kb::Migration),
            Box::new(m0006_kb_feedback_events::Migration),
            Box::new(m0007_kb_review_by::Migration),
            Box::new(m0008_kb_files::Migration),
            Box::new(m0009_kb_embeddings::Migration),
            Box::new(m0010_kb_organization::Migration),
            Box::new(m0011_kb_file_tokens::Migration),
            Box::new(m0012_requests::Migration),
            Box::new(m0013_job_queue_indexes::Migration),
            Box::new(m0014_request_file_objects::Migration),
        ]
    }
}
