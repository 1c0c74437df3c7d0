//! The demo users: one per role, placed where that role works.

use tavana_domain::iam::Role;

/// A demo user: its name, display name, the code of its org unit and its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub unit_code: &'static str,
    pub role: Role,
}

/// One user per role, a province admin (Fars) to show org-unit scoping, the
/// registrar who loads the national registry (a case worker at HQ), a second
/// program officer at HQ who approves the first one's program changes, and
/// Tehran's program officer, who runs the national programs in the province.
/// Unit codes: `HQ`, `P08` (Tehran province), `C08-01` (Tehran county office).
pub const DEMO_USERS: [DemoUser; 16] = [
    DemoUser { username: "admin", display_name: "مدیر سامانه", unit_code: "HQ", role: Role::Admin },
    DemoUser {
        username: "caseworker", display_name: "زهرا کریمی", unit_code: "C08-01", role: Role::CaseWorker
    },
    DemoUser { username: "program", display_name: "علی رضایی", unit_code: "HQ", role: Role::ProgramOfficer },
    DemoUser {
        username: "program.chief", display_name: "پروین اکبری", unit_code: "HQ", role: Role::ProgramOfficer
    },
    DemoUser {
        username: "program.tehran", display_name: "امید صالحی", unit_code: "P08", role: Role::ProgramOfficer
    },
    DemoUser { username: "maker", display_name: "مریم احمدی", unit_code: "HQ", role: Role::FinanceMaker },
    DemoUser { username: "checker", display_name: "حسین موسوی", unit_code: "HQ", role: Role::FinanceChecker },
    DemoUser {
        username: "gozinesh", display_name: "فاطمه حسینی", unit_code: "HQ", role: Role::GozineshOfficer
    },
    DemoUser { username: "board", display_name: "محمد جعفری", unit_code: "HQ", role: Role::GozineshBoard },
    DemoUser { username: "hr", display_name: "سارا محمدی", unit_code: "HQ", role: Role::HrOfficer },
    DemoUser {
        username: "employment", display_name: "رضا قاسمی", unit_code: "P08", role: Role::EmploymentOfficer
    },
    DemoUser {
        username: "employment.chief",
        display_name: "لیلا حیدری",
        unit_code: "HQ",
        role: Role::EmploymentOfficer,
    },
    DemoUser { username: "planner", display_name: "نرگس صادقی", unit_code: "HQ", role: Role::Planner },
    DemoUser { username: "auditor", display_name: "مهدی نوری", unit_code: "HQ", role: Role::Auditor },
    DemoUser {
        username: "admin.fars", display_name: "مدیر استان فارس", unit_code: "P17", role: Role::Admin
    },
    DemoUser {
        username: "registrar", display_name: "ثبت پایگاه جامع", unit_code: "HQ", role: Role::CaseWorker
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_demo_user() {
        for role in Role::ALL {
            assert!(DEMO_USERS.iter().any(|u| u.role == role), "{role:?}");
        }
    }
}
