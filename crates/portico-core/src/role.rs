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

/// What an API token may be limited to. A token without scopes acts with all of its user's permissions;
/// a token with scopes acts with the permissions its user has AND one of its scopes grants. `read` and
/// `write` grant every permission of the user; a token whose scopes include `read` but not `write` is
/// read-only (the web edge refuses its unsafe requests). Features add scopes as they land; names are
/// part of the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Use the portal as its user would: read what they may read, act on their own things.
    #[serde(rename = "portal")]
    Portal,
    /// Work on other people's requests (agents).
    #[serde(rename = "queue")]
    Queue,
    /// Read operational state.
    #[serde(rename = "operations")]
    Operations,
    /// Administer users, roles and settings.
    #[serde(rename = "admin")]
    Admin,
    /// Everything the user may read, and nothing else (with no `write`).
    #[serde(rename = "read")]
    Read,
    /// Everything the user may do.
    #[serde(rename = "write")]
    Write,
}

/// Returned when a scope name is unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{0}`: expected one of read, write, portal, queue, operations, admin")]
pub struct UnknownScope(pub String);

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Read,
        Scope::Write,
        Scope::Portal,
        Scope::Queue,
        Scope::Operations,
        Scope::Admin,
    ];

    /// True when tokens with these scopes may only read (`read` without `write`).
    pub fn read_only(scopes: &[Scope]) -> bool {
        scopes.contains(&Scope::Read) && !scopes.contains(&Scope::Write)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Portal => "portal",
            Scope::Queue => "queue",
            Scope::Operations => "operations",
            Scope::Admin => "admin",
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    /// Whether a token limited to this scope may use permission `p` (its user must also have it).
    pub fn grants(self, p: Permission) -> bool {
        matches!(
            (self, p),
            (Scope::Read | Scope::Write, _)
                | (Scope::Portal, Permission::UsePortal)
                | (Scope::Queue, Permission::WorkQueue)
                | (Scope::Operations, Permission::ViewOperations)
                | (Scope::Admin, Permission::Administer)
        )
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|sc| sc.as_str() == s.trim())
            .ok_or_else(|| UnknownScope(s.chars().take(40).collect()))
    }
}

/// Whether an account may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    /// Switched off by an administrator: cannot sign in; its sessions and tokens stop working.
    Deactivated,
}

/// Returned when a stored or submitted status is unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{0}`: expected active or deactivated")]
pub struct UnknownStatus(pub String);

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
        }
    }
}

impl FromStr for UserStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "active" => Ok(UserStatus::Active),
            "deactivated" => Ok(UserStatus::Deactivated),
            other => Err(UnknownStatus(other.chars().take(40).collect())),
        }
    }
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

    #[test]
    fn scopes_grant_only_their_permission() {
        assert!(Scope::Portal.grants(Permission::UsePortal));
        assert!(!Scope::Portal.grants(Permission::Administer));
        assert!(Scope::Admin.grants(Permission::Administer));
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
        }
        assert!("root".parse::<Scope>().is_err());
        assert_eq!(
            "deactivated".parse::<UserStatus>(),
            Ok(UserStatus::Deactivated)
        );
        assert!("banned".parse::<UserStatus>().is_err());
    }
}
