//! `GET /_sso/callback`: check the state, exchange the code, validate the ID token,
//! provision the user, create the session.

use std::rc::Rc;

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::login::query;
use super::net::{self, NetError};
use super::{cookies, idp, provision, runtime, store, Ctx};
use crate::config::OrgConfig;
use crate::jose::{self, JwtError};
use crate::keys::sha256;
use crate::login::state::StateError;
use crate::login::LoginState;
use crate::oidc::id_token::{Expected, IdTokenClaims, Identity};
use crate::oidc::token::{parse_token_response, token_request, TokenError, MAX_TOKEN_RESPONSE_BYTES};
use crate::oidc::userinfo::{parse_userinfo, userinfo_request, UserinfoError, MAX_USERINFO_BYTES};
use crate::session::cookie::{hex, SessionHandle, SESSION_COOKIE};
use crate::session::store::{StoreRequest, StoreResponse};
use crate::session::SessionRecord;

pub(crate) async fn finish(ctx: &Ctx<'_>, req: &Request) -> Response {
    let q = query(req);
    let state = q.get("state").cloned().unwrap_or_default();
    let login_cookie = (!state.is_empty()).then(|| LoginState::cookie_name(&state));
    let clear = login_cookie.iter().map(|name| cookies::clear(name, "/_sso/callback", ctx.secure())).collect::<Vec<_>>();
    let result = match q.get("error") {
        Some(error) => {
            let code: String = error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
            Err(Failure::new(401, "access_denied", format!("The identity provider did not sign you in ({code})."))
                .logged_as(format!("idp error {code}")))
        }
        None => complete(ctx, req, &q, &state).await,
    };
    match result {
        Ok((org, location, session_cookie)) => {
            ctx.log("callback", Some(&org), "ok", Some(302), None);
            let mut set = clear;
            set.push(session_cookie);
            answer::redirect(302, &location, &set)
        }
        Err(f) => answer::with_cookies(ctx.fail("callback", None, f), &clear),
    }
}

async fn complete(
    ctx: &Ctx<'_>,
    req: &Request,
    q: &std::collections::HashMap<String, String>,
    state: &str,
) -> Result<(String, String, String), Failure> {
    if state.is_empty() {
        return Err(state_failure(StateError::Missing));
    }
    let cookie = cookies::read(req, &LoginState::cookie_name(state));
    let login = LoginState::decode(cookie.as_deref(), state, ctx.settings.keys.login_cookie(), ctx.now).map_err(state_failure)?;
    let org = super::orgs::find(ctx, &login.org).await?.ok_or_else(|| state_failure(StateError::Invalid))?;
    let org = &org;
    if let Some(iss) = q.get("iss") {
        if iss != &org.issuer {
            return Err(Failure::new(401, "invalid_issuer", "The sign-in answer came from the wrong identity provider."));
        }
    }
    let code = q
        .get("code")
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| Failure::new(400, "invalid_request", "The sign-in answer has no code."))?;
    let once =
        StoreRequest::Consume { key: format!("state:{}", hex(&sha256(state.as_bytes()))), expires_at: login.expires_at, now: ctx.now };
    match store::call_org(ctx.env, ctx.settings.keys.store_name(), &org.id, &once).await? {
        StoreResponse::Consumed { first: true } => {}
        _ => return Err(state_failure(StateError::Invalid).logged_as("state reused")),
    }
    let (identity, id_token) = authenticate(ctx, org, code, &login).await?;
    provision::ensure(ctx, org, &identity).await?;
    let handle = SessionHandle::new(ctx.settings.keys.store_name(), &org.id, runtime::random::<16>()?);
    let record = SessionRecord {
        org: org.id.clone(),
        issuer: org.issuer.clone(),
        subject: identity.subject,
        email: identity.email,
        name: identity.name,
        idp_sid: identity.sid,
        id_token,
        created_at: ctx.now,
        last_seen: ctx.now,
    };
    let policy = ctx.settings.config.session;
    store::call(ctx.env, &handle.store_name(), &StoreRequest::Create { key: handle.storage_key(), record, policy }).await?;
    let cookie =
        cookies::set(SESSION_COOKIE, &handle.encode(ctx.settings.keys.session_cookie()), "/", policy.absolute_timeout_secs, ctx.secure());
    Ok((org.id.clone(), login.return_to, cookie))
}

fn state_failure(e: StateError) -> Failure {
    Failure::new(
        400,
        "invalid_state",
        "This sign-in took too long, was already completed, or was started in another browser. Please sign in again.",
    )
    .logged_as(e.to_string())
}

/// Code exchange, ID-token validation and (when needed) userinfo.
async fn authenticate(ctx: &Ctx<'_>, org: &OrgConfig, code: &str, login: &LoginState) -> Result<(Identity, String), Failure> {
    let meta = idp::metadata(ctx.env, &org.issuer).await?;
    let redirect_uri = format!("{}/_sso/callback", ctx.base_url);
    let request = token_request(&meta.token_endpoint, org, code, &redirect_uri, &login.code_verifier);
    let resp = net::send(&request, idp::IDP_TIMEOUT, MAX_TOKEN_RESPONSE_BYTES).await.map_err(|e| net_failure("token endpoint", e))?;
    let tokens = parse_token_response(resp.status, &resp.body).map_err(|e| match e {
        TokenError::Refused(code) => Failure::new(401, "invalid_grant", "The identity provider refused the sign-in.")
            .logged_as(format!("token endpoint refused: {code}")),
        TokenError::Idp(e) => idp::idp_failure(e),
    })?;
    let raw = tokens.id_token.expose();
    let claims: IdTokenClaims = verify_signature(ctx, org, &meta.jwks_uri, raw).await?;
    let expected = Expected { issuer: &org.issuer, client_id: &org.client_id, nonce: &login.nonce, now: ctx.now };
    let mut identity = claims.validate(&expected).map_err(|e| invalid_token(e.to_string()))?;
    if identity.email.is_none() || identity.name.is_none() {
        if let (Some(endpoint), Some(access_token)) = (&meta.userinfo_endpoint, &tokens.access_token) {
            let resp = net::send(&userinfo_request(endpoint, access_token), idp::IDP_TIMEOUT, MAX_USERINFO_BYTES)
                .await
                .map_err(|e| net_failure("userinfo", e))?;
            let info = parse_userinfo(resp.status, &resp.body, &identity.subject).map_err(|e| match e {
                UserinfoError::SubjectMismatch => invalid_token("userinfo sub does not match the ID token".into()),
                UserinfoError::Idp(e) => idp::idp_failure(e),
            })?;
            identity.merge_userinfo(info);
        }
    }
    Ok((identity, raw.to_owned()))
}

/// Verifies a JWT's signature with the keys at `jwks_uri`, refetching them once
/// (rate-limited) when the key is not found.
pub(crate) async fn verify_signature<C: serde::de::DeserializeOwned>(
    ctx: &Ctx<'_>,
    org: &OrgConfig,
    jwks_uri: &str,
    token: &str,
) -> Result<C, Failure> {
    let keys = idp::jwks(ctx.env, jwks_uri, false).await?;
    match jose::verify::<C>(token, &keys, &org.signing_algs) {
        Ok(v) => Ok(v.claims),
        // A new kid means the IdP rotated its keys; without a kid, a failure may mean the same.
        Err(e @ (JwtError::UnknownKeyId | JwtError::NoMatchingKey | JwtError::BadSignature))
            if matches!(e, JwtError::UnknownKeyId) || jose::peek_header(token).is_ok_and(|h| h.kid.is_none()) =>
        {
            let fresh = idp::jwks(ctx.env, jwks_uri, true).await?;
            if Rc::ptr_eq(&fresh, &keys) {
                return Err(invalid_token("signature not verified".into()));
            }
            jose::verify::<C>(token, &fresh, &org.signing_algs).map(|v| v.claims).map_err(|e| invalid_token(e.to_string()))
        }
        Err(e) => Err(invalid_token(e.to_string())),
    }
}

fn invalid_token(reason: String) -> Failure {
    Failure::new(401, "invalid_token", "The identity provider's answer could not be verified.").logged_as(format!("id token: {reason}"))
}

pub(crate) fn net_failure(what: &str, e: NetError) -> Failure {
    match e {
        NetError::Unreachable => Failure::idp_unreachable(format!("{what} unreachable")),
        NetError::Timeout => Failure::idp_unreachable(format!("{what} timed out")),
        NetError::TooLarge => Failure::idp_misbehaving(format!("{what} answer too large")),
    }
}
