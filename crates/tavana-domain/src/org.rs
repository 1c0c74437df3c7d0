//! Org units (واحد سازمانی): HQ → province → county office, and the place hierarchy
//! of addresses: province → county → city or rural district → village.

use serde::{Deserialize, Serialize};

/// The level of an org unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgUnitKind {
    /// The headquarters (ستاد).
    Hq,
    /// A province directorate (اداره کل استان).
    Province,
    /// A county office (اداره شهرستان).
    County,
}

impl OrgUnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgUnitKind::Hq => "hq",
            OrgUnitKind::Province => "province",
            OrgUnitKind::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hq" => Some(OrgUnitKind::Hq),
            "province" => Some(OrgUnitKind::Province),
            "county" => Some(OrgUnitKind::County),
            _ => None,
        }
    }

    /// The kind a child of this unit has, if units of this kind have children.
    pub fn child(self) -> Option<Self> {
        match self {
            OrgUnitKind::Hq => Some(OrgUnitKind::Province),
            OrgUnitKind::Province => Some(OrgUnitKind::County),
            OrgUnitKind::County => None,
        }
    }
}

/// The level of a place in an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// استان
    Province,
    /// شهرستان
    County,
    /// شهر
    City,
    /// دهستان
    RuralDistrict,
    /// روستا
    Village,
}

impl PlaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Province => "province",
            PlaceKind::County => "county",
            PlaceKind::City => "city",
            PlaceKind::RuralDistrict => "rural_district",
            PlaceKind::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [PlaceKind::Province, PlaceKind::County, PlaceKind::City, PlaceKind::RuralDistrict, PlaceKind::Village]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Whether a place of kind `child` may sit directly under a place of this kind.
    pub fn may_contain(self, child: PlaceKind) -> bool {
        matches!(
            (self, child),
            (PlaceKind::Province, PlaceKind::County)
                | (PlaceKind::County, PlaceKind::City)
                | (PlaceKind::County, PlaceKind::RuralDistrict)
                | (PlaceKind::RuralDistrict, PlaceKind::Village)
        )
    }
}

/// The position of an org unit in the tree, as the ids from the root down:
/// `/1/5/23/` is county 23 in province 5 under HQ 1. A unit's subtree is every unit
/// whose path starts with its path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitPath(String);

impl UnitPath {
    /// The path of a root unit.
    pub fn root(id: i64) -> Self {
        Self(format!("/{id}/"))
    }

    /// The path of a child unit.
    pub fn child(&self, id: i64) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    /// Reads a stored path; `None` for text that is not `/id/.../`.
    pub fn parse(s: &str) -> Option<Self> {
        let inner = s.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty() || !inner.split('/').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Some(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` is this unit or below it.
    pub fn contains(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The SQL `LIKE` pattern matching this subtree (paths hold only digits and `/`,
    /// so nothing needs escaping).
    pub fn subtree_pattern(&self) -> String {
        format!("{}%", self.0)
    }

    /// Whether this is the root of the tree (HQ).
    pub fn is_root(&self) -> bool {
        self.0.matches('/').count() == 2
    }

    /// The id of the unit itself (the last segment).
    pub fn unit_id(&self) -> Option<i64> {
        self.0.trim_end_matches('/').rsplit('/').next()?.parse().ok()
    }
}

/// A place to load, with the places inside it: the shape reference geography comes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceSeed {
    /// A stable code, unique among all places (`23` a province, `23-05` a county…).
    pub code: String,
    pub kind: PlaceKind,
    pub name_fa: String,
    pub name_en: Option<String>,
    pub children: Vec<PlaceSeed>,
}

impl PlaceSeed {
    /// The number of places in this tree, this one included.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(PlaceSeed::count).sum::<usize>()
    }
}

/// What the org-unit module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgAction {
    /// Create or change org units.
    ManageUnits,
}

impl OrgAction {
    /// Whether a role grants this action.
    pub fn granted_to(self, role: crate::iam::Role) -> bool {
        use crate::iam::Role as R;
        match self {
            OrgAction::ManageUnits => role == R::Admin,
        }
    }

    /// How a refusal names the action.
    pub fn phrase(self) -> &'static str {
        match self {
            OrgAction::ManageUnits => "manage org units",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtrees_follow_the_path() {
        let hq = UnitPath::root(1);
        let tehran = hq.child(2);
        let shemiranat = tehran.child(40);
        let fars = hq.child(20);
        assert!(hq.contains(&shemiranat));
        assert!(tehran.contains(&shemiranat));
        assert!(tehran.contains(&tehran));
        assert!(!tehran.contains(&fars));
        assert!(!shemiranat.contains(&tehran));
        // Prefix of digits is not containment: unit 2 does not contain unit 20.
        assert!(!hq.child(2).contains(&hq.child(20)));
        assert_eq!(shemiranat.unit_id(), Some(40));
        assert!(hq.is_root());
        assert!(!tehran.is_root());
        assert_eq!(UnitPath::parse("/1/2/"), Some(tehran));
        assert_eq!(UnitPath::parse("/1/x/"), None);
        assert_eq!(UnitPath::parse("//"), None);
    }

    #[test]
    fn places_nest_in_order() {
        assert!(PlaceKind::Province.may_contain(PlaceKind::County));
        assert!(PlaceKind::RuralDistrict.may_contain(PlaceKind::Village));
        assert!(!PlaceKind::Province.may_contain(PlaceKind::Village));
        assert!(!PlaceKind::Village.may_contain(PlaceKind::Village));
        for kind in ["province", "county", "city", "rural_district", "village"] {
            assert_eq!(PlaceKind::parse(kind).map(PlaceKind::as_str), Some(kind));
        }
    }
}
