//! Administration API: people (users, invitations, roles, deactivation), organisations with their
//! domains and members, the audit log, and the job queue for operators.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use portico_app::audit::{AuditEntry, AuditQuery};
use portico_app::identity::admin::{
    self, Invite, OrganizationDetail, UserPatch, UserQuery, UserRow,
};
use portico_core::{Permission, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use crate::WebState;
use crate::client::RequestOrigin;
use crate::error::{ApiError, Problem};
use crate::i18n::Lang;
use crate::viewer::CurrentViewer;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(jobs_show))
        .routes(routes!(users_list, users_invite))
        .routes(routes!(user_show, user_update))
        .routes(routes!(user_invitation_resend))
        .routes(routes!(user_sessions_end))
        .routes(routes!(organizations_list, organization_create))
        .routes(routes!(organization_show, organization_update))
        .routes(routes!(member_put, member_delete))
        .routes(routes!(audit_list))
}

/// Jobs by state.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobQueue {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// The job queue: how many jobs wait, run, finished and failed (for operators; needs the operations
/// permission, which administrators have).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", operation_id = "admin_jobs_show",
    responses(
        (status = 200, description = "Jobs by state", body = JobQueue),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Signed in without the operations permission", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn jobs_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
) -> Result<Json<JobQueue>, ApiError> {
    viewer.require(Permission::ViewOperations)?;
    let c = portico_app::ops::job_counts(&state.app).await?;
    Ok(Json(JobQueue {
        queued: c.queued,
        running: c.running,
        done: c.done,
        failed: c.failed,
    }))
}

/// A user as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: String,
    /// `customer`, `agent` or `admin`.
    pub role: String,
    /// `active` or `deactivated`.
    pub status: String,
    pub email_verified: bool,
    /// Invited and not yet accepted (no password set).
    pub invited: bool,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&UserRow> for AdminUser {
    fn from(r: &UserRow) -> Self {
        let a = &r.account;
        AdminUser {
            id: a.id,
            email: a.email.clone(),
            name: a.name.clone(),
            locale: a.locale.as_str().into(),
            role: a.role.as_str().into(),
            status: a.status.as_str().into(),
            email_verified: a.email_verified,
            invited: r.invited,
            created_at: r.created_at.to_rfc3339(),
        }
    }
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<AdminUser>,
    pub next_cursor: Option<String>,
}

/// Filters of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Part of the name or e-mail address.
    pub q: Option<String>,
    /// `customer`, `agent` or `admin`.
    pub role: Option<String>,
    /// An organisation id: its members only.
    pub organization: Option<String>,
    /// `active` or `deactivated`.
    pub status: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Users, by id, with search and filters.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", operation_id = "admin_users_list",
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn users_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Query(q): Query<UserListQuery>,
) -> Result<Json<UserPage>, ApiError> {
    let page = admin::list_users(
        &state.app,
        &viewer,
        &UserQuery {
            q: q.q,
            role: q.role,
            organization: q.organization,
            status: q.status,
        },
        q.cursor.as_deref(),
        q.limit,
    )
    .await?;
    Ok(Json(UserPage {
        items: page.items.iter().map(AdminUser::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// An invitation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteRequest {
    pub email: String,
    pub name: String,
    /// `customer` (default), `agent` or `admin`.
    pub role: Option<String>,
    /// The invitee's language, `en` or `zh-CN` (default: the request's).
    pub locale: Option<String>,
    /// Make the invitee a member of this organisation.
    pub organization_id: Option<i64>,
}

/// Invite a person: they get a mail with a link (valid 7 days) to set their password.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", operation_id = "admin_users_invite",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invited", body = AdminUser),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another account has this e-mail address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn users_invite(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<AdminUser>), ApiError> {
    let a = admin::invite_user(
        &state.app,
        &viewer,
        Invite {
            email: &req.email,
            name: &req.name,
            role: req.role.as_deref(),
            locale: req.locale.as_deref(),
            organization_id: req.organization_id,
        },
        lang,
        &origin,
    )
    .await?;
    let (row, _) = admin::find_user(&state.app, &viewer, a.id).await?;
    Ok((StatusCode::CREATED, Json(AdminUser::from(&row))))
}

/// Send an invited person a new invitation link (earlier links stop working).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/invitation", tag = "admin", operation_id = "admin_user_invitation_resend",
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 202, description = "A new invitation is on its way"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The invitation was already accepted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn user_invitation_resend(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    admin::resend_invitation(&state.app, &viewer, id, &origin).await?;
    Ok(StatusCode::ACCEPTED)
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    pub ended: u64,
}

/// Sign a user out everywhere: every session of theirs ends at once (their API tokens stay).
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/sessions", tag = "admin", operation_id = "admin_user_sessions_end",
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Signed out", body = SessionsEnded),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn user_sessions_end(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
) -> Result<Json<SessionsEnded>, ApiError> {
    let ended = admin::end_sessions_of_user(&state.app, &viewer, id, &origin).await?;
    Ok(Json(SessionsEnded { ended }))
}

/// A user with their organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserDetail {
    #[serde(flatten)]
    pub user: AdminUser,
    pub organizations: Vec<OrganizationRef>,
}

/// An organisation named by id and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationRef {
    pub id: i64,
    pub name: String,
}

/// One user.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", operation_id = "admin_user_show",
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = AdminUserDetail),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn user_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<Json<AdminUserDetail>, ApiError> {
    let (row, orgs) = admin::find_user(&state.app, &viewer, id).await?;
    Ok(Json(AdminUserDetail {
        user: AdminUser::from(&row),
        organizations: orgs
            .into_iter()
            .map(|o| OrganizationRef {
                id: o.id,
                name: o.name,
            })
            .collect(),
    }))
}

/// Changes to a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// `customer`, `agent` or `admin`.
    pub role: Option<String>,
    /// `active` or `deactivated` (deactivating ends the user's sessions and deletes their tokens).
    pub status: Option<String>,
}

/// Change a user's role or status.
///
/// The last active administrator cannot be demoted or deactivated (409).
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", operation_id = "admin_user_update",
    params(("id" = i64, Path, description = "The user's id")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "The user as saved", body = AdminUser),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This would leave no active administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown `role` or `status`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn user_update(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<UserUpdate>,
) -> Result<Json<AdminUser>, ApiError> {
    admin::update_user(
        &state.app,
        &viewer,
        id,
        &UserPatch {
            role: req.role,
            status: req.status,
        },
        &origin,
    )
    .await?;
    let (row, _) = admin::find_user(&state.app, &viewer, id).await?;
    Ok(Json(AdminUser::from(&row)))
}

/// An organisation in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationItem {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub members: i64,
}

/// A page of organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationPage {
    pub items: Vec<OrganizationItem>,
    pub next_cursor: Option<String>,
}

/// Filters of the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    /// Part of the name.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Organisations.
#[utoipa::path(get, path = "/api/v1/admin/organizations", tag = "admin", operation_id = "admin_organizations_list",
    params(OrganizationListQuery),
    responses(
        (status = 200, description = "A page of organisations", body = OrganizationPage),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn organizations_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Query(q): Query<OrganizationListQuery>,
) -> Result<Json<OrganizationPage>, ApiError> {
    let page = admin::list_organizations(
        &state.app,
        &viewer,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.limit,
    )
    .await?;
    Ok(Json(OrganizationPage {
        items: page
            .items
            .into_iter()
            .map(|o| OrganizationItem {
                id: o.organization.id,
                slug: o.organization.slug,
                name: o.organization.name,
                members: o.members,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganizationCreate {
    /// 1 to 120 characters.
    pub name: String,
    /// E-mail domains whose new sign-ups join the organisation, e.g. `["acme.example"]`.
    pub domains: Option<Vec<String>>,
}

/// A member of an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberItem {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub status: String,
    pub can_see_all: bool,
    pub manager: bool,
}

/// An organisation with its domains and members.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub domains: Vec<String>,
    pub members: Vec<MemberItem>,
}

impl From<OrganizationDetail> for OrganizationOut {
    fn from(d: OrganizationDetail) -> Self {
        OrganizationOut {
            id: d.organization.id,
            slug: d.organization.slug,
            name: d.organization.name,
            domains: d.domains,
            members: d
                .members
                .into_iter()
                .map(|m| MemberItem {
                    user_id: m.user_id,
                    name: m.name,
                    email: m.email,
                    status: m.status,
                    can_see_all: m.can_see_all,
                    manager: m.manager,
                })
                .collect(),
        }
    }
}

/// Create an organisation.
#[utoipa::path(post, path = "/api/v1/admin/organizations", tag = "admin", operation_id = "admin_organization_create",
    request_body = OrganizationCreate,
    responses(
        (status = 201, description = "Made", body = OrganizationOut),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A domain belongs to another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn organization_create(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<OrganizationCreate>,
) -> Result<(StatusCode, Json<OrganizationOut>), ApiError> {
    let d = admin::create_organization(
        &state.app,
        &viewer,
        &req.name,
        req.domains.as_deref().unwrap_or(&[]),
        &origin,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// One organisation (administrators, and the organisation's managers).
#[utoipa::path(get, path = "/api/v1/admin/organizations/{id}", tag = "admin", operation_id = "admin_organization_show",
    params(("id" = i64, Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The organisation", body = OrganizationOut),
        (status = 404, description = "No such organisation, or not one the caller administers", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn organization_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<Json<OrganizationOut>, ApiError> {
    Ok(Json(
        admin::organization(&state.app, &viewer, id).await?.into(),
    ))
}

/// Changes to an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationUpdate {
    pub name: Option<String>,
    /// Replaces the domains.
    pub domains: Option<Vec<String>>,
}

/// Rename an organisation or replace its domains.
#[utoipa::path(patch, path = "/api/v1/admin/organizations/{id}", tag = "admin", operation_id = "admin_organization_update",
    params(("id" = i64, Path, description = "The organisation's id")),
    request_body = OrganizationUpdate,
    responses(
        (status = 200, description = "The organisation as saved", body = OrganizationOut),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A domain belongs to another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn organization_update(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<OrganizationUpdate>,
) -> Result<Json<OrganizationOut>, ApiError> {
    let d = admin::update_organization(
        &state.app,
        &viewer,
        id,
        req.name.as_deref(),
        req.domains.as_deref(),
        &origin,
    )
    .await?;
    Ok(Json(d.into()))
}

/// What a membership allows.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberSettings {
    /// Sees all of the organisation's requests (default false).
    pub can_see_all: Option<bool>,
    /// Invites and removes the organisation's members from the portal (default false).
    pub manager: Option<bool>,
}

/// Add a user to an organisation, or change their membership.
#[utoipa::path(put, path = "/api/v1/admin/organizations/{id}/members/{user_id}", tag = "admin", operation_id = "admin_member_put",
    params(("id" = i64, Path, description = "The organisation's id"), ("user_id" = i64, Path, description = "The user's id")),
    request_body = MemberSettings,
    responses(
        (status = 204, description = "Saved"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such user (`user_id`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn member_put(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path((id, user_id)): Path<(i64, i64)>,
    ApiJson(req): ApiJson<MemberSettings>,
) -> Result<StatusCode, ApiError> {
    admin::set_member(
        &state.app,
        &viewer,
        id,
        user_id,
        req.can_see_all.unwrap_or(false),
        req.manager.unwrap_or(false),
        &origin,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a member (administrators, and the organisation's managers).
#[utoipa::path(delete, path = "/api/v1/admin/organizations/{id}/members/{user_id}", tag = "admin", operation_id = "admin_member_delete",
    params(("id" = i64, Path, description = "The organisation's id"), ("user_id" = i64, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Not a member, or not an organisation the caller administers", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn member_delete(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    admin::remove_member(&state.app, &viewer, id, user_id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An audit log entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditItem {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// The user who acted (`null`: nobody signed in, e.g. a failed sign-in).
    pub actor: Option<i64>,
    /// e.g. `auth.signed_in`, `user.role_changed`, `token.created`.
    pub action: String,
    /// What it is about, e.g. `user:42`, `organization:3`.
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

impl From<AuditEntry> for AuditItem {
    fn from(e: AuditEntry) -> Self {
        AuditItem {
            id: e.id,
            at: e.at.to_rfc3339(),
            actor: e.actor_id,
            action: e.action,
            subject: match (e.subject_type, e.subject_id) {
                (Some(t), Some(i)) => Some(format!("{t}:{i}")),
                _ => None,
            },
            ip: e.ip,
            user_agent: e.user_agent,
            details: e.details,
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    pub next_cursor: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    /// The acting user's id.
    pub actor: Option<String>,
    /// An action (`user.role_changed`) or a family ending in `.` (`auth.`).
    pub action: Option<String>,
    /// Entries at or after this time (RFC 3339, or a date `2026-12-01`).
    pub since: Option<String>,
    /// Entries before this time (RFC 3339, or a date).
    pub until: Option<String>,
    /// Entries about this user id.
    pub user: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Parses the audit filters; each bad one is named.
pub fn audit_query(q: &AuditListQuery) -> Result<AuditQuery, portico_app::AppError> {
    use portico_core::{FieldError, ValidationErrors};
    let mut errors = Vec::new();
    let mut id = |field: &str, v: &Option<String>| -> Option<i64> {
        let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        v.parse::<i64>()
            .map_err(|_| {
                errors.push(FieldError::new(
                    field,
                    "invalid",
                    "a user is named by their id",
                ))
            })
            .ok()
    };
    let actor_id = id("actor", &q.actor);
    let subject_user = id("user", &q.user);
    let mut time = |field: &str, v: &Option<String>| -> Option<Timestamp> {
        let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        let t = parse_time(v);
        if t.is_none() {
            errors.push(FieldError::new(
                field,
                "invalid_format",
                "a time such as 2026-12-01 or 2026-12-01T09:30:00Z",
            ));
        }
        t
    };
    let since = time("since", &q.since);
    let until = time("until", &q.until);
    let action = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if action.is_some_and(|a| a.len() > 64) {
        errors.push(FieldError::new(
            "action",
            "too_long",
            "an action has at most 64 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    Ok(AuditQuery {
        actor_id,
        action: action.map(str::to_string),
        since,
        until,
        subject_user,
    })
}

/// An RFC 3339 time, or a date (midnight UTC).
pub fn parse_time(s: &str) -> Option<Timestamp> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(Timestamp::from_datetime(t));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .ok()
        .map(|d| Timestamp::from_datetime(d.midnight().assume_utc()))
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", operation_id = "admin_audit_list",
    params(AuditListQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn audit_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Query(q): Query<AuditListQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    viewer.require(Permission::Administer)?;
    let query = audit_query(&q)?;
    let before = admin::parse_cursor(q.cursor.as_deref())?;
    let size = admin::page_size(q.limit);
    let mut items =
        portico_app::audit::list_audit(&state.app, &viewer, &query, before, size + 1).await?;
    let next = (items.len() as u64 > size).then(|| {
        items.truncate(size as usize);
        items.last().map(|e| e.id.to_string())
    });
    Ok(Json(AuditPage {
        items: items.into_iter().map(AuditItem::from).collect(),
        next_cursor: next.flatten(),
    }))
}
