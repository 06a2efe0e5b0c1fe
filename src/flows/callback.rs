//! Finishing a login (`GET /_sso/callback`): the state (this browser, used once), the
//! code exchange, the ID token (signature with the unknown-`kid` refetch, then its
//! claims), userinfo when the token lacks email or name, provisioning, the session.

use super::provision::ensure_provisioned;
use super::signature::verify_signature;
use super::{random, FlowError, Io, Site, Traced, IDP_TIMEOUT_MS};
use crate::config::OrgConfig;
use crate::jose::UntrustedJwt;
use crate::keys::sha256;
use crate::login::state::StateError;
use crate::login::LoginState;
use crate::oidc::email::check_email;
use crate::oidc::id_token::{self, Expected, VerifiedIdToken};
use crate::oidc::token::{parse_token_response, token_request, TokenError, MAX_TOKEN_RESPONSE_BYTES};
use crate::oidc::userinfo::{parse_userinfo, userinfo_request, UserinfoError, MAX_USERINFO_BYTES};
use crate::session::address::StoreAddress;
use crate::session::cookie::{hex, login_state_object_name, SessionHandle};
use crate::session::store::{OnceKind, OnceValue, StoreRequest, StoreResponse};
use crate::session::{IdToken, SessionRecord};

/// Longest `code` accepted.
const MAX_CODE_LEN: usize = 4096;
/// Longest IdP `error` code repeated to the user.
const MAX_ERROR_CODE_LEN: usize = 64;

/// The callback's query parameters (first value of each).
#[derive(Debug, Default, Clone, Copy)]
pub struct CallbackQuery<'a> {
    /// `state`.
    pub state: Option<&'a str>,
    /// `code`.
    pub code: Option<&'a str>,
    /// `iss` (RFC 9207), when the IdP sends it.
    pub iss: Option<&'a str>,
    /// `error`, when the IdP did not sign the user in.
    pub error: Option<&'a str>,
    /// The browser's `User-Agent` (shown on the sessions page).
    pub user_agent: Option<&'a str>,
    /// The request's country (`cf.country`).
    pub country: Option<&'a str>,
}

/// A finished login.
pub struct SignedIn {
    /// Where the browser goes now.
    pub return_to: String,
    /// The session cookie's value (`None`: a setup link's test sign-in, which creates
    /// no session).
    pub session_cookie: Option<String>,
    /// The cookie's `Max-Age` (the absolute timeout).
    pub max_age: u64,
    /// The origin's status when the user was provisioned now.
    pub provisioned: Option<u16>,
}

/// Runs the callback; `login_cookie` is the login-state cookie named after the state.
pub async fn finish_login(
    io: &(impl Io + super::OrgDirectory),
    site: Site<'_>,
    query: CallbackQuery<'_>,
    login_cookie: Option<&str>,
) -> Traced<SignedIn> {
    if let Some(login) = test_sign_in(site, query, login_cookie, io.now()) {
        return super::setup::finish_test_sign_in(io, site, query, login).await;
    }
    let mut org = None;
    let result = match query.error {
        Some(error) => {
            let code: String = error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(MAX_ERROR_CODE_LEN).collect();
            Err(FlowError::IdpDeclined(code))
        }
        None => complete(io, site, query, login_cookie, &mut org).await,
    };
    Traced { org, result }
}

/// The login state of a setup link's test sign-in, if this callback finishes one.
fn test_sign_in(site: Site<'_>, query: CallbackQuery<'_>, login_cookie: Option<&str>, now: u64) -> Option<LoginState> {
    let state = query.state.filter(|s| !s.is_empty())?;
    LoginState::decode(login_cookie, state, site.keys.login_cookie(), now).ok().filter(|l| l.setup.is_some())
}

async fn complete(
    io: &impl Io,
    site: Site<'_>,
    query: CallbackQuery<'_>,
    login_cookie: Option<&str>,
    org_seen: &mut Option<String>,
) -> Result<SignedIn, FlowError> {
    let state = query.state.filter(|s| !s.is_empty()).ok_or(StateError::Missing)?;
    let now = io.now();
    // The current secret's key, then the one being rotated out.
    let login = LoginState::decode_with_any(login_cookie, state, site.keys.login_cookie_keys(), now)?;
    *org_seen = Some(login.org.clone());
    let org = &super::orgs::org(io, site, &login.org).await?.ok_or(StateError::Invalid)?;
    if query.iss.is_some_and(|iss| iss != org.issuer) {
        return Err(FlowError::WrongIssuer);
    }
    let code = query.code.filter(|c| !c.is_empty() && c.len() <= MAX_CODE_LEN).ok_or(FlowError::MissingCode)?;
    // The state is used once, in an object of its own (no object shared by an org's logins).
    let state_hash = sha256(state.as_bytes());
    let name_key = io.store_name_key().await?;
    let once = OnceValue { kind: OnceKind::LoginState, value: hex(&state_hash) };
    let once = StoreRequest::Consume { once, expires_at: login.expires_at, now };
    // In the org's jurisdiction, known from the org the MAC'd login-state cookie names.
    let state_object = StoreAddress::new(login_state_object_name(&name_key, &org.id, &state_hash), org.jurisdiction);
    match io.store(&state_object, &once).await? {
        StoreResponse::Consumed { first: true } => {}
        _ => return Err(FlowError::StateReused),
    }
    let (verified, id_token) = authenticate(io, site, org, code, &login).await?;
    // Whose email: the org's IdP vouches only for its own domains (before any provisioning call).
    check_email(&org.domains, verified.email.as_deref(), verified.email_verified)?;
    let issued_at = verified.issued_at;
    let (user, idp_sid) = verified.into_user(&org.id, &org.issuer);
    let policy = site.config.session;
    // Known to the directory before the session exists: a revocation meanwhile finds the user.
    let register = StoreRequest::Register {
        subject: user.subject.clone(),
        email: user.email.clone(),
        sid: idp_sid.clone(),
        sid_until: now.saturating_add(policy.absolute_timeout_secs),
        now,
    };
    let StoreResponse::Fingerprint { fingerprint: known } =
        io.store(&super::directory_of(io, &org.id, org.jurisdiction).await?, &register).await?
    else {
        return Err(FlowError::Store("unexpected directory answer".into()));
    };
    let provisioned = ensure_provisioned(io, site, org, &user, known.as_deref()).await?;
    let handle = SessionHandle::new(&name_key, &org.id, &user.subject, org.jurisdiction, random::<16>(io)?);
    let record = SessionRecord { user, idp_sid, id_token, created_at: io.now(), last_seen: io.now() };
    let create = StoreRequest::Create {
        key: handle.storage_key(),
        record: Box::new(record),
        policy,
        issued_at,
        user_agent: query.user_agent.map(str::to_owned),
        country: query.country.map(str::to_owned),
    };
    if io.store(&handle.store_address(), &create).await? == StoreResponse::LoggedOutSince {
        return Err(FlowError::LoggedOutDuringLogin);
    }
    Ok(SignedIn {
        return_to: login.return_to,
        session_cookie: Some(handle.encode(site.keys.session_cookie())),
        max_age: policy.absolute_timeout_secs,
        provisioned,
    })
}

/// Code exchange, ID-token validation and (when needed) userinfo; returns the user
/// and the raw ID token.
pub(super) async fn authenticate(
    io: &impl Io,
    site: Site<'_>,
    org: &OrgConfig,
    code: &str,
    login: &LoginState,
) -> Result<(VerifiedIdToken, IdToken), FlowError> {
    let meta = io.provider_metadata(&org.issuer).await?;
    let request = token_request(&meta.token_endpoint, org, code, &site.callback_url(), login.code_verifier.expose());
    let resp = io.send(&request, IDP_TIMEOUT_MS, MAX_TOKEN_RESPONSE_BYTES).await.map_err(|e| FlowError::idp_call("token endpoint", e))?;
    let tokens = parse_token_response(resp.status, &resp.body).map_err(|e| match e {
        TokenError::Refused(code) => FlowError::GrantRefused(code),
        TokenError::Idp(e) => FlowError::Idp(e),
    })?;
    let raw = tokens.id_token.expose();
    let untrusted = UntrustedJwt::parse(raw).map_err(|e| FlowError::InvalidToken(e.to_string()))?;
    // Our signature check (allowed algorithms, key selection, the unknown-`kid` refetch),
    // then openidconnect's claim rules with ours.
    verify_signature::<serde::de::IgnoredAny>(io, &meta.jwks_uri, &org.signing_algs, &untrusted).await?;
    let expected = Expected { issuer: &org.issuer, client_id: &org.client_id, nonce: &login.nonce, now: io.now() };
    let mut identity = id_token::validate(raw, &expected).map_err(|e| FlowError::InvalidToken(e.to_string()))?;
    if identity.email.is_none() || identity.name.is_none() {
        if let (Some(endpoint), Some(access_token)) = (&meta.userinfo_endpoint, &tokens.access_token) {
            let resp = io
                .send(&userinfo_request(endpoint, access_token), IDP_TIMEOUT_MS, MAX_USERINFO_BYTES)
                .await
                .map_err(|e| FlowError::idp_call("userinfo", e))?;
            let info = parse_userinfo(resp.status, &resp.body, &identity.subject).map_err(|e| match e {
                UserinfoError::SubjectMismatch => FlowError::InvalidToken("userinfo sub does not match the ID token".into()),
                UserinfoError::Oversized => FlowError::InvalidToken("a userinfo claim is too long".into()),
                UserinfoError::Idp(e) => FlowError::Idp(e),
            })?;
            identity.merge_userinfo(info);
        }
    }
    Ok((identity, IdToken::new(raw)))
}
