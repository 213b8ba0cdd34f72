//! Making a request. The caller's task checks everything that can be checked without writing (who may
//! submit, the subject, the answers against the type's form). The writes then go to this node's
//! submission writer, which commits every submission waiting at that moment in one transaction (group
//! commit): one flush to disk and one hold of the reference counter serve the whole group, which is
//! what lets submissions keep up when many arrive at once. A caller is answered only after the commit
//! that holds its request, so an answered submission is durable.
//!
//! If anything in a group fails (an idempotency key that raced in from a parallel retry, a file that
//! is not the caller's), the group is rolled back, which gives its numbers back, and its submissions
//! are written one by one, so each caller gets its own answer and references stay gap-free.

use portico_core::form::FormSchema;
use portico_core::status::RequestStatus;
use portico_core::{FieldError, Permission, Timestamp, ValidationErrors};
use portico_storage::StorageError;
use portico_storage::requests::{self as store, NewRequest, NewRequestEvent};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

use super::{
    COUNTER, MAX_IDEMPOTENCY_KEY, MAX_SUBJECT_CHARS, Request, RequestEvent, RequestFile, TypeView,
    catalog, mails,
};
use crate::tx::Tx;
use crate::viewer::Viewer;
use crate::{App, AppError};

/// The most submissions one transaction holds.
const MAX_GROUP: usize = 64;
/// Submissions waiting for the writer before callers wait to hand theirs over.
const QUEUE: usize = 1024;

/// What someone sends to make a request.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The request type's key.
    pub type_key: String,
    pub subject: String,
    /// The form's answers, by field key.
    pub fields: Map<String, Value>,
    /// Makes a retry return the first request instead of making a second (an API `Idempotency-Key`, or
    /// the page's form token).
    pub idempotency_key: Option<String>,
}

/// A submitted request: the row, and whether this call made it (false: an earlier call with the same
/// idempotency key did).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub request: Request,
    pub created: bool,
    /// What this call wrote besides the row (its first timeline entry and files), so the caller's view
    /// of the new request needs no second reading.
    fresh: Option<(RequestEvent, Vec<RequestFile>)>,
}

/// The submitter's view of a submitted request (as [`super::show`] gives it), read again only when an
/// earlier call made it.
pub async fn submitted_view(
    app: &App,
    viewer: &Viewer,
    s: Submitted,
) -> Result<super::RequestView, AppError> {
    match s.fresh {
        Some((created, files)) => {
            let mut people = std::collections::HashMap::new();
            if let Some(a) = viewer.account() {
                people.insert(a.id, a.name.clone());
            }
            super::assemble(app, viewer, s.request, vec![created], files, people).await
        }
        None => super::show(app, viewer, s.request.id).await,
    }
}

/// A checked submission, ready to be written.
#[derive(Debug)]
struct Checked {
    viewer: Viewer,
    requester: i64,
    key: Option<String>,
    kind: TypeView,
    subject: String,
    /// The answers as stored (JSON).
    fields: String,
    files: Vec<(String, Vec<i64>)>,
    organization_id: Option<i64>,
}

#[derive(Debug)]
struct Pending {
    checked: Checked,
    reply: oneshot::Sender<Result<Submitted, AppError>>,
}

/// This node's way to its submission writer (started on the first submission, and again if it stopped).
#[derive(Debug, Default)]
pub(crate) struct SubmitQueue {
    sender: std::sync::Mutex<Option<mpsc::Sender<Pending>>>,
}

fn check_subject(subject: &str, errors: &mut Vec<FieldError>) -> String {
    let s = subject.trim();
    if s.is_empty() {
        errors.push(FieldError::new(
            "subject",
            "required",
            "say in a few words what you need",
        ));
    } else if s.chars().count() > MAX_SUBJECT_CHARS {
        errors.push(FieldError::new(
            "subject",
            "too_long",
            format!("a subject has at most {MAX_SUBJECT_CHARS} characters"),
        ));
    } else if s.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "subject",
            "invalid_format",
            "a subject is one line without control characters",
        ));
    }
    s.to_string()
}

/// The file ids that the answers name (file fields).
fn file_ids(form: &FormSchema, answers: &Map<String, Value>) -> Vec<(String, Vec<i64>)> {
    form.fields
        .iter()
        .filter(|f| f.kind == portico_core::form::FieldType::File)
        .filter_map(|f| {
            let ids: Vec<i64> = answers
                .get(&f.key)?
                .as_array()?
                .iter()
                .filter_map(Value::as_i64)
                .collect();
            Some((f.key.clone(), ids))
        })
        .collect()
}

/// Makes a request (a signed-in customer with a verified address). Invalid answers are one 422 naming
/// every field; an unknown or unavailable type is a 422 on `type`. With an idempotency key already
/// used by this requester, the first request comes back and nothing new is made.
pub async fn submit(app: &App, viewer: &Viewer, s: &Submission) -> Result<Submitted, AppError> {
    let requester = viewer.require_verified(Permission::UsePortal)?.id;
    let key = s
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(k) = key {
        if k.len() > MAX_IDEMPOTENCY_KEY || k.chars().any(char::is_control) {
            return Err(ValidationErrors::single(
                "idempotency_key",
                "invalid_format",
                "at most 128 printable characters",
            )
            .into());
        }
        if let Some(first) = store::find_by_idempotency_key(app.db().conn(), requester, k).await? {
            return Ok(Submitted {
                request: first,
                created: false,
                fresh: None,
            });
        }
    }
    let kind = catalog::submittable(app, viewer, &s.type_key).await?;
    let mut errors = Vec::new();
    let subject = check_subject(&s.subject, &mut errors);
    let answers = match kind.form.validate(&s.fields) {
        Ok(a) => a,
        Err(e) => {
            errors.extend(e.0);
            Map::new()
        }
    };
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let checked = Checked {
        files: file_ids(&kind.form, &answers),
        fields: serde_json::to_string(&answers)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("answers do not serialise: {e}")))?,
        // The requester's organisation, so colleagues who may see all of its requests see this one.
        organization_id: viewer.memberships().first().map(|m| m.organization_id),
        viewer: viewer.clone(),
        requester,
        key: key.map(str::to_string),
        kind,
        subject,
    };
    let (reply, answer) = oneshot::channel();
    let sender = writer(app);
    if let Err(mpsc::error::SendError(p)) = sender.send(Pending { checked, reply }).await {
        // The writer is gone (its runtime is shutting down): write this one here.
        return write_one(app, &p.checked).await;
    }
    answer.await.map_err(|_| {
        AppError::Unavailable("the submission writer stopped; the request may not be saved".into())
    })?
}

/// The sender to this node's submission writer, starting the writer when there is none.
fn writer(app: &App) -> mpsc::Sender<Pending> {
    let queue = app.submit_queue();
    let mut slot = queue
        .sender
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(s) = slot.as_ref().filter(|s| !s.is_closed()) {
        return s.clone();
    }
    let (sender, receiver) = mpsc::channel(QUEUE);
    tokio::spawn(run_writer(app.downgrade(), receiver));
    *slot = Some(sender.clone());
    sender
}

/// Writes what arrives, a group at a time, until the application is gone.
async fn run_writer(app: crate::state::WeakApp, mut receiver: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while receiver.recv_many(&mut group, MAX_GROUP).await > 0 {
        let Some(app) = app.upgrade() else { break };
        write_group(&app, std::mem::take(&mut group)).await;
    }
}

async fn write_group(app: &App, group: Vec<Pending>) {
    if group.len() > 1 {
        match write_all(app, &group).await {
            Ok(made) => {
                for (p, done) in group.into_iter().zip(made) {
                    // A caller that went away (a closed connection) finds its request by its key.
                    let _ = p.reply.send(Ok(done));
                }
                return;
            }
            Err(e) => tracing::debug!(
                error = %e,
                size = group.len(),
                "a group of submissions was rolled back; writing them one by one"
            ),
        }
    }
    for p in group {
        let done = write_one(app, &p.checked).await;
        let _ = p.reply.send(done);
    }
}

/// Writes the whole group in one transaction, or nothing.
async fn write_all(app: &App, group: &[Pending]) -> Result<Vec<Submitted>, Failed> {
    let mut tx = app.begin().await?;
    let size = i64::try_from(group.len()).unwrap_or(i64::MAX);
    let first = store::take_counter(tx.conn(), COUNTER, size).await?;
    let mut made = Vec::with_capacity(group.len());
    for (number, p) in (first..).zip(group) {
        made.push(insert(app, &mut tx, &p.checked, number).await?);
    }
    tx.commit().await?;
    Ok(made)
}

/// Writes one submission in its own transaction.
async fn write_one(app: &App, c: &Checked) -> Result<Submitted, AppError> {
    let mut tx = app.begin().await?;
    let number = store::next_counter(tx.conn(), COUNTER).await?;
    match insert(app, &mut tx, c, number).await {
        Ok(made) => {
            tx.commit().await?;
            Ok(made)
        }
        // The same key raced in from another call: that one won; answer with it.
        Err(Failed::Duplicate) => {
            tx.rollback().await?;
            let key = c.key.as_deref().unwrap_or_default();
            let first = store::find_by_idempotency_key(app.db().conn(), c.requester, key)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Submitted {
                request: first,
                created: false,
                fresh: None,
            })
        }
        Err(Failed::Other(e)) => Err(e),
    }
}

enum Failed {
    /// A request with this requester's idempotency key exists already.
    Duplicate,
    Other(AppError),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Duplicate => f.write_str("an idempotency key that raced in"),
            Failed::Other(e) => e.fmt(f),
        }
    }
}

impl<E: Into<AppError>> From<E> for Failed {
    fn from(e: E) -> Self {
        Failed::Other(e.into())
    }
}

/// The request with `number`, its first timeline entry, its files and its confirmation mail.
async fn insert(app: &App, tx: &mut Tx, c: &Checked, number: i64) -> Result<Submitted, Failed> {
    let now: Timestamp = tx.now();
    let inserted = store::insert_request(
        tx.conn(),
        &NewRequest {
            number,
            type_id: c.kind.id,
            type_version: c.kind.version,
            requester_id: c.requester,
            organization_id: c.organization_id,
            subject: &c.subject,
            fields: &c.fields,
            status: RequestStatus::New.as_str(),
            idempotency_key: c.key.as_deref(),
        },
        now,
    )
    .await;
    let request = match inserted {
        Ok(r) => r,
        Err(StorageError::Conflict { .. }) if c.key.is_some() => return Err(Failed::Duplicate),
        Err(e) => return Err(e.into()),
    };
    let created = NewRequestEvent {
        request_id: request.id,
        actor_id: Some(c.requester),
        kind: "created",
        body: None,
        from_status: None,
        to_status: Some(RequestStatus::New.as_str()),
        internal: false,
    };
    let event = store::insert_event(tx.conn(), &created, now).await?;
    for (field, ids) in &c.files {
        let n = store::attach_files(tx.conn(), ids, c.requester, request.id, Some(event)).await?;
        if n != ids.len() as u64 {
            return Err(ValidationErrors::single(
                format!("fields.{field}"),
                "not_found",
                "a file is not one you uploaded, or is attached already",
            )
            .into());
        }
    }
    let files = if c.files.is_empty() {
        Vec::new()
    } else {
        store::list_files(tx.conn(), request.id).await?
    };
    mails::confirmation(app, tx, &c.viewer, &request, &c.kind).await?;
    let created = RequestEvent {
        id: event,
        request_id: request.id,
        at: now,
        actor_id: created.actor_id,
        kind: created.kind.to_string(),
        body: None,
        from_status: None,
        to_status: created.to_status.map(str::to_string),
        internal: false,
    };
    Ok(Submitted {
        request,
        created: true,
        fresh: Some((created, files)),
    })
}
