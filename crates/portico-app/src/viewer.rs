//! Who is asking: nobody (anonymous), or a user with their role, organisation memberships and — when
//! they came with an API token — the token's scopes. Every use case that needs a caller takes a
//! [`Viewer`] and authorises in one step, against named permissions and never role names:
//! `viewer.require(Permission::WorkQueue)?`.
//!
//! The answers follow the API contract: nobody signed in is 401 ([`AppError::Unauthenticated`]);
//! signed in but without the permission is 403 ([`AppError::Forbidden`]) where the object's existence
//! is no secret; an object that is someone else's and not visible to the caller is 404
//! ([`AppError::NotFound`]), so its existence does not leak ([`Viewer::require_own_or`]).

use portico_core::{Locale, Permission, Role, Scope, UserStatus};
use portico_search::Audience;
use portico_storage::organizations::Membership;
use portico_storage::users::User;

use crate::AppError;

/// A user as the edges may see them: no password hash, no internals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: Locale,
    pub role: Role,
    pub status: UserStatus,
    /// The address was confirmed by opening a mailed link (or the account was made by an operator).
    pub email_verified: bool,
    /// The person's IANA time zone, for showing times (UTC when unset).
    pub time_zone: Option<String>,
}

impl From<User> for Account {
    fn from(u: User) -> Self {
        Account {
            id: u.id,
            email: u.email,
            name: u.name,
            locale: u.locale,
            role: u.role,
            status: u.status,
            email_verified: u.email_verified_at.is_some(),
            time_zone: u.time_zone,
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The browser's session cookie.
    Session,
    /// An API token; `scopes: None` means all of the user's permissions.
    Token { id: i64, scopes: Option<Vec<Scope>> },
}

/// A signed-in caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account: Account,
    pub memberships: Vec<Membership>,
    pub credential: Credential,
}

/// Who is asking (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    actor: Option<Actor>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self { actor: None }
    }

    pub fn signed_in(actor: Actor) -> Self {
        Self { actor: Some(actor) }
    }

    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    pub fn account(&self) -> Option<&Account> {
        self.actor.as_ref().map(|a| &a.account)
    }

    pub fn user_id(&self) -> Option<i64> {
        self.account().map(|a| a.id)
    }

    pub fn is_signed_in(&self) -> bool {
        self.actor.is_some()
    }

    /// True when the caller's role grants `p` and, for a scoped token, one of its scopes does too.
    pub fn can(&self, p: Permission) -> bool {
        let Some(actor) = &self.actor else {
            return false;
        };
        actor.account.role.has(p)
            && match &actor.credential {
                Credential::Session | Credential::Token { scopes: None, .. } => true,
                Credential::Token {
                    scopes: Some(scopes),
                    ..
                } => scopes.iter().any(|s| s.grants(p)),
            }
    }

    /// The one authorise step: the signed-in account when it may use `p`; 401 when nobody is signed
    /// in, 403 when the caller is signed in without the permission.
    pub fn require(&self, p: Permission) -> Result<&Account, AppError> {
        let account = self.require_signed_in()?;
        if self.can(p) {
            Ok(account)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in account with a verified e-mail address: 401 when nobody is signed in, 403 when the
    /// address is not yet verified (submitting requests needs a verified address).
    pub fn require_verified(&self, p: Permission) -> Result<&Account, AppError> {
        let account = self.require(p)?;
        if account.email_verified {
            Ok(account)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in account, or 401.
    pub fn require_signed_in(&self) -> Result<&Account, AppError> {
        self.account().ok_or(AppError::Unauthenticated)
    }

    /// Access to something that belongs to `owner_id`: its owner may (with `UsePortal`), and so may a
    /// caller with `others` (an agent working the queue, say). Anyone else gets 404 — whether the
    /// thing exists is nobody else's business — and nobody signed in gets 401.
    pub fn require_own_or(&self, owner_id: i64, others: Permission) -> Result<&Account, AppError> {
        let account = self.require_signed_in()?;
        if (account.id == owner_id && self.can(Permission::UsePortal)) || self.can(others) {
            Ok(account)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The audiences whose content this caller may read (search filters on them): staff see every
    /// organisation's content through [`Audience::Staff`].
    pub fn audiences(&self) -> Vec<Audience> {
        let mut out = vec![Audience::Public];
        if self.can(Permission::UsePortal) {
            out.push(Audience::Customers);
            out.extend(
                self.memberships()
                    .iter()
                    .map(|m| Audience::Organization(m.organization_id)),
            );
        }
        if self.can(Permission::WorkQueue) {
            out.push(Audience::Staff);
        }
        out
    }

    /// The caller's organisation memberships (empty when signed out).
    pub fn memberships(&self) -> &[Membership] {
        self.actor
            .as_ref()
            .map(|a| a.memberships.as_slice())
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, credential: Credential) -> Viewer {
        Viewer::signed_in(Actor {
            account: Account {
                id: 7,
                email: "a@example.com".into(),
                name: "A".into(),
                locale: Locale::En,
                role,
                status: UserStatus::Active,
                email_verified: true,
                time_zone: None,
            },
            memberships: vec![],
            credential,
        })
    }

    fn code(r: Result<&Account, AppError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(AppError::Unauthenticated) => "401",
            Err(AppError::Forbidden) => "403",
            Err(AppError::NotFound) => "404",
            Err(_) => "other",
        }
    }

    #[test]
    fn require_answers_401_403_or_the_account() {
        let anon = Viewer::anonymous();
        assert_eq!(code(anon.require(Permission::UsePortal)), "401");
        let customer = viewer(Role::Customer, Credential::Session);
        assert_eq!(code(customer.require(Permission::UsePortal)), "ok");
        assert_eq!(code(customer.require(Permission::WorkQueue)), "403");
        let admin = viewer(Role::Admin, Credential::Session);
        assert_eq!(code(admin.require(Permission::Administer)), "ok");
    }

    #[test]
    fn not_yours_is_404_and_staff_may() {
        let customer = viewer(Role::Customer, Credential::Session);
        assert_eq!(
            code(customer.require_own_or(7, Permission::WorkQueue)),
            "ok"
        );
        assert_eq!(
            code(customer.require_own_or(8, Permission::WorkQueue)),
            "404"
        );
        let agent = viewer(Role::Agent, Credential::Session);
        assert_eq!(code(agent.require_own_or(8, Permission::WorkQueue)), "ok");
        assert_eq!(
            code(Viewer::anonymous().require_own_or(8, Permission::WorkQueue)),
            "401"
        );
    }

    #[test]
    fn token_scopes_narrow_the_role() {
        let scoped = viewer(
            Role::Admin,
            Credential::Token {
                id: 1,
                scopes: Some(vec![Scope::Portal]),
            },
        );
        assert!(scoped.can(Permission::UsePortal));
        assert!(!scoped.can(Permission::Administer));
        assert_eq!(code(scoped.require(Permission::Administer)), "403");
        // A scope cannot lend a permission the role lacks.
        let customer = viewer(
            Role::Customer,
            Credential::Token {
                id: 1,
                scopes: Some(vec![Scope::Admin]),
            },
        );
        assert!(!customer.can(Permission::Administer));
        assert!(!customer.can(Permission::UsePortal));
        let unscoped = viewer(
            Role::Agent,
            Credential::Token {
                id: 1,
                scopes: None,
            },
        );
        assert!(unscoped.can(Permission::WorkQueue));
    }

    #[test]
    fn audiences_follow_permissions() {
        assert_eq!(Viewer::anonymous().audiences(), vec![Audience::Public]);
        assert_eq!(
            viewer(Role::Customer, Credential::Session).audiences(),
            vec![Audience::Public, Audience::Customers]
        );
        assert_eq!(
            viewer(Role::Agent, Credential::Session).audiences(),
            vec![Audience::Public, Audience::Customers, Audience::Staff]
        );
        let mut member = viewer(Role::Customer, Credential::Session);
        if let Some(actor) = member.actor.as_mut() {
            actor.memberships.push(Membership {
                organization_id: 4,
                can_see_all: false,
                manager: false,
            });
        }
        assert_eq!(
            member.audiences(),
            vec![
                Audience::Public,
                Audience::Customers,
                Audience::Organization(4)
            ]
        );
    }
}
