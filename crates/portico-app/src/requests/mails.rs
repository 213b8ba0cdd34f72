//! Mails about requests, in the requester's language, enqueued in the transaction that made the change
//! (so a rolled-back change sends nothing). Replies and status changes respect the requester's
//! notification settings; the confirmation of a new request is always sent. Internal notes never
//! cause a mail.

use portico_core::Locale;
use portico_storage::users::{self, User};

use super::{Request, TypeView, reference};
use crate::identity::mails::{compose_message, public_url};
use crate::tx::Tx;
use crate::viewer::Viewer;
use crate::{App, AppError};

fn link(app: &App, r: &Request) -> String {
    public_url(app, &format!("/requests/{}", reference(r.number)))
}

async fn send(
    app: &App,
    tx: &mut Tx,
    key: &str,
    (to, name, locale): (&str, &str, Locale),
    r: &Request,
    extra: &[(&str, &str)],
) -> Result<(), AppError> {
    let portal = crate::portal::portal_name_in_tx(app, tx, locale).await?;
    let link = link(app, r);
    let reference = reference(r.number);
    let mut args: Vec<(&str, &str)> = vec![("reference", &reference), ("subject", &r.subject)];
    args.extend_from_slice(extra);
    let mail = compose_message(key, locale, to, name, &portal, Some(&link), &args);
    tx.enqueue(&mail.job(tx.now(), None)).await?;
    Ok(())
}

/// The requester, read in the transaction (a second connection while holding SQLite's write lock could
/// wait on a pool that the other writers hold).
async fn requester(tx: &Tx, r: &Request) -> Result<Option<User>, AppError> {
    Ok(users::find_user_by_id(tx.conn(), r.requester_id).await?)
}

/// "We have your request REQ-000123".
pub(crate) async fn confirmation(
    app: &App,
    tx: &mut Tx,
    viewer: &Viewer,
    r: &Request,
    t: &TypeView,
) -> Result<(), AppError> {
    let Some(a) = viewer.account() else {
        return Ok(());
    };
    let kind = t.name.get(a.locale).to_string();
    send(
        app,
        tx,
        "mail-request-created",
        (&a.email, &a.name, a.locale),
        r,
        &[("type", &kind)],
    )
    .await
}

/// An agent's public reply, quoted.
pub(crate) async fn reply(app: &App, tx: &mut Tx, r: &Request, body: &str) -> Result<(), AppError> {
    let Some(u) = requester(tx, r).await? else {
        return Ok(());
    };
    if !u.notifications.replies {
        return Ok(());
    }
    send(
        app,
        tx,
        "mail-request-reply",
        (&u.email, &u.name, u.locale),
        r,
        &[("reply", body)],
    )
    .await
}

/// The requester replied: the agent working on the request hears of it (when one has taken it).
pub(crate) async fn customer_replied(
    app: &App,
    tx: &mut Tx,
    r: &Request,
    body: &str,
) -> Result<(), AppError> {
    let Some(agent) = r.assignee_id else {
        return Ok(());
    };
    let Some(u) = users::find_user_by_id(tx.conn(), agent).await? else {
        return Ok(());
    };
    if !u.notifications.replies {
        return Ok(());
    }
    send(
        app,
        tx,
        "mail-request-customer-reply",
        (&u.email, &u.name, u.locale),
        r,
        &[("reply", body)],
    )
    .await
}

/// An agent moved the request (resolved it, asked for something).
pub(crate) async fn status_changed(app: &App, tx: &mut Tx, r: &Request) -> Result<(), AppError> {
    let Some(u) = requester(tx, r).await? else {
        return Ok(());
    };
    if !u.notifications.status_changes {
        return Ok(());
    }
    let status = crate::i18n::t(
        u.locale,
        &format!("request-status-{}", r.status.replace('_', "-")),
    );
    send(
        app,
        tx,
        "mail-request-status",
        (&u.email, &u.name, u.locale),
        r,
        &[("status", &status)],
    )
    .await
}
