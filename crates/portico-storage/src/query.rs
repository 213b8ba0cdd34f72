//! Small helpers shared by the repositories.

use sea_orm::{ConnectionTrait, Value};

use crate::dialect::stmt;
use crate::error::Result;

/// Runs `sql` and returns the integer column `v` of its first row (`None` when there is no row).
pub(crate) async fn query_i64(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Option<i64>> {
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), sql, values))
        .await?;
    Ok(row.map(|r| r.try_get::<i64>("", "v")).transpose()?)
}
