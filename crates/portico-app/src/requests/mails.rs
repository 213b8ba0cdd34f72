//! Mails about requests, in the requester's language, enqueued in the transaction that made the change
//! (so a rolled-back change sends nothing). Replies and status changes respect the requester's
//! notification settings; the confirmation of a new request is always sent. Internal notes never
//! cause a mail.

use portico_core::Locale;
use portico_storage::users;

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

/// Mails `user` (when there is one and their settings want `wanted`) the message `key` about `r`.
async fn notify(
    app: &App,
    tx: &mut Tx,
    user: Option<i64>,
    wanted: fn(&users::Notifications) -> bool,
    key: &str,
    r: &Request,
    extra: &[(&str, &str)],
) -> Result<(), AppError> {
    let Some(id) = user else { return Ok(()) };
    // Read in the transaction: a second connection while holding SQLite's write lock could wait on a
    // pool that the other writers hold.
    let Some(u) = users::find_user_by_id(tx.conn(), id).await? else {
        return Ok(());
    };
    if !wanted(&u.notifications) {
        return Ok(());
    }
    send(app, tx, key, (&u.email, &u.name, u.locale), r, extra).await
}

/// An agent's public reply, quoted, to the requester.
pub(crate) async fn reply(app: &App, tx: &mut Tx, r: &Request, body: &str) -> Result<(), AppError> {
    let to = Some(r.requester_id);
    notify(
        app,
        tx,
        to,
        |n| n.replies,
        "mail-request-reply",
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
    let to = r.assignee_id;
    let key = "mail-request-customer-reply";
    notify(app, tx, to, |n| n.replies, key, r, &[("reply", body)]).await
}

/// An agent moved the request (resolved it, asked for something): the requester hears the new status
/// in their language.
pub(crate) async fn status_changed(app: &App, tx: &mut Tx, r: &Request) -> Result<(), AppError> {
    let Some(u) = users::find_user_by_id(tx.conn(), r.requester_id).await? else {
        return Ok(());
    };
    let status = crate::i18n::t(
        u.locale,
        &format!("request-status-{}", r.status.replace('_', "-")),
    );
    let to = Some(u.id);
    let key = "mail-request-status";
    notify(
        app,
        tx,
        to,
        |n| n.status_changes,
        key,
        r,
        &[("status", &status)],
    )
    .await
}
