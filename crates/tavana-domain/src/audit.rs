//! The audit chain: each entry's hash covers its content and the previous entry's
//! hash, so changing or removing any stored entry breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// The content of one audit entry, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContent<'a> {
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub at_micros: i64,
    pub actor_user_id: Option<i64>,
    pub actor_unit_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// The hash of an entry given the previous entry's hash. Every field is written with
/// its length (or a presence tag), so no two different entries hash the same input.
pub fn entry_hash(previous: &[u8; 32], content: &AuditContent<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"tavana-audit-v1");
    h.update(previous);
    h.update(content.seq.to_be_bytes());
    h.update(content.at_micros.to_be_bytes());
    for id in [content.actor_user_id, content.actor_unit_id] {
        match id {
            Some(v) => {
                h.update([1]);
                h.update(v.to_be_bytes());
            }
            None => h.update([0]),
        }
    }
    for text in
        [Some(content.action), Some(content.object_type), Some(content.object_id), content.before, content.after]
    {
        match text {
            Some(t) => {
                h.update([1]);
                h.update((t.len() as u64).to_be_bytes());
                h.update(t.as_bytes());
            }
            None => h.update([0]),
        }
    }
    h.finalize().into()
}

/// Lower-case hexadecimal of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Bytes from hexadecimal; `None` for odd length or a non-hex character.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// What the audit module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// Read the audit log.
    Read,
}

impl AuditAction {
    /// Whether a role grants this action.
    pub fn granted_to(self, role: crate::iam::Role) -> bool {
        use crate::iam::Role as R;
        match self {
            AuditAction::Read => matches!(role, R::Auditor | R::Admin),
        }
    }

    /// How a refusal names the action.
    pub fn phrase(self) -> &'static str {
        match self {
            AuditAction::Read => "read the audit log",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn content(action: &str) -> AuditContent<'_> {
        AuditContent {
            seq: 1,
            at_micros: 1_700_000_000_000_000,
            actor_user_id: Some(7),
            actor_unit_id: Some(2),
            action,
            object_type: "user",
            object_id: "42",
            before: None,
            after: Some("{\"username\":\"sara\"}"),
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = entry_hash(&GENESIS, &content("user.create"));
        assert_ne!(base, entry_hash(&GENESIS, &content("user.update")));
        assert_ne!(base, entry_hash(&[1u8; 32], &content("user.create")));
        let mut moved = content("user.create");
        moved.before = Some("");
        assert_ne!(base, entry_hash(&GENESIS, &moved));
        let mut other_actor = content("user.create");
        other_actor.actor_user_id = None;
        assert_ne!(base, entry_hash(&GENESIS, &other_actor));
    }

    proptest! {
        #[test]
        fn hex_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        }
    }
}
