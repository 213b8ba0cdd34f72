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
    decode(&row)
}

fn decode(row: &sea_orm::QueryResult) -> Result<Organization> {
    let tr: String = row.try_get("", "name_translations")?;
    Ok(Organization {
        id: row.try_get("", "id")?,
        slug: row.try_get("", "slug")?,
        name: row.try_get("", "name")?,
        name_translations: serde_json::from_str(&tr).unwrap_or(serde_json::Value::Null),
    })
}

/// Adds a member (no-op if already a member, whatever their membership allows now).
pub async fn add_member(
    conn: &impl ConnectionTrait,
    organization_id: i64,
    user_id: i64,
    can_see_all: bool,
    manager: bool,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO memberships (user_id, organization_id, can_see_all, manager, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, organization_id) DO NOTHING",
        [user_id.into(), organization_id.into(), can_see_all.into(), manager.into(), now.0.into()],
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
    /// Invites and removes members of the organisation from the portal.
    pub manager: bool,
}

/// The memberships of a user, by organisation id.
pub async fn list_memberships_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<Membership>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT organization_id, can_see_all, manager FROM memberships WHERE user_id = $1 ORDER BY organization_id",
            [user_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Membership {
                organization_id: row.try_get("", "organization_id")?,
                can_see_all: row.try_get("", "can_see_all")?,
                manager: row.try_get("", "manager")?,
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
    rows.iter().map(decode).collect()
}

/// Inserts an organisation; a taken slug gives [`crate::StorageError::Conflict`].
pub async fn insert_organization(
    conn: &impl ConnectionTrait,
    slug: &str,
    name: &str,
    now: Timestamp,
) -> Result<Organization> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO organizations (slug, name, name_translations, created_at) VALUES ($1, $2, '{}', $3) \
             RETURNING id, slug, name, name_translations",
            [slug.into(), name.into(), now.0.into()],
        ))
        .await?
        .ok_or_else(|| crate::StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    decode(&row)
}

pub async fn find_organization(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<Organization>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, slug, name, name_translations FROM organizations WHERE id = $1",
            [id.into()],
        ))
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn rename_organization(conn: &impl ConnectionTrait, id: i64, name: &str) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE organizations SET name = $2 WHERE id = $1",
            [id.into(), name.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// An organisation in the administrators' list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationSummary {
    pub organization: Organization,
    pub members: i64,
}

/// Organisations by name (optionally those whose name contains `q`), after `after_id` in id order.
pub async fn list_organizations(
    conn: &impl ConnectionTrait,
    q: Option<&str>,
    after_id: Option<i64>,
    limit: u64,
) -> Result<Vec<OrganizationSummary>> {
    let pattern = format!(
        "%{}%",
        crate::dialect::escape_like(&q.unwrap_or("").trim().to_lowercase())
    );
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT o.id, o.slug, o.name, o.name_translations, \
             (SELECT COUNT(*) FROM memberships m WHERE m.organization_id = o.id) AS members \
             FROM organizations o WHERE o.id > $1 AND LOWER(o.name) LIKE $2 ESCAPE '\\' ORDER BY o.id LIMIT $3",
            [
                after_id.unwrap_or(0).into(),
                pattern.into(),
                i64::try_from(limit).unwrap_or(100).into(),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OrganizationSummary {
                organization: decode(r)?,
                members: r.try_get("", "members")?,
            })
        })
        .collect()
}

/// The e-mail domains that place new sign-ups in the organisation.
pub async fn list_domains(
    conn: &impl ConnectionTrait,
    organization_id: i64,
) -> Result<Vec<String>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT domain FROM organization_domains WHERE organization_id = $1 ORDER BY domain",
            [organization_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String>("", "domain")?))
        .collect()
}

/// Replaces the organisation's domains; a domain another organisation has gives a conflict on
/// `organization_domains.domain`.
pub async fn set_domains(
    conn: &impl ConnectionTrait,
    organization_id: i64,
    domains: &[String],
    now: Timestamp,
) -> Result<()> {
    let b = conn.get_database_backend();
    conn.execute_raw(stmt(
        b,
        "DELETE FROM organization_domains WHERE organization_id = $1",
        [organization_id.into()],
    ))
    .await?;
    for d in domains {
        conn.execute_raw(stmt(
            b,
            "INSERT INTO organization_domains (domain, organization_id, created_at) VALUES ($1, $2, $3)",
            [d.clone().into(), organization_id.into(), now.0.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The organisation that claims an e-mail domain (lower-case), if any.
pub async fn find_organization_by_domain(
    conn: &impl ConnectionTrait,
    domain: &str,
) -> Result<Option<i64>> {
    crate::query::query_i64(
        conn,
        "SELECT organization_id AS v FROM organization_domains WHERE domain = $1",
        [domain.into()],
    )
    .await
}

/// Adds a member or changes what their membership allows.
pub async fn upsert_member(
    conn: &impl ConnectionTrait,
    organization_id: i64,
    user_id: i64,
    can_see_all: bool,
    manager: bool,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO memberships (user_id, organization_id, can_see_all, manager, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, organization_id) DO UPDATE SET can_see_all = excluded.can_see_all, manager = excluded.manager",
        [user_id.into(), organization_id.into(), can_see_all.into(), manager.into(), now.0.into()],
    ))
    .await?;
    Ok(())
}

/// Removes a member; `false` when the user was not one.
pub async fn remove_member(
    conn: &impl ConnectionTrait,
    organization_id: i64,
    user_id: i64,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2",
            [organization_id.into(), user_id.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// A member as listed on the organisation's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub status: String,
    pub can_see_all: bool,
    pub manager: bool,
}

/// The members of an organisation, by name.
pub async fn list_members(
    conn: &impl ConnectionTrait,
    organization_id: i64,
) -> Result<Vec<Member>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT u.id, u.name, u.email, u.status, m.can_see_all, m.manager FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 ORDER BY u.name, u.id",
            [organization_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user_id: r.try_get("", "id")?,
                name: r.try_get("", "name")?,
                email: r.try_get("", "email")?,
                status: r.try_get("", "status")?,
                can_see_all: r.try_get("", "can_see_all")?,
                manager: r.try_get("", "manager")?,
            })
        })
        .collect()
}

/// The id of the organisation with this slug.
pub async fn organization_id_by_slug(
    conn: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<i64>> {
    crate::query::query_i64(
        conn,
        "SELECT id AS v FROM organizations WHERE slug = $1",
        [slug.into()],
    )
    .await
}
