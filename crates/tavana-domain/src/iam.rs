//! Identity and access: roles, actions and the access decision.
//!
//! Decisions are values computed by pure functions and combined deny-first: an object
//! outside the actor's org-unit subtree is `NotFound` (its existence is not revealed),
//! whatever the actor's roles; inside it, so is one of a module the actor cannot
//! open; otherwise the action needs a role that grants it.

use crate::org::UnitPath;
use serde::{Deserialize, Serialize};

/// A role a user holds. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    CaseWorker,
    ProgramOfficer,
    FinanceMaker,
    FinanceChecker,
    GozineshOfficer,
    GozineshBoard,
    HrOfficer,
    EmploymentOfficer,
    Planner,
    Auditor,
}

/// Roles one person may not hold together, so that no one checks their own work:
/// a payment's maker and its checker, a vetting officer and the board that decides
/// on the officer's files, an administrator and the auditor who audits them.
pub const CONFLICTING_ROLES: [(Role, Role); 3] = [
    (Role::FinanceMaker, Role::FinanceChecker),
    (Role::GozineshOfficer, Role::GozineshBoard),
    (Role::Admin, Role::Auditor),
];

/// The first pair of roles in `roles` that one person may not hold together.
pub fn conflicting_roles(roles: &[Role]) -> Option<(Role, Role)> {
    CONFLICTING_ROLES.iter().copied().find(|(a, b)| roles.contains(a) && roles.contains(b))
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::CaseWorker,
        Role::ProgramOfficer,
        Role::FinanceMaker,
        Role::FinanceChecker,
        Role::GozineshOfficer,
        Role::GozineshBoard,
        Role::HrOfficer,
        Role::EmploymentOfficer,
        Role::Planner,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CaseWorker => "case_worker",
            Role::ProgramOfficer => "program_officer",
            Role::FinanceMaker => "finance_maker",
            Role::FinanceChecker => "finance_checker",
            Role::GozineshOfficer => "gozinesh_officer",
            Role::GozineshBoard => "gozinesh_board",
            Role::HrOfficer => "hr_officer",
            Role::EmploymentOfficer => "employment_officer",
            Role::Planner => "planner",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_fa(self) -> &'static str {
        match self {
            Role::Admin => "مدیر سامانه",
            Role::CaseWorker => "کارشناس پرونده",
            Role::ProgramOfficer => "کارشناس برنامه",
            Role::FinanceMaker => "تهیه‌کنندهٔ مالی",
            Role::FinanceChecker => "تأییدکنندهٔ مالی",
            Role::GozineshOfficer => "کارشناس گزینش",
            Role::GozineshBoard => "هیئت گزینش",
            Role::HrOfficer => "کارشناس منابع انسانی",
            Role::EmploymentOfficer => "کارشناس اشتغال",
            Role::Planner => "کارشناس برنامه‌ریزی",
            Role::Auditor => "حسابرس",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::CaseWorker => "Case worker",
            Role::ProgramOfficer => "Program officer",
            Role::FinanceMaker => "Finance maker",
            Role::FinanceChecker => "Finance checker",
            Role::GozineshOfficer => "Vetting officer",
            Role::GozineshBoard => "Vetting board",
            Role::HrOfficer => "HR officer",
            Role::EmploymentOfficer => "Employment officer",
            Role::Planner => "Planner",
            Role::Auditor => "Auditor",
        }
    }
}

/// The modules of the system, as the navigation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Registry,
    Programs,
    Payments,
    Cases,
    Gozinesh,
    Hr,
    Library,
    Employment,
    Planning,
    Org,
    Users,
    Audit,
}

impl Module {
    pub const ALL: [Module; 12] = [
        Module::Registry,
        Module::Programs,
        Module::Payments,
        Module::Cases,
        Module::Gozinesh,
        Module::Hr,
        Module::Library,
        Module::Employment,
        Module::Planning,
        Module::Org,
        Module::Users,
        Module::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Module::Registry => "registry",
            Module::Programs => "programs",
            Module::Payments => "payments",
            Module::Cases => "cases",
            Module::Gozinesh => "gozinesh",
            Module::Hr => "hr",
            Module::Library => "library",
            Module::Employment => "employment",
            Module::Planning => "planning",
            Module::Org => "org",
            Module::Users => "users",
            Module::Audit => "audit",
        }
    }

    /// What opening this module is called in an English message ("… to open users").
    pub fn open_phrase(self) -> &'static str {
        match self {
            Module::Registry => "open the registry",
            Module::Programs => "open programs",
            Module::Payments => "open payments",
            Module::Cases => "open cases",
            Module::Gozinesh => "open vetting files",
            Module::Hr => "open human resources",
            Module::Library => "open the knowledge library",
            Module::Employment => "open employment",
            Module::Planning => "open planning",
            Module::Org => "open org units",
            Module::Users => "open users",
            Module::Audit => "read the audit log",
        }
    }
}

/// Something an actor wants to do to an object in some org unit: open a module, or
/// one of the actions a module declares beside its types (with the roles that
/// grant it and how a refusal names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See a module's pages and read its ordinary records.
    Open(Module),
    Org(crate::org::OrgAction),
    Iam(IamAction),
    Audit(crate::audit::AuditAction),
    Registry(crate::registry::RegistryAction),
    Programs(crate::programs::ProgramAction),
    Payments(crate::payments::PaymentAction),
    Cases(crate::cases::CaseAction),
    Applications(crate::applications::ApplicationAction),
    Hr(crate::hr::HrAction),
    Vetting(crate::gozinesh::VettingAction),
    Library(crate::library::LibraryAction),
    Employment(crate::employment::EmploymentAction),
    Planning(crate::planning::PlanningAction),
}

impl Action {
    /// The module the action belongs to.
    pub fn module(self) -> Module {
        match self {
            Action::Open(module) => module,
            Action::Org(_) => Module::Org,
            Action::Iam(_) => Module::Users,
            Action::Audit(_) => Module::Audit,
            Action::Registry(_) => Module::Registry,
            Action::Programs(_) => Module::Programs,
            Action::Payments(_) => Module::Payments,
            Action::Cases(_) => Module::Cases,
            Action::Applications(_) => Module::Programs,
            Action::Hr(_) => Module::Hr,
            Action::Vetting(_) => Module::Gozinesh,
            Action::Library(_) => Module::Library,
            Action::Employment(_) => Module::Employment,
            Action::Planning(_) => Module::Planning,
        }
    }

    /// How a refusal names the action: "Your roles do not allow you to …".
    pub fn phrase(self) -> &'static str {
        match self {
            Action::Open(module) => module.open_phrase(),
            Action::Org(a) => a.phrase(),
            Action::Iam(a) => a.phrase(),
            Action::Audit(a) => a.phrase(),
            Action::Registry(a) => a.phrase(),
            Action::Programs(a) => a.phrase(),
            Action::Payments(a) => a.phrase(),
            Action::Cases(a) => a.phrase(),
            Action::Applications(a) => a.phrase(),
            Action::Hr(a) => a.phrase(),
            Action::Vetting(a) => a.phrase(),
            Action::Library(a) => a.phrase(),
            Action::Employment(a) => a.phrase(),
            Action::Planning(a) => a.phrase(),
        }
    }
}

/// What identity and access management lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IamAction {
    /// Create users, change their roles, disable them, issue API tokens.
    ManageUsers,
}

impl IamAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            IamAction::ManageUsers => role == Role::Admin,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            IamAction::ManageUsers => "manage users",
        }
    }
}

/// Which roles grant an action. Admins run the platform; they do not read vetting
/// files or approve payments.
pub fn role_grants(role: Role, action: Action) -> bool {
    use Module as M;
    use Role as R;
    match action {
        Action::Org(a) => a.granted_to(role),
        Action::Iam(a) => a.granted_to(role),
        Action::Audit(a) => a.granted_to(role),
        Action::Registry(a) => a.granted_to(role),
        Action::Programs(a) => a.granted_to(role),
        Action::Payments(a) => a.granted_to(role),
        Action::Cases(a) => a.granted_to(role),
        Action::Applications(a) => a.granted_to(role),
        Action::Hr(a) => a.granted_to(role),
        Action::Vetting(a) => a.granted_to(role),
        Action::Library(a) => a.granted_to(role),
        Action::Employment(a) => a.granted_to(role),
        Action::Planning(a) => a.granted_to(role),
        Action::Open(module) => match module {
            M::Org => true,
            M::Users => matches!(role, R::Admin | R::Auditor),
            M::Audit => matches!(role, R::Admin | R::Auditor),
            M::Registry => matches!(
                role,
                R::CaseWorker | R::ProgramOfficer | R::FinanceMaker | R::FinanceChecker | R::Planner | R::Auditor
            ),
            M::Programs => matches!(
                role,
                R::ProgramOfficer | R::CaseWorker | R::Planner | R::Auditor | R::FinanceMaker | R::FinanceChecker
            ),
            M::Payments => matches!(role, R::FinanceMaker | R::FinanceChecker | R::Auditor),
            M::Cases => matches!(role, R::CaseWorker | R::ProgramOfficer | R::Auditor),
            M::Gozinesh => matches!(role, R::GozineshOfficer | R::GozineshBoard),
            M::Hr => matches!(role, R::HrOfficer | R::Planner),
            // Experience is the organization's to share: every member of staff reads it.
            M::Library => true,
            M::Employment => matches!(role, R::EmploymentOfficer | R::Planner | R::FinanceMaker | R::Auditor),
            M::Planning => matches!(role, R::Planner | R::ProgramOfficer | R::Auditor),
        },
    }
}

/// Who is acting: a user (or an API token's user) with their unit and roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub unit_id: i64,
    pub unit_path: UnitPath,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether any of the actor's roles grants the action (scope aside).
    pub fn may(&self, action: Action) -> bool {
        self.roles.iter().any(|&r| role_grants(r, action))
    }
}

/// The outcome of an access decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The object is outside the actor's subtree, or of a module the actor cannot
    /// open: answer as if it did not exist.
    NotFound,
    /// The object is visible but no role of the actor grants the action.
    Forbidden,
}

/// Decides whether `actor` may do `action` to an object in the unit at `object_unit`.
/// Scope is checked first, so an actor never learns of objects outside it; then an
/// actor who cannot open the action's module is told the same, so the answer does
/// not tell an object of their subtree from one elsewhere; then the roles decide.
pub fn decide(actor: &Actor, action: Action, object_unit: &UnitPath) -> Decision {
    if !actor.unit_path.contains(object_unit) {
        Decision::NotFound
    } else if actor.may(action) {
        Decision::Allow
    } else if !actor.may(Action::Open(action.module())) {
        // Whoever cannot open the module sees none of its records: the same answer
        // inside the subtree as outside it, so ids cannot be probed.
        Decision::NotFound
    } else {
        Decision::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(path: &UnitPath, roles: &[Role]) -> Actor {
        Actor {
            user_id: 1,
            username: "t".into(),
            unit_id: path.unit_id().unwrap_or(0),
            unit_path: path.clone(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn scope_is_checked_before_roles() {
        let hq = UnitPath::root(1);
        let tehran = hq.child(2);
        let fars = hq.child(3);
        let admin_tehran = actor(&tehran, &[Role::Admin]);
        let worker_tehran = actor(&tehran, &[Role::CaseWorker]);
        let rows = [
            (&admin_tehran, Action::Iam(IamAction::ManageUsers), &tehran, Decision::Allow),
            (&admin_tehran, Action::Iam(IamAction::ManageUsers), &tehran.child(9), Decision::Allow),
            (&admin_tehran, Action::Iam(IamAction::ManageUsers), &fars, Decision::NotFound),
            (&admin_tehran, Action::Iam(IamAction::ManageUsers), &hq, Decision::NotFound),
            (&worker_tehran, Action::Iam(IamAction::ManageUsers), &tehran, Decision::NotFound),
            (&worker_tehran, Action::Iam(IamAction::ManageUsers), &fars, Decision::NotFound),
            (&worker_tehran, Action::Open(Module::Registry), &tehran, Decision::Allow),
            (&worker_tehran, Action::Open(Module::Gozinesh), &tehran, Decision::NotFound),
            (&worker_tehran, Action::Registry(crate::registry::RegistryAction::Edit), &tehran, Decision::Allow),
            (&admin_tehran, Action::Registry(crate::registry::RegistryAction::Edit), &tehran, Decision::NotFound),
        ];
        for (who, action, unit, expected) in rows {
            assert_eq!(decide(who, action, unit), expected, "{:?} {action:?} {unit:?}", who.roles);
        }
    }

    /// A province's checker approves that province's cycles only; a maker sees a
    /// cycle but may not check it; an admin does not see payments at all. (Who
    /// computed or submitted a cycle is refused by `payments::four_eyes`.)
    #[test]
    fn payment_steps_by_role_and_province() {
        use crate::payments::PaymentAction as P;
        let hq = UnitPath::root(1);
        let (tehran, fars) = (hq.child(2), hq.child(3));
        let checker_fars = actor(&fars, &[Role::FinanceChecker]);
        let maker_fars = actor(&fars, &[Role::FinanceMaker]);
        let checker_hq = actor(&hq, &[Role::FinanceChecker]);
        let admin_hq = actor(&hq, &[Role::Admin]);
        let rows = [
            (&checker_fars, P::Check, &fars, Decision::Allow),
            (&checker_fars, P::Check, &tehran, Decision::NotFound),
            (&checker_fars, P::Prepare, &fars, Decision::Forbidden),
            (&maker_fars, P::Prepare, &fars, Decision::Allow),
            (&maker_fars, P::Check, &fars, Decision::Forbidden),
            (&checker_hq, P::Check, &tehran, Decision::Allow),
            (&admin_hq, P::Check, &tehran, Decision::NotFound),
            (&admin_hq, P::Prepare, &tehran, Decision::NotFound),
        ];
        for (who, action, unit, expected) in rows {
            assert_eq!(decide(who, Action::Payments(action), unit), expected, "{:?} {action:?} {unit:?}", who.roles);
        }
    }

    #[test]
    fn every_role_opens_at_least_one_module_and_names_parse() {
        for role in Role::ALL {
            assert!(Module::ALL.iter().any(|&m| role_grants(role, Action::Open(m))), "{role:?}");
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn every_module_is_opened_by_some_role() {
        for module in Module::ALL {
            assert!(Role::ALL.iter().any(|&r| role_grants(r, Action::Open(module))), "{module:?}");
        }
    }

    #[test]
    fn admins_do_not_read_vetting_files_or_move_money() {
        assert!(!role_grants(Role::Admin, Action::Open(Module::Gozinesh)));
        assert!(!role_grants(Role::Admin, Action::Open(Module::Payments)));
    }
}
