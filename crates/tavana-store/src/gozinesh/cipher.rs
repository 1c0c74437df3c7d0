//! The vetting files' encryption: XChaCha20-Poly1305 (an authenticated cipher,
//! RustCrypto's `chacha20poly1305`) under the newest vetting key, a random
//! 24-byte nonce per text stored before the ciphertext, and the text's place
//! (table, field, row) as associated data, so a ciphertext moved to another
//! row or field does not open.

use crate::audit_keys::Keyring;
use crate::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

const NONCE: usize = 24;

pub(crate) fn no_key() -> StoreError {
    StoreError::Invalid(tavana_domain::DomainError::breaks(
        "vetting_key",
        "no vetting key is configured: vetting files are neither written nor read",
        "کلید رمز پرونده‌های گزینش تنظیم نشده است",
    ))
}

/// Encrypts `text` for its `place` under the newest key: the key's id, and the
/// nonce followed by the ciphertext.
pub(crate) fn seal(keys: Option<&Keyring>, place: &str, text: &str) -> Result<(i64, Vec<u8>)> {
    let key = keys.and_then(Keyring::current).ok_or_else(no_key)?;
    let cipher = XChaCha20Poly1305::new(Key::from_slice(key.secret()));
    let mut nonce = [0u8; NONCE];
    {
        use rand_core::{OsRng, RngCore};
        OsRng.fill_bytes(&mut nonce);
    }
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: text.as_bytes(), aad: place.as_bytes() })
        .map_err(|_| StoreError::Corrupt("encrypting a vetting text".into()))?;
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&sealed);
    Ok((key.id, blob))
}

/// Decrypts a text sealed for `place` with key `key_id`.
pub(crate) fn open(keys: Option<&Keyring>, key_id: i64, place: &str, blob: &[u8]) -> Result<String> {
    let keys = keys.ok_or_else(no_key)?;
    let key = keys
        .get(key_id)
        .ok_or_else(|| StoreError::Corrupt(format!("a vetting text is sealed with key {key_id}, which is not held")))?;
    if blob.len() < NONCE {
        return Err(StoreError::Corrupt(format!("a vetting text at {place} is too short")));
    }
    let (nonce, sealed) = blob.split_at(NONCE);
    let cipher = XChaCha20Poly1305::new(Key::from_slice(key.secret()));
    let plain = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: place.as_bytes() })
        .map_err(|_| StoreError::Corrupt(format!("a vetting text at {place} does not open: altered or moved")))?;
    String::from_utf8(plain).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_opens_only_where_it_was_sealed_and_with_its_key() {
        let keys = Keyring::generate(0);
        let (id, blob) = seal(Some(&keys), "vetting_entries.body:7", "استعلام از محل کار قبلی").unwrap();
        assert_eq!(open(Some(&keys), id, "vetting_entries.body:7", &blob).unwrap(), "استعلام از محل کار قبلی");
        assert!(open(Some(&keys), id, "vetting_entries.body:8", &blob).is_err(), "moved to another row");
        let mut altered = blob.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(open(Some(&keys), id, "vetting_entries.body:7", &altered).is_err(), "altered");
        assert!(open(Some(&Keyring::generate(0)), id, "vetting_entries.body:7", &blob).is_err(), "another key");
        assert!(seal(None, "x", "y").is_err(), "no key, no writing");
        let rotated = keys.rotated(1);
        let (new_id, _) = seal(Some(&rotated), "p", "t").unwrap();
        assert_eq!(new_id, id + 1, "the newest key seals");
        assert!(open(Some(&rotated), id, "vetting_entries.body:7", &blob).is_ok(), "old texts still open");
    }
}
