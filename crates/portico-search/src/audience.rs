//! Who may see a document.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Who may see a document. Queries pass the audiences the viewer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in customers (and staff).
    Customers,
    /// The members of one organisation (and staff).
    Organization(i64),
    /// Agents and administrators only.
    Staff,
}

impl Audience {
    /// How the audience is stored in the index: `public`, `customers`, `org:12`, `staff`.
    pub fn key(self) -> Cow<'static, str> {
        match self {
            Audience::Public => Cow::Borrowed("public"),
            Audience::Customers => Cow::Borrowed("customers"),
            Audience::Organization(id) => Cow::Owned(format!("org:{id}")),
            Audience::Staff => Cow::Borrowed("staff"),
        }
    }
}

/// Whether a viewer of `audiences` may see a document of audience `doc`: staff see every
/// organisation's documents too.
pub(crate) fn admits(audiences: &[Audience], doc: Audience) -> bool {
    audiences.contains(&doc)
        || (matches!(doc, Audience::Organization(_)) && audiences.contains(&Audience::Staff))
}

/// The audience stored as `s`; anything unknown is the narrowest.
pub(crate) fn audience_from(s: &str) -> Audience {
    match s {
        "public" => Audience::Public,
        "customers" => Audience::Customers,
        _ => match s.strip_prefix("org:").and_then(|id| id.parse().ok()) {
            Some(id) => Audience::Organization(id),
            None => Audience::Staff,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back() {
        for a in [
            Audience::Public,
            Audience::Customers,
            Audience::Organization(42),
            Audience::Staff,
        ] {
            assert_eq!(audience_from(&a.key()), a);
        }
        assert_eq!(audience_from("org:x"), Audience::Staff);
        assert!(admits(&[Audience::Staff], Audience::Organization(3)));
        assert!(admits(
            &[Audience::Organization(3)],
            Audience::Organization(3)
        ));
        assert!(!admits(
            &[Audience::Organization(4)],
            Audience::Organization(3)
        ));
        assert!(!admits(&[Audience::Public], Audience::Staff));
        assert_eq!(audience_from("anything"), Audience::Staff);
    }
}
