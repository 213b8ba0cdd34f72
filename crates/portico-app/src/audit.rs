//! The audit log as use cases write and administrators read it. Every security-relevant change appends
//! an entry in the same transaction as the change, so the log cannot miss a change that happened or
//! record one that did not.

use portico_core::{Permission, Timestamp};
use portico_storage::audit::{self, AuditFilter, NewAuditEntry};
use sea_orm::ConnectionTrait;

use crate::viewer::Viewer;
use crate::{App, AppError};

/// Where a request came from: the client's address (see the web edge's trusted-proxy rule) and its
/// User-Agent, cut to the columns' sizes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest User-Agent kept.
pub const MAX_USER_AGENT_CHARS: usize = 512;

impl Origin {
    pub fn new(ip: Option<String>, user_agent: Option<&str>) -> Self {
        Self {
            ip: ip.map(|i| i.chars().take(64).collect()),
            user_agent: user_agent
                .map(|u| {
                    u.chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_USER_AGENT_CHARS)
                        .collect::<String>()
                })
                .filter(|u| !u.is_empty()),
        }
    }
}

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    None,
    User(i64),
    Organization(i64),
    Token(i64),
}

impl Subject {
    fn parts(self) -> (Option<String>, Option<String>) {
        match self {
            Subject::None => (None, None),
            Subject::User(id) => (Some("user".into()), Some(id.to_string())),
            Subject::Organization(id) => (Some("organization".into()), Some(id.to_string())),
            Subject::Token(id) => (Some("token".into()), Some(id.to_string())),
        }
    }
}

/// Appends one entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    now: Timestamp,
    origin: &Origin,
    actor_id: Option<i64>,
    action: &str,
    subject: Subject,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let (subject_type, subject_id) = subject.parts();
    audit::append(
        conn,
        &NewAuditEntry {
            actor_id,
            action: action.to_string(),
            subject_type,
            subject_id,
            ip: origin.ip.clone(),
            user_agent: origin.user_agent.clone(),
            details,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Appends an entry about a person's own account, made by themself.
pub async fn own(
    conn: &impl ConnectionTrait,
    now: Timestamp,
    origin: &Origin,
    user_id: i64,
    action: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    record(
        conn,
        now,
        origin,
        Some(user_id),
        action,
        Subject::User(user_id),
        details,
    )
    .await
}

pub use portico_storage::audit::AuditEntry;

/// The actions that are sign-in attempts, as the security page lists them.
pub const SIGN_IN_ACTIONS: [&str; 3] = ["auth.signed_in", "auth.sign_in_failed", "auth.locked"];

/// An administrator's query of the log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub subject_user: Option<i64>,
}

/// A page of the log, newest first: entries older than `before` (the last id of the previous page).
pub async fn list_audit(
    app: &App,
    viewer: &Viewer,
    q: &AuditQuery,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEntry>, AppError> {
    viewer.require(Permission::Administer)?;
    let filter = AuditFilter {
        actor_id: q.actor_id,
        action: q.action.clone().filter(|a| !a.trim().is_empty()),
        subject: q.subject_user.map(|u| ("user".to_string(), u.to_string())),
        since: q.since,
        until: q.until,
        actions: Vec::new(),
    };
    Ok(audit::list(app.db().conn(), &filter, before, limit.clamp(1, 1000)).await?)
}

/// The caller's last 20 sign-in attempts (successes, failures and lock-outs), newest first.
pub async fn recent_sign_ins(app: &App, viewer: &Viewer) -> Result<Vec<AuditEntry>, AppError> {
    let me = viewer.require_signed_in()?;
    let filter = AuditFilter {
        subject: Some(("user".into(), me.id.to_string())),
        actions: SIGN_IN_ACTIONS.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    Ok(audit::list(app.db().conn(), &filter, None, 20).await?)
}
