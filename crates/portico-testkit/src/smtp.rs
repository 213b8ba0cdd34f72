//! A real SMTP server for tests, on 127.0.0.1: it speaks enough RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA
//! with dot-unstuffing, RSET, NOOP, QUIT) for Portico's SMTP client to deliver to it exactly as to a
//! production server, and keeps what arrived for the test to read. Written here rather than taken from
//! a crate because the available ones pull a TLS stack with a C build we do not otherwise need.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body as sent, dot-unstuffed).
    pub raw: String,
}

/// A running SMTP sink; it stops with the test's runtime.
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
}

fn address_in(arg: &str) -> String {
    let start = arg.find('<').map(|i| i + 1).unwrap_or(0);
    let end = arg.rfind('>').unwrap_or(arg.len());
    arg.get(start..end).unwrap_or("").to_string()
}

async fn session(stream: TcpStream, store: Arc<Mutex<Vec<ReceivedMail>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address_in(&cmd[10..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address_in(&cmd[8..]));
            b"250 OK\r\n"
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            if let Ok(mut s) = store.lock() {
                s.push(ReceivedMail {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    raw,
                });
            }
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let addr = listener.local_addr().expect("sink address");
        let store: Arc<Mutex<Vec<ReceivedMail>>> = Arc::default();
        let s = store.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, s.clone()));
            }
        });
        SmtpSink { addr, store }
    }

    /// The `smtp_url` setting that points Portico here.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.store.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits up to 10 s for at least `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        for _ in 0..400 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("expected {n} mail(s), got {}", self.received().len());
    }
}

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => u32::from(c - b'A'),
        b'a'..=b'z' => u32::from(c - b'a') + 26,
        b'0'..=b'9' => u32::from(c - b'0') + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    })
}

/// Decodes base64 (standard or URL alphabet), ignoring whitespace and padding.
pub fn decode_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(b64_value) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Decodes quoted-printable.
pub fn decode_quoted_printable(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(h) = s.get(i + 1..i + 3)
                && let Ok(v) = u8::from_str_radix(h, 16)
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value.
pub fn decode_header(v: &str) -> String {
    let mut out = String::new();
    for word in v.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?") && word.ends_with("?=") && word.len() > 12 {
            let inner = &word[10..word.len() - 2];
            let bytes = if lower.as_bytes()[8] == b'b' {
                decode_base64(inner)
            } else {
                decode_quoted_printable(&inner.replace('_', " "))
            };
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

impl ReceivedMail {
    /// A header's value (folded lines joined), decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_string());
            }
        }
        value.map(|v| decode_header(&v))
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The plain-text body, decoded (the first `text/plain` part).
    pub fn text(&self) -> String {
        let lower = self.raw.to_ascii_lowercase();
        let Some(at) = lower.find("content-type: text/plain") else {
            return String::new();
        };
        let part = &self.raw[at..];
        let Some(body_at) = part.find("\r\n\r\n") else {
            return String::new();
        };
        let headers = part[..body_at].to_ascii_lowercase();
        let mut body = &part[body_at + 4..];
        if let Some(end) = body.find("\r\n--") {
            body = &body[..end];
        }
        let bytes = if headers.contains("content-transfer-encoding: base64") {
            decode_base64(body)
        } else if headers.contains("content-transfer-encoding: quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.as_bytes().to_vec()
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }

    /// The path and query of the first link in the text whose path starts with `path`, e.g.
    /// `/verify-email?token=…`.
    pub fn link(&self, path: &str) -> Option<String> {
        let text = self.text();
        text.split_whitespace()
            .filter_map(|w| w.find("://").map(|i| &w[i + 3..]))
            .filter_map(|rest| rest.find('/').map(|i| rest[i..].to_string()))
            .find(|p| p.starts_with(path))
    }

    /// The `token` parameter of the first link to `path`.
    pub fn token(&self, path: &str) -> Option<String> {
        let link = self.link(path)?;
        let q = link.split_once('?')?.1;
        q.split('&')
            .find_map(|kv| kv.strip_prefix("token="))
            .map(str::to_string)
    }
}

impl SmtpSink {
    /// The mails to `to` so far.
    pub fn to(&self, to: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// Waits up to 10 s for the `n`th mail to `to` and returns it.
    pub async fn wait_for_to(&self, to: &str, n: usize) -> ReceivedMail {
        for _ in 0..400 {
            let got = self.to(to);
            if got.len() >= n {
                return got[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("expected {n} mail(s) to {to}, got {}", self.to(to).len());
    }
}
