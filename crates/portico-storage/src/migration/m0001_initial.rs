//! The spine's tables: identity basics (users, organisations, memberships, sessions), the job queue, the
//! search outbox and settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(name: &'static str) -> ColumnDef {
    big_integer(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(text("email"))
                .col(text_uniq("email_lower"))
                .col(text("name"))
                .col(string_len("locale", 16))
                .col(string_len("role", 32))
                .col(text_null("password_hash"))
                .col(string_len("status", 16).default("active"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("organizations")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("slug", 64))
                .col(text("name"))
                .col(text("name_translations").default("{}"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("memberships")
                .col(big_integer("user_id"))
                .col(big_integer("organization_id"))
                .col(boolean("can_see_all").default(false))
                .col(ts("created_at"))
                .primary_key(Index::create().col("user_id").col("organization_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("memberships", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("memberships", "organization_id")
                        .to("organizations", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memberships_by_org")
                .table("memberships")
                .col("organization_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("id", 64).primary_key())
                .col(big_integer_null("user_id"))
                .col(text("data"))
                .col(ts("expires_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("sessions", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_by_expiry")
                .table("sessions")
                .col("expires_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_by_user")
                .table("sessions")
                .col("user_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("jobs")
                .col(big_pk_auto("id"))
                .col(string_len("queue", 64).default("default"))
                .col(string_len("kind", 128))
                .col(text("payload"))
                .col(string_len("status", 16))
                .col(integer("priority").default(0))
                .col(ts("run_at"))
                .col(integer("attempts").default(0))
                .col(integer("max_attempts"))
                .col(string_len_null("locked_by", 128))
                .col(big_integer_null("locked_until"))
                .col(text_null("last_error"))
                .col(string_len_null("unique_key", 255).unique_key())
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(big_integer_null("finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_ready")
                .table("jobs")
                .col("status")
                .col("queue")
                .col("run_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("search_outbox")
                .col(big_pk_auto("id"))
                .col(string_len("entity", 64))
                .col(string_len("entity_id", 128))
                .col(string_len("op", 16))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("settings")
                .col(string_len("key", 128).primary_key())
                .col(text("value"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "settings",
            "search_outbox",
            "jobs",
            "sessions",
            "memberships",
            "organizations",
            "users",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
