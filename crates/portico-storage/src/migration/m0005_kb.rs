//! The knowledge base: categories, articles (one row per language; translations share a group) and
//! every saved version of an article.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("kb_categories")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("slug", 64))
                .col(text("name_en"))
                .col(text("name_zh"))
                .col(string_len("icon", 32).default("document"))
                .col(integer("position").default(0))
                .col(big_integer("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kb_articles")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("slug", 128))
                .col(string_len("locale", 16))
                .col(string_len("translation_key", 128))
                .col(text("title"))
                .col(text("body_markdown"))
                .col(text("body_html"))
                .col(text("body_text"))
                .col(big_integer_null("category_id"))
                .col(string_len("visibility", 16))
                .col(string_len("status", 16))
                .col(string_len_null("external_id", 255).unique_key())
                .col(big_integer_null("author_id"))
                .col(integer("version").default(1))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer_null("published_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("kb_articles", "category_id")
                        .to("kb_categories", "id")
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("kb_articles_by_category", &["category_id", "status"][..]),
            ("kb_articles_by_translation", &["translation_key"][..]),
            ("kb_articles_by_update", &["updated_at"][..]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("kb_articles");
            for c in cols {
                idx.col(*c);
            }
            m.create_index(idx.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("kb_article_versions")
                .col(big_pk_auto("id"))
                .col(big_integer("article_id"))
                .col(integer("version"))
                .col(text("title"))
                .col(text("body_markdown"))
                .col(big_integer_null("author_id"))
                .col(big_integer("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("kb_article_versions", "article_id")
                        .to("kb_articles", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("kb_article_versions_by_article")
                .table("kb_article_versions")
                .col("article_id")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["kb_article_versions", "kb_articles", "kb_categories"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
