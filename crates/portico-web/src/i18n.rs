//! Translations (Fluent files under `locales/`, embedded at build time) and choosing the visitor's
//! language: the `portico_lang` cookie set by the language switcher, then `Accept-Language`, then English.

use axum::extract::{FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use portico_core::Locale;

pub use portico_app::i18n::{t, t_args, t_count, t1};

/// Name of the cookie holding an explicit language choice.
pub const LANG_COOKIE: &str = "portico_lang";

/// The locale chosen for a request, from the request's headers.
pub fn negotiate(parts_headers: &axum::http::HeaderMap) -> Locale {
    let from_cookie = parts_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .and_then(|(_, v)| v.parse::<Locale>().ok());
    from_cookie
        .or_else(|| {
            parts_headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// Middleware: stores the negotiated [`Locale`] in the request extensions and marks responses as
/// varying by the headers it used.
pub async fn locale_layer(mut req: Request, next: Next) -> Response {
    let locale = negotiate(req.headers());
    req.extensions_mut().insert(locale);
    let mut res = next.run(req).await;
    res.headers_mut().append(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    res
}

/// Extractor for the request's locale.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(
            parts
                .extensions
                .get::<Locale>()
                .copied()
                .unwrap_or_else(|| negotiate(&parts.headers)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(locale_dir: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../locales")
            .join(locale_dir);
        let mut out = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines() {
                let starts_entry = line
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '-');
                if let (true, Some((k, _))) = (starts_entry, line.split_once('=')) {
                    out.insert(k.trim().to_string());
                }
            }
        }
        out
    }

    #[test]
    fn every_key_exists_in_every_locale() {
        let en = keys("en");
        let zh = keys("zh-CN");
        assert!(en.len() > 10, "English messages missing: {en:?}");
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_zh.is_empty(),
            "keys only in en: {only_en:?}; only in zh-CN: {only_zh:?}"
        );
    }

    #[test]
    fn looks_up_both_languages_without_isolation_marks() {
        let en = t1(Locale::En, "error-reference", "id", "abc");
        let zh = t1(Locale::ZhCn, "error-reference", "id", "abc");
        assert!(en.contains("abc") && zh.contains("abc"));
        assert_ne!(en, zh);
        assert!(!en.contains('\u{2068}'));
        assert_eq!(t(Locale::En, "no-such-key"), "no-such-key");
        assert_eq!(t_count(Locale::En, "search-results-count", 1), "1 result");
        assert_eq!(t_count(Locale::En, "search-results-count", 3), "3 results");
        assert_eq!(
            t_count(Locale::ZhCn, "search-results-count", 3),
            "共 3 条结果"
        );
    }

    #[test]
    fn cookie_beats_accept_language() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            "zh-CN,zh;q=0.9"
                .parse()
                .unwrap_or(header::HeaderValue::from_static("")),
        );
        assert_eq!(negotiate(&h), Locale::ZhCn);
        h.insert(
            header::COOKIE,
            "a=b; portico_lang=en"
                .parse()
                .unwrap_or(header::HeaderValue::from_static("")),
        );
        assert_eq!(negotiate(&h), Locale::En);
        h.insert(
            header::COOKIE,
            "portico_lang=xx"
                .parse()
                .unwrap_or(header::HeaderValue::from_static("")),
        );
        assert_eq!(negotiate(&h), Locale::ZhCn);
    }
}
