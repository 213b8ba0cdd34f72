//! The account mails (verification, password reset, invitation, lock-out, e-mail change, password
//! changed), written in the recipient's language from `locales/<lang>/account.ftl`, with a plain-text
//! body and an HTML alternative.

use portico_core::Locale;

use crate::App;
use crate::i18n::t_args;
use crate::mail::OutgoingMail;

/// Which account mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountMail {
    Verify,
    Reset,
    Invite,
    Locked,
    ChangeEmail,
    EmailChanged,
    PasswordChanged,
}

impl AccountMail {
    fn key(self) -> &'static str {
        match self {
            AccountMail::Verify => "mail-verify",
            AccountMail::Reset => "mail-reset",
            AccountMail::Invite => "mail-invite",
            AccountMail::Locked => "mail-locked",
            AccountMail::ChangeEmail => "mail-change-email",
            AccountMail::EmailChanged => "mail-email-changed",
            AccountMail::PasswordChanged => "mail-password-changed",
        }
    }
}

/// An absolute URL for a path of this portal.
pub fn public_url(app: &App, path: &str) -> String {
    let base = app
        .settings()
        .base_url
        .as_deref()
        .unwrap_or("http://localhost:8080")
        .trim_end_matches('/');
    format!("{base}{path}")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Composes one mail. `args` fill the message's placeholders (`name`, `link`, `portal`, …); the link,
/// when given, also becomes the HTML version's button.
pub fn compose(
    kind: AccountMail,
    locale: Locale,
    to: &str,
    to_name: &str,
    portal: &str,
    link: Option<&str>,
    extra: &[(&str, &str)],
) -> OutgoingMail {
    compose_message(kind.key(), locale, to, to_name, portal, link, extra)
}

/// Composes the mail whose messages are `<key>-subject` and `<key>-body` (any feature's), as
/// [`compose`] does for account mails.
pub fn compose_message(
    key: &str,
    locale: Locale,
    to: &str,
    to_name: &str,
    portal: &str,
    link: Option<&str>,
    extra: &[(&str, &str)],
) -> OutgoingMail {
    let mut args: Vec<(&str, &str)> = vec![("name", to_name), ("portal", portal)];
    if let Some(l) = link {
        args.push(("link", l));
    }
    args.extend_from_slice(extra);
    let subject = t_args(locale, &format!("{key}-subject"), &args);
    let body = t_args(locale, &format!("{key}-body"), &args);
    let ignore = t_args(locale, "mail-footer", &args);
    let text = format!("{body}\n\n{ignore}\n");
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">",
    );
    for para in body.split("\n\n") {
        let mut p = escape_html(para).replace('\n', "<br>");
        if let Some(l) = link {
            let escaped = escape_html(l);
            p = p.replace(&escaped, &format!("<a href=\"{escaped}\">{escaped}</a>"));
        }
        html.push_str(&format!("<p>{p}</p>"));
    }
    html.push_str(&format!(
        "<p style=\"color:#555;font-size:90%\">{}</p></body></html>",
        escape_html(&ignore)
    ));
    OutgoingMail {
        to: to.to_string(),
        to_name: Some(to_name.to_string()).filter(|n| !n.is_empty()),
        subject,
        text,
        html: Some(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_speak_the_recipients_language_and_link_in_html() {
        let link = "https://help.example.com/verify-email?token=abc&x=1";
        let en = compose(
            AccountMail::Verify,
            Locale::En,
            "ann@example.com",
            "Ann",
            "Help",
            Some(link),
            &[],
        );
        assert!(en.text.contains(link), "{}", en.text);
        assert!(
            en.subject.to_lowercase().contains("confirm"),
            "{}",
            en.subject
        );
        let html = en.html.unwrap_or_default();
        assert!(
            html.contains("<a href=\"https://help.example.com/verify-email?token=abc&amp;x=1\">")
        );
        let zh = compose(
            AccountMail::Verify,
            Locale::ZhCn,
            "li@example.com",
            "李雷",
            "帮助中心",
            Some(link),
            &[],
        );
        assert!(
            zh.subject
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
        assert!(zh.text.contains("李雷"));
    }
}
