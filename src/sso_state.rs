//! The worker-wide state (the `SsoState` Durable Object, one instance): its typed
//! messages and its rules. It keeps the assertion signing key, generated once and
//! shared by every isolate, and the orgs added through the admin API (strongly
//! consistent, so a change is seen by the next request anywhere).

use serde::{Deserialize, Serialize};

use crate::admin::check_conflicts;
use crate::config::RawOrg;
use crate::jose::AssertionSigningKey;

/// A request to the state object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StateRequest {
    /// The assertion signing key (private JWK), generated on first use.
    SigningKey,
    /// The key that names session stores: the stored one, or `proposed` (derived from
    /// the session secret in effect now) stored for good on first use.
    StoreNameKey {
        /// 64 hex digits.
        proposed: String,
    },
    /// Every stored org.
    ListOrgs,
    /// Store an org, unless another stored org claims one of its domains.
    PutOrg {
        /// The org as written (secret inline).
        org: Box<RawOrg>,
    },
    /// Remove an org.
    DeleteOrg {
        /// Its id.
        id: String,
    },
}

/// The state object's answer.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StateResponse {
    /// Answer to `SigningKey`: the private JWK (a secret: never logged).
    SigningKey {
        /// The JWK.
        jwk: String,
    },
    /// Answer to `StoreNameKey`: 64 hex digits.
    StoreNameKey {
        /// The key, hex.
        key: String,
    },
    /// Answer to `ListOrgs`.
    Orgs {
        /// The stored orgs.
        orgs: Vec<RawOrg>,
    },
    /// Answer to `PutOrg`: stored.
    Stored {
        /// An org of that id was replaced.
        replaced: bool,
    },
    /// Answer to `PutOrg`: another stored org claims one of its domains.
    Conflict {
        /// Which.
        reason: String,
    },
    /// Answer to `DeleteOrg`.
    Deleted {
        /// Whether it existed.
        existed: bool,
    },
    /// The request was invalid or could not be applied.
    Failed {
        /// Short reason (no secrets).
        reason: String,
    },
}

impl std::fmt::Debug for StateResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SigningKey { .. } => f.write_str("SigningKey([redacted])"),
            Self::StoreNameKey { .. } => f.write_str("StoreNameKey([redacted])"),
            Self::Orgs { orgs } => write!(f, "Orgs({} orgs)", orgs.len()),
            Self::Stored { replaced } => write!(f, "Stored {{ replaced: {replaced} }}"),
            Self::Conflict { reason } => write!(f, "Conflict({reason})"),
            Self::Deleted { existed } => write!(f, "Deleted {{ existed: {existed} }}"),
            Self::Failed { reason } => write!(f, "Failed({reason})"),
        }
    }
}

/// A storage failure (its message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

/// What the state object keeps, as the runtime stores it.
#[allow(async_fn_in_trait)]
pub trait StateStorage {
    /// The stored signing key (private JWK), if any.
    async fn signing_key(&self) -> Result<Option<String>, StorageError>;
    /// Stores the signing key.
    async fn set_signing_key(&self, jwk: &str) -> Result<(), StorageError>;
    /// The stored store-name key (hex), if any.
    async fn store_name_key(&self) -> Result<Option<String>, StorageError>;
    /// Stores the store-name key (hex).
    async fn set_store_name_key(&self, key: &str) -> Result<(), StorageError>;
    /// Every stored org (undecodable entries skipped).
    async fn orgs(&self) -> Result<Vec<RawOrg>, StorageError>;
    /// Stores `org` under its id; answers whether one was replaced.
    async fn put_org(&self, org: &RawOrg) -> Result<bool, StorageError>;
    /// Removes the org `id`; answers whether it existed.
    async fn delete_org(&self, id: &str) -> Result<bool, StorageError>;
}

/// Applies one request.
pub async fn apply(storage: &impl StateStorage, request: StateRequest) -> Result<StateResponse, StorageError> {
    Ok(match request {
        StateRequest::StoreNameKey { proposed } => match storage.store_name_key().await? {
            Some(key) => StateResponse::StoreNameKey { key },
            None if proposed.len() == 64 && proposed.bytes().all(|b| b.is_ascii_hexdigit()) => {
                storage.set_store_name_key(&proposed).await?;
                StateResponse::StoreNameKey { key: proposed }
            }
            None => return Err(StorageError("a store-name key is 64 hex digits".into())),
        },
        StateRequest::SigningKey => match storage.signing_key().await? {
            Some(jwk) => StateResponse::SigningKey { jwk },
            None => {
                let key = AssertionSigningKey::generate().map_err(|e| StorageError(e.to_string()))?;
                let jwk = key.to_private_jwk().expose().to_owned();
                storage.set_signing_key(&jwk).await?;
                StateResponse::SigningKey { jwk }
            }
        },
        StateRequest::ListOrgs => StateResponse::Orgs { orgs: storage.orgs().await? },
        StateRequest::PutOrg { org } => {
            let Ok(new) = (*org).clone().validate("org", &|_| None) else {
                return Ok(StateResponse::Failed { reason: "invalid org".into() });
            };
            let others: Vec<_> = storage.orgs().await?.into_iter().filter_map(|o| o.validate("org", &|_| None).ok()).collect();
            match check_conflicts(&new, &others) {
                Err(e) => StateResponse::Conflict { reason: e.to_string() },
                Ok(()) => StateResponse::Stored { replaced: storage.put_org(&org).await? },
            }
        }
        StateRequest::DeleteOrg { id } => StateResponse::Deleted { existed: storage.delete_org(&id).await? },
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::fixtures::run;

    #[derive(Default)]
    struct Memory {
        key: RefCell<Option<String>>,
        store_key: RefCell<Option<String>>,
        orgs: RefCell<BTreeMap<String, RawOrg>>,
    }

    impl StateStorage for Memory {
        async fn signing_key(&self) -> Result<Option<String>, StorageError> {
            Ok(self.key.borrow().clone())
        }
        async fn set_signing_key(&self, jwk: &str) -> Result<(), StorageError> {
            *self.key.borrow_mut() = Some(jwk.to_owned());
            Ok(())
        }
        async fn store_name_key(&self) -> Result<Option<String>, StorageError> {
            Ok(self.store_key.borrow().clone())
        }
        async fn set_store_name_key(&self, key: &str) -> Result<(), StorageError> {
            *self.store_key.borrow_mut() = Some(key.to_owned());
            Ok(())
        }
        async fn orgs(&self) -> Result<Vec<RawOrg>, StorageError> {
            Ok(self.orgs.borrow().values().cloned().collect())
        }
        async fn put_org(&self, org: &RawOrg) -> Result<bool, StorageError> {
            Ok(self.orgs.borrow_mut().insert(org.id.clone(), org.clone()).is_some())
        }
        async fn delete_org(&self, id: &str) -> Result<bool, StorageError> {
            Ok(self.orgs.borrow_mut().remove(id).is_some())
        }
    }

    #[test]
    fn the_first_store_name_key_is_kept_for_good() {
        let storage = Memory::default();
        let ask = |proposed: &str| match run(apply(&storage, StateRequest::StoreNameKey { proposed: proposed.into() })) {
            Ok(StateResponse::StoreNameKey { key }) => key,
            _ => panic!("a key"),
        };
        let first = "a".repeat(64);
        assert_eq!(ask(&first), first);
        assert_eq!(ask(&"b".repeat(64)), first, "a rotated secret proposes another key: the first one stays");
        assert!(run(apply(&Memory::default(), StateRequest::StoreNameKey { proposed: "short".into() })).is_err());
    }

    fn org(id: &str, domain: &str) -> RawOrg {
        let json = serde_json::json!({"id": id, "issuer": "https://idp.test", "client_id": "c", "client_secret": "s", "domains": [domain]});
        serde_json::from_value(json).expect("org")
    }

    #[test]
    fn the_signing_key_is_generated_once_and_kept() {
        let memory = Memory::default();
        let jwk = |r| match r {
            Ok(StateResponse::SigningKey { jwk }) => jwk,
            other => panic!("{other:?}"),
        };
        let first = jwk(run(apply(&memory, StateRequest::SigningKey)));
        assert!(AssertionSigningKey::from_private_jwk(&first).is_ok());
        assert_eq!(jwk(run(apply(&memory, StateRequest::SigningKey))), first);
    }

    #[test]
    fn orgs_are_stored_replaced_listed_and_deleted() {
        let memory = Memory::default();
        let put = |o| run(apply(&memory, StateRequest::PutOrg { org: Box::new(o) }));
        assert!(matches!(put(org("initech", "initech.test")), Ok(StateResponse::Stored { replaced: false })));
        assert!(matches!(put(org("initech", "initech.test")), Ok(StateResponse::Stored { replaced: true })));
        assert!(matches!(put(org("hooli", "initech.test")), Ok(StateResponse::Conflict { .. })), "domain taken");
        assert!(matches!(put(org("Bad Id", "x.test")), Ok(StateResponse::Failed { .. })));
        assert!(matches!(run(apply(&memory, StateRequest::ListOrgs)), Ok(StateResponse::Orgs { orgs }) if orgs.len() == 1));
        let delete = || run(apply(&memory, StateRequest::DeleteOrg { id: "initech".into() }));
        assert!(matches!(delete(), Ok(StateResponse::Deleted { existed: true })));
        assert!(matches!(delete(), Ok(StateResponse::Deleted { existed: false })));
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let text = format!("{:?}", StateResponse::SigningKey { jwk: "{\"d\":\"secret\"}".into() });
        assert!(!text.contains("secret"));
    }
}
