//! The languages Portico speaks and how a visitor's language is chosen: an explicit choice first, then
//! the browser's `Accept-Language` (with q-values), then English.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// Returned when a locale tag names a language Portico does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported locale `{0}`: expected one of en, zh-CN")]
pub struct UnsupportedLocale(pub String);

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag, as used in `lang` attributes, cookies and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for language switchers.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "中文",
        }
    }

    /// Maps a language tag to a supported locale, loosely: any `zh-*` (Simplified or Traditional:
    /// `zh-Hans`, `zh-SG`, `zh-TW`, `zh-HK`, `zh-Hant`) is Chinese, since a reader of Traditional
    /// characters reads the Simplified pages far better than English ones; any `en-*` is English.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        match tag.split('-').next()? {
            "en" => Some(Locale::En),
            "zh" => Some(Locale::ZhCn),
            _ => None,
        }
    }

    /// Picks the best supported locale from an `Accept-Language` header value.
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (pos, item) in accept_language.split(',').enumerate().take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let mut q = 1.0_f32;
            for p in parts {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if q <= 0.0 {
                continue;
            }
            if let Some(loc) = Locale::from_tag(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bpos, _)) => q > bq || (q == bq && pos < bpos),
                };
                if better {
                    best = Some((q, pos, loc));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = UnsupportedLocale;

    /// Strict parse of a supported tag (`en`, `zh-CN`, case-insensitive), for stored values and API input.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Locale::En),
            "zh-cn" => Ok(Locale::ZhCn),
            _ => Err(UnsupportedLocale(s.chars().take(35).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality_then_order() {
        assert_eq!(
            Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::negotiate("fr-FR, en;q=0.5, zh;q=0.7"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::negotiate("en-GB,zh-CN"), Some(Locale::En));
        assert_eq!(Locale::negotiate("zh-Hans-CN"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("zh-TW, de"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("zh-HK,en;q=0.8"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("zh-Hant-TW"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("de, fr"), None);
        assert_eq!(Locale::negotiate("en;q=0, zh;q=0.1"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate(""), None);
        assert_eq!(Locale::negotiate("*"), None);
    }

    #[test]
    fn strict_parse_names_the_bad_value() {
        assert_eq!("zh-cn".parse::<Locale>(), Ok(Locale::ZhCn));
        assert_eq!("EN".parse::<Locale>(), Ok(Locale::En));
        let err = "klingon".parse::<Locale>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unsupported locale `klingon`: expected one of en, zh-CN")
        );
    }
}
