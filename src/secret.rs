//! Secret values: redacted in `Debug`, compared in constant time, never serialized.

use std::fmt;

use subtle::ConstantTimeEq;

/// A secret string (client secret, admin token, session secret, ID token…).
///
/// `Debug` prints `[redacted]`; there is no `Display` and no derived `PartialEq`: use
/// [`Secret::ct_eq`] to compare.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time equality with a candidate value.
    pub fn ct_eq(&self, candidate: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), candidate.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A secret that has to be stored, as written (an org's client secret, kept by the
/// state object): serialized as the plain string, otherwise like [`Secret`].
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct StoredSecret(String);

impl StoredSecret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<StoredSecret> for Secret {
    fn from(stored: StoredSecret) -> Self {
        Self(stored.0)
    }
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Constant-time comparison of two byte strings (the length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
    }

    #[test]
    fn comparison_is_exact() {
        let secret = Secret::new("token");
        assert!(secret.ct_eq("token"));
        assert!(!secret.ct_eq("token2"));
        assert!(!secret.ct_eq("tokem"));
        assert!(!secret.ct_eq(""));
    }
}
