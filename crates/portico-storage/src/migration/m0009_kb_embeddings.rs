//! Sentence vectors of articles, made in the background by a node that has the language model, so every
//! node can rank by meaning without running the model over the whole help centre itself.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("kb_article_embeddings")
                .col(big_integer("article_id").primary_key())
                .col(string_len("model", 64))
                .col(integer("article_version"))
                .col(integer("dim"))
                .col(blob("vectors"))
                .col(big_integer("created_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("kb_article_embeddings").to_owned())
            .await
    }
}
