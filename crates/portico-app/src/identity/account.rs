//! Self-service accounts: signing up and verifying the address, forgotten passwords, the profile,
//! changing password and e-mail address, and the person's own sessions. Every change is audited in the
//! same transaction, and every mail is a job enqueued in it.

use portico_core::{Email, FieldError, Locale, Timestamp, UserStatus, ValidationErrors};
use portico_storage::account_links::{self, LinkPurpose};
pub use portico_storage::users::Notifications;
use portico_storage::users::{self, NewUser, ProfileUpdate, User};
use portico_storage::{organizations, sessions, sign_in_throttle};

use super::mails::{AccountMail, compose, public_url};
use super::{check_name, check_password_strength, hash_password, links, verify_password};
use crate::audit::{self, Origin, Subject};
use crate::viewer::{Account, Viewer};
use crate::{App, AppError, Tx};

/// How many verification or reset mails one account may be sent per hour.
pub const MAX_LINK_MAILS_PER_HOUR: i64 = 5;
/// A second identical sign-up within this time is the same sign-up (a double-clicked button).
const REPEAT_SIGN_UP_MS: i64 = 10 * 60 * 1000;

/// Enqueues an account mail to `to` in `locale`, in the transaction.
pub(crate) async fn send(
    app: &App,
    tx: &mut Tx,
    kind: AccountMail,
    (to, to_name, locale): (&str, &str, Locale),
    link_path: Option<&str>,
    extra: &[(&str, &str)],
) -> Result<(), AppError> {
    let portal = crate::portal::portal_name_in_tx(app, tx, locale).await?;
    let link = link_path.map(|p| public_url(app, p));
    let mail = compose(kind, locale, to, to_name, &portal, link.as_deref(), extra);
    tx.enqueue(&mail.job(tx.now(), None)).await?;
    Ok(())
}

fn recipient(u: &User) -> (&str, &str, Locale) {
    (&u.email, &u.name, u.locale)
}

/// What was typed on the sign-up form or sent to `POST /api/v1/auth/signup`.
#[derive(Debug, Clone)]
pub struct SignUp<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    /// The account's language; the caller's language when not given.
    pub locale: Option<&'a str>,
}

/// A sign-up's result: a new account, or — the same form sent again within minutes with the same
/// password, as a double click does — the account the first one made.
#[derive(Debug)]
pub enum SignedUp {
    Created(Account),
    Repeated(Account),
}

impl SignedUp {
    pub fn account(&self) -> &Account {
        match self {
            SignedUp::Created(a) | SignedUp::Repeated(a) => a,
        }
    }
}

/// Places a user whose address was just proven (verification, reset, invitation, e-mail change) in the
/// organisation that claims the address's domain, if any and if not a member yet. Only proven addresses
/// join: anyone can type `someone@acme.example` on the sign-up form.
async fn join_by_domain(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: i64,
    email: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default();
    if let Some(org) = organizations::find_organization_by_domain(conn, &domain).await? {
        organizations::add_member(conn, org, user_id, false, false, now).await?;
    }
    Ok(())
}

/// The verification link path for a secret.
fn verify_path(secret: &str) -> String {
    format!("/verify-email?token={secret}")
}

/// Creates a customer account (not yet verified) and mails a verification link (24 h); once verified it
/// joins the organisation that claims its e-mail domain. A taken address is 409 on `email`.
pub async fn sign_up(
    app: &App,
    input: SignUp<'_>,
    lang: Locale,
    origin: &Origin,
) -> Result<SignedUp, AppError> {
    let mut errors = Vec::new();
    let email = Email::parse("email", input.email)
        .map_err(|e| errors.push(e))
        .ok();
    let name = check_name("name", input.name)
        .map_err(|e| errors.push(e))
        .ok();
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
    if let Err(e) =
        check_password_strength("password", input.password, &[input.email, input.name], lang)
    {
        errors.push(e);
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(ValidationErrors(errors).into());
    };
    let hash = hash_password(input.password).await?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let user = match users::insert_user(
        tx.conn(),
        &NewUser {
            email: &email,
            name: &name,
            locale,
            role: portico_core::Role::Customer,
            password_hash: Some(&hash),
            email_verified: false,
        },
        now,
    )
    .await
    {
        Ok(u) => u,
        Err(portico_storage::StorageError::Conflict { constraint }) => {
            tx.rollback().await?;
            return repeated_sign_up(app, &email, input.password, now)
                .await?
                .map(SignedUp::Repeated)
                .ok_or_else(|| portico_storage::StorageError::Conflict { constraint }.into());
        }
        Err(e) => return Err(e.into()),
    };
    let secret = links::issue(tx.conn(), LinkPurpose::VerifyEmail, user.id, None, now).await?;
    send(
        app,
        &mut tx,
        AccountMail::Verify,
        recipient(&user),
        Some(&verify_path(&secret)),
        &[],
    )
    .await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        user.id,
        "account.signed_up",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "account signed up");
    Ok(SignedUp::Created(user.into()))
}

/// The account a repeated sign-up refers to: made minutes ago, not yet verified, same password.
async fn repeated_sign_up(
    app: &App,
    email: &Email,
    password: &str,
    now: Timestamp,
) -> Result<Option<Account>, AppError> {
    let Some(u) = users::find_user_by_email(app.db().conn(), email).await? else {
        return Ok(None);
    };
    if u.email_verified_at.is_some()
        || now.millis() - u.created_at.millis() > REPEAT_SIGN_UP_MS
        || u.status != UserStatus::Active
    {
        return Ok(None);
    }
    Ok(verify_password(password, u.password_hash.as_deref())
        .await?
        .then(|| u.into()))
}

/// Opens a verification link: the address is verified. A used, expired or unknown link is 422 on
/// `token`.
pub async fn verify_email(app: &App, secret: &str, origin: &Origin) -> Result<Account, AppError> {
    let tx = app.begin().await?;
    let now = tx.now();
    let link = links::redeem(tx.conn(), secret, LinkPurpose::VerifyEmail, now).await?;
    users::mark_email_verified(tx.conn(), link.user_id, now).await?;
    account_links::consume_links_of_user(tx.conn(), link.user_id, LinkPurpose::VerifyEmail, now)
        .await?;
    let user = users::find_user_by_id(tx.conn(), link.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    join_by_domain(tx.conn(), user.id, &user.email, now).await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        user.id,
        "account.email_verified",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(user.into())
}

/// Mails a fresh verification link to the signed-in caller (earlier links stop working). At most
/// [`MAX_LINK_MAILS_PER_HOUR`] an hour; an already verified address is 409.
pub async fn resend_verification(
    app: &App,
    viewer: &Viewer,
    origin: &Origin,
) -> Result<(), AppError> {
    let me = viewer.require_signed_in()?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let user = users::find_user_by_id(tx.conn(), me.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if user.email_verified_at.is_some() {
        return Err(AppError::Conflict {
            field: "email".into(),
            message: "this address is already verified".into(),
        });
    }
    let recent = account_links::count_recent_links(
        tx.conn(),
        user.id,
        LinkPurpose::VerifyEmail,
        now.plus_secs(-3600),
    )
    .await?;
    if recent >= MAX_LINK_MAILS_PER_HOUR {
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    account_links::consume_links_of_user(tx.conn(), user.id, LinkPurpose::VerifyEmail, now).await?;
    let secret = links::issue(tx.conn(), LinkPurpose::VerifyEmail, user.id, None, now).await?;
    send(
        app,
        &mut tx,
        AccountMail::Verify,
        recipient(&user),
        Some(&verify_path(&secret)),
        &[],
    )
    .await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        user.id,
        "account.verification_resent",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// "Forgot password": mails a reset link (1 h) when an active account has the address. The answer is
/// the same whether or not one does, and no mail goes to unknown addresses. A malformed address is
/// 422 on `email`.
pub async fn request_password_reset(
    app: &App,
    email: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let email = Email::parse("email", email)?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let Some(user) = users::find_user_by_email(tx.conn(), &email)
        .await?
        .filter(|u| u.status == UserStatus::Active)
    else {
        return Ok(());
    };
    let recent = account_links::count_recent_links(
        tx.conn(),
        user.id,
        LinkPurpose::ResetPassword,
        now.plus_secs(-3600),
    )
    .await?;
    if recent >= MAX_LINK_MAILS_PER_HOUR {
        // Saying so would tell that the address has an account; the mails already sent will do.
        tracing::info!(
            user_id = user.id,
            "password reset mail held back: too many this hour"
        );
        return Ok(());
    }
    let secret = links::issue(tx.conn(), LinkPurpose::ResetPassword, user.id, None, now).await?;
    send(
        app,
        &mut tx,
        AccountMail::Reset,
        recipient(&user),
        Some(&format!("/password/reset?token={secret}")),
        &[],
    )
    .await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        None,
        "account.password_reset_requested",
        Subject::User(user.id),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// Checks a reset or invitation link without using it, for the form it leads to.
pub async fn check_link(app: &App, secret: &str, invitation: bool) -> Result<Account, AppError> {
    let purpose = if invitation {
        LinkPurpose::Invitation
    } else {
        LinkPurpose::ResetPassword
    };
    let link = links::check(app.db().conn(), secret, purpose, app.now()).await?;
    users::find_user_by_id(app.db().conn(), link.user_id)
        .await?
        .map(Account::from)
        .ok_or(AppError::NotFound)
}

/// Sets a new password through a reset or invitation link: the link is used up, the address counts as
/// verified (the mail reached it), every session of the account ends, and a sign-in lock on the address
/// is lifted. Returns the account, for the edge to start a fresh session.
pub async fn set_password_by_link(
    app: &App,
    secret: &str,
    password: &str,
    invitation: bool,
    lang: Locale,
    origin: &Origin,
) -> Result<Account, AppError> {
    let purpose = if invitation {
        LinkPurpose::Invitation
    } else {
        LinkPurpose::ResetPassword
    };
    let link = links::check(app.db().conn(), secret, purpose, app.now()).await?;
    let user = users::find_user_by_id(app.db().conn(), link.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(|| {
            AppError::from(ValidationErrors::single(
                "token",
                "link_invalid",
                "this link is not valid",
            ))
        })?;
    check_password_strength("password", password, &[&user.email, &user.name], lang)?;
    let hash = hash_password(password).await?;
    let tx = app.begin().await?;
    let now = tx.now();
    links::redeem(tx.conn(), secret, purpose, now).await?;
    users::set_password_hash(tx.conn(), user.id, &hash, now).await?;
    users::mark_email_verified(tx.conn(), user.id, now).await?;
    join_by_domain(tx.conn(), user.id, &user.email, now).await?;
    account_links::consume_links_of_user(tx.conn(), user.id, purpose, now).await?;
    sessions::delete_sessions_of_user(tx.conn(), user.id, None).await?;
    sign_in_throttle::clear(tx.conn(), &super::throttle_key(&user.email)).await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        Some(user.id),
        if invitation {
            "account.invitation_accepted"
        } else {
            "account.password_reset"
        },
        Subject::User(user.id),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    let user = users::find_user_by_id(app.db().conn(), user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(user.into())
}

/// A person's own profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub account: Account,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub time_zone: Option<String>,
    pub notifications: Notifications,
    pub created_at: Timestamp,
    /// The organisations the person belongs to, with what each membership allows.
    pub organizations: Vec<(organizations::Organization, organizations::Membership)>,
}

impl From<User> for Profile {
    fn from(u: User) -> Self {
        Profile {
            phone: u.phone.clone(),
            address: u.address.clone(),
            time_zone: u.time_zone.clone(),
            notifications: u.notifications,
            created_at: u.created_at,
            account: u.into(),
            organizations: Vec::new(),
        }
    }
}

async fn profile_of(app: &App, user: User) -> Result<Profile, AppError> {
    let conn = app.db().conn();
    let orgs = organizations::list_organizations_of_user(conn, user.id).await?;
    let memberships = organizations::list_memberships_of_user(conn, user.id).await?;
    let mut p = Profile::from(user);
    p.organizations = orgs
        .into_iter()
        .filter_map(|o| {
            let m = memberships
                .iter()
                .find(|m| m.organization_id == o.id)
                .copied()?;
            Some((o, m))
        })
        .collect();
    Ok(p)
}

pub async fn profile(app: &App, viewer: &Viewer) -> Result<Profile, AppError> {
    let me = viewer.require_signed_in()?;
    let user = users::find_user_by_id(app.db().conn(), me.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    profile_of(app, user).await
}

/// Changes to a profile; `None` leaves a field as it is, an empty string clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub notifications: Option<Notifications>,
}

pub const MAX_PHONE_CHARS: usize = 32;
pub const MAX_ADDRESS_CHARS: usize = 500;

fn check_phone(raw: &str) -> Result<Option<String>, FieldError> {
    let p = raw.trim();
    if p.is_empty() {
        return Ok(None);
    }
    if p.chars().count() > MAX_PHONE_CHARS {
        return Err(FieldError::new(
            "phone",
            "too_long",
            format!("a phone number has at most {MAX_PHONE_CHARS} characters"),
        ));
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | ' '));
    if !allowed || digits < 5 || p[1..].contains('+') {
        return Err(FieldError::new(
            "phone",
            "invalid_format",
            "a phone number has digits and may have +, spaces, dashes and brackets, e.g. +86 21 5555 0100",
        ));
    }
    Ok(Some(p.to_string()))
}

fn check_address(raw: &str) -> Result<Option<String>, FieldError> {
    let a = raw.trim().replace("\r\n", "\n");
    if a.is_empty() {
        return Ok(None);
    }
    if a.chars().count() > MAX_ADDRESS_CHARS {
        return Err(FieldError::new(
            "address",
            "too_long",
            format!("an address has at most {MAX_ADDRESS_CHARS} characters"),
        ));
    }
    if a.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(
            "address",
            "invalid_format",
            "an address cannot contain control characters",
        ));
    }
    Ok(Some(a))
}

/// Validates an IANA time-zone name (`Asia/Shanghai`, `Europe/Berlin`, `UTC`).
pub fn check_time_zone(raw: &str) -> Result<Option<String>, FieldError> {
    let z = raw.trim();
    if z.is_empty() {
        return Ok(None);
    }
    match jiff::tz::TimeZone::get(z) {
        Ok(_) if z.len() <= 64 => Ok(Some(z.to_string())),
        _ => Err(FieldError::new(
            "time_zone",
            "invalid_choice",
            "not a known time zone; use a name such as Asia/Shanghai or Europe/London",
        )),
    }
}

/// Every time-zone name known, sorted (for the profile's choice list).
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| n.contains('/') || n == "UTC")
        .filter(|n| !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
        .collect();
    names.sort();
    names
}

pub async fn update_profile(
    app: &App,
    viewer: &Viewer,
    patch: ProfilePatch,
    origin: &Origin,
) -> Result<Profile, AppError> {
    let me = viewer.require_signed_in()?;
    let current = profile(app, viewer).await?;
    let mut errors = Vec::new();
    let mut keep = |r: Result<Option<String>, FieldError>, old: Option<String>| match r {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            old
        }
    };
    let phone = match &patch.phone {
        Some(p) => keep(check_phone(p), current.phone.clone()),
        None => current.phone.clone(),
    };
    let address = match &patch.address {
        Some(a) => keep(check_address(a), current.address.clone()),
        None => current.address.clone(),
    };
    let time_zone = match &patch.time_zone {
        Some(z) => keep(check_time_zone(z), current.time_zone.clone()),
        None => current.time_zone.clone(),
    };
    let name = match &patch.name {
        Some(n) => check_name("name", n)
            .map_err(|e| errors.push(e))
            .unwrap_or_else(|()| current.account.name.clone()),
        None => current.account.name.clone(),
    };
    let locale = match &patch.locale {
        Some(l) => l.parse::<Locale>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "locale",
                "invalid_choice",
                "the language must be en or zh-CN",
            ));
            current.account.locale
        }),
        None => current.account.locale,
    };
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let update = ProfileUpdate {
        name,
        phone,
        address,
        locale,
        time_zone,
        notifications: patch.notifications.unwrap_or(current.notifications),
    };
    let mut changed = Vec::new();
    if update.name != current.account.name {
        changed.push("name");
    }
    if update.phone != current.phone {
        changed.push("phone");
    }
    if update.address != current.address {
        changed.push("address");
    }
    if update.locale != current.account.locale {
        changed.push("locale");
    }
    if update.time_zone != current.time_zone {
        changed.push("time_zone");
    }
    if update.notifications != current.notifications {
        changed.push("notifications");
    }
    if changed.is_empty() {
        return Ok(current);
    }
    let tx = app.begin().await?;
    let now = tx.now();
    let user = users::update_profile(tx.conn(), me.id, &update, now)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    audit::own(
        tx.conn(),
        now,
        origin,
        me.id,
        "account.profile_updated",
        serde_json::json!({ "fields": changed }),
    )
    .await?;
    tx.commit().await?;
    profile_of(app, user).await
}

/// Checks the caller's current password (for changes that need it), as 422 on `current_password`.
async fn confirm_current_password(
    app: &App,
    user_id: i64,
    password: &str,
) -> Result<User, AppError> {
    let user = users::find_user_by_id(app.db().conn(), user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if password.is_empty() {
        return Err(ValidationErrors::single(
            "current_password",
            "required",
            "enter your current password",
        )
        .into());
    }
    if !verify_password(password, user.password_hash.as_deref()).await? {
        return Err(ValidationErrors::single(
            "current_password",
            "wrong_password",
            "the current password is not right",
        )
        .into());
    }
    Ok(user)
}

/// Changes the caller's password (the current one is needed); every other session of the account ends
/// (`keep_session` is the stored key of the caller's own) and the account is told by mail.
pub async fn change_password(
    app: &App,
    viewer: &Viewer,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
    lang: Locale,
    origin: &Origin,
) -> Result<(), AppError> {
    let me = viewer.require_signed_in()?;
    let user = confirm_current_password(app, me.id, current).await?;
    check_password_strength("new_password", new, &[&user.email, &user.name], lang)?;
    let hash = hash_password(new).await?;
    let mut tx = app.begin().await?;
    let now = tx.now();
    users::set_password_hash(tx.conn(), user.id, &hash, now).await?;
    let ended = sessions::delete_sessions_of_user(tx.conn(), user.id, keep_session).await?;
    send(
        app,
        &mut tx,
        AccountMail::PasswordChanged,
        recipient(&user),
        Some("/password/forgot"),
        &[],
    )
    .await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        user.id,
        "account.password_changed",
        serde_json::json!({ "sessions_ended": ended }),
    )
    .await?;
    tx.commit().await
}

/// Starts changing the caller's address: a link (24 h) goes to the new address; the change happens
/// when it is opened. The current password is needed; an address in use is 409 on `new_email`.
pub async fn request_email_change(
    app: &App,
    viewer: &Viewer,
    new_email: &str,
    current_password: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let me = viewer.require_signed_in()?;
    let email = Email::parse("new_email", new_email)?;
    let user = confirm_current_password(app, me.id, current_password).await?;
    if email.lower() == user.email.to_lowercase() {
        return Err(ValidationErrors::single(
            "new_email",
            "unchanged",
            "this is already your address",
        )
        .into());
    }
    if users::find_user_by_email(app.db().conn(), &email)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            field: "new_email".into(),
            message: "another account uses this address".into(),
        });
    }
    let mut tx = app.begin().await?;
    let now = tx.now();
    account_links::consume_links_of_user(tx.conn(), user.id, LinkPurpose::ChangeEmail, now).await?;
    let secret = links::issue(
        tx.conn(),
        LinkPurpose::ChangeEmail,
        user.id,
        Some(email.as_str()),
        now,
    )
    .await?;
    send(
        app,
        &mut tx,
        AccountMail::ChangeEmail,
        (email.as_str(), &user.name, user.locale),
        Some(&format!("/account/email/confirm?token={secret}")),
        &[("old_email", &user.email), ("new_email", email.as_str())],
    )
    .await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        user.id,
        "account.email_change_requested",
        serde_json::json!({ "new_email": email.as_str() }),
    )
    .await?;
    tx.commit().await
}

/// Opens an e-mail change link: the account's address becomes the new one (verified), and the old
/// address is told.
pub async fn confirm_email_change(
    app: &App,
    secret: &str,
    origin: &Origin,
) -> Result<Account, AppError> {
    let mut tx = app.begin().await?;
    let now = tx.now();
    let link = links::redeem(tx.conn(), secret, LinkPurpose::ChangeEmail, now).await?;
    let user = users::find_user_by_id(tx.conn(), link.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = Email::parse("new_email", link.new_email.as_deref().unwrap_or(""))?;
    match users::set_email(tx.conn(), user.id, &new, now).await {
        Ok(_) => {}
        Err(portico_storage::StorageError::Conflict { .. }) => {
            return Err(AppError::Conflict {
                field: "new_email".into(),
                message: "another account uses this address now".into(),
            });
        }
        Err(e) => return Err(e.into()),
    }
    join_by_domain(tx.conn(), user.id, new.as_str(), now).await?;
    send(
        app,
        &mut tx,
        AccountMail::EmailChanged,
        recipient(&user),
        Some("/password/forgot"),
        &[("old_email", &user.email), ("new_email", new.as_str())],
    )
    .await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        user.id,
        "account.email_changed",
        serde_json::json!({ "from": user.email, "to": new.as_str() }),
    )
    .await?;
    tx.commit().await?;
    let user = users::find_user_by_id(app.db().conn(), user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(user.into())
}

/// One of the caller's sessions as their security page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// Names the session for "sign out this one" (not usable as a cookie).
    pub id: String,
    pub ip: Option<String>,
    pub browser: String,
    pub os: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The session this request came with.
    pub current: bool,
}

/// The caller's live sessions; `current` is the stored key of the session of this request.
pub async fn list_sessions(
    app: &App,
    viewer: &Viewer,
    current: Option<&str>,
) -> Result<Vec<SessionView>, AppError> {
    let me = viewer.require_signed_in()?;
    let rows = sessions::list_sessions_of_user(app.db().conn(), me.id, app.now()).await?;
    Ok(rows
        .into_iter()
        .map(|s| {
            let ua = super::user_agent::describe(s.user_agent.as_deref().unwrap_or(""));
            SessionView {
                current: current == Some(s.key.as_str()),
                id: s.key,
                ip: s.ip,
                browser: ua.browser,
                os: ua.os,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
            }
        })
        .collect())
}

/// Ends one of the caller's sessions; someone else's (or none) is 404.
pub async fn sign_out_session(
    app: &App,
    viewer: &Viewer,
    id: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let me = viewer.require_signed_in()?;
    let tx = app.begin().await?;
    let now = tx.now();
    if !sessions::delete_session_of_user(tx.conn(), me.id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::own(
        tx.conn(),
        now,
        origin,
        me.id,
        "account.session_ended",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// Ends every session of the caller but `keep` (the current one); returns how many ended.
pub async fn sign_out_other_sessions(
    app: &App,
    viewer: &Viewer,
    keep: Option<&str>,
    origin: &Origin,
) -> Result<u64, AppError> {
    let me = viewer.require_signed_in()?;
    let tx = app.begin().await?;
    let now = tx.now();
    let n = sessions::delete_sessions_of_user(tx.conn(), me.id, keep).await?;
    audit::own(
        tx.conn(),
        now,
        origin,
        me.id,
        "account.other_sessions_ended",
        serde_json::json!({ "count": n }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The stored key of a session from its cookie id (see `portico_storage::sessions::session_key`).
pub fn session_key(cookie_id: &str) -> String {
    sessions::session_key(cookie_id)
}
