//! Articles for the members of one organisation: the organisation an article with visibility
//! `organization` is written for.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("kb_articles")
                .add_column(big_integer_null("organization_id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("kb_articles")
                .drop_column("organization_id")
                .to_owned(),
        )
        .await
    }
}
