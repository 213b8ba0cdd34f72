//! The service catalogue and requests: request types with guided forms (each change of a form is a new
//! version; a request keeps the version it was submitted with), submitting with a sequential reference
//! and idempotency, the requester's and the agents' lists, a request's timeline, replies, internal
//! notes, transitions, rating and attachments.
//!
//! Who sees a request: its requester, members of its organisation who may see all of the
//! organisation's requests, and agents and administrators. Anyone else gets 404, as if it did not
//! exist. Internal notes are for agents only: they never leave this module for anyone else.

pub mod catalog;
pub mod demo;
pub mod mails;
mod submit;

use portico_core::form::FormSchema;
use portico_core::status::{Mover, RequestStatus};
use portico_core::{FieldError, Permission, Timestamp, ValidationErrors};
use portico_storage::requests::{self as store, NewRequestEvent, RequestFilter};
pub use portico_storage::requests::{Request, RequestEvent, RequestFile};

use crate::viewer::Viewer;
use crate::{App, AppError};

pub use catalog::{TypeInput, TypeView};
pub(crate) use submit::SubmitQueue;
pub use submit::{Submission, Submitted, submit, submitted_view};

/// The counter behind request references.
const COUNTER: &str = "request";
/// Longest subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest reply or note.
pub const MAX_COMMENT_CHARS: usize = 20_000;
/// Longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;
/// Days after resolution during which the requester may reopen, unless configured otherwise.
pub const REOPEN_DAYS: u32 = 14;

/// How requests behave, from the configuration (`[requests]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPolicy {
    /// Days after resolution during which the requester may reopen a request (1 to 365).
    pub reopen_days: u32,
}

impl Default for RequestPolicy {
    fn default() -> Self {
        Self {
            reopen_days: REOPEN_DAYS,
        }
    }
}
/// Largest attachment.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A request's reference as people see it: `REQ-000123`.
pub fn reference(number: i64) -> String {
    format!("REQ-{number:06}")
}

/// The number in a reference (`REQ-000123`, `req-123`), if it is one.
pub fn parse_reference(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits = s
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("REQ-"))
        .map(|_| &s[4..])?;
    (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

fn status_of(r: &Request) -> Result<RequestStatus, AppError> {
    RequestStatus::parse(&r.status).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "request {} has status {:?}",
            r.id,
            r.status
        ))
    })
}

/// Whether the viewer may see request `r` (see the module docs).
fn may_see(viewer: &Viewer, r: &Request) -> bool {
    if viewer.can(Permission::WorkQueue) {
        return true;
    }
    if !viewer.can(Permission::UsePortal) {
        return false;
    }
    viewer.user_id() == Some(r.requester_id)
        || r.organization_id.is_some_and(|org| {
            viewer
                .memberships()
                .iter()
                .any(|m| m.organization_id == org && m.can_see_all)
        })
}

/// The request if the viewer may see it; 401 for nobody signed in, 404 otherwise.
async fn visible(app: &App, viewer: &Viewer, id: i64) -> Result<Request, AppError> {
    viewer.require_signed_in()?;
    let r = store::find_request(app.db().conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if may_see(viewer, &r) {
        Ok(r)
    } else {
        Err(AppError::NotFound)
    }
}

/// How the viewer stands to a request: as its requester, as an agent, or neither (an organisation
/// colleague who may only look).
fn mover(viewer: &Viewer, r: &Request) -> Option<Mover> {
    if viewer.can(Permission::WorkQueue) {
        Some(Mover::Agent)
    } else if viewer.user_id() == Some(r.requester_id) && viewer.can(Permission::UsePortal) {
        Some(Mover::Requester)
    } else {
        None
    }
}

/// The people whose requests the viewer may narrow their list to: the other members of the
/// organisations whose requests the viewer may see, by name (each once). Empty for everyone else.
pub async fn colleagues(app: &App, viewer: &Viewer) -> Result<Vec<(i64, String)>, AppError> {
    let me = viewer.require(Permission::UsePortal)?.id;
    let mut out: Vec<(i64, String)> = Vec::new();
    for m in viewer.memberships().iter().filter(|m| m.can_see_all) {
        for member in
            portico_storage::organizations::list_members(app.db().conn(), m.organization_id).await?
        {
            if member.user_id != me && !out.iter().any(|(id, _)| *id == member.user_id) {
                out.push((member.user_id, member.name));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// What a list of requests is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `open` (still to act on), `waiting` (waiting for the requester), `resolved` (resolved, closed or
    /// cancelled), or one status by name; empty: all.
    pub status: Option<String>,
    /// A request type's key.
    pub type_key: Option<String>,
    /// Only this requester's (for organisation members and agents).
    pub requester_id: Option<i64>,
    /// For agents: their own requests instead of the queue.
    pub mine: bool,
    /// The cursor from the previous page.
    pub before: Option<i64>,
    pub limit: u64,
}

fn statuses_of(filter: Option<&str>) -> Result<Vec<&'static str>, AppError> {
    Ok(match filter.map(str::trim).filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some("open") => RequestStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(RequestStatus::as_str)
            .collect(),
        Some("waiting") => vec![RequestStatus::WaitingForCustomer.as_str()],
        Some("resolved") => vec![
            RequestStatus::Resolved.as_str(),
            RequestStatus::Closed.as_str(),
            RequestStatus::Cancelled.as_str(),
        ],
        Some(s) => vec![
            RequestStatus::parse(s)
                .ok_or_else(|| {
                    AppError::from(ValidationErrors::single(
                        "status",
                        "invalid_choice",
                        "open, waiting, resolved, or a status such as waiting_for_customer",
                    ))
                })?
                .as_str(),
        ],
    })
}

/// A page of requests, newest first: a customer's own (and, with the right, their organisations'),
/// or for agents the queue of everyone's. `next` is the cursor of the following page.
pub async fn list(
    app: &App,
    viewer: &Viewer,
    q: &ListQuery,
) -> Result<(Vec<Request>, Option<i64>), AppError> {
    let me = viewer.require(Permission::UsePortal)?.id;
    let statuses = statuses_of(q.status.as_deref())?;
    let type_id = match q
        .type_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        None => None,
        Some(k) => Some(catalog::type_id(app, k).await?.ok_or_else(|| {
            AppError::from(ValidationErrors::single(
                "type",
                "not_found",
                "no request type has this key",
            ))
        })?),
    };
    let staff = viewer.can(Permission::WorkQueue) && !q.mine;
    let orgs: Vec<i64> = viewer
        .memberships()
        .iter()
        .filter(|m| m.can_see_all)
        .map(|m| m.organization_id)
        .collect();
    let own = [me];
    let requester = q.requester_id.map(|r| [r]);
    let (requester_ids, organization_ids): (&[i64], &[i64]) = match (staff, &requester) {
        (true, Some(r)) => (r, &[]),
        (true, None) => (&[], &[]),
        (false, Some(r)) if r[0] == me => (&own, &[]),
        // A customer narrowing to one colleague: only within their organisations.
        (false, Some(r)) => {
            if orgs.is_empty() {
                return Ok((Vec::new(), None));
            }
            (r, &[])
        }
        (false, None) => (&own, &orgs),
    };
    let limit = q.limit.clamp(1, 100);
    let mut rows = store::list_requests(
        app.db().conn(),
        &RequestFilter {
            requester_ids,
            organization_ids,
            statuses: &statuses,
            type_id,
            before_id: q.before,
            limit: limit + 1,
        },
    )
    .await?;
    // A colleague's requests are shown only when they are in an organisation the viewer sees.
    if !staff {
        rows.retain(|r| may_see(viewer, r));
    }
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, next))
}

/// A request with what its page shows.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: Request,
    pub status: RequestStatus,
    pub request_type: TypeView,
    /// The form it was submitted with.
    pub form: FormSchema,
    /// Oldest first; internal notes only for agents.
    pub timeline: Vec<RequestEvent>,
    pub files: Vec<RequestFile>,
    /// What the viewer may do now.
    pub actions: Actions,
    /// The names of the people in the timeline, by user id.
    pub people: std::collections::HashMap<i64, String>,
}

/// What the viewer may do with a request now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actions {
    pub reply: bool,
    pub note: bool,
    pub cancel: bool,
    pub confirm: bool,
    pub reopen: bool,
    pub rate: bool,
    pub assign_self: bool,
    /// Statuses an agent may move it to.
    pub agent_moves: &'static [RequestStatus],
}

fn reopen_window_open(r: &Request, now: Timestamp, days: u32) -> bool {
    r.resolved_at
        .is_some_and(|at| now.0 - at.0 <= i64::from(days) * 86_400_000)
}

fn actions(
    viewer: &Viewer,
    r: &Request,
    status: RequestStatus,
    now: Timestamp,
    reopen_days: u32,
) -> Actions {
    match mover(viewer, r) {
        None => Actions::default(),
        Some(Mover::Requester) => Actions {
            reply: !status.is_final(),
            cancel: status.can_move(RequestStatus::Cancelled, Mover::Requester),
            confirm: status == RequestStatus::Resolved,
            reopen: status == RequestStatus::Resolved && reopen_window_open(r, now, reopen_days),
            rate: matches!(status, RequestStatus::Resolved | RequestStatus::Closed)
                && r.rating.is_none(),
            ..Actions::default()
        },
        Some(Mover::Agent) => {
            const MOVES: [RequestStatus; 7] = RequestStatus::ALL;
            let allowed: &'static [RequestStatus] = match status {
                RequestStatus::New | RequestStatus::Open | RequestStatus::WaitingForCustomer => &[
                    RequestStatus::Open,
                    RequestStatus::WaitingForCustomer,
                    RequestStatus::Resolved,
                    RequestStatus::Cancelled,
                ],
                RequestStatus::WaitingForApproval => {
                    &[RequestStatus::Open, RequestStatus::Cancelled]
                }
                RequestStatus::Resolved => &[RequestStatus::Open, RequestStatus::Closed],
                RequestStatus::Closed | RequestStatus::Cancelled => &MOVES[..0],
            };
            Actions {
                reply: !status.is_final(),
                note: true,
                assign_self: viewer.user_id() != r.assignee_id && !status.is_final(),
                agent_moves: allowed,
                ..Actions::default()
            }
        }
    }
}

/// A request the viewer may see, with its timeline (404 otherwise).
pub async fn show(app: &App, viewer: &Viewer, id: i64) -> Result<RequestView, AppError> {
    let r = visible(app, viewer, id).await?;
    view(app, viewer, r).await
}

/// A request by its reference (`REQ-000123`), as [`show`].
pub async fn show_by_reference(
    app: &App,
    viewer: &Viewer,
    reference: &str,
) -> Result<RequestView, AppError> {
    viewer.require_signed_in()?;
    let number = parse_reference(reference).ok_or(AppError::NotFound)?;
    let r = store::find_request_by_number(app.db().conn(), number)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(viewer, &r) {
        return Err(AppError::NotFound);
    }
    view(app, viewer, r).await
}

async fn view(app: &App, viewer: &Viewer, r: Request) -> Result<RequestView, AppError> {
    let conn = app.db().conn();
    let staff = viewer.can(Permission::WorkQueue);
    let timeline = store::list_events(conn, r.id, staff).await?;
    let files = store::list_files(conn, r.id).await?;
    let mut people = std::collections::HashMap::new();
    for id in timeline
        .iter()
        .filter_map(|e| e.actor_id)
        .chain(std::iter::once(r.requester_id))
    {
        if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(id)
            && let Some(u) = portico_storage::users::find_user_by_id(conn, id).await?
        {
            slot.insert(u.name);
        }
    }
    assemble(app, viewer, r, timeline, files, people).await
}

/// A request's view from its parts (read by [`view`], or known already after a submission).
async fn assemble(
    app: &App,
    viewer: &Viewer,
    r: Request,
    timeline: Vec<RequestEvent>,
    mut files: Vec<RequestFile>,
    people: std::collections::HashMap<i64, String>,
) -> Result<RequestView, AppError> {
    let status = status_of(&r)?;
    let staff = viewer.can(Permission::WorkQueue);
    let request_type = catalog::type_by_id(app, r.type_id).await?;
    let form = catalog::form_version(app, r.type_id, r.type_version).await?;
    if !staff {
        // Files of internal notes stay with the agents.
        let public: Vec<i64> = timeline.iter().map(|e| e.id).collect();
        files.retain(|f| f.event_id.is_none_or(|e| public.contains(&e)));
    }
    let actions = actions(
        viewer,
        &r,
        status,
        app.now(),
        app.settings().requests.reopen_days,
    );
    Ok(RequestView {
        people,
        request: r,
        status,
        request_type,
        form,
        timeline,
        files,
        actions,
    })
}

/// A reply (public) or, for agents, an internal note. Files the author uploaded go with it. A reply from
/// the requester to a request waiting for them reopens it; an agent's reply opens a new one. Closed and
/// cancelled requests take no replies (409 on `request`).
pub async fn comment(
    app: &App,
    viewer: &Viewer,
    id: i64,
    body: &str,
    internal: bool,
    files: &[i64],
) -> Result<RequestEvent, AppError> {
    let r = visible(app, viewer, id).await?;
    let who = mover(viewer, &r).ok_or(AppError::Forbidden)?;
    let author = viewer.require_signed_in()?.id;
    if internal && who != Mover::Agent {
        return Err(AppError::Forbidden);
    }
    let body = body.trim();
    let mut errors = Vec::new();
    if body.is_empty() {
        errors.push(FieldError::new("body", "required", "write a message"));
    } else if body.chars().count() > MAX_COMMENT_CHARS {
        errors.push(FieldError::new(
            "body",
            "too_long",
            format!("a message has at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    if files.len() > portico_core::form::MAX_FILES {
        errors.push(FieldError::new("files", "too_many", "at most 10 files"));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let status = status_of(&r)?;
    if status.is_final() {
        return Err(AppError::Conflict {
            field: "request".into(),
            message: "this request is closed: make a new one".into(),
        });
    }
    let mut tx = app.begin().await?;
    let now = tx.now();
    let event_id = store::insert_event(
        tx.conn(),
        &NewRequestEvent {
            request_id: r.id,
            actor_id: Some(author),
            kind: if internal { "note" } else { "comment" },
            body: Some(body),
            from_status: None,
            to_status: None,
            internal,
        },
        now,
    )
    .await?;
    let n = store::attach_files(tx.conn(), files, author, r.id, Some(event_id)).await?;
    if n != files.len() as u64 {
        return Err(ValidationErrors::single(
            "files",
            "not_found",
            "a file is not one you uploaded, or is attached already",
        )
        .into());
    }
    let mut moved = None;
    if !internal && let Some(to) = status.after_reply(who) {
        moved = store::set_status(tx.conn(), r.id, status.as_str(), to.as_str(), now).await?;
        if moved.is_some() {
            store::insert_event(
                tx.conn(),
                &NewRequestEvent {
                    request_id: r.id,
                    actor_id: Some(author),
                    kind: "status",
                    body: None,
                    from_status: Some(status.as_str()),
                    to_status: Some(to.as_str()),
                    internal: false,
                },
                now,
            )
            .await?;
        }
    }
    if moved.is_none() {
        store::touch(tx.conn(), r.id, now).await?;
    }
    tx.request_changed(r.id, internal).await?;
    if !internal && who == Mover::Agent {
        mails::reply(app, &mut tx, &r, body).await?;
    }
    if who == Mover::Requester {
        mails::customer_replied(app, &mut tx, &r, body).await?;
    }
    tx.commit().await?;
    let events = store::list_events(app.db().conn(), r.id, true).await?;
    events
        .into_iter()
        .find(|e| e.id == event_id)
        .ok_or(AppError::NotFound)
}

/// Moves a request to another status, if the viewer may (403 when they may not act on it at all; 409
/// on `to` when this move is not allowed from where it stands).
pub async fn transition(
    app: &App,
    viewer: &Viewer,
    id: i64,
    to: &str,
) -> Result<Request, AppError> {
    let r = visible(app, viewer, id).await?;
    let who = mover(viewer, &r).ok_or(AppError::Forbidden)?;
    let actor = viewer.require_signed_in()?.id;
    let to = RequestStatus::parse(to.trim()).ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "to",
            "invalid_choice",
            "a status such as open, resolved or cancelled",
        ))
    })?;
    let from = status_of(&r)?;
    let refused = |message: &str| AppError::Conflict {
        field: "to".into(),
        message: message.into(),
    };
    if !from.can_move(to, who) {
        return Err(refused(&format!(
            "a request that is {} cannot become {}",
            from.as_str(),
            to.as_str()
        )));
    }
    if who == Mover::Requester
        && from == RequestStatus::Resolved
        && to == RequestStatus::Open
        && !reopen_window_open(&r, app.now(), app.settings().requests.reopen_days)
    {
        return Err(refused(&format!(
            "a request can be reopened within {} days of its resolution; make a new one",
            app.settings().requests.reopen_days
        )));
    }
    let mut tx = app.begin().await?;
    let now = tx.now();
    let moved = store::set_status(tx.conn(), r.id, from.as_str(), to.as_str(), now)
        .await?
        .ok_or_else(|| refused("the request changed meanwhile; reload it"))?;
    store::insert_event(
        tx.conn(),
        &NewRequestEvent {
            request_id: r.id,
            actor_id: Some(actor),
            kind: "status",
            body: None,
            from_status: Some(from.as_str()),
            to_status: Some(to.as_str()),
            internal: false,
        },
        now,
    )
    .await?;
    if who == Mover::Agent {
        mails::status_changed(app, &mut tx, &moved).await?;
    }
    tx.request_changed(r.id, false).await?;
    tx.commit().await?;
    Ok(moved)
}

/// The requester rates a resolved (or closed) request, once: 1 to 5 and an optional comment.
pub async fn rate(
    app: &App,
    viewer: &Viewer,
    id: i64,
    score: i64,
    comment: Option<&str>,
) -> Result<Request, AppError> {
    let r = visible(app, viewer, id).await?;
    if mover(viewer, &r) != Some(Mover::Requester) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    if !(1..=5).contains(&score) {
        errors.push(FieldError::new("score", "out_of_range", "from 1 to 5"));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        errors.push(FieldError::new(
            "comment",
            "too_long",
            "a comment has at most 2000 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let mut tx = app.begin().await?;
    let now = tx.now();
    let score = i32::try_from(score).unwrap_or(0);
    if !store::rate(tx.conn(), r.id, score, comment, now).await? {
        return Err(AppError::Conflict {
            field: "score".into(),
            message: "a request is rated once, after it is resolved".into(),
        });
    }
    store::insert_event(
        tx.conn(),
        &NewRequestEvent {
            request_id: r.id,
            actor_id: viewer.user_id(),
            kind: "rating",
            body: Some(&score.to_string()),
            from_status: None,
            to_status: None,
            internal: false,
        },
        now,
    )
    .await?;
    tx.request_changed(r.id, false).await?;
    tx.commit().await?;
    store::find_request(app.db().conn(), r.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// An agent takes a request.
pub async fn assign_to_self(app: &App, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    let me = viewer.require(Permission::WorkQueue)?.id;
    let r = visible(app, viewer, id).await?;
    if status_of(&r)?.is_final() {
        return Err(AppError::Conflict {
            field: "request".into(),
            message: "this request is closed".into(),
        });
    }
    let mut tx = app.begin().await?;
    let now = tx.now();
    store::set_assignee(tx.conn(), r.id, Some(me), now).await?;
    store::insert_event(
        tx.conn(),
        &NewRequestEvent {
            request_id: r.id,
            actor_id: Some(me),
            kind: "assigned",
            body: None,
            from_status: None,
            to_status: None,
            internal: true,
        },
        now,
    )
    .await?;
    tx.request_changed(r.id, true).await?;
    tx.commit().await?;
    Ok(())
}

/// An uploaded file, ready to name in a form's file field or a reply.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

/// Stores a file for a request the viewer is about to make or reply to: images, PDF, office
/// documents, ZIP, text and CSV up to 10 MiB, checked by content (an `.exe` named `.png` is refused).
pub async fn upload(
    app: &App,
    viewer: &Viewer,
    file_name: &str,
    bytes: &[u8],
) -> Result<Uploaded, AppError> {
    let who = viewer.require_verified(Permission::UsePortal)?.id;
    if bytes.is_empty() {
        return Err(ValidationErrors::single("file", "required", "choose a file").into());
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(ValidationErrors::single("file", "too_large", "at most 10 MiB").into());
    }
    let (stem, extension) = file_name.rsplit_once('.').unwrap_or((file_name, ""));
    let (content_type, ext) = crate::kb::image_type(bytes)
        .or_else(|| crate::kb::attachment_type(bytes, extension))
        .ok_or_else(|| {
            AppError::from(ValidationErrors::single(
                "file",
                "invalid_type",
                "only images, PDF, Word, Excel, PowerPoint, ZIP, text and CSV files",
            ))
        })?;
    let stem = crate::kb::slug_from(stem);
    let stem = if stem.is_empty() {
        "file".to_string()
    } else {
        stem
    };
    let name = format!("{}.{ext}", stem.chars().take(60).collect::<String>());
    let files = &app.settings().files;
    let key = files.put("requests", bytes).await?;
    let stored = match &key {
        Some(k) => store::FileBytes::Object(k, bytes.len()),
        None => store::FileBytes::Inline(bytes),
    };
    let id = match store::insert_file(app.db().conn(), who, &name, content_type, stored, app.now())
        .await
    {
        Ok(id) => id,
        Err(e) => {
            files.delete(&key.into_iter().collect::<Vec<_>>()).await;
            return Err(e.into());
        }
    };
    Ok(Uploaded {
        id,
        name,
        content_type: content_type.to_string(),
        size: bytes.len(),
    })
}

/// A request's file, for those who may see it (its uploader sees it before it is attached); 404 for
/// anyone else, and for files of internal notes unless the viewer is an agent.
pub async fn file(app: &App, viewer: &Viewer, id: i64) -> Result<(RequestFile, Vec<u8>), AppError> {
    let me = viewer.require_signed_in()?.id;
    let (f, inline) = store::file_bytes(app.db().conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match f.request_id {
        None => f.uploaded_by == me,
        Some(rid) => {
            let r = visible(app, viewer, rid).await?;
            let staff = viewer.can(Permission::WorkQueue);
            staff
                || match f.event_id {
                    None => true,
                    Some(eid) => store::list_events(app.db().conn(), r.id, false)
                        .await?
                        .iter()
                        .any(|e| e.id == eid),
                }
        }
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    let bytes = match &f.object_key {
        Some(key) => app.settings().files.get(key).await?,
        None => inline,
    };
    Ok((f, bytes))
}

/// Someone opened a suggested article from a request form and left without sending the request: the
/// help centre answered them. Recorded once per visitor, type and day in the event log (`deflected`,
/// subject the type's key, query the article's slug).
pub async fn record_deflection(
    app: &App,
    viewer: &Viewer,
    visitor: &str,
    type_key: &str,
    article: &str,
) -> Result<(), AppError> {
    let t = catalog::request_type(app, viewer, type_key)
        .await
        .map_err(|_| {
            AppError::from(ValidationErrors::single(
                "type",
                "not_found",
                "no request type with this key is open to you",
            ))
        })?;
    let slug = article.trim();
    if slug.is_empty()
        || slug.len() > crate::kb::MAX_SLUG_CHARS
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(
            ValidationErrors::single("article", "invalid_format", "an article's slug").into(),
        );
    }
    crate::kb::record_event(
        app,
        viewer,
        visitor,
        "deflected",
        Some(&t.key),
        Some(slug),
        None,
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reopening_window_counts_from_the_resolution() {
        let day = 86_400_000;
        let r = |resolved: Option<i64>| Request {
            id: 1,
            number: 1,
            type_id: 1,
            type_version: 1,
            requester_id: 1,
            organization_id: None,
            subject: String::new(),
            fields: "{}".into(),
            status: "resolved".into(),
            assignee_id: None,
            rating: None,
            rating_comment: None,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
            resolved_at: resolved.map(Timestamp),
        };
        assert!(reopen_window_open(&r(Some(0)), Timestamp(14 * day), 14));
        assert!(!reopen_window_open(
            &r(Some(0)),
            Timestamp(14 * day + 1),
            14
        ));
        assert!(!reopen_window_open(&r(Some(0)), Timestamp(2 * day), 1));
        assert!(!reopen_window_open(&r(None), Timestamp(0), 14));
    }

    #[test]
    fn references_read_and_print() {
        assert_eq!(reference(123), "REQ-000123");
        assert_eq!(reference(1_234_567), "REQ-1234567");
        assert_eq!(parse_reference("REQ-000123"), Some(123));
        assert_eq!(parse_reference(" req-42 "), Some(42));
        for bad in [
            "REQ-",
            "REQ-0",
            "REQ-12a",
            "ORD-12",
            "REQ--1",
            "",
            "REQ-9999999999999999",
        ] {
            assert_eq!(parse_reference(bad), None, "{bad}");
        }
    }
}
