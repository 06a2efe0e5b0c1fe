//! Okta Universal Logout (`POST /_sso/global-token-revocation`): the bearer JWT is
//! parsed once, its `iss` and `sub` choose the org, its signature and claims are checked, and
//! the body's subject chooses the users; the org's directory checks the `jti` and finds
//! them, their objects end their sessions and refuse logins in flight.

use super::revocation::{revoke_users, NotRevoked, Revoked};
use super::signature::verify_signature;
use super::{FlowError, Io, Site, Traced};
use crate::jose::UntrustedJwt;
use crate::logout::universal::{addressed_org, bearer_token, parse_subject, RevocationClaims, RevocationError, SubjectId};
use crate::session::store::{OnceKind, OnceValue, RevokeTarget};

/// Why a Universal Logout request was not honoured.
#[derive(Debug, PartialEq, Eq)]
pub enum UniversalLogoutFailure {
    /// Refused by the draft's rules (401, 400 or 404).
    Refused(RevocationError),
    /// The token failed verification (`InvalidToken`: 401), or its keys could not be
    /// had (the worker's own failure: 503, never 401).
    Unverifiable(FlowError),
    /// The orgs or the store could not be used: the worker's own failure (503).
    Unavailable(FlowError),
    /// Verified, but the sessions could not be revoked (422), with detail for the log.
    NotRevoked(String),
}

impl From<RevocationError> for UniversalLogoutFailure {
    fn from(e: RevocationError) -> Self {
        Self::Refused(e)
    }
}

/// Handles a request with this `Authorization` header and `body` (`None`: too large).
pub async fn universal_logout(
    io: &impl Io,
    site: Site<'_>,
    authorization: Option<&str>,
    body: Option<&[u8]>,
) -> Traced<(), UniversalLogoutFailure> {
    let mut org = None;
    let result = revoke(io, site, authorization, body, &mut org).await;
    Traced { org, result }
}

async fn revoke(
    io: &impl Io,
    site: Site<'_>,
    authorization: Option<&str>,
    body: Option<&[u8]>,
    org_seen: &mut Option<String>,
) -> Result<(), UniversalLogoutFailure> {
    use RevocationError::{BadRequest, Unauthorized, UnknownUser};
    let token = bearer_token(authorization)?;
    let token = UntrustedJwt::parse(token).map_err(|_| Unauthorized("not a JWT"))?;
    let issuer = token.unverified_issuer().ok_or(Unauthorized("no iss"))?;
    // `iss` and `sub` (the app's client_id) together: two apps of one Okta tenant.
    let subject = token.unverified_subject();
    let org = super::orgs::find(io, site, |orgs| addressed_org(orgs, &issuer, subject.as_deref()))
        .await
        .map_err(UniversalLogoutFailure::Unavailable)?
        .ok_or(Unauthorized("unknown iss and sub"))?;
    let org = &org;
    *org_seen = Some(org.id.clone());
    let jwks_uri = match &org.universal_logout_jwks_uri {
        Some(uri) => uri.clone(),
        None => io.provider_metadata(&org.issuer).await.map_err(UniversalLogoutFailure::Unverifiable)?.jwks_uri.clone(),
    };
    let claims: RevocationClaims =
        verify_signature(io, &jwks_uri, &org.signing_algs, &token).await.map_err(UniversalLogoutFailure::Unverifiable)?.claims;
    let endpoint = format!("{}/_sso/global-token-revocation", site.base_url);
    let verified = claims.validate(&org.universal_logout_issuer, &org.client_id, &endpoint, token.header().typ.as_deref(), io.now())?;
    let target = match parse_subject(body.ok_or(BadRequest("body too large"))?)? {
        SubjectId::Email(email) => RevokeTarget::Email { email },
        SubjectId::IssSub { iss, sub } if iss == org.issuer => RevokeTarget::Subject { subject: sub },
        SubjectId::IssSub { .. } => return Err(UnknownUser.into()),
    };
    let jti = OnceValue { kind: OnceKind::UniversalLogout, value: verified.jti };
    match revoke_users(io, org, target, Some((jti, verified.remember_until)), true).await {
        Ok(Revoked::Done { user_known: true, .. }) => Ok(()),
        Ok(Revoked::Done { user_known: false, .. }) => Err(UnknownUser.into()),
        Ok(Revoked::Replayed) => Err(Unauthorized("jti replayed").into()),
        Err(NotRevoked::Directory(e)) => Err(UniversalLogoutFailure::Unavailable(e)),
        Err(NotRevoked::UserObject(e)) => Err(UniversalLogoutFailure::NotRevoked(e.to_string())),
    }
}
