//! Text an administrator writes in several languages (organisation names, task titles). Reading it in a
//! locale falls back to English, then to any language present, so a page never shows a blank.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Locale;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    pub fn new(en: &str, zh_cn: &str) -> Self {
        let mut m = BTreeMap::new();
        m.insert(Locale::En.as_str().to_string(), en.to_string());
        m.insert(Locale::ZhCn.as_str().to_string(), zh_cn.to_string());
        Self(m)
    }

    pub fn get(&self, locale: Locale) -> &str {
        self.0
            .get(locale.as_str())
            .or_else(|| self.0.get(Locale::En.as_str()))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_english_then_anything() {
        let t = Localized::new("Help", "帮助");
        assert_eq!(t.get(Locale::ZhCn), "帮助");
        let mut only_zh = Localized::default();
        only_zh.0.insert("zh-CN".into(), "帮助".into());
        assert_eq!(only_zh.get(Locale::En), "帮助");
        assert_eq!(Localized::default().get(Locale::En), "");
    }
}
