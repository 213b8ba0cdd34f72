//! Indexes for claiming jobs. Claiming walked `jobs_ready (status, queue, run_at)` through a bitmap,
//! which cannot skip the entries of jobs that already ran (every claim and completion leaves one until
//! VACUUM), then sorted what it found: under a stream of jobs a claim read thousands of dead rows. Two
//! partial indexes hold only what a claim looks for, in the order it wants it: due jobs by priority and
//! time, and running jobs by the end of their lease. `jobs_ready` stays for counting and clean-up.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Partial indexes are written the same way on both engines; sea-query's builder has no WHERE.
        let c = m.get_connection();
        c.execute_unprepared(
            "CREATE INDEX jobs_due ON jobs (queue, priority DESC, run_at, id) WHERE status = 'queued'",
        )
        .await?;
        c.execute_unprepared(
            "CREATE INDEX jobs_leased ON jobs (queue, locked_until) WHERE status = 'running'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["jobs_due", "jobs_leased"] {
            m.drop_index(Index::drop().name(name).table("jobs").to_owned())
                .await?;
        }
        Ok(())
    }
}
