//! The keys the audit chains are signed with, kept in a file outside the
//! database (`tavana audit rotate-key` writes it; `serve --audit-key-file` and
//! `audit verify --key-file` read it).
//!
//! The file holds one key per line, `ID FROM_MICROS HEX_SECRET`, oldest first; a
//! key signs the entries made from its `FROM_MICROS` until the next key's. Old
//! keys stay in the file: entries they signed are verified with them.

pub use tavana_domain::audit::AuditKey;
use tavana_domain::audit::{from_hex, to_hex};

/// The audit keys, oldest first. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<AuditKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.keys.iter()).finish()
    }
}

impl Keyring {
    /// A keyring of one new random key, signing from `from_micros`.
    pub fn generate(from_micros: i64) -> Keyring {
        Keyring { keys: vec![AuditKey::new(1, from_micros, random_secret())] }
    }

    /// This keyring with a new random key signing from `from_micros`.
    pub fn rotated(&self, from_micros: i64) -> Keyring {
        let id = self.keys.last().map_or(1, |k| k.id + 1);
        let mut keys = self.keys.clone();
        keys.push(AuditKey::new(id, from_micros, random_secret()));
        Keyring { keys }
    }

    /// The key new entries are signed with.
    pub fn current(&self) -> Option<&AuditKey> {
        self.keys.last()
    }

    pub fn get(&self, id: i64) -> Option<&AuditKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// When signing began: entries made since must all be signed.
    pub fn keyed_since(&self) -> Option<i64> {
        self.keys.first().map(|k| k.from_micros)
    }

    /// Reads a key file; the error names the line.
    pub fn parse(text: &str) -> Result<Keyring, String> {
        let mut keys: Vec<AuditKey> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| format!("audit key file, line {}: {why}", n + 1);
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [id, from, secret] = parts[..] else { return Err(bad("expected ID FROM_MICROS HEX_SECRET")) };
            let id: i64 = id.parse().map_err(|_| bad("the id is not a number"))?;
            let from: i64 = from.parse().map_err(|_| bad("the start is not a number"))?;
            let secret: [u8; 32] = from_hex(secret)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("the secret is not 64 hexadecimal digits"))?;
            if keys.last().is_some_and(|k| k.id >= id || k.from_micros > from) {
                return Err(bad("keys must be listed oldest first"));
            }
            keys.push(AuditKey::new(id, from, secret));
        }
        if keys.is_empty() {
            return Err("the audit key file holds no key".into());
        }
        Ok(Keyring { keys })
    }

    /// The key file's text.
    pub fn to_file(&self) -> String {
        let mut text = String::from("# Tavana audit keys: ID FROM_MICROS HEX_SECRET, oldest first. Keep secret.\n");
        for k in &self.keys {
            text.push_str(&format!("{} {} {}\n", k.id, k.from_micros, to_hex(k.secret())));
        }
        text
    }

    /// Reads the key file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Keyring, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        Keyring::parse(&text)
    }

    /// Writes the key file at `path`, readable by its owner only.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        file.write_all(self.to_file().as_bytes())?;
        file.sync_all()
    }
}

fn random_secret() -> [u8; 32] {
    use rand_core::{OsRng, RngCore};
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    secret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_round_trips_and_bad_lines_are_named() {
        let ring = Keyring::generate(10).rotated(20);
        assert_eq!(Keyring::parse(&ring.to_file()), Ok(ring.clone()));
        assert_eq!(ring.current().map(|k| k.id), Some(2));
        assert_eq!(ring.keyed_since(), Some(10));
        let err = Keyring::parse("1 10 abc\n").unwrap_err();
        assert!(err.contains("line 1") && err.contains("64 hexadecimal"), "{err}");
        let text = ring.to_file();
        let lines: Vec<&str> = text.lines().collect();
        let swapped = format!("{}\n{}\n", lines[2], lines[1]);
        assert!(Keyring::parse(&swapped).unwrap_err().contains("oldest first"));
        assert!(!format!("{ring:?}").contains(&to_hex(ring.current().unwrap().secret())));
    }
}
