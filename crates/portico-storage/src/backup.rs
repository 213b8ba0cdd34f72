//! Online backup of the SQLite database with `VACUUM INTO`: a consistent snapshot taken while the
//! server keeps running, written to a new file readable by its owner only (it holds password hashes).

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
    // SQLite would create the file with the default mode (usually 0644); VACUUM INTO also accepts an
    // existing empty file, so it is created owner-only first. It must not exist yet.
    let path = Path::new(target);
    crate::db::create_private_file(path)
        .map_err(|e| StorageError::Unavailable(format!("backup to {target} failed: {e}")))?;
    let written = db
        .conn()
        .execute_raw(stmt(db.db_backend(), "VACUUM INTO $1", [target.into()]))
        .await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(path);
        return Err(StorageError::Unavailable(format!(
            "backup to {target} failed: {e}"
        )));
    }
    Ok(())
}
