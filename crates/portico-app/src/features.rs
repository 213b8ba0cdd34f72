//! The product's features, listed once. Each feature owns its background job kinds and its search
//! sources; this module only asks each in turn, so the job system and the search follower name no
//! feature and no feature names another.
//!
//! A new feature adds itself here: its [`JobKinds`] to [`JobRegistry::standard`] and its
//! [`SearchSource`]s to [`SEARCH_SOURCES`].

use crate::jobs::{CleanupPolicy, JobKinds, JobRegistry};
use crate::mail::Mailer;
use crate::portal::TaskSource;
use crate::search::source::SearchSource;

/// Every kind of searchable content: the search follower loads an outbox entry's documents from the
/// source whose entity it names, and a rebuild takes every source's documents.
pub static SEARCH_SOURCES: &[&dyn SearchSource] = &[
    &TaskSource,
    &crate::kb::ArticleSource,
    &crate::requests::catalog::RequestTypeSource,
];

impl JobRegistry {
    /// The product's standard handlers and schedule: `cleanup` (hourly) and `mail.send`, and on a
    /// node with the language model `kb.embed` (every ten minutes and when articles change).
    pub fn standard(cleanup: CleanupPolicy, mailer: Mailer, with_model: bool) -> Self {
        let mut features: Vec<&dyn JobKinds> = vec![&cleanup, &mailer];
        if with_model {
            features.push(&crate::kb::embed::ArticleEmbedding);
        }
        Self::with(&features)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_standard_registry_has_every_features_kinds() {
        let mailer = Mailer::new("help@example.com", None, std::env::temp_dir());
        let r = mailer
            .clone()
            .map(|m| JobRegistry::standard(CleanupPolicy::default(), m, false));
        let r = r.unwrap_or_default();
        assert_eq!(r.kinds(), ["cleanup", "mail.send"]);
        let with_model = mailer.map(|m| JobRegistry::standard(CleanupPolicy::default(), m, true));
        assert_eq!(
            with_model.unwrap_or_default().kinds(),
            ["cleanup", "kb.embed", "mail.send"]
        );
        let periodic: Vec<(&str, Duration)> = r
            .periodic()
            .iter()
            .map(|p| (p.kind.as_str(), p.every))
            .collect();
        assert_eq!(periodic, [("cleanup", Duration::from_secs(3600))]);
    }

    #[test]
    fn each_search_entity_has_one_source() {
        let mut entities: Vec<&str> = SEARCH_SOURCES.iter().map(|s| s.entity()).collect();
        let listed = entities.len();
        entities.sort_unstable();
        entities.dedup();
        assert_eq!(entities.len(), listed, "{entities:?}");
        assert!(entities.contains(&"task"));
    }
}
