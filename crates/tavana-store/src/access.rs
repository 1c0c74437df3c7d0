//! Access decisions, in one place of the store: every repository asks here before
//! it reads or writes. An object outside the actor's org-unit subtree is
//! `NotFound` (its existence is not revealed); inside it, a role must grant the
//! action (`Forbidden`). Lists are scoped in their SQL by the actor's subtree
//! pattern and ask [`require`] for the role.

use crate::{Result, StoreError};
use tavana_domain::DomainError;
use tavana_domain::error::Reason;
use tavana_domain::iam::{Action, Actor, Decision, decide};
use tavana_domain::org::UnitPath;

/// The access check for one object: `NotFound` outside the actor's subtree,
/// `Forbidden` when no role grants the action, else `Ok`.
pub(crate) fn authorize(actor: &Actor, action: Action, object_unit: &UnitPath) -> Result<()> {
    match decide(actor, action, object_unit) {
        Decision::Allow => Ok(()),
        Decision::NotFound => Err(StoreError::NotFound),
        Decision::Forbidden => Err(StoreError::Forbidden(action.phrase())),
    }
}

/// The role check alone, for lists (which the SQL scopes to the subtree).
pub(crate) fn require(actor: &Actor, action: Action) -> Result<()> {
    if actor.may(action) { Ok(()) } else { Err(StoreError::Forbidden(action.phrase())) }
}

/// A stored unit path, checked.
pub(crate) fn unit_path(text: &str) -> Result<UnitPath> {
    UnitPath::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unit path {text:?}")))
}

/// A reference to something outside the actor's subtree, given as input, is an
/// invalid value of that field (not a 404 of the request).
pub(crate) fn out_of_scope_is_invalid(field: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |e| match e {
        StoreError::NotFound => StoreError::Invalid(DomainError::new(field, Reason::NotInList)),
        other => other,
    }
}

/// National definitions (programs, their budgets, how they pay) are set at HQ
/// only: an actor whose unit is a province or county may run them, not change
/// them. `what` names the refused action.
pub(crate) fn national_scope(actor: &Actor, what: &'static str) -> Result<()> {
    if !actor.unit_path.is_root() {
        return Err(StoreError::Forbidden(what));
    }
    Ok(())
}
