//! Administering people: the user list, invitations, roles and deactivation, and organisations with
//! their e-mail domains and members. Organisation managers administer their own organisation's members
//! from the portal through the same functions.

use portico_core::{Email, FieldError, Locale, Permission, Role, UserStatus, ValidationErrors};
use portico_storage::account_links::LinkPurpose;
use portico_storage::organizations::{self, Member, Organization, OrganizationSummary};
use portico_storage::users::{self, NewUser, User, UserFilter};
use portico_storage::{api_tokens, sessions};

use super::mails::AccountMail;
use super::{account, check_name, links};
use crate::audit::{self, Origin, Subject};
use crate::viewer::{Account, Viewer};
use crate::{App, AppError};

/// A page of a list and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The page size asked for, within 1..=100 (default 20).
pub fn page_size(limit: Option<u64>) -> u64 {
    limit.unwrap_or(20).clamp(1, 100)
}

/// Reads an opaque cursor (a row id); anything else is 400-worthy invalid input on `cursor`.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                ValidationErrors::single("cursor", "invalid", "not a cursor from a previous page")
                    .into()
            }),
    }
}

/// A user in the administrators' list.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub account: Account,
    pub created_at: portico_core::Timestamp,
    pub invited: bool,
}

impl From<User> for UserRow {
    fn from(u: User) -> Self {
        UserRow {
            invited: u.password_hash.is_none(),
            created_at: u.created_at,
            account: u.into(),
        }
    }
}

/// The filters of the user list as typed (`role=agent`, `status=deactivated`, `organization=3`).
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub organization: Option<String>,
    pub status: Option<String>,
}

pub async fn list_users(
    app: &App,
    viewer: &Viewer,
    query: &UserQuery,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> Result<Page<UserRow>, AppError> {
    viewer.require(Permission::Administer)?;
    let mut errors = Vec::new();
    let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    let role = nonempty(&query.role).and_then(|r| {
        r.parse::<Role>()
            .map_err(|e| errors.push(FieldError::new("role", "invalid_choice", e.to_string())))
            .ok()
    });
    let status = nonempty(&query.status).and_then(|r| {
        r.parse::<UserStatus>()
            .map_err(|e| errors.push(FieldError::new("status", "invalid_choice", e.to_string())))
            .ok()
    });
    let organization_id = nonempty(&query.organization).and_then(|o| {
        o.trim()
            .parse::<i64>()
            .map_err(|_| {
                errors.push(FieldError::new(
                    "organization",
                    "invalid",
                    "an organisation is named by its id",
                ))
            })
            .ok()
    });
    let after = match parse_cursor(cursor) {
        Ok(c) => c,
        Err(AppError::Invalid(v)) => {
            errors.extend(v.0);
            None
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let size = page_size(limit);
    let filter = UserFilter {
        q: nonempty(&query.q).map(|q| q.chars().take(200).collect()),
        role,
        organization_id,
        status,
    };
    let mut rows = users::list_users(app.db().conn(), &filter, after, size + 1).await?;
    let next = (rows.len() as u64 > size).then(|| {
        rows.truncate(size as usize);
        rows.last().map(|u| u.id.to_string())
    });
    Ok(Page {
        items: rows.into_iter().map(UserRow::from).collect(),
        next_cursor: next.flatten(),
    })
}

/// An invitation: the invitee gets a mail with a link (7 days) to set their password.
#[derive(Debug, Clone)]
pub struct Invite<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Option<&'a str>,
    pub locale: Option<&'a str>,
    pub organization_id: Option<i64>,
}

/// Invites a person (administrators: any role and organisation).
pub async fn invite_user(
    app: &App,
    viewer: &Viewer,
    input: Invite<'_>,
    lang: Locale,
    origin: &Origin,
) -> Result<Account, AppError> {
    let admin = viewer.require(Permission::Administer)?;
    invite(app, admin, input, lang, origin, false).await
}

async fn invite(
    app: &App,
    inviter: &Account,
    input: Invite<'_>,
    lang: Locale,
    origin: &Origin,
    as_manager: bool,
) -> Result<Account, AppError> {
    let mut errors = Vec::new();
    let email = Email::parse("email", input.email)
        .map_err(|e| errors.push(e))
        .ok();
    let name = check_name("name", input.name)
        .map_err(|e| errors.push(e))
        .ok();
    let role = match input.role.map(str::trim).filter(|r| !r.is_empty()) {
        None => Role::Customer,
        Some(r) => r.parse::<Role>().unwrap_or_else(|e| {
            errors.push(FieldError::new("role", "invalid_choice", e.to_string()));
            Role::Customer
        }),
    };
    let locale = match input.locale.map(str::trim).filter(|l| !l.is_empty()) {
        None => lang,
        Some(l) => l.parse::<Locale>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "locale",
                "invalid_choice",
                "the language must be en or zh-CN",
            ));
            lang
        }),
    };
    let org = match input.organization_id {
        None => None,
        Some(id) => match organizations::find_organization(app.db().conn(), id).await? {
            Some(o) => Some(o),
            None => {
                errors.push(FieldError::new(
                    "organization_id",
                    "not_found",
                    "no organisation has this id",
                ));
                None
            }
        },
    };
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(ValidationErrors(errors).into());
    };
    let mut tx = app.begin().await?;
    let now = tx.now();
    let user = users::insert_user(
        tx.conn(),
        &NewUser {
            email: &email,
            name: &name,
            locale,
            role,
            password_hash: None,
            email_verified: false,
        },
        now,
    )
    .await?;
    if let Some(o) = &org {
        organizations::upsert_member(tx.conn(), o.id, user.id, false, false, now).await?;
    }
    let secret = links::issue(tx.conn(), LinkPurpose::Invitation, user.id, None, now).await?;
    let org_name = org.as_ref().map(|o| o.name.clone()).unwrap_or_default();
    account::send(
        app,
        &mut tx,
        AccountMail::Invite,
        (&user.email, &user.name, user.locale),
        Some(&format!("/invite?token={secret}")),
        &[("inviter", &inviter.name), ("organization", &org_name)],
    )
    .await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(inviter.id),
        "user.invited",
        Subject::User(user.id),
        serde_json::json!({
            "role": role.as_str(),
            "organization_id": org.as_ref().map(|o| o.id),
            "by_manager": as_manager,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(user.into())
}

/// Mails a fresh invitation link to someone invited who has not set a password yet (earlier links stop
/// working). Someone who already accepted is 409.
pub async fn resend_invitation(
    app: &App,
    viewer: &Viewer,
    id: i64,
    origin: &Origin,
) -> Result<(), AppError> {
    let admin = viewer.require(Permission::Administer)?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let user = users::find_user_by_id(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.password_hash.is_some() {
        return Err(AppError::Conflict {
            field: "id".into(),
            message: "this person has already accepted the invitation".into(),
        });
    }
    portico_storage::account_links::consume_links_of_user(
        tx.conn(),
        user.id,
        LinkPurpose::Invitation,
        now,
    )
    .await?;
    let secret = links::issue(tx.conn(), LinkPurpose::Invitation, user.id, None, now).await?;
    account::send(
        app,
        &mut tx,
        AccountMail::Invite,
        (&user.email, &user.name, user.locale),
        Some(&format!("/invite?token={secret}")),
        &[("inviter", &admin.name), ("organization", "")],
    )
    .await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(admin.id),
        "user.invitation_resent",
        Subject::User(user.id),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// Ends every session of a user at once (a lost laptop, a departing employee); returns how many.
pub async fn end_sessions_of_user(
    app: &App,
    viewer: &Viewer,
    id: i64,
    origin: &Origin,
) -> Result<u64, AppError> {
    let admin = viewer.require(Permission::Administer)?;
    let tx = app.begin().await?;
    let now = tx.now();
    if users::find_user_by_id(tx.conn(), id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let n = sessions::delete_sessions_of_user(tx.conn(), id, None).await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(admin.id),
        "user.sessions_ended",
        Subject::User(id),
        serde_json::json!({ "count": n }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// How many live sessions a user has (for the administrators' user page).
pub async fn session_count(app: &App, viewer: &Viewer, id: i64) -> Result<usize, AppError> {
    viewer.require(Permission::Administer)?;
    Ok(
        sessions::list_sessions_of_user(app.db().conn(), id, app.now())
            .await?
            .len(),
    )
}

/// What an administrator changes about a user.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub role: Option<String>,
    pub status: Option<String>,
}

/// Changes a user's role or status. Deactivating ends their sessions and deletes their tokens at once;
/// the last active administrator cannot be demoted or deactivated (409).
pub async fn update_user(
    app: &App,
    viewer: &Viewer,
    id: i64,
    patch: &UserPatch,
    origin: &Origin,
) -> Result<Account, AppError> {
    let admin = viewer.require(Permission::Administer)?;
    let mut errors = Vec::new();
    let role = patch.role.as_deref().and_then(|r| {
        r.parse::<Role>()
            .map_err(|e| errors.push(FieldError::new("role", "invalid_choice", e.to_string())))
            .ok()
    });
    let status = patch.status.as_deref().and_then(|r| {
        r.parse::<UserStatus>()
            .map_err(|e| errors.push(FieldError::new("status", "invalid_choice", e.to_string())))
            .ok()
    });
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let tx = app.begin().await?;
    let now = tx.now();
    let admins = users::lock_active_admins(tx.conn()).await?;
    let user = users::find_user_by_id(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let stays_admin = role.unwrap_or(user.role) == Role::Admin
        && status.unwrap_or(user.status) == UserStatus::Active;
    if admins.contains(&user.id) && !stays_admin && admins.len() <= 1 {
        let field = if role.is_some_and(|r| r != Role::Admin) {
            "role"
        } else {
            "status"
        };
        return Err(AppError::Conflict {
            field: field.into(),
            message:
                "this is the last active administrator; make someone else an administrator first"
                    .into(),
        });
    }
    if let Some(r) = role.filter(|r| *r != user.role) {
        users::set_role(tx.conn(), id, r, now).await?;
        audit::record(
            tx.conn(),
            now,
            origin,
            Some(admin.id),
            "user.role_changed",
            Subject::User(id),
            serde_json::json!({ "from": user.role.as_str(), "to": r.as_str() }),
        )
        .await?;
    }
    if let Some(s) = status.filter(|s| *s != user.status) {
        users::set_status(tx.conn(), id, s, now).await?;
        let action = match s {
            UserStatus::Deactivated => {
                sessions::delete_sessions_of_user(tx.conn(), id, None).await?;
                api_tokens::delete_tokens_of_user(tx.conn(), id).await?;
                "user.deactivated"
            }
            UserStatus::Active => "user.reactivated",
        };
        audit::record(
            tx.conn(),
            now,
            origin,
            Some(admin.id),
            action,
            Subject::User(id),
            serde_json::json!({}),
        )
        .await?;
    }
    let user = users::find_user_by_id(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(user.into())
}

/// One user with their organisations, for the administrators' user page.
pub async fn find_user(
    app: &App,
    viewer: &Viewer,
    id: i64,
) -> Result<(UserRow, Vec<Organization>), AppError> {
    viewer.require(Permission::Administer)?;
    let u = users::find_user_by_id(app.db().conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let orgs = organizations::list_organizations_of_user(app.db().conn(), id).await?;
    Ok((u.into(), orgs))
}

// ---- organisations ----

pub const MAX_ORG_NAME_CHARS: usize = 120;
pub const MAX_DOMAINS: usize = 20;

/// An organisation with its domains and members.
#[derive(Debug, Clone)]
pub struct OrganizationDetail {
    pub organization: Organization,
    pub domains: Vec<String>,
    pub members: Vec<Member>,
}

fn check_org_name(name: &str) -> Result<String, FieldError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(FieldError::new("name", "required", "enter a name"));
    }
    if n.chars().count() > MAX_ORG_NAME_CHARS {
        return Err(FieldError::new(
            "name",
            "too_long",
            format!("a name has at most {MAX_ORG_NAME_CHARS} characters"),
        ));
    }
    if n.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "invalid_format",
            "a name cannot contain control characters",
        ));
    }
    Ok(n.to_string())
}

/// Validates e-mail domains (`acme.example`, also typed as `@acme.example`), lower-cased, unique.
pub fn check_domains(domains: &[String]) -> Result<Vec<String>, ValidationErrors> {
    let mut out: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    if domains.len() > MAX_DOMAINS {
        errors.push(FieldError::new(
            "domains",
            "too_many",
            format!("at most {MAX_DOMAINS} domains"),
        ));
    }
    for (i, d) in domains.iter().enumerate() {
        let d = d.trim().trim_start_matches('@').to_lowercase();
        match Email::parse("x", &format!("a@{d}")) {
            Ok(_) if d.len() <= 253 => {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            _ => errors.push(FieldError::new(
                format!("domains[{i}]"),
                "invalid_format",
                "a domain looks like acme.example",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ValidationErrors(errors))
    }
}

fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.chars().count() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() { "org".into() } else { slug }
}

pub async fn list_organizations(
    app: &App,
    viewer: &Viewer,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> Result<Page<OrganizationSummary>, AppError> {
    viewer.require(Permission::Administer)?;
    let after = parse_cursor(cursor)?;
    let size = page_size(limit);
    let mut rows = organizations::list_organizations(app.db().conn(), q, after, size + 1).await?;
    let next = (rows.len() as u64 > size).then(|| {
        rows.truncate(size as usize);
        rows.last().map(|o| o.organization.id.to_string())
    });
    Ok(Page {
        items: rows,
        next_cursor: next.flatten(),
    })
}

pub async fn create_organization(
    app: &App,
    viewer: &Viewer,
    name: &str,
    domains: &[String],
    origin: &Origin,
) -> Result<OrganizationDetail, AppError> {
    let admin = viewer.require(Permission::Administer)?;
    let mut errors = Vec::new();
    let name = check_org_name(name).map_err(|e| errors.push(e)).ok();
    let domains = check_domains(domains).map_err(|e| errors.extend(e.0)).ok();
    let (Some(name), Some(domains)) = (name, domains) else {
        return Err(ValidationErrors(errors).into());
    };
    let mut tx = app.begin().await?;
    let now = tx.now();
    let base = slug_of(&name);
    let mut org = None;
    for n in 1..=50 {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        // Taken slugs are looked up first: a failed INSERT would abort a PostgreSQL transaction.
        if find_org_by_slug(&mut tx, &slug).await? {
            continue;
        }
        org = Some(organizations::insert_organization(tx.conn(), &slug, &name, now).await?);
        break;
    }
    let org = org.ok_or_else(|| AppError::Conflict {
        field: "name".into(),
        message: "too many organisations have this name".into(),
    })?;
    set_domains_checked(&mut tx, org.id, &domains).await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(admin.id),
        "organization.created",
        Subject::Organization(org.id),
        serde_json::json!({ "name": name, "domains": domains }),
    )
    .await?;
    tx.commit().await?;
    Ok(OrganizationDetail {
        organization: org,
        domains,
        members: Vec::new(),
    })
}

async fn find_org_by_slug(tx: &mut crate::Tx, slug: &str) -> Result<bool, AppError> {
    Ok(organizations::organization_id_by_slug(tx.conn(), slug)
        .await?
        .is_some())
}

/// Sets domains, answering a domain another organisation claims with 409 on `domains`.
async fn set_domains_checked(
    tx: &mut crate::Tx,
    org_id: i64,
    domains: &[String],
) -> Result<(), AppError> {
    for d in domains {
        if let Some(other) = organizations::find_organization_by_domain(tx.conn(), d).await?
            && other != org_id
        {
            return Err(AppError::Conflict {
                field: "domains".into(),
                message: format!("{d} already belongs to another organisation"),
            });
        }
    }
    organizations::set_domains(tx.conn(), org_id, domains, tx.now()).await?;
    Ok(())
}

pub async fn organization(
    app: &App,
    viewer: &Viewer,
    id: i64,
) -> Result<OrganizationDetail, AppError> {
    require_org_admin_or_manager(viewer, id)?;
    load_org(app, id).await
}

async fn load_org(app: &App, id: i64) -> Result<OrganizationDetail, AppError> {
    let conn = app.db().conn();
    let organization = organizations::find_organization(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(OrganizationDetail {
        organization,
        domains: organizations::list_domains(conn, id).await?,
        members: organizations::list_members(conn, id).await?,
    })
}

/// Administrators, and managers of this organisation; anyone else is told it does not exist.
fn require_org_admin_or_manager(viewer: &Viewer, org_id: i64) -> Result<&Account, AppError> {
    let me = viewer.require_signed_in()?;
    let manager = viewer.actor().is_some_and(|a| {
        a.memberships
            .iter()
            .any(|m| m.organization_id == org_id && m.manager)
    }) && viewer.can(Permission::UsePortal);
    if viewer.can(Permission::Administer) || manager {
        Ok(me)
    } else {
        Err(AppError::NotFound)
    }
}

/// Renames an organisation and/or replaces its domains.
pub async fn update_organization(
    app: &App,
    viewer: &Viewer,
    id: i64,
    name: Option<&str>,
    domains: Option<&[String]>,
    origin: &Origin,
) -> Result<OrganizationDetail, AppError> {
    let admin = viewer.require(Permission::Administer)?;
    let mut errors = Vec::new();
    let name = name.and_then(|n| check_org_name(n).map_err(|e| errors.push(e)).ok());
    let domains = domains.and_then(|d| check_domains(d).map_err(|e| errors.extend(e.0)).ok());
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let mut tx = app.begin().await?;
    let now = tx.now();
    if organizations::find_organization(tx.conn(), id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if let Some(n) = &name {
        organizations::rename_organization(tx.conn(), id, n).await?;
    }
    if let Some(d) = &domains {
        set_domains_checked(&mut tx, id, d).await?;
    }
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(admin.id),
        "organization.updated",
        Subject::Organization(id),
        serde_json::json!({ "name": name, "domains": domains }),
    )
    .await?;
    tx.commit().await?;
    load_org(app, id).await
}

/// Adds a user to an organisation or changes their membership (administrators).
pub async fn set_member(
    app: &App,
    viewer: &Viewer,
    org_id: i64,
    user_id: i64,
    can_see_all: bool,
    manager: bool,
    origin: &Origin,
) -> Result<(), AppError> {
    let admin = viewer.require(Permission::Administer)?;
    let tx = app.begin().await?;
    let now = tx.now();
    if organizations::find_organization(tx.conn(), org_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if users::find_user_by_id(tx.conn(), user_id).await?.is_none() {
        return Err(ValidationErrors::single("user_id", "not_found", "no user has this id").into());
    }
    organizations::upsert_member(tx.conn(), org_id, user_id, can_see_all, manager, now).await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(admin.id),
        "organization.member_set",
        Subject::Organization(org_id),
        serde_json::json!({ "user_id": user_id, "can_see_all": can_see_all, "manager": manager }),
    )
    .await?;
    tx.commit().await
}

/// Removes a member: administrators, or a manager of the organisation (not themself); not a member is
/// 404.
pub async fn remove_member(
    app: &App,
    viewer: &Viewer,
    org_id: i64,
    user_id: i64,
    origin: &Origin,
) -> Result<(), AppError> {
    let me = require_org_admin_or_manager(viewer, org_id)?;
    if me.id == user_id && !viewer.can(Permission::Administer) {
        return Err(AppError::Conflict {
            field: "user_id".into(),
            message: "managers cannot remove themselves; ask an administrator".into(),
        });
    }
    let tx = app.begin().await?;
    let now = tx.now();
    if !organizations::remove_member(tx.conn(), org_id, user_id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(me.id),
        "organization.member_removed",
        Subject::Organization(org_id),
        serde_json::json!({ "user_id": user_id }),
    )
    .await?;
    tx.commit().await
}

/// A manager (or administrator) invites someone into the organisation as a customer.
pub async fn invite_member(
    app: &App,
    viewer: &Viewer,
    org_id: i64,
    email: &str,
    name: &str,
    lang: Locale,
    origin: &Origin,
) -> Result<Account, AppError> {
    let me = require_org_admin_or_manager(viewer, org_id)?.clone();
    invite(
        app,
        &me,
        Invite {
            email,
            name,
            role: None,
            locale: None,
            organization_id: Some(org_id),
        },
        lang,
        origin,
        !viewer.can(Permission::Administer),
    )
    .await
}

/// The organisations the caller manages.
pub async fn managed_organizations(
    app: &App,
    viewer: &Viewer,
) -> Result<Vec<Organization>, AppError> {
    let Some(actor) = viewer.actor() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in actor.memberships.iter().filter(|m| m.manager) {
        if let Some(o) =
            organizations::find_organization(app.db().conn(), m.organization_id).await?
        {
            out.push(o);
        }
    }
    Ok(out)
}

/// An organisation in the administrators' list, as pages show it.
#[derive(Debug, Clone)]
pub struct OrganizationSummaryView {
    pub id: i64,
    pub name: String,
    pub members: i64,
}

impl From<OrganizationSummary> for OrganizationSummaryView {
    fn from(o: OrganizationSummary) -> Self {
        OrganizationSummaryView {
            id: o.organization.id,
            name: o.organization.name,
            members: o.members,
        }
    }
}

/// The id of the account with this e-mail address (administrators, to add a member by address).
pub async fn user_id_by_email(
    app: &App,
    viewer: &Viewer,
    email: &str,
) -> Result<Option<i64>, AppError> {
    viewer.require(Permission::Administer)?;
    let Ok(email) = Email::parse("user", email) else {
        return Ok(None);
    };
    Ok(users::find_user_by_email(app.db().conn(), &email)
        .await?
        .map(|u| u.id))
}
