//! Online backup of the SQLite database with `VACUUM INTO`: a consistent snapshot taken while the
//! server keeps running, written to a new file.

use std::path::Path;

use sea_orm::ConnectionTrait;

use crate::db::{Backend, Db};
use crate::dialect::stmt;
use crate::error::{Result, StorageError};

pub async fn backup_sqlite(db: &Db, target: &Path) -> Result<()> {
    if db.backend() != Backend::Sqlite {
        return Err(StorageError::Config(
            "backup: only SQLite databases are backed up this way".into(),
        ));
    }
    let target = target.to_str().ok_or_else(|| {
        StorageError::Config(format!(
            "backup: path {} is not valid UTF-8",
            target.display()
        ))
    })?;
    db.conn()
        .execute_raw(stmt(db.db_backend(), "VACUUM INTO $1", [target.into()]))
        .await
        .map_err(|e| StorageError::Unavailable(format!("backup to {target} failed: {e}")))?;
    Ok(())
}
