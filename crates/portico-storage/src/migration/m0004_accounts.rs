//! Accounts: profile fields and e-mail verification on users, single-use links (verification, password
//! reset, invitation, e-mail change), e-mail domains that place new sign-ups in an organisation,
//! organisation managers, where a session was started from, and the append-only audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite alters one column per statement, so every column is its own `ALTER TABLE`.
async fn add_column(
    m: &SchemaManager<'_>,
    table: &'static str,
    col: ColumnDef,
) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "users", big_integer_null("email_verified_at")).await?;
        add_column(m, "users", string_len_null("phone", 32)).await?;
        add_column(m, "users", text_null("address")).await?;
        add_column(m, "users", string_len_null("time_zone", 64)).await?;
        add_column(m, "users", text("notifications").default("{}").to_owned()).await?;
        // Accounts made before sign-up existed were made by an administrator or the demo: trusted.
        m.get_connection()
            .execute_unprepared("UPDATE users SET email_verified_at = created_at")
            .await?;

        add_column(
            m,
            "memberships",
            boolean("manager").default(false).to_owned(),
        )
        .await?;
        add_column(m, "sessions", string_len_null("ip", 64)).await?;
        add_column(m, "sessions", text_null("user_agent")).await?;

        m.create_table(
            Table::create()
                .table("organization_domains")
                .col(string_len("domain", 253).primary_key())
                .col(big_integer("organization_id"))
                .col(big_integer("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("organization_domains", "organization_id")
                        .to("organizations", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("organization_domains_by_org")
                .table("organization_domains")
                .col("organization_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("account_links")
                .col(big_pk_auto("id"))
                .col(string_len("purpose", 16))
                .col(string_len_uniq("digest", 64))
                .col(big_integer("user_id"))
                .col(text_null("new_email"))
                .col(big_integer("expires_at"))
                .col(big_integer_null("used_at"))
                .col(big_integer("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("account_links", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("account_links_by_user")
                .table("account_links")
                .col("user_id")
                .col("purpose")
                .to_owned(),
        )
        .await?;

        // No foreign keys: the log outlives what it speaks of.
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(big_integer("at"))
                .col(big_integer_null("actor_id"))
                .col(string_len("action", 64))
                .col(string_len_null("subject_type", 32))
                .col(string_len_null("subject_id", 64))
                .col(string_len_null("ip", 64))
                .col(text_null("user_agent"))
                .col(text("details").default("{}"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("audit_log_by_time", &["at"][..]),
            ("audit_log_by_actor", &["actor_id", "at"][..]),
            ("audit_log_by_action", &["action", "at"][..]),
            (
                "audit_log_by_subject",
                &["subject_type", "subject_id", "at"][..],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("audit_log");
            for c in cols {
                idx.col(*c);
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_log", "account_links", "organization_domains"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        for (t, c) in [
            ("sessions", "user_agent"),
            ("sessions", "ip"),
            ("memberships", "manager"),
            ("users", "notifications"),
            ("users", "time_zone"),
            ("users", "address"),
            ("users", "phone"),
            ("users", "email_verified_at"),
        ] {
            m.alter_table(Table::alter().table(t).drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}
