//! Sessions ended by the identity provider: OpenID Connect Back-Channel Logout and
//! Okta Universal Logout. Each ends in one store call that checks the `jti` and
//! revokes in the same transaction.

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::callback::verify_signature;
use super::net::read_body;
use super::{idp, store, Ctx};
use crate::config::OrgConfig;
use crate::jose::peek_header;
use crate::logout::backchannel::{logout_token_from_form, BackchannelError, LogoutTokenClaims, MAX_FORM_BYTES};
use crate::logout::universal::{bearer_token, parse_subject, RevocationClaims, RevocationError, SubjectId, MAX_BODY_BYTES};
use crate::logout::unverified_issuer;
use crate::session::store::{RevokeTarget, StoreRequest, StoreResponse};

pub(crate) async fn backchannel(ctx: &Ctx<'_>, req: Request) -> Response {
    let result = backchannel_logout(ctx, req).await;
    match result {
        Ok((org, sessions)) => {
            ctx.log("backchannel_logout", Some(&org), "ok", Some(200), Some(&format!("{sessions} sessions ended")));
            let mut resp = answer::text(200, "");
            let _ = resp.headers_mut().set("cache-control", "no-store");
            resp
        }
        Err(f) => {
            // The caller is an identity provider: always JSON.
            ctx.log("backchannel_logout", None, "error", Some(f.status), Some(&f.log_reason));
            f.into_response(false)
        }
    }
}

fn invalid(e: BackchannelError) -> Failure {
    Failure::new(400, "invalid_request", e.to_string())
}

async fn backchannel_logout(ctx: &Ctx<'_>, mut req: Request) -> Result<(String, u64), Failure> {
    let body = read_body(&mut req, MAX_FORM_BYTES).await.ok_or_else(|| invalid(BackchannelError::MissingToken))?;
    let token = logout_token_from_form(&body).map_err(invalid)?;
    let issuer = unverified_issuer(&token).ok_or_else(|| invalid(BackchannelError::Unverified))?;
    let orgs = super::orgs::all(ctx).await?;
    let candidates: Vec<&OrgConfig> = orgs.iter().filter(|o| o.issuer == issuer).collect();
    if candidates.is_empty() {
        return Err(invalid(BackchannelError::Claims("iss")));
    }
    let mut last = invalid(BackchannelError::Unverified);
    for org in candidates {
        let meta = idp::metadata(ctx.env, &org.issuer).await?;
        let claims: LogoutTokenClaims = match verify_signature(ctx, org, &meta.jwks_uri, &token).await {
            Ok(c) => c,
            Err(f) if f.status == 401 => return Err(invalid(BackchannelError::Unverified).logged_as(f.log_reason)),
            Err(f) => return Err(f),
        };
        let verified = match claims.validate(&org.issuer, &org.client_id, ctx.now) {
            Ok(v) => v,
            Err(e) => {
                last = invalid(e);
                continue;
            }
        };
        let target = match (verified.sid, verified.subject) {
            (Some(sid), subject) => RevokeTarget::IdpSession { sid, subject },
            (None, Some(subject)) => RevokeTarget::Subject { subject },
            (None, None) => return Err(invalid(BackchannelError::Claims("sub or sid"))),
        };
        let request = StoreRequest::Revoke { target, jti: Some((format!("bcl:{}", verified.jti), verified.remember_until)), now: ctx.now };
        return match store::call_org(ctx.env, ctx.settings.keys.store_name(), &org.id, &request).await? {
            StoreResponse::Replayed => Err(invalid(BackchannelError::Replayed)),
            StoreResponse::Revoked { sessions, .. } => Ok((org.id.clone(), sessions)),
            _ => Err(Failure::store_unavailable("unexpected store answer")),
        };
    }
    Err(last)
}

pub(crate) async fn universal(ctx: &Ctx<'_>, req: Request) -> Response {
    match universal_logout(ctx, req).await {
        Ok(org) => {
            ctx.log("universal_logout", Some(&org), "ok", Some(204), None);
            answer::no_content()
        }
        Err(f) => {
            let status = f.status;
            ctx.log("universal_logout", None, "error", Some(status), Some(&f.log_reason));
            answer::json(status, &serde_json::json!({"error": f.error, "error_description": f.description}))
        }
    }
}

fn revocation_failure(e: RevocationError) -> Failure {
    let code = match e {
        RevocationError::Unauthorized(_) => "invalid_token",
        RevocationError::BadRequest(_) => "invalid_request",
        RevocationError::UnknownUser => "unknown_user",
    };
    Failure::new(e.status(), code, e.to_string())
}

async fn universal_logout(ctx: &Ctx<'_>, mut req: Request) -> Result<String, Failure> {
    let authorization = req.headers().get("authorization").ok().flatten();
    let token = bearer_token(authorization.as_deref()).map_err(revocation_failure)?.to_owned();
    let unauthorized = |why: &'static str| revocation_failure(RevocationError::Unauthorized(why));
    let header = peek_header(&token).map_err(|_| unauthorized("not a JWT"))?;
    let issuer = unverified_issuer(&token).ok_or_else(|| unauthorized("no iss"))?;
    let orgs = super::orgs::all(ctx).await.map_err(|f| Failure { status: 422, ..f })?;
    let org = orgs.iter().find(|o| o.universal_logout_issuer == issuer).ok_or_else(|| unauthorized("unknown iss"))?;
    let jwks_uri = match &org.universal_logout_jwks_uri {
        Some(uri) => uri.clone(),
        None => idp::metadata(ctx.env, &org.issuer).await.map_err(|f| Failure { status: 401, ..f })?.jwks_uri.clone(),
    };
    let claims: RevocationClaims = verify_signature(ctx, org, &jwks_uri, &token).await.map_err(|f| Failure { status: 401, ..f })?;
    let endpoint = format!("{}/_sso/global-token-revocation", ctx.base_url);
    let verified = claims.validate(&org.universal_logout_issuer, &endpoint, header.typ.as_deref(), ctx.now).map_err(revocation_failure)?;
    let body =
        read_body(&mut req, MAX_BODY_BYTES).await.ok_or_else(|| revocation_failure(RevocationError::BadRequest("body too large")))?;
    let target = match parse_subject(&body).map_err(revocation_failure)? {
        SubjectId::Email(email) => RevokeTarget::Email { email },
        SubjectId::IssSub { iss, sub } if iss == org.issuer => RevokeTarget::Subject { subject: sub },
        SubjectId::IssSub { .. } => return Err(revocation_failure(RevocationError::UnknownUser)),
    };
    let request = StoreRequest::Revoke { target, jti: Some((format!("ul:{}", verified.jti), verified.remember_until)), now: ctx.now };
    match store::call_org(ctx.env, ctx.settings.keys.store_name(), &org.id, &request).await {
        Ok(StoreResponse::Revoked { user_known: true, .. }) => Ok(org.id.clone()),
        Ok(StoreResponse::Revoked { user_known: false, .. }) => Err(revocation_failure(RevocationError::UnknownUser)),
        Ok(StoreResponse::Replayed) => Err(unauthorized("jti replayed")),
        Ok(_) => Err(Failure::new(422, "revocation_failed", "the sessions could not be revoked")),
        Err(f) => Err(Failure::new(422, "revocation_failed", "the sessions could not be revoked").logged_as(f.log_reason)),
    }
}
