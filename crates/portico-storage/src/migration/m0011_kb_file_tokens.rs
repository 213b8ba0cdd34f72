//! Files of articles get an unguessable token that their address carries, so a file of an internal or
//! one organisation's article cannot be fetched by counting ids. Files stored before have none and keep
//! their old address. Content types get room for office documents' long names (SQLite does not hold
//! strings to their declared length; PostgreSQL does).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("kb_files")
                .add_column(string_len_null("token", 64))
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "ALTER TABLE kb_files ALTER COLUMN content_type TYPE VARCHAR(128)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("kb_files")
                .drop_column("token")
                .to_owned(),
        )
        .await
    }
}
