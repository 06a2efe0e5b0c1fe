//! The worker-wide state (the `SsoState` Durable Object, one instance): its typed
//! messages and its rules. It keeps the assertion signing key, generated once and
//! shared by every isolate, and the orgs added through the admin API (strongly
//! consistent, so a change is seen by the next request anywhere), the pending setup
//! links and the domain verification of the orgs they created.

use serde::{Deserialize, Serialize};

use crate::admin::check_conflicts;
use crate::config::{OrgConfig, RawOrg};
use crate::jose::AssertionSigningKey;
use crate::setup::{DomainChallenge, Invitation, Step};

const INVITE_PREFIX: &str = "invite:";
const CLAIMS_PREFIX: &str = "claims:";

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
    /// Remove an org (and its domain claims).
    DeleteOrg {
        /// Its id.
        id: String,
    },
    /// Store a new setup link, unless its org or one of its domains is taken.
    CreateInvitation {
        /// The invitation.
        invitation: Box<Invitation>,
        /// Unix seconds (expired invitations are dropped first).
        now: u64,
    },
    /// Save the progress of a live setup link (the token hash must match).
    UpdateInvitation {
        /// The invitation with its new progress.
        invitation: Box<Invitation>,
        /// Unix seconds.
        now: u64,
    },
    /// The live setup links.
    ListInvitations {
        /// Unix seconds.
        now: u64,
    },
    /// The live setup link with this token hash.
    FindInvitation {
        /// Hex SHA-256 of the token.
        token_hash: String,
        /// Unix seconds.
        now: u64,
    },
    /// Withdraw the setup link of an org.
    DeleteInvitation {
        /// Its org id.
        org: String,
    },
    /// In one step: store the org of a ready setup link with its domain claims and
    /// spend the link.
    Activate {
        /// Hex SHA-256 of the token.
        token_hash: String,
        /// Unix seconds.
        now: u64,
    },
    /// Replace the domain claims of a stored org.
    SetClaims {
        /// The org id.
        org: String,
        /// Its claims.
        claims: Vec<DomainChallenge>,
    },
}

/// The domain claims of an org created through a setup link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrgClaims {
    /// Org id.
    pub org: String,
    /// One per domain.
    pub challenges: Vec<DomainChallenge>,
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
        /// Domain claims of the orgs that have them.
        #[serde(default)]
        claims: Vec<OrgClaims>,
    },
    /// Answer to `ListInvitations`.
    Invitations {
        /// The live ones.
        invitations: Vec<Invitation>,
    },
    /// Answer to `FindInvitation`.
    Invitation {
        /// The live invitation, if any.
        invitation: Option<Box<Invitation>>,
    },
    /// The setup link is gone (used, withdrawn, expired) or not ready.
    Gone,
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
            Self::Orgs { orgs, .. } => write!(f, "Orgs({} orgs)", orgs.len()),
            Self::Invitations { invitations } => write!(f, "Invitations({})", invitations.len()),
            Self::Invitation { invitation } => write!(f, "Invitation({:?})", invitation.as_ref().map(|i| &i.org)),
            Self::Gone => f.write_str("Gone"),
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
    /// A freshly generated ES256 private JWK (WebCrypto in the worker, RustCrypto natively).
    async fn new_signing_key(&self) -> Result<String, StorageError>;
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
    /// Every record (JSON text) whose key starts with `prefix`.
    async fn records(&self, prefix: &str) -> Result<Vec<String>, StorageError>;
    /// Stores a record (JSON text) under `key`.
    async fn put_record(&self, key: &str, json: &str) -> Result<(), StorageError>;
    /// Removes the record `key`; answers whether it existed.
    async fn delete_record(&self, key: &str) -> Result<bool, StorageError>;
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
                let key =
                    AssertionSigningKey::from_private_jwk(&storage.new_signing_key().await?).map_err(|e| StorageError(e.to_string()))?;
                let jwk = key.to_private_jwk().expose().to_owned();
                storage.set_signing_key(&jwk).await?;
                StateResponse::SigningKey { jwk }
            }
        },
        StateRequest::ListOrgs => StateResponse::Orgs { orgs: storage.orgs().await?, claims: records(storage, CLAIMS_PREFIX).await? },
        StateRequest::PutOrg { org } => {
            let Ok(new) = (*org).clone().validate("org", &|_| None) else {
                return Ok(StateResponse::Failed { reason: "invalid org".into() });
            };
            let others: Vec<_> = storage.orgs().await?.into_iter().filter_map(|o| o.validate("org", &|_| None).ok()).collect();
            if let Some(old) = others.iter().find(|o| o.id == new.id && o.jurisdiction != new.jurisdiction) {
                return Ok(StateResponse::Conflict { reason: jurisdiction_change(old) });
            }
            match check_conflicts(&new, &others) {
                Err(e) => StateResponse::Conflict { reason: e.to_string() },
                Ok(()) => StateResponse::Stored { replaced: storage.put_org(&org).await? },
            }
        }
        StateRequest::DeleteOrg { id } => {
            storage.delete_record(&format!("{CLAIMS_PREFIX}{id}")).await?;
            StateResponse::Deleted { existed: storage.delete_org(&id).await? }
        }
        StateRequest::CreateInvitation { invitation, now } => {
            let live = live_invitations(storage, now).await?;
            let orgs = valid_orgs(storage).await?;
            match invitation_conflict(&invitation, &orgs, &live) {
                Some(reason) => StateResponse::Conflict { reason },
                None => {
                    put(storage, &format!("{INVITE_PREFIX}{}", invitation.org), &invitation).await?;
                    StateResponse::Stored { replaced: false }
                }
            }
        }
        StateRequest::UpdateInvitation { invitation, now } => {
            let live = live_invitations(storage, now).await?;
            if !live.iter().any(|i| i.org == invitation.org && i.token_hash == invitation.token_hash) {
                return Ok(StateResponse::Gone);
            }
            put(storage, &format!("{INVITE_PREFIX}{}", invitation.org), &invitation).await?;
            StateResponse::Stored { replaced: true }
        }
        StateRequest::ListInvitations { now } => StateResponse::Invitations { invitations: live_invitations(storage, now).await? },
        StateRequest::FindInvitation { token_hash, now } => StateResponse::Invitation {
            invitation: live_invitations(storage, now).await?.into_iter().find(|i| i.token_hash == token_hash).map(Box::new),
        },
        StateRequest::DeleteInvitation { org } => {
            StateResponse::Deleted { existed: storage.delete_record(&format!("{INVITE_PREFIX}{org}")).await? }
        }
        StateRequest::Activate { token_hash, now } => activate(storage, &token_hash, now).await?,
        StateRequest::SetClaims { org, claims } => {
            put(storage, &format!("{CLAIMS_PREFIX}{org}"), &OrgClaims { org: org.clone(), challenges: claims }).await?;
            StateResponse::Stored { replaced: true }
        }
    })
}

/// Stores the org of a ready invitation with its claims, and spends the invitation.
async fn activate(storage: &impl StateStorage, token_hash: &str, now: u64) -> Result<StateResponse, StorageError> {
    let live = live_invitations(storage, now).await?;
    let Some(invitation) = live.iter().find(|i| i.token_hash == token_hash && i.step() == Step::ReadyToActivate) else {
        return Ok(StateResponse::Gone);
    };
    let Some(raw) = invitation.org() else { return Ok(StateResponse::Gone) };
    let Ok(org) = raw.clone().validate("org", &|_| None) else { return Ok(StateResponse::Gone) };
    let others = valid_orgs(storage).await?;
    if others.iter().any(|o| o.id == org.id) {
        return Ok(StateResponse::Conflict { reason: format!("org {:?} exists", org.id) });
    }
    if let Err(e) = check_conflicts(&org, &others) {
        return Ok(StateResponse::Conflict { reason: e.to_string() });
    }
    let claims = OrgClaims { org: org.id.clone(), challenges: invitation.challenges.clone() };
    put(storage, &format!("{CLAIMS_PREFIX}{}", org.id), &claims).await?;
    storage.put_org(&raw).await?;
    storage.delete_record(&format!("{INVITE_PREFIX}{}", org.id)).await?;
    Ok(StateResponse::Stored { replaced: false })
}

/// Why `new` cannot be created: its org exists or is invited, or a domain is taken.
fn invitation_conflict(new: &Invitation, orgs: &[OrgConfig], live: &[Invitation]) -> Option<String> {
    if orgs.iter().any(|o| o.id == new.org) || live.iter().any(|i| i.org == new.org) {
        return Some(format!("org {:?} already exists or has a pending setup link", new.org));
    }
    let claimed = |d: &String| orgs.iter().find(|o| o.domains.contains(d)).map(|o| o.id.clone());
    let invited = |d: &String| live.iter().find(|i| i.domains.contains(d)).map(|i| i.org.clone());
    new.domains.iter().find_map(|d| claimed(d).or_else(|| invited(d)).map(|by| format!("domain {d:?} is claimed by org {by:?}")))
}

async fn valid_orgs(storage: &impl StateStorage) -> Result<Vec<OrgConfig>, StorageError> {
    Ok(storage.orgs().await?.into_iter().filter_map(|o| o.validate("org", &|_| None).ok()).collect())
}

/// The live invitations; expired ones are deleted on the way.
async fn live_invitations(storage: &impl StateStorage, now: u64) -> Result<Vec<Invitation>, StorageError> {
    let mut live = Vec::new();
    for inv in records::<Invitation>(storage, INVITE_PREFIX).await? {
        if now < inv.expires_at {
            live.push(inv);
        } else {
            storage.delete_record(&format!("{INVITE_PREFIX}{}", inv.org)).await?;
        }
    }
    Ok(live)
}

async fn records<T: serde::de::DeserializeOwned>(storage: &impl StateStorage, prefix: &str) -> Result<Vec<T>, StorageError> {
    Ok(storage.records(prefix).await?.iter().filter_map(|json| serde_json::from_str(json).ok()).collect())
}

async fn put<T: Serialize>(storage: &impl StateStorage, key: &str, value: &T) -> Result<(), StorageError> {
    let json = serde_json::to_string(value).map_err(|e| StorageError(e.to_string()))?;
    storage.put_record(key, &json).await
}

/// Why a stored org cannot move: its objects (sessions, directory) stay where they are,
/// so it is removed (which ends its sessions) and added again instead.
fn jurisdiction_change(old: &OrgConfig) -> String {
    let place = old.jurisdiction.map_or("no jurisdiction", |j| j.as_str());
    format!(
        "org {:?} lives in {place:?}: its jurisdiction cannot change while it exists (DELETE it, which ends its sessions, then PUT it again)",
        old.id
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::fixtures::run;

    /// The state object's storage, in memory (also the flows' fake).
    #[derive(Default)]
    pub(crate) struct Memory {
        key: RefCell<Option<String>>,
        store_key: RefCell<Option<String>>,
        orgs: RefCell<BTreeMap<String, RawOrg>>,
        records: RefCell<BTreeMap<String, String>>,
    }

    impl StateStorage for Memory {
        async fn signing_key(&self) -> Result<Option<String>, StorageError> {
            Ok(self.key.borrow().clone())
        }
        async fn set_signing_key(&self, jwk: &str) -> Result<(), StorageError> {
            *self.key.borrow_mut() = Some(jwk.to_owned());
            Ok(())
        }
        async fn new_signing_key(&self) -> Result<String, StorageError> {
            let key = AssertionSigningKey::generate().map_err(|e| StorageError(e.to_string()))?;
            Ok(key.to_private_jwk().expose().to_owned())
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
        async fn records(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
            Ok(self.records.borrow().iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, v)| v.clone()).collect())
        }
        async fn put_record(&self, key: &str, json: &str) -> Result<(), StorageError> {
            self.records.borrow_mut().insert(key.to_owned(), json.to_owned());
            Ok(())
        }
        async fn delete_record(&self, key: &str) -> Result<bool, StorageError> {
            Ok(self.records.borrow_mut().remove(key).is_some())
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
        assert!(matches!(run(apply(&memory, StateRequest::ListOrgs)), Ok(StateResponse::Orgs { orgs, .. }) if orgs.len() == 1));
        let delete = || run(apply(&memory, StateRequest::DeleteOrg { id: "initech".into() }));
        assert!(matches!(delete(), Ok(StateResponse::Deleted { existed: true })));
        assert!(matches!(delete(), Ok(StateResponse::Deleted { existed: false })));
    }

    #[test]
    fn a_stored_orgs_jurisdiction_cannot_change_while_it_exists() {
        let memory = Memory::default();
        let put = |o| run(apply(&memory, StateRequest::PutOrg { org: Box::new(o) }));
        let in_eu = |mut o: RawOrg| {
            o.jurisdiction = Some("eu".into());
            o
        };
        assert!(matches!(put(in_eu(org("initech", "initech.test"))), Ok(StateResponse::Stored { replaced: false })));
        assert!(matches!(put(in_eu(org("initech", "initech.test"))), Ok(StateResponse::Stored { replaced: true })), "same place");
        match put(org("initech", "initech.test")) {
            Ok(StateResponse::Conflict { reason }) => assert!(reason.contains("jurisdiction cannot change"), "{reason}"),
            _ => panic!("moving out of the EU must be refused"),
        }
        run(apply(&memory, StateRequest::DeleteOrg { id: "initech".into() })).unwrap();
        assert!(matches!(put(org("initech", "initech.test")), Ok(StateResponse::Stored { replaced: false })), "removed, then re-added");
        assert!(matches!(put(in_eu(org("initech", "initech.test"))), Ok(StateResponse::Conflict { .. })), "nor into it");
    }

    fn invitation(org: &str, domain: &str, token: &str) -> Invitation {
        Invitation {
            org: org.into(),
            domains: vec![domain.into()],
            default_projects: vec![],
            token_hash: crate::setup::token_hash(token),
            created_at: 0,
            expires_at: 100,
            challenges: vec![DomainChallenge::new(domain, &[1; 16])],
            progress: crate::setup::Progress::default(),
            jurisdiction: None,
        }
    }

    #[test]
    fn invitations_conflict_with_orgs_and_each_other_and_expire() {
        let memory = Memory::default();
        run(apply(&memory, StateRequest::PutOrg { org: Box::new(org("acme", "acme.test")) })).unwrap();
        let create = |i, now| run(apply(&memory, StateRequest::CreateInvitation { invitation: Box::new(i), now }));
        assert!(matches!(create(invitation("acme", "x.test", "t0"), 1), Ok(StateResponse::Conflict { .. })), "org exists");
        assert!(matches!(create(invitation("new", "acme.test", "t0"), 1), Ok(StateResponse::Conflict { .. })), "domain of an org");
        assert!(matches!(create(invitation("initech", "initech.test", "t1"), 1), Ok(StateResponse::Stored { .. })));
        assert!(matches!(create(invitation("other", "initech.test", "t2"), 1), Ok(StateResponse::Conflict { .. })), "invited");
        let find = |t: &str, now| run(apply(&memory, StateRequest::FindInvitation { token_hash: crate::setup::token_hash(t), now }));
        assert!(matches!(find("t1", 99), Ok(StateResponse::Invitation { invitation: Some(_) })));
        assert!(matches!(find("t2", 99), Ok(StateResponse::Invitation { invitation: None })));
        assert!(matches!(find("t1", 100), Ok(StateResponse::Invitation { invitation: None })), "expired");
        assert!(
            matches!(create(invitation("initech", "initech.test", "t3"), 100), Ok(StateResponse::Stored { .. })),
            "expired one is gone"
        );
    }

    #[test]
    fn activation_needs_a_ready_invitation_stores_the_org_with_its_claims_and_spends_the_link() {
        let memory = Memory::default();
        let mut inv = invitation("initech", "initech.test", "t1");
        run(apply(&memory, StateRequest::CreateInvitation { invitation: Box::new(inv.clone()), now: 1 })).unwrap();
        let activate = || run(apply(&memory, StateRequest::Activate { token_hash: crate::setup::token_hash("t1"), now: 2 }));
        assert!(matches!(activate(), Ok(StateResponse::Gone)), "not ready");
        inv.progress.credentials = Some(crate::setup::Credentials {
            issuer: "https://idp.test".into(),
            client_id: "c".into(),
            client_secret: crate::secret::StoredSecret::new("s"),
        });
        inv.progress.tested_by = Some("erin@initech.test".into());
        inv.challenges[0].verified_at = Some(2);
        let update = |i: Invitation| run(apply(&memory, StateRequest::UpdateInvitation { invitation: Box::new(i), now: 2 }));
        let mut forged = inv.clone();
        forged.token_hash = crate::setup::token_hash("forged");
        assert!(matches!(update(forged), Ok(StateResponse::Gone)));
        assert!(matches!(update(inv), Ok(StateResponse::Stored { .. })));
        assert!(matches!(activate(), Ok(StateResponse::Stored { .. })));
        assert!(matches!(activate(), Ok(StateResponse::Gone)), "spent");
        let Ok(StateResponse::Orgs { orgs, claims }) = run(apply(&memory, StateRequest::ListOrgs)) else { panic!("list") };
        assert_eq!((orgs.len(), claims.len()), (1, 1));
        assert!(claims[0].challenges[0].verified_at.is_some());
        run(apply(&memory, StateRequest::DeleteOrg { id: "initech".into() })).unwrap();
        assert!(matches!(run(apply(&memory, StateRequest::ListOrgs)), Ok(StateResponse::Orgs { claims, .. }) if claims.is_empty()));
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let text = format!("{:?}", StateResponse::SigningKey { jwk: "{\"d\":\"secret\"}".into() });
        assert!(!text.contains("secret"));
    }
}
