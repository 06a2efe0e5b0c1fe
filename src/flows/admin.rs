//! The admin API (`/_sso/admin/orgs…`, `/_sso/admin/invitations…`): onboard, list and
//! remove orgs and setup links without a redeploy. Enabled only with an admin token, compared in constant time; a new org's
//! issuer and client credentials are checked before it is stored.

use super::invitations::{create_invitation, pending_invitations, withdraw_invitation, CreatedInvitation, InvitationFailure};
use super::orgs::{announce, announce_everywhere};
use super::{FlowError, Io, Site, Traced, IDP_TIMEOUT_MS};
use crate::admin::{check_conflicts, is_authorized, parse_org_body, AdminApi, AdminError, OnboardingUris, OrgSummary};
use crate::config::{is_org_id, OrgConfig, RawOrg};
use crate::oidc::discovery::{discovery_url, parse_provider_metadata, MAX_DISCOVERY_BYTES};
use crate::oidc::token::token_request;
use crate::oidc::{IdpError, OutgoingRequest};
use crate::routes::AdminCall;
use crate::session::address::Jurisdiction;
use crate::session::store::StoreRequest;
use crate::setup::{parse_invitation, InvitationSummary};
use crate::sso_state::{StateRequest, StateResponse};

/// The orgs stored through the admin API (the adapter keeps them strongly consistent).
#[allow(async_fn_in_trait)]
pub trait OrgDirectory {
    /// Every stored org, as written.
    async fn stored_orgs(&self) -> Result<Vec<RawOrg>, FlowError>;
    /// Stores `org` (replacing one of the same id); `Err(Ok(reason))` when another stored
    /// org claims one of its domains.
    async fn put_org(&self, org: &RawOrg) -> Result<(), Result<String, FlowError>>;
    /// Removes the org `id`; answers whether it existed.
    async fn delete_org(&self, id: &str) -> Result<bool, FlowError>;
    /// Any other message to the state object (setup links, domain claims); a `Failed`
    /// answer is an error.
    async fn state(&self, request: StateRequest) -> Result<StateResponse, FlowError>;
}

/// A successful admin call.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminAnswer {
    /// Every org, static and stored.
    Orgs(Vec<OrgSummary>),
    /// The org was stored: the values to register at the IdP.
    Onboarded(OnboardingUris),
    /// The org and everything its store held are gone.
    Deleted(String),
    /// A setup link was created (`201`).
    Invited(CreatedInvitation),
    /// The pending setup links.
    Invitations(Vec<InvitationSummary>),
    /// The setup link of this org was withdrawn.
    Withdrawn(String),
}

/// Why an admin call failed.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminFailure {
    /// No admin token is configured: the API does not exist (`404`).
    Disabled,
    /// The admin token is shorter than 32 bytes: the API stays off (`404`), and the
    /// adapter logs why.
    TokenTooShort,
    /// The bearer token is missing or wrong (`401`).
    Unauthorized,
    /// No such route or org (`404`).
    NotFound(&'static str),
    /// The body is missing or too large (`400`).
    NoBody,
    /// The org was refused (`400`, `409`, `422`).
    Refused(AdminError),
    /// The state object or the store failed.
    Failed(FlowError),
}

impl From<FlowError> for AdminFailure {
    fn from(e: FlowError) -> Self {
        Self::Failed(e)
    }
}

impl From<InvitationFailure> for AdminFailure {
    fn from(f: InvitationFailure) -> Self {
        match f {
            InvitationFailure::Refused(e) => Self::Refused(e),
            InvitationFailure::NotFound => Self::NotFound("no pending setup link for this org"),
            InvitationFailure::Failed(e) => Self::Failed(e),
        }
    }
}

impl From<AdminError> for AdminFailure {
    fn from(e: AdminError) -> Self {
        Self::Refused(e)
    }
}

/// One admin call: `authorization` is the request's header, `body` the bounded body of a `PUT`.
pub async fn admin(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    api: &AdminApi,
    authorization: Option<&str>,
    call: AdminCall<'_>,
    body: Option<&[u8]>,
) -> Traced<AdminAnswer, AdminFailure> {
    let org = match call {
        AdminCall::PutOrg(id) | AdminCall::DeleteOrg(id) | AdminCall::WithdrawInvitation(id) if is_org_id(id) => Some(id.to_owned()),
        _ => None,
    };
    let token = match api {
        AdminApi::Enabled(token) => token,
        AdminApi::Disabled => return Traced { org, result: Err(AdminFailure::Disabled) },
        AdminApi::TokenTooShort => return Traced { org, result: Err(AdminFailure::TokenTooShort) },
    };
    // `Bearer` in any case (RFC 9110 §11.1), the token in constant time.
    if !is_authorized(token, authorization) {
        return Traced { org, result: Err(AdminFailure::Unauthorized) };
    }
    let result = match call {
        AdminCall::ListOrgs => list(io, site).await,
        AdminCall::PutOrg(id) => match body {
            Some(body) => put(io, site, id, body).await,
            None => Err(AdminFailure::NoBody),
        },
        AdminCall::DeleteOrg(id) => delete(io, site, id).await,
        AdminCall::CreateInvitation => match body.map(parse_invitation) {
            Some(Ok(new)) => create_invitation(io, site, new).await.map(AdminAnswer::Invited).map_err(AdminFailure::from),
            Some(Err(e)) => Err(e.into()),
            None => Err(AdminFailure::NoBody),
        },
        AdminCall::ListInvitations => pending_invitations(io).await.map(AdminAnswer::Invitations).map_err(AdminFailure::from),
        AdminCall::WithdrawInvitation(org) => {
            withdraw_invitation(io, org).await.map(|()| AdminAnswer::Withdrawn(org.to_owned())).map_err(AdminFailure::from)
        }
        AdminCall::Unknown => Err(AdminFailure::NotFound("No such admin route.")),
    };
    Traced { org, result }
}

async fn list(io: &(impl Io + OrgDirectory), site: Site<'_>) -> Result<AdminAnswer, AdminFailure> {
    let mut out: Vec<OrgSummary> = site.config.orgs.iter().map(|o| OrgSummary::new(o, "static")).collect();
    for raw in io.stored_orgs().await? {
        if let Ok(org) = raw.validate("stored org", &|_| None) {
            out.push(OrgSummary::new(&org, "stored"));
        }
    }
    Ok(AdminAnswer::Orgs(out))
}

async fn put(io: &(impl Io + OrgDirectory), site: Site<'_>, id: &str, body: &[u8]) -> Result<AdminAnswer, AdminFailure> {
    let (raw, org) = parse_org_body(id, body)?;
    let statics = &site.config.orgs;
    if statics.iter().any(|o| o.id == org.id) {
        return Err(AdminError::Conflict(format!("org {:?} is defined by the static configuration", org.id)).into());
    }
    check_conflicts(&org, statics)?;
    verify_provider(io, &org).await?;
    match io.put_org(&raw).await {
        Ok(()) => {
            // Every isolate's next request sees it (see `flows::orgs`).
            announce(io, &org.id, org.jurisdiction).await?;
            Ok(AdminAnswer::Onboarded(OnboardingUris::new(&org.id, site.base_url)))
        }
        Err(Ok(conflict)) => Err(AdminError::Conflict(conflict).into()),
        Err(Err(e)) => Err(e.into()),
    }
}

/// The jurisdiction of the stored org `id` (`None`: none, or no such org).
pub(super) async fn stored_jurisdiction(io: &impl OrgDirectory, id: &str) -> Result<Option<Jurisdiction>, FlowError> {
    let stored = io.stored_orgs().await?;
    Ok(stored.iter().find(|o| o.id == id).and_then(|o| o.jurisdiction.as_deref()).and_then(Jurisdiction::parse))
}

/// Fetches the issuer's discovery document (its `issuer` must match) and checks the
/// client credentials at the token endpoint with a code that cannot exist: an
/// `invalid_client` answer means the id or secret is wrong.
pub(super) async fn verify_provider(io: &impl Io, org: &OrgConfig) -> Result<(), AdminError> {
    let request = OutgoingRequest {
        method: "GET",
        url: discovery_url(&org.issuer),
        headers: vec![("accept".into(), "application/json".into())],
        body: None,
    };
    let resp = io
        .send(&request, IDP_TIMEOUT_MS, MAX_DISCOVERY_BYTES)
        .await
        .map_err(|_| AdminError::Unverifiable("the issuer cannot be reached".into()))?;
    if resp.status != 200 {
        return Err(AdminError::Unverifiable(format!("the issuer's discovery document answered {}", resp.status)));
    }
    let meta = parse_provider_metadata(&resp.body, &org.issuer).map_err(|e| match e {
        IdpError::Misbehaving(r) | IdpError::Unreachable(r) => AdminError::Unverifiable(r),
    })?;
    let probe = token_request(
        &meta.token_endpoint,
        org,
        "edge-sso-credential-check",
        "https://edge-sso.invalid/_sso/callback",
        "edge-sso-credential-check-verifier-0000000000",
    );
    if let Ok(resp) = io.send(&probe, IDP_TIMEOUT_MS, 16 * 1024).await {
        let error = serde_json::from_slice::<serde_json::Value>(&resp.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        if resp.status == 401 || error.as_deref() == Some("invalid_client") {
            return Err(AdminError::Unverifiable("the identity provider rejected the client id or secret".into()));
        }
    }
    Ok(())
}

async fn delete(io: &(impl Io + OrgDirectory), site: Site<'_>, id: &str) -> Result<AdminAnswer, AdminFailure> {
    if site.config.orgs.iter().any(|o| o.id == id) {
        return Err(AdminError::Conflict(format!("org {id:?} is defined by the static configuration")).into());
    }
    if !is_org_id(id) {
        return Err(AdminFailure::NotFound("no such org"));
    }
    // Its jurisdiction says where its objects are.
    let jurisdiction = stored_jurisdiction(io, id).await?;
    if !io.delete_org(id).await? {
        // Gone already, maybe by a removal that stopped part way (an announcement or a
        // user's object that failed, answered 503): its retry finishes it, then answers
        // as for any org that does not exist.
        announce_everywhere(io, id).await;
        end_everything_everywhere(io, id).await?;
        return Err(AdminFailure::NotFound("no such org"));
    }
    announce(io, id, jurisdiction).await?;
    end_everything(io, id, jurisdiction).await?;
    Ok(AdminAnswer::Deleted(id.to_owned()))
}

/// The end of a removed org's data where its objects live: every user's object ends its
/// sessions, then the directory forgets the org. Each step may be repeated.
async fn end_everything(io: &impl Io, id: &str, jurisdiction: Option<Jurisdiction>) -> Result<(), FlowError> {
    super::revocation::revoke_everyone(io, id, jurisdiction).await?;
    io.store(&super::directory_of(io, id, jurisdiction).await?, &StoreRequest::Purge).await?;
    Ok(())
}

/// [`end_everything`] for an org whose jurisdiction is no longer known: in the default place
/// (a failure there fails the call, so it is retried), and in each jurisdiction as far as
/// it can be reached (an account without jurisdictions refuses them).
async fn end_everything_everywhere(io: &impl Io, id: &str) -> Result<(), FlowError> {
    end_everything(io, id, None).await?;
    for jurisdiction in Jurisdiction::ALL {
        let _ = end_everything(io, id, Some(jurisdiction)).await;
    }
    Ok(())
}
