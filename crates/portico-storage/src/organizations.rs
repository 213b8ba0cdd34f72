//! Organisations (customer companies, departments) and who belongs to them.

use portico_core::Timestamp;
use sea_orm::ConnectionTrait;

use crate::dialect::stmt;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Names by locale tag, e.g. `{"zh-CN": "北风贸易"}`.
    pub name_translations: serde_json::Value,
}

/// Inserts an organisation unless one with the slug exists; returns it either way.
pub async fn ensure_organization(
    conn: &impl ConnectionTrait,
    slug: &str,
    name: &str,
    translations: &serde_json::Value,
    now: Timestamp,
) -> Result<Organization> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "INSERT INTO organizations (slug, name, name_translations, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (slug) DO NOTHING",
        [slug.into(), name.into(), translations.to_string().into(), now.0.into()],
    ))
    .await?;
    let row = conn
        .query_one_raw(stmt(
            b,
            "SELECT id, slug, name, name_translations FROM organizations WHERE slug = $1",
            [slug.into()],
        ))
        .await?
        .ok_or_else(|| {
            crate::StorageError::Corrupt(format!("organisation {slug} vanished after insert"))
        })?;
    let tr: String = row.try_get("", "name_translations")?;
    Ok(Organization {
        id: row.try_get("", "id")?,
        slug: row.try_get("", "slug")?,
        name: row.try_get("", "name")?,
        name_translations: serde_json::from_str(&tr).unwrap_or(serde_json::Value::Null),
    })
}

/// Adds a member (no-op if already a member).
pub async fn add_member(
    conn: &impl ConnectionTrait,
    organization_id: i64,
    user_id: i64,
    can_see_all: bool,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO memberships (user_id, organization_id, can_see_all, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, organization_id) DO NOTHING",
        [user_id.into(), organization_id.into(), can_see_all.into(), now.0.into()],
    ))
    .await?;
    Ok(())
}

/// One organisation a user belongs to, and what the membership allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub organization_id: i64,
    /// Sees every request of the organisation, not only their own.
    pub can_see_all: bool,
}

/// The memberships of a user, by organisation id.
pub async fn list_memberships_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<Membership>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT organization_id, can_see_all FROM memberships WHERE user_id = $1 ORDER BY organization_id",
            [user_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Membership {
                organization_id: row.try_get("", "organization_id")?,
                can_see_all: row.try_get("", "can_see_all")?,
            })
        })
        .collect()
}

/// The organisations a user belongs to, by name.
pub async fn list_organizations_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<Organization>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT o.id, o.slug, o.name, o.name_translations FROM organizations o \
             JOIN memberships m ON m.organization_id = o.id WHERE m.user_id = $1 ORDER BY o.name",
            [user_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let tr: String = row.try_get("", "name_translations")?;
            Ok(Organization {
                id: row.try_get("", "id")?,
                slug: row.try_get("", "slug")?,
                name: row.try_get("", "name")?,
                name_translations: serde_json::from_str(&tr).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect()
}
