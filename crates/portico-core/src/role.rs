//! Roles and named permissions. Code checks permissions, never role names, so custom roles can later map
//! to any set of permissions without touching the features.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
    Admin,
}

/// What an actor may do. Features add variants as they land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read the portal's public content and submit requests of their own.
    UsePortal,
    /// See internal content and work on other people's requests.
    WorkQueue,
    /// See operational details: job queue state, metrics.
    ViewOperations,
    /// Change users, roles and settings.
    Administer,
}

/// Returned when a role name is not one of customer, agent, admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected customer, agent or admin")]
pub struct UnknownRole(pub String);

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Customer => &[UsePortal],
            Role::Agent => &[UsePortal, WorkQueue],
            Role::Admin => &[UsePortal, WorkQueue, ViewOperations, Administer],
        }
    }

    pub fn has(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "customer" => Ok(Role::Customer),
            "agent" => Ok(Role::Agent),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.chars().take(40).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_grow_with_the_role() {
        assert!(Role::Customer.has(Permission::UsePortal));
        assert!(!Role::Customer.has(Permission::WorkQueue));
        assert!(Role::Agent.has(Permission::WorkQueue));
        assert!(!Role::Agent.has(Permission::Administer));
        assert!(Role::Admin.has(Permission::Administer));
        assert_eq!("Agent".parse::<Role>(), Ok(Role::Agent));
        assert!("root".parse::<Role>().is_err());
    }
}
