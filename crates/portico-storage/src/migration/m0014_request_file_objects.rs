//! A request's file may keep its bytes in an object store: the row then names the object (`object_key`)
//! and its `bytes` are empty.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("request_files")
                .add_column(string_len_null("object_key", 255))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("request_files")
                .drop_column("object_key")
                .to_owned(),
        )
        .await
    }
}
