//! The orgs a login, callback or logout goes by, cached per isolate, and how an admin
//! change reaches every isolate on its next request.
//!
//! Static orgs change only with a deploy: they come from the copy as is. A stored org
//! (admin API, setup link) comes from the copy only while its **directory** (the per-org
//! object, already on that org's sign-in and logout paths) still carries the **stamp** it
//! carried just before the copy was read: every change of a stored org is written to
//! `SsoState` first, then announced by a new random stamp in the org's directory
//! ([`announce`]), and only then answered. A copy read after the stamp was read is at
//! least as new as the change that stamp announced, so an unchanged stamp means an
//! unchanged org; any other stamp reads the orgs again. What the copy cannot tell — an org
//! it does not know (an unknown id, domain or issuer), which org a third-party login's
//! issuer or "the only org" means — is read again too. So no login of an org goes through
//! `SsoState` while nothing changes, and none uses an org older than the last change that
//! was answered.

use std::collections::HashMap;
use std::rc::Rc;

use super::{random, FlowError, Io, Site};
use crate::config::OrgConfig;
use crate::login::{LoginParams, OrgChoice};
use crate::session::address::{Jurisdiction, StoreAddress};
use crate::session::cookie::{hex, store_name_for_org};
use crate::session::store::{StoreRequest, StoreResponse};

/// Most stamps one isolate remembers (one per stored org seen).
const MAX_STAMPS: usize = 10_000;

/// One isolate's copy of the orgs and, per stored org, the stamp its directory carried
/// just before a copy at most as new as this one was read.
#[derive(Default)]
pub struct OrgCache {
    copy: Option<(u64, Rc<Vec<OrgConfig>>)>,
    reads: u64,
    stamps: HashMap<String, Option<String>>,
}

impl OrgCache {
    /// The copy, if one was read.
    pub fn orgs(&self) -> Option<Rc<Vec<OrgConfig>>> {
        self.copy.as_ref().map(|(_, orgs)| orgs.clone())
    }

    /// Whether the copy of the stored org `id` is current, its directory carrying `stamp` now.
    pub fn is_current(&self, id: &str, stamp: &Option<String>) -> bool {
        self.copy.is_some() && self.stamps.get(id) == Some(stamp)
    }

    /// Numbers a read about to start (reads are kept in the order they started).
    pub fn begin_read(&mut self) -> u64 {
        self.reads += 1;
        self.reads
    }

    /// The orgs read by read `number`, begun after the directory of `seen.0` carried
    /// `seen.1`: kept unless a read begun later was kept already. Answers the copy.
    pub fn read(&mut self, number: u64, orgs: Rc<Vec<OrgConfig>>, seen: Option<(String, Option<String>)>) -> Rc<Vec<OrgConfig>> {
        if self.copy.as_ref().is_none_or(|(kept, _)| *kept < number) {
            self.copy = Some((number, orgs));
        }
        if let Some((id, stamp)) = seen {
            if self.stamps.len() >= MAX_STAMPS {
                self.stamps.clear();
            }
            self.stamps.insert(id, stamp);
        }
        self.orgs().unwrap_or_default()
    }
}

/// Every org, from the isolate's copy; `true` with a copy read just now.
pub(super) async fn cached(io: &impl Io) -> Result<(Rc<Vec<OrgConfig>>, bool), FlowError> {
    if let Some(orgs) = io.org_cache().borrow().orgs() {
        return Ok((orgs, false));
    }
    Ok((read(io, None).await?, true))
}

/// The orgs read now (into the copy).
pub(super) async fn read(io: &impl Io, seen: Option<(String, Option<String>)>) -> Result<Rc<Vec<OrgConfig>>, FlowError> {
    let number = io.org_cache().borrow_mut().begin_read();
    let orgs = io.orgs().await?;
    Ok(io.org_cache().borrow_mut().read(number, orgs, seen))
}

/// The org `id` as in effect now (`None`: there is none).
pub(super) async fn org(io: &impl Io, site: Site<'_>, id: &str) -> Result<Option<OrgConfig>, FlowError> {
    if let Some(org) = site.config.orgs.iter().find(|o| o.id == id) {
        return Ok(Some(org.clone()));
    }
    find(io, site, |orgs| orgs.iter().find(|o| o.id == id)).await
}

/// The org `pick` finds among the orgs in effect now: in the copy, confirmed by its
/// directory's stamp; or, when the copy has none or an older one, in the orgs read now.
pub(super) async fn find(
    io: &impl Io,
    site: Site<'_>,
    pick: impl Fn(&[OrgConfig]) -> Option<&OrgConfig>,
) -> Result<Option<OrgConfig>, FlowError> {
    let (orgs, fresh) = cached(io).await?;
    match pick(&orgs) {
        Some(found) if fresh => Ok(Some(found.clone())),
        Some(found) => Ok(pick(&current(io, site, found).await?).cloned()),
        None if fresh => Ok(None),
        None => Ok(pick(&read(io, None).await?).cloned()),
    }
}

/// The orgs by which a login chooses its org now: the copy when the choice it makes is by
/// `org=` or by the email's domain (a static org's id and domains are never another's; a
/// stored one is confirmed) or asks for the email; else (by `iss=`, or "the only org",
/// or no org found) the orgs read now.
pub(super) async fn for_login(io: &impl Io, site: Site<'_>, params: &LoginParams) -> Result<Rc<Vec<OrgConfig>>, FlowError> {
    let (orgs, fresh) = cached(io).await?;
    if fresh {
        return Ok(orgs);
    }
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let by_id_or_domain = given(&params.org) || (params.issuer.is_none() && given(&params.email));
    match params.choose(&orgs) {
        OrgChoice::InvalidEmail | OrgChoice::AskForEmail => Ok(orgs),
        OrgChoice::Org(org) if by_id_or_domain => current(io, site, org).await,
        OrgChoice::Org(_) | OrgChoice::UnknownDomain | OrgChoice::UnknownOrg | OrgChoice::UnknownIssuer => read(io, None).await,
    }
}

/// Orgs in which `org` (of the copy) is as in effect now: the copy when `org` is static or
/// its stamp is unchanged (one call to its directory), else the orgs read again.
pub(super) async fn current(io: &impl Io, site: Site<'_>, org: &OrgConfig) -> Result<Rc<Vec<OrgConfig>>, FlowError> {
    if site.config.orgs.iter().any(|o| o.id == org.id) {
        let copy = io.org_cache().borrow().orgs();
        return match copy {
            Some(copy) => Ok(copy),
            None => read(io, None).await,
        };
    }
    let stamp = stamp(io, &org.id, org.jurisdiction).await?;
    let cache = io.org_cache();
    if cache.borrow().is_current(&org.id, &stamp) {
        if let Some(copy) = cache.borrow().orgs() {
            return Ok(copy);
        }
    }
    read(io, Some((org.id.clone(), stamp))).await
}

/// Tells every isolate that the stored org `id` (its objects in `jurisdiction`) changed:
/// called after the change is stored, before it is answered.
pub(super) async fn announce(io: &impl Io, id: &str, jurisdiction: Option<Jurisdiction>) -> Result<(), FlowError> {
    let stamp = hex(&random::<16>(io)?);
    let directory = StoreAddress::new(store_name_for_org(&io.store_name_key().await?, id), jurisdiction);
    match io.store(&directory, &StoreRequest::SetOrgStamp { stamp }).await? {
        StoreResponse::Done => Ok(()),
        _ => Err(FlowError::Store("unexpected directory answer".into())),
    }
}

/// [`announce`] in every place the org's directory may be, as far as each can be reached
/// (its jurisdiction is not known any more: a removal repeated after the org was gone, to
/// repair an announcement that failed; an account without a jurisdiction refuses it).
pub(super) async fn announce_everywhere(io: &impl Io, id: &str) {
    let _ = announce(io, id, None).await;
    for jurisdiction in Jurisdiction::ALL {
        let _ = announce(io, id, Some(jurisdiction)).await;
    }
}

async fn stamp(io: &impl Io, id: &str, jurisdiction: Option<Jurisdiction>) -> Result<Option<String>, FlowError> {
    let directory = StoreAddress::new(store_name_for_org(&io.store_name_key().await?, id), jurisdiction);
    match io.store(&directory, &StoreRequest::OrgStamp).await? {
        StoreResponse::OrgStamp { stamp } => Ok(stamp),
        _ => Err(FlowError::Store("unexpected directory answer".into())),
    }
}
