//! Failed sign-ins by e-mail address, for the growing delay and the temporary lock. Keyed by the
//! address as typed (lower-cased), whether or not an account has it, so throttling reveals nothing
//! about which addresses exist; in the database so it holds across nodes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sign_in_throttle")
                .col(string_len("email_key", 320).primary_key())
                .col(integer("failures").default(0))
                .col(big_integer("last_failed_at"))
                .col(big_integer_null("locked_until"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sign_in_throttle_by_last_failure")
                .table("sign_in_throttle")
                .col("last_failed_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("sign_in_throttle").to_owned())
            .await
    }
}
