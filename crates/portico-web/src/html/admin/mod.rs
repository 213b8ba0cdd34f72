//! Administration pages: people (list with search and filters, invitations, role and status),
//! organisations (domains, members, managers) and the audit log with CSV export. Organisation managers
//! reach their own organisation's page from the account menu.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use portico_app::AppError;
use portico_app::audit::AuditEntry;
use portico_app::identity::admin::{
    self, Invite, OrganizationDetail, UserPatch, UserQuery, UserRow,
};
use portico_core::Permission;
use serde::Deserialize;

use super::forms::{FormErrors, notice, to_sign_in, url_encode};
use super::{PageContext, render};
use crate::WebState;
use crate::api::admin::{AuditListQuery, audit_query};
use crate::client::RequestOrigin;
use crate::error::HtmlError;

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin/users", get(users_show).post(invite_submit))
        .route("/admin/users/{id}", get(user_show).post(user_submit))
        .route("/admin/users/{id}/invitation", post(user_reinvite))
        .route("/admin/users/{id}/sessions/end", post(user_sign_out))
        .route(
            "/admin/organizations",
            get(organizations_show).post(organization_create),
        )
        .route(
            "/admin/organizations/{id}",
            get(organization_show).post(organization_submit),
        )
        .route("/admin/organizations/{id}/members", post(member_submit))
        .route(
            "/admin/organizations/{id}/members/{user_id}/remove",
            post(member_remove),
        )
        .route("/admin/organizations/{id}/invite", post(member_invite))
        .route("/admin/audit", get(audit_show))
        .route("/admin/audit.csv", get(audit_csv))
}

use super::forms::require_page as gate;

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    organization: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub users: Vec<UserRow>,
    pub q: String,
    pub role: String,
    pub status: String,
    pub organization: String,
    pub organizations: Vec<(i64, String)>,
    pub next: Option<String>,
    pub errors: FormErrors,
    pub invite_email: String,
    pub invite_name: String,
    pub invite_role: String,
}

async fn users_page(
    state: &WebState,
    page: PageContext,
    q: UsersQuery,
) -> Result<UsersPage, AppError> {
    let query = UserQuery {
        q: q.q.clone(),
        role: q.role.clone(),
        organization: q.organization.clone(),
        status: q.status.clone(),
    };
    let mut errors = FormErrors::default();
    let list = match admin::list_users(&state.app, &page.viewer, &query, q.cursor.as_deref(), None)
        .await
    {
        Ok(l) => l,
        Err(e) => {
            errors = FormErrors::from_app(page.lang, e)?;
            admin::list_users(&state.app, &page.viewer, &UserQuery::default(), None, None).await?
        }
    };
    let orgs = admin::list_organizations(&state.app, &page.viewer, None, None, Some(100)).await?;
    let next = list.next_cursor.map(|c| {
        format!(
            "/admin/users?q={}&role={}&status={}&organization={}&cursor={c}",
            url_encode(q.q.as_deref().unwrap_or("")),
            url_encode(q.role.as_deref().unwrap_or("")),
            url_encode(q.status.as_deref().unwrap_or("")),
            url_encode(q.organization.as_deref().unwrap_or("")),
        )
    });
    Ok(UsersPage {
        notice: notice(page.lang, q.done.as_deref()),
        users: list.items,
        q: q.q.unwrap_or_default(),
        role: q.role.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        organization: q.organization.unwrap_or_default(),
        organizations: orgs
            .items
            .into_iter()
            .map(|o| (o.organization.id, o.organization.name))
            .collect(),
        next,
        errors,
        invite_email: String::new(),
        invite_name: String::new(),
        invite_role: "customer".into(),
        page,
    })
}

pub async fn users_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<UsersQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    Ok(render(StatusCode::OK, &users_page(&state, page, q).await?))
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    organization_id: String,
}

pub async fn invite_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<InviteForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let org = form.organization_id.trim().parse::<i64>().ok();
    let result = admin::invite_user(
        &state.app,
        &page.viewer,
        Invite {
            email: &form.email,
            name: &form.name,
            role: Some(&form.role),
            locale: Some(&form.locale),
            organization_id: org,
        },
        page.lang,
        &origin,
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/admin/users?done=invited").into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let empty = UsersQuery {
                q: None,
                role: None,
                organization: None,
                status: None,
                cursor: None,
                done: None,
            };
            let mut p = users_page(&state, page, empty).await?;
            p.errors = errors;
            p.invite_email = form.email;
            p.invite_name = form.name;
            p.invite_role = form.role;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
pub struct UserPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub user: UserRow,
    pub organizations: Vec<(i64, String)>,
    pub activity: Vec<AuditEntry>,
    pub sessions: usize,
    pub errors: FormErrors,
}

async fn user_page(
    state: &WebState,
    page: PageContext,
    id: i64,
    notice: Option<String>,
) -> Result<UserPage, AppError> {
    let (user, orgs) = admin::find_user(&state.app, &page.viewer, id).await?;
    let activity = portico_app::audit::list_audit(
        &state.app,
        &page.viewer,
        &portico_app::audit::AuditQuery {
            subject_user: Some(id),
            ..Default::default()
        },
        None,
        20,
    )
    .await?;
    let sessions = admin::session_count(&state.app, &page.viewer, id).await?;
    Ok(UserPage {
        notice,
        sessions,
        user,
        organizations: orgs.into_iter().map(|o| (o.id, o.name)).collect(),
        activity,
        errors: FormErrors::default(),
        page,
    })
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn user_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let n = notice(page.lang, q.done.as_deref());
    Ok(render(
        StatusCode::OK,
        &user_page(&state, page, id, n).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    role: Option<String>,
    status: Option<String>,
}

pub async fn user_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let patch = UserPatch {
        role: form.role,
        status: form.status,
    };
    match admin::update_user(&state.app, &page.viewer, id, &patch, &origin).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = user_page(&state, page, id, None).await?;
            p.errors = errors;
            Ok(render(StatusCode::CONFLICT, &p))
        }
    }
}

pub async fn user_reinvite(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    admin::resend_invitation(&state.app, &page.viewer, id, &origin).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=invited")).into_response())
}

pub async fn user_sign_out(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    admin::end_sessions_of_user(&state.app, &page.viewer, id, &origin).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=signed-out")).into_response())
}

// ---- organisations ----

#[derive(Debug, Deserialize)]
pub struct OrgsQuery {
    q: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/organizations.html")]
pub struct OrganizationsPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub items: Vec<portico_app::identity::admin::OrganizationSummaryView>,
    pub q: String,
    pub next: Option<String>,
    pub errors: FormErrors,
    pub name: String,
    pub domains: String,
}

async fn organizations_page(
    state: &WebState,
    page: PageContext,
    q: OrgsQuery,
) -> Result<OrganizationsPage, AppError> {
    let list = admin::list_organizations(
        &state.app,
        &page.viewer,
        q.q.as_deref(),
        q.cursor.as_deref(),
        None,
    )
    .await?;
    let next = list.next_cursor.map(|c| {
        format!(
            "/admin/organizations?q={}&cursor={c}",
            url_encode(q.q.as_deref().unwrap_or(""))
        )
    });
    Ok(OrganizationsPage {
        notice: notice(page.lang, q.done.as_deref()),
        items: list.items.into_iter().map(Into::into).collect(),
        q: q.q.unwrap_or_default(),
        next,
        errors: FormErrors::default(),
        name: String::new(),
        domains: String::new(),
        page,
    })
}

pub async fn organizations_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<OrgsQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    Ok(render(
        StatusCode::OK,
        &organizations_page(&state, page, q).await?,
    ))
}

/// Domains typed one per line, or separated by commas or spaces.
fn split_domains(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    domains: String,
}

pub async fn organization_create(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<OrgForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let domains = split_domains(&form.domains);
    match admin::create_organization(&state.app, &page.viewer, &form.name, &domains, &origin).await
    {
        Ok(d) => Ok(Redirect::to(&format!(
            "/admin/organizations/{}?done=created",
            d.organization.id
        ))
        .into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = organizations_page(
                &state,
                page,
                OrgsQuery {
                    q: None,
                    cursor: None,
                    done: None,
                },
            )
            .await?;
            p.errors = errors;
            p.name = form.name;
            p.domains = form.domains;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/organization.html")]
pub struct OrganizationPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub org: OrganizationDetail,
    /// Administrators edit everything; managers invite and remove members.
    pub admin: bool,
    pub errors: FormErrors,
    pub name: String,
    pub domains: String,
    pub invite_email: String,
    pub invite_name: String,
}

async fn organization_page(
    state: &WebState,
    page: PageContext,
    id: i64,
    notice: Option<String>,
) -> Result<OrganizationPage, AppError> {
    let org = admin::organization(&state.app, &page.viewer, id).await?;
    Ok(OrganizationPage {
        notice,
        admin: page.viewer.can(Permission::Administer),
        name: org.organization.name.clone(),
        domains: org.domains.join("\n"),
        org,
        errors: FormErrors::default(),
        invite_email: String::new(),
        invite_name: String::new(),
        page,
    })
}

pub async fn organization_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let n = notice(page.lang, q.done.as_deref());
    Ok(render(
        StatusCode::OK,
        &organization_page(&state, page, id, n).await?,
    ))
}

pub async fn organization_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let domains = split_domains(&form.domains);
    match admin::update_organization(
        &state.app,
        &page.viewer,
        id,
        Some(&form.name),
        Some(&domains),
        &origin,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/organizations/{id}?done=saved")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = organization_page(&state, page, id, None).await?;
            p.errors = errors;
            p.name = form.name;
            p.domains = form.domains;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user: String,
    can_see_all: Option<String>,
    manager: Option<String>,
}

pub async fn member_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    // A member is named by id, or by e-mail address when added from the page.
    let user_id = match form.user.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => admin::user_id_by_email(&state.app, &page.viewer, &form.user).await?,
    };
    let result = match user_id {
        Some(uid) => {
            admin::set_member(
                &state.app,
                &page.viewer,
                id,
                uid,
                form.can_see_all.is_some(),
                form.manager.is_some(),
                &origin,
            )
            .await
        }
        None => Err(AppError::Invalid(portico_core::ValidationErrors::single(
            "user",
            "not_found",
            "no user has this e-mail address",
        ))),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/organizations/{id}?done=saved")).into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = organization_page(&state, page, id, None).await?;
            p.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

pub async fn member_remove(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    match admin::remove_member(&state.app, &page.viewer, id, user_id, &origin).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/organizations/{id}?done=removed")).into_response())
        }
        Err(e @ AppError::Conflict { .. }) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = organization_page(&state, page, id, None).await?;
            p.errors = errors;
            Ok(render(StatusCode::CONFLICT, &p))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct MemberInviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

pub async fn member_invite(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
    Form(form): Form<MemberInviteForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    match admin::invite_member(
        &state.app,
        &page.viewer,
        id,
        &form.email,
        &form.name,
        page.lang,
        &origin,
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/organizations/{id}?done=invited")).into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = organization_page(&state, page, id, None).await?;
            p.errors = errors;
            p.invite_email = form.email;
            p.invite_name = form.name;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

// ---- audit ----

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub page: PageContext,
    pub items: Vec<AuditEntry>,
    pub actor: String,
    pub action: String,
    pub since: String,
    pub until: String,
    pub user: String,
    pub next: Option<String>,
    pub csv: String,
    pub errors: FormErrors,
}

fn audit_params(q: &AuditListQuery) -> String {
    format!(
        "actor={}&action={}&since={}&until={}&user={}",
        url_encode(q.actor.as_deref().unwrap_or("")),
        url_encode(q.action.as_deref().unwrap_or("")),
        url_encode(q.since.as_deref().unwrap_or("")),
        url_encode(q.until.as_deref().unwrap_or("")),
        url_encode(q.user.as_deref().unwrap_or("")),
    )
}

pub async fn audit_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<AuditListQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let (query, errors) = match audit_query(&q) {
        Ok(query) => (query, FormErrors::default()),
        Err(e) => (Default::default(), FormErrors::from_app(page.lang, e)?),
    };
    let before = admin::parse_cursor(q.cursor.as_deref()).unwrap_or(None);
    let size = 50;
    let mut items =
        portico_app::audit::list_audit(&state.app, &page.viewer, &query, before, size + 1).await?;
    let params = audit_params(&q);
    let next = (items.len() as u64 > size).then(|| {
        items.truncate(size as usize);
        items
            .last()
            .map(|e| format!("/admin/audit?{params}&cursor={}", e.id))
    });
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            items,
            actor: q.actor.unwrap_or_default(),
            action: q.action.unwrap_or_default(),
            since: q.since.unwrap_or_default(),
            until: q.until.unwrap_or_default(),
            user: q.user.unwrap_or_default(),
            next: next.flatten(),
            csv: format!("/admin/audit.csv?{params}"),
            errors,
            page,
        },
    ))
}

/// One CSV field: quoted when needed, and never read as a formula by a spreadsheet.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Most rows one export holds.
const CSV_MAX_ROWS: u64 = 100_000;

pub async fn audit_csv(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<AuditListQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page, Permission::Administer) {
        return Ok(r);
    }
    let query = audit_query(&q)?;
    let mut out = String::from("\u{feff}id,at,actor,action,subject,ip,user_agent,details\r\n");
    let mut before = None;
    let mut rows = 0;
    loop {
        let batch =
            portico_app::audit::list_audit(&state.app, &page.viewer, &query, before, 1000).await?;
        for e in &batch {
            let subject = match (&e.subject_type, &e.subject_id) {
                (Some(t), Some(i)) => format!("{t}:{i}"),
                _ => String::new(),
            };
            let fields = [
                e.id.to_string(),
                e.at.to_rfc3339(),
                e.actor_id.map(|a| a.to_string()).unwrap_or_default(),
                e.action.clone(),
                subject,
                e.ip.clone().unwrap_or_default(),
                e.user_agent.clone().unwrap_or_default(),
                e.details.to_string(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        rows += batch.len() as u64;
        match batch.last() {
            Some(last) if batch.len() == 1000 && rows < CSV_MAX_ROWS => before = Some(last.id),
            _ => break,
        }
    }
    let mut res = (StatusCode::OK, out).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"portico-audit.csv\""),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_defused() {
        use super::csv_field;
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
