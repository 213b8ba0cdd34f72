//! Who may see a document.

use serde::{Deserialize, Serialize};

/// Who may see a document. Queries pass the audiences the viewer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in customers (and staff).
    Customers,
    /// Agents and administrators only.
    Staff,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Customers => "customers",
            Audience::Staff => "staff",
        }
    }
}

/// The audience stored as `s`; anything unknown is the narrowest.
pub(crate) fn audience_from(s: &str) -> Audience {
    match s {
        "public" => Audience::Public,
        "customers" => Audience::Customers,
        _ => Audience::Staff,
    }
}
