//! Outgoing mail. Use cases never send inline: they enqueue a `mail.send` job (in their transaction),
//! and a worker delivers it over SMTP with retries. Without an SMTP server configured, mails are written
//! as `.eml` files under the data directory, so development and demos need no mail server. The
//! Message-ID derives from the job id, so a retry after an unclear SMTP answer can be recognised as the
//! same mail by the receiving side.

use std::path::PathBuf;
use std::sync::Arc;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portico_core::Timestamp;
use portico_storage::jobs::NewJob;
use serde::{Deserialize, Serialize};

use crate::jobs::{JobContext, JobKinds, JobRegistry};

pub const MAIL_JOB: &str = "mail.send";

/// A mail to deliver, as stored in the job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    /// The plain-text body (always sent).
    pub text: String,
    /// An HTML alternative.
    pub html: Option<String>,
}

impl OutgoingMail {
    /// The job that sends this mail; `unique_key` makes "send this mail once" idempotent.
    pub fn job(&self, now: Timestamp, unique_key: Option<String>) -> NewJob {
        let mut job = NewJob::new(
            MAIL_JOB,
            serde_json::to_value(self).unwrap_or_default(),
            now,
        );
        job.max_attempts = 8;
        job.unique_key = unique_key;
        job
    }
}

/// Where mail goes.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Delivers [`OutgoingMail`].
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    hostname: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = match &self.transport {
            Transport::Smtp(_) => "smtp".to_string(),
            Transport::Files(p) => format!("files in {}", p.display()),
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("transport", &t)
            .finish()
    }
}

/// Parses the sender address (`Name <address>` or a bare address); the error names the setting.
pub fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.parse::<Mailbox>()
        .map_err(|e| format!("mail_from: `{from}` is not a mail address such as \"Help Centre <help@example.com>\": {e}"))
}

impl Mailer {
    /// A mailer for an SMTP URL (`smtp://`, `smtps://`, `?tls=required`), or, with none, one that writes
    /// `.eml` files into `dir`. The error names the bad setting.
    pub fn new(from: &str, smtp_url: Option<&str>, dir: PathBuf) -> Result<Mailer, String> {
        let from = parse_from(from)?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: not a usable SMTP URL (smtp://HOST:PORT, smtps://USER:PASS@HOST): {e}"))?
                    .build(),
            ),
            None => Transport::Files(dir),
        };
        let hostname = from.email.domain().to_string();
        Ok(Mailer {
            from,
            transport,
            hostname,
        })
    }

    fn message(&self, mail: &OutgoingMail, message_id: &str) -> anyhow::Result<Message> {
        let to_addr = mail
            .to
            .parse()
            .map_err(|e| anyhow::anyhow!("recipient {}: {e}", mail.to))?;
        let to = Mailbox::new(mail.to_name.clone(), to_addr);
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(message_id.to_string()));
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone());
        let message = match &mail.html {
            Some(html) => builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html.clone()),
                ),
            )?,
            None => builder.singlepart(text)?,
        };
        Ok(message)
    }

    /// Delivers one mail; `key` (the job id) makes its Message-ID.
    pub async fn send(&self, mail: &OutgoingMail, key: i64) -> anyhow::Result<()> {
        let message_id = format!("<portico-{key}@{}>", self.hostname);
        let message = self.message(mail, &message_id)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Files(dir) => {
                // Mails carry sign-in and reset links: the files are the recipient's business only.
                let d = dir.clone();
                tokio::task::spawn_blocking(move || portico_storage::db::create_private_dir(&d))
                    .await??;
                let path = dir.join(format!("{key:012}.eml"));
                let mut open = tokio::fs::OpenOptions::new();
                open.write(true).create(true).truncate(true);
                #[cfg(unix)]
                open.mode(0o600);
                let mut file = open.open(&path).await?;
                tokio::io::AsyncWriteExt::write_all(&mut file, &message.formatted()).await?;
                file.sync_all().await?;
                tracing::info!(path = %path.display(), to = %mail.to, "mail written to a file (no smtp_url configured)");
            }
        }
        Ok(())
    }
}

/// `mail.send`, delivered by this mailer.
impl JobKinds for Mailer {
    fn register_jobs(&self, r: &mut JobRegistry) {
        let mailer = Arc::new(self.clone());
        r.register(MAIL_JOB, move |ctx| Box::pin(run(ctx, mailer.clone())));
    }
}

/// The `mail.send` job.
async fn run(ctx: JobContext, mailer: Arc<Mailer>) -> anyhow::Result<()> {
    let mail: OutgoingMail = serde_json::from_value(ctx.job.payload.clone())?;
    mailer.send(&mail, ctx.job.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_errors_name_the_setting() {
        assert!(parse_from("Help <help@example.com>").is_ok());
        assert!(
            parse_from("not an address")
                .err()
                .unwrap_or_default()
                .starts_with("mail_from:")
        );
        let dir = std::env::temp_dir();
        let e = Mailer::new("help@example.com", Some("ftp://x"), dir)
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("smtp_url:"), "{e}");
    }

    #[test]
    fn builds_multipart_mail_with_chinese_subject() {
        let m = Mailer::new("Help <help@example.com>", None, std::env::temp_dir())
            .map_err(anyhow::Error::msg);
        let mail = OutgoingMail {
            to: "li@example.com".into(),
            to_name: Some("李雷".into()),
            subject: "您的申请已收到".into(),
            text: "你好".into(),
            html: Some("<p>你好</p>".into()),
        };
        let raw = m
            .and_then(|m| m.message(&mail, "<x@example.com>"))
            .map(|msg| String::from_utf8_lossy(&msg.formatted()).to_string());
        let raw = raw.unwrap_or_default();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.contains("Message-ID: <x@example.com>"));
    }
}
