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

/// Feeds an entry's content, after the previous hash, to a hash or a MAC. Every
/// field is written with its length (or a presence tag), so no two different
/// entries feed the same input.
fn feed(previous: &[u8; 32], content: &AuditContent<'_>, update: &mut dyn FnMut(&[u8])) {
    update(previous);
    update(&content.seq.to_be_bytes());
    update(&content.at_micros.to_be_bytes());
    for id in [content.actor_user_id, content.actor_unit_id] {
        match id {
            Some(v) => {
                update(&[1]);
                update(&v.to_be_bytes());
            }
            None => update(&[0]),
        }
    }
    for text in
        [Some(content.action), Some(content.object_type), Some(content.object_id), content.before, content.after]
    {
        match text {
            Some(t) => {
                update(&[1]);
                update(&(t.len() as u64).to_be_bytes());
                update(t.as_bytes());
            }
            None => update(&[0]),
        }
    }
}

/// The hash of an unkeyed entry (written before the chain was keyed) given the
/// previous entry's hash: SHA-256, which anyone can recompute.
pub fn entry_hash(previous: &[u8; 32], content: &AuditContent<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"tavana-audit-v1");
    feed(previous, content, &mut |bytes| h.update(bytes));
    h.finalize().into()
}

/// A key the audit chain is signed with: HMAC-SHA256 under a secret kept outside
/// the database, so whoever can write to the database cannot recompute the chain.
/// Each key signs the entries made from `from_micros` until the next key's.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey {
    pub id: i64,
    pub from_micros: i64,
    secret: [u8; 32],
}

impl AuditKey {
    pub fn new(id: i64, from_micros: i64, secret: [u8; 32]) -> AuditKey {
        AuditKey { id, from_micros, secret }
    }

    /// The secret, for writing the key file.
    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey {{ id: {}, from_micros: {}, secret: *** }}", self.id, self.from_micros)
    }
}

/// The MAC of an entry signed with `key`, given the previous entry's hash.
pub fn keyed_entry_hash(key: &AuditKey, previous: &[u8; 32], content: &AuditContent<'_>) -> [u8; 32] {
    use hmac::digest::KeyInit;
    use hmac::{Hmac, Mac};
    // A key shorter than SHA-256's block is padded with zeros, as HMAC does itself.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&key.secret);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
    mac.update(b"tavana-audit-v2");
    mac.update(&key.id.to_be_bytes());
    feed(previous, content, &mut |bytes| mac.update(bytes));
    mac.finalize().into_bytes().into()
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

/// What each audit entry's action means, in Persian and English, for the audit
/// page. A store test checks that every action the store writes is here.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("api_token.issue", "صدور توکن", "token issued"),
    ("api_token.revoke", "ابطال توکن", "token revoked"),
    ("audit.seal_rows", "مهر کردن پرونده‌ها", "rows sealed"),
    ("auth.sign_in", "ورود", "signed in"),
    ("auth.sign_in_attempt", "تلاش ناموفق ورود", "failed sign-in"),
    ("auth.sign_in_throttled", "ورود مسدود شد", "sign-in held back"),
    ("auth.sign_out", "خروج", "signed out"),
    ("disability.add", "ثبت ارزیابی معلولیت", "assessment added"),
    ("duplicate.dismiss", "تکراری نبودن", "not a duplicate"),
    ("duplicate.propose_merge", "پیشنهاد ادغام", "merge proposed"),
    ("duplicate.reject_merge", "رد پیشنهاد ادغام", "merge rejected"),
    ("duplicate.reopen", "بازگشایی مورد تکراری", "duplicate reopened"),
    ("duplicates.detect", "جست‌وجوی موارد تکراری", "duplicates detected"),
    ("enrollment.amount", "تغییر مبلغ", "amount changed"),
    ("enrollment.confirm", "ثبت‌نام در برنامه", "enrolled"),
    ("enrollment.decide", "تصمیم دربارهٔ ثبت‌نام", "enrollment decided"),
    ("enrollment.flag", "نیاز به بازبینی", "flagged for review"),
    ("enrollment.waiting", "در نوبت", "waiting"),
    ("geography.load", "بارگذاری تقسیمات کشوری", "geography loaded"),
    ("household.create", "ثبت خانوار", "household registered"),
    ("household.move", "تغییر خانوار", "household changed"),
    ("outbox.consume", "پیامد تغییر", "change followed up"),
    ("person.merge", "ادغام پرونده", "records merged"),
    ("person.register", "ثبت فرد", "person registered"),
    ("person.unmerge", "جداسازی پرونده", "records separated"),
    ("person.update", "تغییر پروندهٔ فرد", "person changed"),
    ("program.budget", "بودجهٔ استان", "province budget"),
    ("program.change_decided", "تصمیم دربارهٔ تغییر برنامه", "program change decided"),
    ("program.change_stale", "منسوخ شدن پیشنهاد تغییر", "program change outdated"),
    ("program.create", "تعریف برنامه", "program defined"),
    ("program.propose", "پیشنهاد تغییر برنامه", "program change proposed"),
    ("program.status", "تغییر وضعیت برنامه", "program status"),
    ("program.update", "تغییر برنامه", "program changed"),
    ("read", "مشاهده", "read"),
    ("registry.import", "ورود از پرونده", "import"),
    ("user.create", "ایجاد کاربر", "user created"),
    ("user.disable", "غیرفعال کردن کاربر", "user disabled"),
    ("user.enable", "فعال کردن کاربر", "user enabled"),
    ("user.set_password", "تعیین گذرواژه", "password set"),
    ("user.update", "تغییر واحد و نقش‌ها", "unit and roles changed"),
];

/// An action's label in Persian (`fa`) or English; the code when unknown.
pub fn action_label(code: &str, fa: bool) -> &str {
    ACTIONS.iter().find(|(c, _, _)| *c == code).map_or(code, |(_, f, e)| if fa { f } else { e })
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
mod keyed_tests {
    use super::*;

    /// HMAC-SHA256 as RFC 4231 test case 2 gives it, through the same padding.
    #[test]
    fn the_mac_is_hmac_sha256() {
        use hmac::digest::KeyInit;
        use hmac::{Hmac, Mac};
        let mut block = [0u8; 64];
        block[..4].copy_from_slice(b"Jefe");
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            to_hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_keyed_hash_depends_on_the_key_and_is_not_the_unkeyed_one() {
        let content = AuditContent {
            seq: 1,
            at_micros: 5,
            actor_user_id: None,
            actor_unit_id: Some(2),
            action: "a",
            object_type: "b",
            object_id: "c",
            before: None,
            after: Some("{}"),
        };
        let (k1, k2) = (AuditKey::new(1, 0, [7; 32]), AuditKey::new(1, 0, [8; 32]));
        let h1 = keyed_entry_hash(&k1, &GENESIS, &content);
        assert_ne!(h1, keyed_entry_hash(&k2, &GENESIS, &content));
        assert_ne!(h1, entry_hash(&GENESIS, &content));
        assert_eq!(h1, keyed_entry_hash(&k1.clone(), &GENESIS, &content));
        assert!(!format!("{k1:?}").contains('7'));
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
