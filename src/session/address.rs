//! Where a `SessionStore` object lives: its opaque name and the Durable Object
//! jurisdiction of its org (`eu`, `fedramp`), in which it is created and always addressed.

/// A Durable Object jurisdiction: an org's objects are created, run and stored only
/// inside it (`orgs[].jurisdiction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Jurisdiction {
    /// The European Union.
    Eu,
    /// FedRAMP-compliant data centers.
    Fedramp,
}

impl Jurisdiction {
    /// Every jurisdiction an org may name.
    pub const ALL: [Self; 2] = [Self::Eu, Self::Fedramp];

    /// The name Cloudflare gives it (`namespace.jurisdiction(name)`), as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eu => "eu",
            Self::Fedramp => "fedramp",
        }
    }

    /// The jurisdiction named exactly `name` (`eu`, `fedramp`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == name)
    }

    /// Its one-byte code in the session cookie.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Eu => 1,
            Self::Fedramp => 2,
        }
    }

    /// The jurisdiction of a cookie's code.
    pub(crate) fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.code() == code)
    }
}

/// One `SessionStore` object: a user's, a login state's or an org's directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreAddress {
    /// Its name (a keyed MAC, see [`crate::session::cookie`]).
    pub name: String,
    /// Its org's jurisdiction; `None`: wherever Cloudflare places it.
    pub jurisdiction: Option<Jurisdiction>,
}

impl StoreAddress {
    /// The object `name` in `jurisdiction`.
    pub fn new(name: String, jurisdiction: Option<Jurisdiction>) -> Self {
        Self { name, jurisdiction }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jurisdictions_parse_by_their_exact_name_and_code() {
        for j in Jurisdiction::ALL {
            assert_eq!(Jurisdiction::parse(j.as_str()), Some(j));
            assert_eq!(Jurisdiction::from_code(j.code()), Some(j));
        }
        for bad in ["", "EU", "us", "eu ", "fedRAMP"] {
            assert_eq!(Jurisdiction::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Jurisdiction::from_code(0), None);
        assert_eq!(Jurisdiction::from_code(3), None);
    }
}
