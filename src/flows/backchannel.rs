//! OpenID Connect Back-Channel Logout (`POST /_sso/backchannel-logout`): the logout
//! token is parsed once, verified with the keys of each org of its issuer, and its
//! `sid`/`sub` chooses the sessions: the org's directory checks the `jti` and finds the
//! users, their objects end the sessions.

use super::revocation::{revoke_users, Revoked};
use super::signature::verify_signature;
use super::{FlowError, Io, Site, Traced};
use crate::config::OrgConfig;
use crate::jose::UntrustedJwt;
use crate::logout::backchannel::{logout_token_from_form, BackchannelError, LogoutTokenClaims};
use crate::session::store::{OnceKind, OnceValue, RevokeTarget};

/// Why a logout request was not honoured.
#[derive(Debug, PartialEq, Eq)]
pub enum BackchannelFailure {
    /// The request or token breaks the rules (the IdP must not retry), with detail for the log.
    Refused(BackchannelError, Option<String>),
    /// The IdP's keys or the store could not be used (the IdP may retry).
    Failed(FlowError),
}

impl From<BackchannelError> for BackchannelFailure {
    fn from(e: BackchannelError) -> Self {
        Self::Refused(e, None)
    }
}

impl From<FlowError> for BackchannelFailure {
    fn from(e: FlowError) -> Self {
        Self::Failed(e)
    }
}

/// Handles a logout request whose form body is `body` (`None`: missing or too large);
/// answers how many sessions ended.
pub async fn backchannel_logout(io: &impl Io, site: Site<'_>, body: Option<&[u8]>) -> Traced<u64, BackchannelFailure> {
    let mut org = None;
    let result = revoke(io, site, body, &mut org).await;
    Traced { org, result }
}

async fn revoke(io: &impl Io, site: Site<'_>, body: Option<&[u8]>, org_seen: &mut Option<String>) -> Result<u64, BackchannelFailure> {
    let token = logout_token_from_form(body.ok_or(BackchannelError::MissingToken)?)?;
    let token = UntrustedJwt::parse(&token).map_err(|_| BackchannelError::Unverified)?;
    let issuer = token.unverified_issuer().ok_or(BackchannelError::Unverified)?;
    let mut last = BackchannelFailure::Refused(BackchannelError::Claims("iss"), None);
    // The orgs of the issuer in the isolate's copy, each confirmed; when none takes the
    // token, those of the orgs read now that were not tried (an org added since the copy).
    let (copy, fresh) = super::orgs::cached(io).await?;
    let mut tried: Vec<String> = Vec::new();
    let mut candidates: Vec<OrgConfig> = Vec::new();
    for org in copy.iter().filter(|o| o.issuer == issuer) {
        let id = org.id.clone();
        let current = super::orgs::find(io, site, |orgs| orgs.iter().find(|o| o.id == id && o.issuer == issuer)).await?;
        tried.push(id);
        candidates.extend(current);
    }
    let mut reread = fresh;
    loop {
        for org in &candidates {
            match verify_and_revoke(io, &token, org, org_seen).await {
                Err(next) => last = next,
                Ok(done) => return done,
            }
        }
        if reread {
            return Err(last);
        }
        reread = true;
        let now = super::orgs::read(io, None).await?;
        candidates = now.iter().filter(|o| o.issuer == issuer && !tried.contains(&o.id)).cloned().collect();
    }
}

/// Verifies the token with `org`'s keys and rules, then revokes what it names: the final
/// answer, or (`Err`) why this org does not take the token, to try the next.
async fn verify_and_revoke(
    io: &impl Io,
    token: &UntrustedJwt<'_>,
    org: &OrgConfig,
    org_seen: &mut Option<String>,
) -> Result<Result<u64, BackchannelFailure>, BackchannelFailure> {
    *org_seen = Some(org.id.clone());
    let meta = match io.provider_metadata(&org.issuer).await {
        Ok(meta) => meta,
        Err(e) => return Ok(Err(e.into())),
    };
    let claims: LogoutTokenClaims = match verify_signature(io, &meta.jwks_uri, &org.signing_algs, token).await {
        Ok(v) => v.claims,
        Err(e) if e.is_invalid_token() => return Ok(Err(BackchannelFailure::Refused(BackchannelError::Unverified, Some(e.to_string())))),
        Err(e) => return Ok(Err(e.into())),
    };
    let verified = claims.validate(&org.issuer, &org.client_id, io.now()).map_err(BackchannelFailure::from)?;
    // A logout by `sub` alone is a logout of the user: logins in flight are refused too.
    let (target, watermark) = match (verified.sid, verified.subject) {
        (Some(sid), subject) => (RevokeTarget::IdpSession { sid, subject }, false),
        (None, Some(subject)) => (RevokeTarget::Subject { subject }, true),
        (None, None) => return Ok(Err(BackchannelError::Claims("sub or sid").into())),
    };
    let jti = Some((OnceValue { kind: OnceKind::BackchannelLogout, value: verified.jti }, verified.remember_until));
    Ok(match revoke_users(io, org, target, jti, watermark).await {
        Ok(Revoked::Replayed) => Err(BackchannelError::Replayed.into()),
        Ok(Revoked::Done { sessions, .. }) => Ok(sessions),
        Err(e) => Err(BackchannelFailure::Failed(e.into_error())),
    })
}
