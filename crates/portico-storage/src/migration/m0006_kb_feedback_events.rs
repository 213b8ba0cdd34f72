//! "Was this helpful?" votes on articles, and the portal's own append-only event log (views, searches,
//! clicks on results), kept once per visitor, thing and day so repeats do not inflate counts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("kb_feedback")
                .col(big_pk_auto("id"))
                .col(big_integer("article_id"))
                .col(string_len("visitor", 64))
                .col(big_integer_null("user_id"))
                .col(boolean("helpful"))
                .col(string_len_null("reason", 32))
                .col(text_null("comment"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("kb_feedback", "article_id")
                        .to("kb_articles", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("kb_feedback_one_per_visitor")
                .table("kb_feedback")
                .col("article_id")
                .col("visitor")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("events")
                .col(big_pk_auto("id"))
                .col(big_integer("at"))
                .col(string_len("kind", 32))
                .col(string_len_null("subject", 128))
                .col(text_null("query"))
                .col(integer_null("results"))
                .col(string_len("visitor", 64))
                .col(big_integer_null("user_id"))
                .col(string_len_uniq("dedup_key", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("events_by_kind_time")
                .table("events")
                .col("kind")
                .col("at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["events", "kb_feedback"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
