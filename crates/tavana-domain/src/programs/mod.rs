//! Programs and their eligibility rules. A rule is written in a subset of CEL (the
//! Common Expression Language): parsed with positions, type-checked against the
//! documented variables, and evaluated for one beneficiary. Compiling the same rule
//! to SQL for whole-population runs builds on the same syntax tree.

pub mod explain;
pub mod rule;
pub mod sql;
pub mod variables;
