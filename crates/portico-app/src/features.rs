//! The product's features, listed once. Each feature owns its background job kinds and its search
//! sources; this module only asks each in turn, so the job system and the search follower name no
//! feature and no feature names another.
//!
//! A new feature adds itself here: its [`JobKinds`] to [`JobRegistry::standard`] and its
//! [`SearchSource`]s to [`SEARCH_SOURCES`].

use crate::jobs::{CleanupPolicy, JobKinds, JobRegistry};
use crate::mail::Mailer;

impl JobRegistry {
    /// The product's standard handlers and schedule: `cleanup` (hourly) and `mail.send`.
    pub fn standard(cleanup: CleanupPolicy, mailer: Mailer) -> Self {
        let features: [&dyn JobKinds; 2] = [&cleanup, &mailer];
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
        let r = mailer.map(|m| JobRegistry::standard(CleanupPolicy::default(), m));
        let r = r.unwrap_or_default();
        assert_eq!(r.kinds(), ["cleanup", "mail.send"]);
        let periodic: Vec<(&str, Duration)> = r
            .periodic()
            .iter()
            .map(|p| (p.kind.as_str(), p.every))
            .collect();
        assert_eq!(periodic, [("cleanup", Duration::from_secs(3600))]);
    }
}
