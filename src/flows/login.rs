//! Starting a login (`GET /_sso/login`): choose the org, then build the authorization
//! request and the login-state cookie that binds the attempt to this browser.

use super::{random, FlowError, Io, Site, Traced};
use crate::config::OrgConfig;
use crate::login::{authorization_url, LoginParams, LoginSecrets, LoginState, OrgChoice, LOGIN_STATE_TTL_SECS};

/// What the login page should do.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginStart {
    /// Send the browser to the IdP, setting the login-state cookie.
    ToIdp {
        /// The authorization request.
        location: String,
        /// Name of the login-state cookie.
        cookie_name: String,
        /// Its value (MAC'd).
        cookie_value: String,
    },
    /// Ask for the email (no org to go by).
    AskForEmail {
        /// The cleaned `return_to`.
        return_to: String,
    },
    /// The email's domain belongs to no org.
    UnknownDomain {
        /// The cleaned `return_to`.
        return_to: String,
        /// The email as typed (bounded).
        email: Option<String>,
    },
    /// What was typed is not an email address.
    InvalidEmail {
        /// The cleaned `return_to`.
        return_to: String,
        /// The email as typed (bounded).
        email: Option<String>,
    },
    /// `org=` names no org.
    UnknownOrg {
        /// The cleaned `return_to`.
        return_to: String,
        /// The email as typed (bounded).
        email: Option<String>,
    },
    /// `iss=` (third-party initiated login) names no org's issuer.
    UnknownIssuer {
        /// The cleaned `return_to`.
        return_to: String,
        /// The email (`email` or `login_hint`), bounded.
        email: Option<String>,
    },
}

/// Starts a login from the `org`, `email` and `return_to` query parameters.
pub async fn start_login(
    io: &impl Io,
    site: Site<'_>,
    org: Option<&str>,
    email: Option<&str>,
    return_to: Option<&str>,
) -> Traced<LoginStart> {
    let query = [("org", org), ("email", email), ("return_to", return_to)];
    let params = LoginParams::from_query(|name| query.iter().find(|(k, _)| *k == name).and_then(|(_, v)| *v), site.base_url);
    start_login_with(io, site, params).await
}

/// Starts a login from everything `GET /_sso/login` may carry: SP-initiated (`org`,
/// `email`, `return_to`) or third-party initiated (`iss`, `login_hint`, `target_link_uri`).
pub async fn start_login_with(io: &impl Io, site: Site<'_>, params: LoginParams) -> Traced<LoginStart> {
    let orgs = match super::orgs::for_login(io, site, &params).await {
        Ok(orgs) => orgs,
        Err(e) => return Traced { org: None, result: Err(e) },
    };
    let LoginParams { return_to, email, .. } = params.clone();
    let org = match params.choose(&orgs) {
        OrgChoice::Org(org) => org,
        OrgChoice::AskForEmail => return Traced { org: None, result: Ok(LoginStart::AskForEmail { return_to }) },
        OrgChoice::UnknownDomain => return Traced { org: None, result: Ok(LoginStart::UnknownDomain { return_to, email }) },
        OrgChoice::InvalidEmail => return Traced { org: None, result: Ok(LoginStart::InvalidEmail { return_to, email }) },
        OrgChoice::UnknownOrg => return Traced { org: None, result: Ok(LoginStart::UnknownOrg { return_to, email }) },
        OrgChoice::UnknownIssuer => return Traced { org: None, result: Ok(LoginStart::UnknownIssuer { return_to, email }) },
    };
    Traced { org: Some(org.id.clone()), result: to_idp(io, site, org, return_to, email.as_deref(), None).await }
}

/// The authorization request of `org` and its login-state cookie; `setup`: the token of
/// the setup link whose test sign-in this is.
pub(super) async fn to_idp(
    io: &impl Io,
    site: Site<'_>,
    org: &OrgConfig,
    return_to: String,
    email: Option<&str>,
    setup: Option<String>,
) -> Result<LoginStart, FlowError> {
    let meta = io.provider_metadata(&org.issuer).await?;
    let secrets = LoginSecrets::from_random(&random::<64>(io)?);
    let location = authorization_url(&meta.authorization_endpoint, org, &site.callback_url(), &secrets, email)
        .map_err(|_| crate::oidc::IdpError::Misbehaving("authorization_endpoint is not a URL".into()))?;
    let LoginSecrets { state, nonce, code_verifier } = secrets;
    let login = LoginState { org: org.id.clone(), nonce, code_verifier, return_to, expires_at: io.now() + LOGIN_STATE_TTL_SECS, setup };
    Ok(LoginStart::ToIdp {
        location,
        cookie_name: LoginState::cookie_name(&state),
        cookie_value: login.encode(&state, site.keys.login_cookie()),
    })
}
