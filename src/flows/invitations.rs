//! Setup links from the operator's side (`/_sso/admin/invitations…` and the console):
//! create one (a 256-bit token, only its hash kept), list the pending ones, withdraw one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::{random, FlowError, Io, OrgDirectory, Site};
use crate::admin::AdminError;
use crate::setup::{setup_url, token_hash, DomainChallenge, Invitation, InvitationSummary, NewInvitation, Progress};
use crate::sso_state::{StateRequest, StateResponse};

/// A setup link just created: the only time its URL is shown.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreatedInvitation {
    /// Org id.
    pub org: String,
    /// `{base_url}/_sso/setup/{token}`.
    pub url: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// Why an invitation call failed.
#[derive(Debug, PartialEq, Eq)]
pub enum InvitationFailure {
    /// Refused (`400`, `409`).
    Refused(AdminError),
    /// No such pending invitation (`404`).
    NotFound,
    /// The state object failed.
    Failed(FlowError),
}

impl From<FlowError> for InvitationFailure {
    fn from(e: FlowError) -> Self {
        Self::Failed(e)
    }
}

/// Creates a setup link for `new`, unless its org exists or a domain is claimed (`409`).
pub async fn create_invitation(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    new: NewInvitation,
) -> Result<CreatedInvitation, InvitationFailure> {
    let conflict = |reason: String| InvitationFailure::Refused(AdminError::Conflict(reason));
    for org in &site.config.orgs {
        if org.id == new.org {
            return Err(conflict(format!("org {:?} is defined by the static configuration", org.id)));
        }
        if let Some(d) = new.domains.iter().find(|d| org.domains.contains(d)) {
            return Err(conflict(format!("domain {d:?} is claimed by org {:?}", org.id)));
        }
    }
    let token = URL_SAFE_NO_PAD.encode(random::<32>(io)?);
    let mut challenges = Vec::with_capacity(new.domains.len());
    for d in &new.domains {
        challenges.push(DomainChallenge::new(d, &random::<16>(io)?));
    }
    let now = io.now();
    let invitation = Invitation {
        org: new.org.clone(),
        domains: new.domains,
        default_projects: new.default_projects,
        token_hash: token_hash(&token),
        created_at: now,
        expires_at: now.saturating_add(new.expires_in_secs),
        challenges,
        progress: Progress::default(),
        jurisdiction: new.jurisdiction.map(|j| j.as_str().to_owned()),
    };
    let expires_at = invitation.expires_at;
    match io.state(StateRequest::CreateInvitation { invitation: Box::new(invitation), now }).await? {
        StateResponse::Stored { .. } => Ok(CreatedInvitation { org: new.org, url: setup_url(site.base_url, &token), expires_at }),
        StateResponse::Conflict { reason } => Err(conflict(reason)),
        other => Err(FlowError::Store(format!("unexpected state answer {other:?}")).into()),
    }
}

/// The pending setup links (never their tokens).
pub async fn pending_invitations(io: &(impl Io + OrgDirectory)) -> Result<Vec<InvitationSummary>, FlowError> {
    match io.state(StateRequest::ListInvitations { now: io.now() }).await? {
        StateResponse::Invitations { invitations } => Ok(invitations.iter().map(InvitationSummary::new).collect()),
        other => Err(FlowError::Store(format!("unexpected state answer {other:?}"))),
    }
}

/// Withdraws the setup link of `org`.
pub async fn withdraw_invitation(io: &impl OrgDirectory, org: &str) -> Result<(), InvitationFailure> {
    if !crate::config::is_org_id(org) {
        return Err(InvitationFailure::NotFound);
    }
    match io.state(StateRequest::DeleteInvitation { org: org.to_owned() }).await? {
        StateResponse::Deleted { existed: true } => Ok(()),
        StateResponse::Deleted { existed: false } => Err(InvitationFailure::NotFound),
        other => Err(FlowError::Store(format!("unexpected state answer {other:?}")).into()),
    }
}
