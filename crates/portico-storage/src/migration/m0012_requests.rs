//! The service catalogue and requests: request types with every version of their form, requests (each
//! keeps the form version it was submitted with), their timeline, the files attached to them, and
//! gap-free counters for references such as `REQ-000123`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("counters")
                .col(string_len("name", 64).primary_key())
                .col(big_integer("value"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("request_types")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("key", 64))
                // Names, descriptions and the catalogue group, each as JSON `{"en": …, "zh-CN": …}`.
                .col(text("name"))
                .col(text("description"))
                .col(text("category"))
                .col(string_len("icon", 32).default("document"))
                // `everyone`, `customers` or `organizations` (then `organizations` lists their ids).
                .col(string_len("audience", 16))
                .col(text("organizations"))
                .col(boolean("active").default(true))
                .col(integer("position").default(0))
                .col(integer("version").default(1))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("request_type_versions")
                .col(big_integer("type_id"))
                .col(integer("version"))
                .col(text("form"))
                .col(big_integer_null("created_by"))
                .col(big_integer("created_at"))
                .primary_key(Index::create().col("type_id").col("version"))
                .foreign_key(
                    ForeignKey::create()
                        .from("request_type_versions", "type_id")
                        .to("request_types", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("requests")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("number"))
                .col(big_integer("type_id"))
                .col(integer("type_version"))
                .col(big_integer("requester_id"))
                .col(big_integer_null("organization_id"))
                .col(text("subject"))
                .col(text("fields"))
                .col(string_len("status", 32))
                .col(big_integer_null("assignee_id"))
                .col(string_len_null("idempotency_key", 128))
                .col(integer_null("rating"))
                .col(text_null("rating_comment"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer_null("resolved_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("requests", "type_id")
                        .to("request_types", "id"),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            ("requests_by_requester", &["requester_id", "id"][..], false),
            ("requests_by_status", &["status", "id"][..], false),
            ("requests_by_type", &["type_id", "status", "id"][..], false),
            (
                "requests_by_organization",
                &["organization_id", "id"][..],
                false,
            ),
            (
                "requests_one_per_idempotency_key",
                &["requester_id", "idempotency_key"][..],
                true,
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("requests");
            for c in cols {
                idx.col(*c);
            }
            if unique {
                idx.unique();
            }
            m.create_index(idx.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("request_events")
                .col(big_pk_auto("id"))
                .col(big_integer("request_id"))
                .col(big_integer("at"))
                .col(big_integer_null("actor_id"))
                // `created`, `comment`, `note` (internal), `status`, `assigned`, `rating`.
                .col(string_len("kind", 16))
                .col(text_null("body"))
                .col(string_len_null("from_status", 32))
                .col(string_len_null("to_status", 32))
                .col(boolean("internal").default(false))
                .foreign_key(
                    ForeignKey::create()
                        .from("request_events", "request_id")
                        .to("requests", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("request_events_by_request")
                .table("request_events")
                .col("request_id")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("request_files")
                .col(big_pk_auto("id"))
                .col(big_integer_null("request_id"))
                .col(big_integer_null("event_id"))
                .col(big_integer("uploaded_by"))
                .col(string_len("name", 128))
                .col(string_len("content_type", 128))
                .col(big_integer("size"))
                .col(blob("bytes"))
                .col(big_integer("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("request_files_by_request")
                .table("request_files")
                .col("request_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "request_files",
            "request_events",
            "requests",
            "request_type_versions",
            "request_types",
            "counters",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
