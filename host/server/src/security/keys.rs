//! API keys and what they may do. Keys come from the operator (a file, `CHAPWASM_API_KEYS`,
//! chapkit's `SERVICEKIT_API_KEYS`); only their SHA-256 digests are kept, and a presented
//! key is compared against every digest in constant time, so neither the keys nor their
//! prefixes can be read back from memory dumps, logs or response timings.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a key may do. An admin key may do everything a user key may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Configs, `$train`/`$predict`/`$validate`, reads.
    User,
    /// Also: uploading, deleting and limiting components; every delete.
    Admin,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Admin => "admin",
        }
    }
}

/// The shortest key accepted: guessing one must be hopeless.
pub const MIN_KEY_CHARS: usize = 16;

/// Why a configured key was refused (the service does not start).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KeyError {
    #[error("{source_name}: an API key is shorter than {MIN_KEY_CHARS} characters; use a long random key")]
    TooShort { source_name: String },
    #[error("{source_name}: an API key may hold only printable ASCII without spaces or commas")]
    Unprintable { source_name: String },
    #[error("{source_name}: an entry starts with an unknown scope (use `admin:KEY` or `user:KEY`)")]
    UnknownScope { source_name: String },
}

/// The digests of the configured keys, each with its scope.
#[derive(Clone, Default)]
pub struct ApiKeys {
    digests: Vec<([u8; 32], Scope)>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} admin, {} user)", self.count(Scope::Admin), self.count(Scope::User))
    }
}

impl ApiKeys {
    /// Adds keys written `admin:KEY`, `user:KEY` or a bare `KEY` (which gets `bare`'s
    /// scope), separated by commas or new lines; blank entries and lines starting with `#`
    /// are skipped. `source_name` names the source in errors (never the key).
    pub fn add(&mut self, source_name: &str, text: &str, bare: Scope) -> Result<(), KeyError> {
        self.add_entries(source_name, text, Some(bare))
    }

    /// Adds chapkit's keys (`SERVICEKIT_API_KEYS`): comma-separated, each one whole (no
    /// scope prefix) and carrying every scope, as in chapkit.
    pub fn add_chapkit(&mut self, source_name: &str, text: &str) -> Result<(), KeyError> {
        self.add_entries(source_name, text, None)
    }

    /// `bare`: the scope of keys without a prefix; `None` reads no prefixes (all admin).
    fn add_entries(&mut self, source_name: &str, text: &str, bare: Option<Scope>) -> Result<(), KeyError> {
        let entries = text.lines().filter(|line| !line.trim_start().starts_with('#')).flat_map(|l| l.split(','));
        for entry in entries.map(str::trim).filter(|e| !e.is_empty()) {
            let Some(bare) = bare else {
                self.push(source_name, entry, Scope::Admin)?;
                continue;
            };
            let (scope, key) = match entry.split_once(':') {
                Some(("admin", key)) => (Scope::Admin, key),
                Some(("user", key)) => (Scope::User, key),
                Some((scope, _)) if scope.len() < MIN_KEY_CHARS && scope.chars().all(|c| c.is_ascii_alphabetic()) => {
                    return Err(KeyError::UnknownScope { source_name: source_name.to_owned() });
                }
                _ => (bare, entry),
            };
            self.push(source_name, key, scope)?;
        }
        Ok(())
    }

    fn push(&mut self, source_name: &str, key: &str, scope: Scope) -> Result<(), KeyError> {
        if key.chars().count() < MIN_KEY_CHARS {
            return Err(KeyError::TooShort { source_name: source_name.to_owned() });
        }
        if !key.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(KeyError::Unprintable { source_name: source_name.to_owned() });
        }
        self.digests.push((digest(key), scope));
        Ok(())
    }

    /// One key of `scope` (for the library's builders and tests).
    pub fn with(mut self, key: &str, scope: Scope) -> Result<Self, KeyError> {
        let entry = format!("{}:{key}", scope.name());
        self.add("the builder", &entry, scope)?;
        Ok(self)
    }

    /// Which configured key `presented` is (its index) and its scope, or `None` if it is
    /// not one of ours. Every digest is compared, whatever matches, in constant time each.
    pub fn find(&self, presented: &str) -> Option<(usize, Scope)> {
        let presented = digest(presented);
        let mut found = None;
        for (index, (digest, scope)) in self.digests.iter().enumerate() {
            if bool::from(digest.ct_eq(&presented)) {
                found = found.max(Some((*scope, index)));
            }
        }
        found.map(|(scope, index)| (index, scope))
    }

    /// The scope of a presented key, or `None` if it is not one of ours.
    pub fn scope_of(&self, presented: &str) -> Option<Scope> {
        self.find(presented).map(|(_, scope)| scope)
    }

    pub fn count(&self, scope: Scope) -> usize {
        self.digests.iter().filter(|(_, s)| *s == scope).count()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: &str = "admin-key-0123456789";
    const USER: &str = "user-key-0123456789";

    #[test]
    fn keys_are_read_with_their_scopes_and_checked_by_digest() {
        let mut keys = ApiKeys::default();
        keys.add("CHAPWASM_API_KEYS", &format!("admin:{ADMIN}, user:{USER}"), Scope::Admin).unwrap();
        keys.add_chapkit("SERVICEKIT_API_KEYS", "chapkit-key-0123456789, user:chapkit-0123456789").unwrap();
        keys.add("a file", "# comment\nuser:file-key-0123456789\n\n", Scope::Admin).unwrap();
        assert_eq!(keys.scope_of(ADMIN), Some(Scope::Admin));
        assert_eq!(keys.scope_of(USER), Some(Scope::User));
        assert_eq!(keys.scope_of("chapkit-key-0123456789"), Some(Scope::Admin));
        assert_eq!(keys.scope_of("user:chapkit-0123456789"), Some(Scope::Admin), "chapkit keys are whole");
        assert_eq!(keys.scope_of("file-key-0123456789"), Some(Scope::User));
        assert_eq!(keys.scope_of("admin-key-012345678"), None);
        assert_eq!(keys.scope_of(""), None);
        assert_eq!((keys.count(Scope::Admin), keys.count(Scope::User)), (3, 2));
        assert!(!format!("{keys:?}").contains("0123456789"), "Debug never shows a key");
    }

    #[test]
    fn weak_or_malformed_keys_are_refused_without_echoing_them() {
        let refuse = |text: &str| ApiKeys::default().add("SRC", text, Scope::Admin).unwrap_err();
        assert_eq!(refuse("admin:tiny"), KeyError::TooShort { source_name: "SRC".into() });
        assert_eq!(refuse("owner:0123456789abcdefgh"), KeyError::UnknownScope { source_name: "SRC".into() });
        assert!(!refuse("owner:0123456789abcdefgh").to_string().contains("owner"), "no part of a key is echoed");
        assert_eq!(refuse("0123456789abcdef\u{7f}x"), KeyError::Unprintable { source_name: "SRC".into() });
        assert!(!refuse("admin:tiny").to_string().contains("tiny"));
    }
}
