//! A request's status and who may move it where. One table serves every edge (page, API, and later
//! automation), so a transition refused in one is refused in all.

use serde::{Deserialize, Serialize};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    New,
    Open,
    WaitingForCustomer,
    WaitingForApproval,
    Resolved,
    Closed,
    Cancelled,
}

/// Who asks for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// The person who made the request.
    Requester,
    /// An agent or administrator.
    Agent,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 7] = [
        RequestStatus::New,
        RequestStatus::Open,
        RequestStatus::WaitingForCustomer,
        RequestStatus::WaitingForApproval,
        RequestStatus::Resolved,
        RequestStatus::Closed,
        RequestStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::New => "new",
            RequestStatus::Open => "open",
            RequestStatus::WaitingForCustomer => "waiting_for_customer",
            RequestStatus::WaitingForApproval => "waiting_for_approval",
            RequestStatus::Resolved => "resolved",
            RequestStatus::Closed => "closed",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Someone is still to act (not resolved, closed or cancelled).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestStatus::Resolved | RequestStatus::Closed | RequestStatus::Cancelled
        )
    }

    /// Nothing more can happen (closed or cancelled): no replies, no transitions.
    pub fn is_final(self) -> bool {
        matches!(self, RequestStatus::Closed | RequestStatus::Cancelled)
    }

    /// Whether `who` may move a request from `self` to `to`. A requester cancels while it is open,
    /// confirms a resolution (closed) or reopens it (the use case also checks the reopening window);
    /// agents move it along the workflow but never out of closed or cancelled. Approval decisions are
    /// not transitions anyone asks for directly.
    pub fn can_move(self, to: RequestStatus, who: Mover) -> bool {
        use RequestStatus::*;
        if self == to || self.is_final() {
            return false;
        }
        match who {
            Mover::Requester => matches!(
                (self, to),
                (
                    New | Open | WaitingForCustomer | WaitingForApproval,
                    Cancelled
                ) | (Resolved, Closed | Open)
            ),
            Mover::Agent => match self {
                New | Open | WaitingForCustomer => {
                    matches!(to, Open | WaitingForCustomer | Resolved | Cancelled)
                }
                WaitingForApproval => matches!(to, Open | Cancelled),
                Resolved => matches!(to, Open | Closed),
                Closed | Cancelled => false,
            },
        }
    }

    /// Where a reply moves a request: the requester answering a question reopens it; an agent's public
    /// reply to a new request opens it. `None`: it stays.
    pub fn after_reply(self, who: Mover) -> Option<RequestStatus> {
        match (self, who) {
            (RequestStatus::WaitingForCustomer, Mover::Requester) => Some(RequestStatus::Open),
            (RequestStatus::New, Mover::Agent) => Some(RequestStatus::Open),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus::*;
    use super::*;

    #[test]
    fn names_read_back() {
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestStatus::parse("done"), None);
    }

    #[test]
    fn requesters_cancel_confirm_and_reopen_only() {
        let r = Mover::Requester;
        assert!(Open.can_move(Cancelled, r));
        assert!(New.can_move(Cancelled, r));
        assert!(Resolved.can_move(Closed, r));
        assert!(Resolved.can_move(Open, r));
        assert!(!Open.can_move(Resolved, r));
        assert!(!Resolved.can_move(Cancelled, r));
        assert!(!New.can_move(Open, r));
        assert!(!Closed.can_move(Open, r));
        assert!(!Cancelled.can_move(Open, r));
    }

    #[test]
    fn agents_work_the_flow_but_never_leave_final_states() {
        let a = Mover::Agent;
        assert!(New.can_move(Open, a));
        assert!(Open.can_move(WaitingForCustomer, a));
        assert!(WaitingForCustomer.can_move(Resolved, a));
        assert!(Resolved.can_move(Closed, a));
        assert!(Resolved.can_move(Open, a));
        assert!(!Open.can_move(Closed, a), "resolve first");
        assert!(!Open.can_move(WaitingForApproval, a));
        assert!(!Closed.can_move(Open, a));
        assert!(!Cancelled.can_move(Open, a));
        assert!(!Open.can_move(Open, a));
        for s in RequestStatus::ALL {
            assert_eq!(
                s.is_final(),
                !RequestStatus::ALL.iter().any(|t| s.can_move(*t, a))
            );
        }
    }

    #[test]
    fn replies_move_waiting_and_new_requests() {
        assert_eq!(WaitingForCustomer.after_reply(Mover::Requester), Some(Open));
        assert_eq!(New.after_reply(Mover::Agent), Some(Open));
        assert_eq!(Open.after_reply(Mover::Requester), None);
        assert_eq!(Resolved.after_reply(Mover::Agent), None);
    }
}
