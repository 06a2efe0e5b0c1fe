//! The setup wizard of a setup link (`/_sso/setup/{token}`): the customer's admin enters
//! the Okta app's credentials (checked as the admin API checks them), signs in once
//! through the new connection, proves control of the domains with DNS TXT records, and
//! activates. Every step is saved in the state object, so the link resumes where it
//! stopped; every change is a same-origin `POST` carrying the page's CSRF token.

use std::collections::HashMap;

use super::admin::verify_provider;
use super::callback::{authenticate, CallbackQuery, SignedIn};
use super::login::{to_idp, LoginStart};
use super::{FlowError, Io, OrgDirectory, Site, Traced};
use crate::admin::{AdminError, OnboardingUris};
use crate::config::OrgConfig;
use crate::keys::mac;
use crate::login::email_domain;
use crate::login::state::StateError;
use crate::login::LoginState;
use crate::secret::{constant_time_eq, StoredSecret};
use crate::session::cookie::hex;
use crate::session::store::{OnceKind, OnceValue, StoreRequest, StoreResponse};
use crate::setup::{check_txt_answer, is_token, token_hash, txt_query, Credentials, Invitation, Step, MAX_DOH_BYTES, SETUP_PATH};
use crate::sso_state::{StateRequest, StateResponse};

/// Largest wizard form accepted, in bytes.
pub const MAX_SETUP_FORM_BYTES: usize = 16 * 1024;
/// Bound on a DNS-over-HTTPS lookup, in milliseconds.
const DOH_TIMEOUT_MS: u64 = 5_000;

/// What the wizard's page shows.
#[derive(Debug)]
pub struct SetupView {
    /// The link's token (it is in the page's URL already).
    pub token: String,
    /// The invitation and its progress.
    pub invitation: Invitation,
    /// The values to paste into Okta.
    pub uris: OnboardingUris,
    /// The CSRF token every form carries.
    pub csrf: String,
    /// A refusal to show in place.
    pub error: Option<String>,
    /// Issuer and client id as typed with a refused secret (never the secret).
    pub typed: Option<(String, String)>,
}

/// What a wizard `POST` leads to.
#[derive(Debug)]
pub enum SetupOutcome {
    /// The page again with a refusal, and its status.
    Page(Box<SetupView>, u16),
    /// Back to the wizard (`303`), which shows the new step.
    Saved(String),
    /// The test sign-in: to the IdP with a login-state cookie.
    ToIdp(LoginStart),
    /// The org is live and the link spent.
    Activated(String),
}

/// Why a wizard request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SetupFailure {
    /// Unknown, withdrawn, used or expired link (`404`, nothing revealed).
    NotFound,
    /// Not same-origin, or without the page's CSRF token (`403`).
    Forbidden,
    /// Not a form the wizard knows (`400`).
    BadRequest(&'static str),
    /// The state object failed.
    Failed(FlowError),
}

impl From<FlowError> for SetupFailure {
    fn from(e: FlowError) -> Self {
        Self::Failed(e)
    }
}

/// `GET /_sso/setup/{token}`.
pub async fn setup_page(io: &(impl Io + OrgDirectory), site: Site<'_>, token: &str) -> Traced<SetupView, SetupFailure> {
    match find(io, token).await {
        Ok(Some(invitation)) => Traced { org: Some(invitation.org.clone()), result: Ok(view(site, token, invitation)) },
        Ok(None) => Traced { org: None, result: Err(SetupFailure::NotFound) },
        Err(e) => Traced { org: None, result: Err(e.into()) },
    }
}

/// `POST /_sso/setup/{token}`: `same_origin` as the adapter judged the request, `form`
/// its bounded form body.
pub async fn setup_action(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    token: &str,
    same_origin: bool,
    form: &[u8],
) -> Traced<SetupOutcome, SetupFailure> {
    if !same_origin {
        return Traced { org: None, result: Err(SetupFailure::Forbidden) };
    }
    let invitation = match find(io, token).await {
        Ok(Some(invitation)) => invitation,
        Ok(None) => return Traced { org: None, result: Err(SetupFailure::NotFound) },
        Err(e) => return Traced { org: None, result: Err(e.into()) },
    };
    let org = Some(invitation.org.clone());
    let fields = form_fields(form);
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let expected = csrf_token(site, &invitation.token_hash);
    if !constant_time_eq(field("csrf").as_bytes(), expected.as_bytes()) {
        return Traced { org, result: Err(SetupFailure::Forbidden) };
    }
    let result = match field("action") {
        "credentials" => credentials(io, site, token, invitation, field("issuer"), field("client_id"), field("client_secret")).await,
        "change_credentials" => {
            let mut invitation = invitation;
            invitation.progress = Default::default();
            save(io, token, invitation).await
        }
        "test_sign_in" => test_sign_in(io, site, token, invitation).await,
        "verify_domain" => verify_domain(io, site, token, invitation, field("domain")).await,
        "activate" => activate(io, site, token, invitation).await,
        _ => Err(SetupFailure::BadRequest("unknown wizard action")),
    };
    Traced { org, result }
}

/// The CSRF token of a setup link's forms (bound to the link, keyed by the worker).
pub fn csrf_token(site: Site<'_>, token_hash: &str) -> String {
    hex(&mac(site.keys.login_cookie(), &[b"setup-csrf", token_hash.as_bytes()])[..16])
}

/// The first value of each field of a form body (at most 32 fields).
pub fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body).take(32) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}

async fn find(io: &(impl Io + OrgDirectory), token: &str) -> Result<Option<Invitation>, FlowError> {
    if !is_token(token) {
        return Ok(None);
    }
    match io.state(StateRequest::FindInvitation { token_hash: token_hash(token), now: io.now() }).await? {
        StateResponse::Invitation { invitation } => Ok(invitation.map(|i| *i).filter(|i| i.opens_with(token, io.now()))),
        other => Err(FlowError::Store(format!("unexpected state answer {other:?}"))),
    }
}

fn view(site: Site<'_>, token: &str, invitation: Invitation) -> SetupView {
    SetupView {
        token: token.to_owned(),
        uris: OnboardingUris::new(&invitation.org, site.base_url),
        csrf: csrf_token(site, &invitation.token_hash),
        invitation,
        error: None,
        typed: None,
    }
}

fn wizard(token: &str) -> String {
    format!("{SETUP_PATH}{token}")
}

async fn save(io: &(impl Io + OrgDirectory), token: &str, invitation: Invitation) -> Result<SetupOutcome, SetupFailure> {
    match io.state(StateRequest::UpdateInvitation { invitation: Box::new(invitation), now: io.now() }).await? {
        StateResponse::Stored { .. } => Ok(SetupOutcome::Saved(wizard(token))),
        StateResponse::Gone => Err(SetupFailure::NotFound),
        other => Err(FlowError::Store(format!("unexpected state answer {other:?}")).into()),
    }
}

/// Step 2: the credentials, checked exactly as `PUT /_sso/admin/orgs` checks them.
async fn credentials(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    token: &str,
    mut invitation: Invitation,
    issuer: &str,
    client_id: &str,
    client_secret: &str,
) -> Result<SetupOutcome, SetupFailure> {
    let (issuer, client_id) = (issuer.trim(), client_id.trim());
    let entered =
        Credentials { issuer: issuer.to_owned(), client_id: client_id.to_owned(), client_secret: StoredSecret::new(client_secret) };
    let previous = invitation.progress.credentials.replace(entered);
    let refusal = match org_of(&invitation) {
        Err(e) => Some((400, e.to_string())),
        Ok(org) => verify_provider(io, &org).await.err().map(|e| (e.status(), e.to_string())),
    };
    if let Some((status, reason)) = refusal {
        invitation.progress.credentials = previous;
        let mut page = view(site, token, invitation);
        page.error = Some(reason);
        page.typed = Some((issuer.chars().take(512).collect(), client_id.chars().take(255).collect()));
        return Ok(SetupOutcome::Page(Box::new(page), status));
    }
    invitation.progress.tested_by = None;
    invitation.progress.test_error = None;
    save(io, token, invitation).await
}

/// The org the invitation would create, checked as the admin API checks a body.
fn org_of(invitation: &Invitation) -> Result<OrgConfig, AdminError> {
    let raw = invitation.org().ok_or_else(|| AdminError::Invalid("the client credentials are missing".into()))?;
    raw.validate("connection", &|_| None)
        .map_err(|e| AdminError::Invalid(format!("{}: {}", e.path.trim_start_matches("connection."), e.problem)))
}

/// Step 3: a sign-in through the new connection; the callback reports back here.
async fn test_sign_in(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    token: &str,
    mut invitation: Invitation,
) -> Result<SetupOutcome, SetupFailure> {
    let Ok(org) = org_of(&invitation) else { return Ok(SetupOutcome::Saved(wizard(token))) };
    match to_idp(io, site, &org, wizard(token), None, Some(token.to_owned())).await {
        Ok(start) => Ok(SetupOutcome::ToIdp(start)),
        Err(e) => {
            invitation.progress.test_error = Some(explain(&e, &org, site));
            save(io, token, invitation).await
        }
    }
}

/// The callback of a test sign-in: records who signed in, or why it failed, and goes
/// back to the wizard. Never a session, never a provisioning call.
pub(super) async fn finish_test_sign_in(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    query: CallbackQuery<'_>,
    login: LoginState,
) -> Traced<SignedIn> {
    let org = Some(login.org.clone());
    let token = login.setup.clone().unwrap_or_default();
    let mut invitation = match find(io, &token).await {
        Ok(Some(invitation)) if invitation.org == login.org => invitation,
        Ok(_) => return Traced { org, result: Err(StateError::Invalid.into()) },
        Err(e) => return Traced { org, result: Err(e) },
    };
    match tested(io, site, query, &login, &invitation).await {
        Ok(email) => {
            invitation.progress.tested_by = Some(email);
            invitation.progress.test_error = None;
        }
        Err(explanation) => invitation.progress.test_error = Some(explanation),
    }
    let result = match save(io, &token, invitation).await {
        Ok(_) => Ok(SignedIn { return_to: wizard(&token), session_cookie: None, max_age: 0, provisioned: None }),
        Err(SetupFailure::Failed(e)) => Err(e),
        Err(_) => Err(StateError::Invalid.into()),
    };
    Traced { org, result }
}

/// The email of the user who signed in, or what went wrong, in words for the admin.
async fn tested(
    io: &impl Io,
    site: Site<'_>,
    query: CallbackQuery<'_>,
    login: &LoginState,
    invitation: &Invitation,
) -> Result<String, String> {
    let org = org_of(invitation).map_err(|e| e.to_string())?;
    if let Some(code) = query.error {
        let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
        return Err(explain(&FlowError::IdpDeclined(code), &org, site));
    }
    let state = query.state.unwrap_or_default();
    let state_hash = crate::keys::sha256(state.as_bytes());
    let once = OnceValue { kind: OnceKind::LoginState, value: hex(&state_hash) };
    let key = io.store_name_key().await.map_err(|e| format!("The test sign-in could not be checked ({e}). Try again."))?;
    let store = crate::session::address::StoreAddress::new(
        crate::session::cookie::login_state_object_name(&key, &org.id, &state_hash),
        org.jurisdiction,
    );
    let consumed = io.store(&store, &StoreRequest::Consume { once, expires_at: login.expires_at, now: io.now() }).await;
    if !matches!(consumed, Ok(StoreResponse::Consumed { first: true })) {
        return Err("This test sign-in was already used. Start another one.".into());
    }
    if query.iss.is_some_and(|iss| iss != org.issuer) {
        return Err(explain(&FlowError::WrongIssuer, &org, site));
    }
    let code = query.code.filter(|c| !c.is_empty() && c.len() <= 4096).ok_or_else(|| explain(&FlowError::MissingCode, &org, site))?;
    let (verified, _) = authenticate(io, site, &org, code, login).await.map_err(|e| explain(&e, &org, site))?;
    if crate::oidc::email::check_email(&invitation.domains, verified.email.as_deref(), verified.email_verified)
        == Err(crate::oidc::email::EmailRefusal::Unverified)
    {
        return Err("The identity provider says this user's email address is not verified. Verify it in Okta, then try again.".into());
    }
    let (user, _) = verified.into_user(&org.id, &org.issuer);
    let email = user.email.ok_or("The identity provider did not send the user's email. Add the email scope to the app in Okta.")?;
    match email_domain(&email) {
        Some(d) if invitation.domains.contains(&d) => Ok(email),
        _ => Err(format!(
            "{email} signed in, but is not in the domains of this setup ({}). Sign in with a user of those domains.",
            invitation.domains.join(", ")
        )),
    }
}

/// A failed test sign-in explained to the customer's Okta admin.
fn explain(e: &FlowError, org: &OrgConfig, site: Site<'_>) -> String {
    match e {
        FlowError::IdpDeclined(code) if code == "access_denied" => "Okta refused the sign-in (access_denied). Usually the user is not assigned to the app: in Okta, open the app's Assignments tab and assign the user (or a group), then try again.".into(),
        FlowError::IdpDeclined(code) => format!("The identity provider refused the sign-in ({code})."),
        FlowError::GrantRefused(code) if code == "invalid_client" => "The identity provider rejected the client secret at the token endpoint. Enter the client secret again.".into(),
        FlowError::GrantRefused(code) => format!(
            "The identity provider refused the sign-in code ({code}). Check that the app's sign-in redirect URI is exactly {}.",
            site.callback_url()
        ),
        FlowError::WrongIssuer => format!("The answer came from another issuer than {}. Check the issuer.", org.issuer),
        FlowError::InvalidToken(reason) => format!("The ID token could not be verified ({reason}). Check the issuer and the client id."),
        FlowError::Idp(e) => format!("The identity provider could not be used: {e}. Check the issuer."),
        FlowError::MissingCode => "The identity provider sent no code back.".into(),
        other => format!("The test sign-in failed ({other}). Try again."),
    }
}

/// Step 4: look the domain's TXT record up through DNS-over-HTTPS.
async fn verify_domain(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    token: &str,
    mut invitation: Invitation,
    domain: &str,
) -> Result<SetupOutcome, SetupFailure> {
    let Some(challenge) = invitation.challenges.iter().find(|c| c.domain == domain).cloned() else {
        return Err(SetupFailure::BadRequest("not a domain of this setup link"));
    };
    match check_domain(io, site, &challenge).await {
        Ok(()) => {
            if let Some(c) = invitation.challenges.iter_mut().find(|c| c.domain == domain) {
                c.verified_at = Some(io.now());
            }
            invitation.progress.dns_error = None;
        }
        Err(reason) => invitation.progress.dns_error = Some((domain.to_owned(), reason)),
    }
    save(io, token, invitation).await
}

/// Looks the TXT record of `challenge` up at the configured resolver.
pub async fn check_domain(io: &impl Io, site: Site<'_>, challenge: &crate::setup::DomainChallenge) -> Result<(), String> {
    let query = txt_query(&site.config.dns_resolver_url, challenge);
    match io.send(&query, DOH_TIMEOUT_MS, MAX_DOH_BYTES).await {
        Ok(resp) => check_txt_answer(resp.status, &resp.body, challenge).map_err(|e| e.to_string()),
        Err(_) => Err(crate::setup::DnsCheckError::Resolver.to_string()),
    }
}

/// Step 5: store the org (live at once) and spend the link.
async fn activate(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    token: &str,
    invitation: Invitation,
) -> Result<SetupOutcome, SetupFailure> {
    if invitation.step() != Step::ReadyToActivate {
        return Ok(SetupOutcome::Saved(wizard(token)));
    }
    let statics = &site.config.orgs;
    let conflict = statics.iter().find_map(|o| {
        (o.id == invitation.org).then(|| format!("org {:?} is defined by the static configuration", o.id)).or_else(|| {
            invitation.domains.iter().find(|d| o.domains.contains(d)).map(|d| format!("domain {d:?} is claimed by org {:?}", o.id))
        })
    });
    let answer = match conflict {
        Some(reason) => StateResponse::Conflict { reason },
        None => io.state(StateRequest::Activate { token_hash: invitation.token_hash.clone(), now: io.now() }).await?,
    };
    match answer {
        StateResponse::Stored { .. } => {
            // Live for the next request everywhere (see `flows::orgs`).
            let jurisdiction = invitation.jurisdiction.as_deref().and_then(crate::session::address::Jurisdiction::parse);
            super::orgs::announce(io, &invitation.org, jurisdiction).await?;
            Ok(SetupOutcome::Activated(invitation.org))
        }
        StateResponse::Conflict { reason } => {
            let mut page = view(site, token, invitation);
            page.error = Some(format!("This organization cannot be activated: {reason}. Contact the operator who sent the link."));
            Ok(SetupOutcome::Page(Box::new(page), 409))
        }
        StateResponse::Gone => Err(SetupFailure::NotFound),
        other => Err(FlowError::Store(format!("unexpected state answer {other:?}")).into()),
    }
}
