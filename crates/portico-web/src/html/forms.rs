//! What every form page shares: field errors in the visitor's language next to their fields (and in a
//! summary at the top), redirects to the sign-in page, and one-word notices after a redirect.

use std::collections::BTreeMap;

use axum::response::{IntoResponse, Redirect, Response};
use portico_app::AppError;
use portico_core::{FieldError, Locale};

use super::PageContext;
use crate::i18n;

/// Field errors by field name, translated.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    by_field: BTreeMap<String, String>,
    /// A problem that belongs to no single field.
    pub general: Option<String>,
}

impl FormErrors {
    /// Translates a use case's field errors: `field-error-<field>-<code>`, then `field-error-<code>`,
    /// then the message as the use case wrote it (password hints are already in the right language).
    pub fn from_fields(lang: Locale, errors: &[FieldError]) -> Self {
        let mut by_field = BTreeMap::new();
        for e in errors {
            let field = e.field.split('[').next().unwrap_or(&e.field).to_string();
            let message =
                if matches!(e.code, "weak_password" | "too_short") && field.contains("password") {
                    e.message.clone()
                } else {
                    let specific = format!(
                        "field-error-{}-{}",
                        field.replace('_', "-"),
                        e.code.replace('_', "-")
                    );
                    let generic = format!("field-error-{}", e.code.replace('_', "-"));
                    let s = i18n::t(lang, &specific);
                    if s != specific {
                        s
                    } else {
                        let g = i18n::t(lang, &generic);
                        if g != generic { g } else { e.message.clone() }
                    }
                };
            by_field.entry(field).or_insert(message);
        }
        FormErrors {
            by_field,
            general: None,
        }
    }

    /// Form errors from a use-case error, or the error back when it is not about the input.
    pub fn from_app(lang: Locale, e: AppError) -> Result<Self, AppError> {
        match e {
            AppError::Invalid(v) => Ok(Self::from_fields(lang, &v.0)),
            AppError::Conflict { field, message } => Ok(Self::from_fields(
                lang,
                &[FieldError::new(field, "conflict", message)],
            )),
            other => Err(other),
        }
    }

    pub fn general(message: String) -> Self {
        FormErrors {
            by_field: BTreeMap::new(),
            general: Some(message),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_none()
    }

    /// The message for a field, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
    }

    /// (field, message) pairs, for the summary linking to each field.
    pub fn all(&self) -> Vec<(&str, &str)> {
        self.by_field
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// The way to a page that needs `p`: `None` when the viewer may see it, else the sign-in page for
/// visitors and the "not allowed" page for people without the permission.
pub fn require_page(page: &PageContext, p: portico_core::Permission) -> Option<Response> {
    if page.user.is_none() {
        return Some(to_sign_in(page));
    }
    page.viewer
        .require(p)
        .err()
        .map(|e| crate::error::HtmlError(e).into_response())
}

/// The sign-in page, coming back here afterwards.
pub fn to_sign_in(page: &PageContext) -> Response {
    let next: String = url_encode(&page.path);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The notice shown after a redirect with `?done=<what>`: only known words become a message.
pub fn notice(lang: Locale, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "saved" => "notice-saved",
        "password" => "notice-password-changed",
        "email" => "notice-email-sent",
        "verified" => "notice-email-verified",
        "resent" => "notice-verification-resent",
        "signed-out" => "notice-session-ended",
        "signed-out-others" => "notice-other-sessions-ended",
        "revoked" => "notice-token-revoked",
        "invited" => "notice-invited",
        "removed" => "notice-member-removed",
        "created" => "notice-created",
        "reset" => "notice-password-reset",
        "welcome" => "notice-welcome",
        "restored" => "notice-restored",
        "image" => "notice-image-added",
        _ => return None,
    };
    Some(i18n::t(lang, key))
}

/// Formats a time for a person: in their time zone (UTC when they have none), to the minute.
pub fn local_time(ts: portico_core::Timestamp, time_zone: Option<&str>) -> String {
    let Ok(t) = jiff::Timestamp::from_millisecond(ts.millis()) else {
        return ts.to_rfc3339();
    };
    let tz = time_zone
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let zoned = t.to_zoned_datetime(tz);
    let abbrev = if time_zone.is_some() {
        zoned.strftime("%Z").to_string()
    } else {
        "UTC".into()
    };
    format!("{} {abbrev}", zoned.strftime("%Y-%m-%d %H:%M"))
}
