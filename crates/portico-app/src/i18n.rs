//! Translations: the Fluent files under `locales/<lang>/<feature>.ftl`, embedded at build time. Pages
//! and mails both speak the reader's language through these lookups.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use portico_core::Locale;

static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "en",
        // Isolation marks (U+2068/U+2069) around arguments would end up inside HTML and e-mails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static ZH_CN: LanguageIdentifier = langid!("zh-CN");

fn lang_id(l: Locale) -> &'static LanguageIdentifier {
    match l {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
    }
}

/// Messages without arguments, once formatted: a page asks for dozens of them, and formatting through
/// Fluent each time cost more than the rest of a cached article page. Only keys that exist are kept, so
/// the table is bounded by the message files.
static PLAIN: std::sync::LazyLock<[std::sync::RwLock<HashMap<String, String>>; 2]> =
    std::sync::LazyLock::new(Default::default);

fn plain_table(locale: Locale) -> &'static std::sync::RwLock<HashMap<String, String>> {
    match locale {
        Locale::En => &PLAIN[0],
        Locale::ZhCn => &PLAIN[1],
    }
}

/// The message `key` in `locale` (falling back to English, then to the key itself).
pub fn t(locale: Locale, key: &str) -> String {
    if let Ok(table) = plain_table(locale).read()
        && let Some(m) = table.get(key)
    {
        return m.clone();
    }
    match LOCALES.try_lookup(lang_id(locale), key) {
        Some(m) => {
            if let Ok(mut table) = plain_table(locale).write() {
                table.insert(key.to_string(), m.clone());
            }
            m
        }
        None => key.to_string(),
    }
}

/// The message `key` with one named argument.
pub fn t1(locale: Locale, key: &str, name: &str, value: &str) -> String {
    let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
    args.insert(
        Cow::Owned(name.to_string()),
        FluentValue::from(value.to_string()),
    );
    LOCALES
        .try_lookup_with_args(lang_id(locale), key, &args)
        .unwrap_or_else(|| key.to_string())
}

/// The message `key` with a number argument `count` (for plural forms).
pub fn t_count(locale: Locale, key: &str, count: usize) -> String {
    let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
    args.insert(Cow::Borrowed("count"), FluentValue::from(count));
    LOCALES
        .try_lookup_with_args(lang_id(locale), key, &args)
        .unwrap_or_else(|| key.to_string())
}

/// The message `key` with several named string arguments.
pub fn t_args(locale: Locale, key: &str, named: &[(&str, &str)]) -> String {
    let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
    for (name, value) in named {
        args.insert(
            Cow::Owned((*name).to_string()),
            FluentValue::from((*value).to_string()),
        );
    }
    LOCALES
        .try_lookup_with_args(lang_id(locale), key, &args)
        .unwrap_or_else(|| key.to_string())
}
