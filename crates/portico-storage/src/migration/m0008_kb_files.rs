//! Images for articles, stored in the database so every node serves them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("kb_files")
                .col(big_pk_auto("id"))
                .col(string_len("name", 128))
                .col(string_len("content_type", 64))
                .col(big_integer("size"))
                .col(blob("bytes"))
                .col(big_integer_null("uploaded_by"))
                .col(big_integer("created_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("kb_files").to_owned())
            .await
    }
}
