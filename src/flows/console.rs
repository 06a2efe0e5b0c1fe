//! The operator's console (`/_sso/admin/`, interface section 6b): who may use it (the
//! members of `SSO.admin`, signed in through edge-sso), what it shows (orgs, domains and
//! their verification, live sessions, last sign-in, pending setup links) and what its
//! forms do. Every action is a same-origin `POST` carrying the page's CSRF token.

use std::collections::HashMap;

use super::invitations::{create_invitation, pending_invitations, withdraw_invitation, InvitationFailure};
use super::orgs::{announce, announce_everywhere};
use super::setup::{check_domain, form_fields};
use super::{random, FlowError, Io, OrgDirectory, Site};
use crate::admin::{check_conflicts, AdminError, OrgSummary};
use crate::config::{is_org_id, OrgConfig, RawOrg};
use crate::keys::mac;
use crate::login::email_domain;
use crate::secret::constant_time_eq;
use crate::session::address::{Jurisdiction, StoreAddress};
use crate::session::cookie::hex;
use crate::session::store::{RevokeTarget, StoreRequest, StoreResponse};
use crate::setup::{check_domains, check_projects, new_invitation, DomainChallenge, InvitationSummary};
use crate::sso_state::{OrgClaims, StateRequest, StateResponse};
use crate::user::User;

/// Who is asking for the console.
#[derive(Debug, PartialEq, Eq)]
pub enum ConsoleAccess {
    /// No `SSO.admin`: the console does not exist (`404`).
    Disabled,
    /// Not signed in: sign in first (like any protected page).
    SignIn,
    /// Signed in, but not one of the operator's staff (`403`).
    Forbidden,
    /// One of the operator's staff (their email).
    Allowed(String),
}

/// Decides who may use the console: a user of `admin.org` whose email is listed.
pub fn console_access(site: Site<'_>, user: Option<&User>) -> ConsoleAccess {
    let Some(admin) = &site.config.admin else { return ConsoleAccess::Disabled };
    let Some(user) = user else { return ConsoleAccess::SignIn };
    match user.email.as_deref().map(str::to_ascii_lowercase) {
        Some(email) if user.org == admin.org && admin.emails.contains(&email) => ConsoleAccess::Allowed(email),
        _ => ConsoleAccess::Forbidden,
    }
}

/// The CSRF token of the console's forms, bound to the operator's session.
fn console_csrf(site: Site<'_>, session_key: &str) -> String {
    hex(&mac(site.keys.login_cookie(), &[b"console-csrf", session_key.as_bytes()])[..16])
}

/// One org as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    /// Everything but the secret (`source`: `static`, `admin API` or `setup link`).
    pub summary: OrgSummary,
    /// Each domain, whether it is verified, and its challenge when it has one.
    pub domains: Vec<(String, bool, Option<DomainChallenge>)>,
    /// Live sessions (`None`: the store did not answer).
    pub live_sessions: Option<u64>,
    /// The latest sign-in, Unix seconds.
    pub last_sign_in: Option<u64>,
}

/// What the console page shows.
#[derive(Debug)]
pub struct ConsoleView {
    /// The signed-in operator.
    pub operator: String,
    /// Every org.
    pub orgs: Vec<OrgRow>,
    /// Pending setup links.
    pub invitations: Vec<InvitationSummary>,
    /// The CSRF token of every form.
    pub csrf: String,
    /// What the last action did (or why it was refused), and the page's status.
    pub notice: Option<(Notice, u16)>,
}

/// The result of an action, shown above the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// It worked.
    Done(String),
    /// A setup link was created: its URL, shown this once.
    Invited {
        /// Org id.
        org: String,
        /// The link.
        url: String,
    },
    /// It was refused.
    Refused(String),
}

/// Why a console `POST` was refused before anything happened.
#[derive(Debug, PartialEq, Eq)]
pub enum ConsoleFailure {
    /// Not same-origin, or without the page's CSRF token (`403`).
    Forbidden,
    /// A platform failure.
    Failed(FlowError),
}

impl From<FlowError> for ConsoleFailure {
    fn from(e: FlowError) -> Self {
        Self::Failed(e)
    }
}

/// The console page.
pub async fn console(io: &(impl Io + OrgDirectory), site: Site<'_>, operator: &str, session_key: &str) -> Result<ConsoleView, FlowError> {
    let (stored, claims) = match io.state(StateRequest::ListOrgs).await? {
        StateResponse::Orgs { orgs, claims } => (orgs, claims),
        other => return Err(FlowError::Store(format!("unexpected state answer {other:?}"))),
    };
    let mut rows = Vec::new();
    for org in &site.config.orgs {
        rows.push((OrgSummary::new(org, "static"), None, org.jurisdiction));
    }
    for raw in stored {
        if let Ok(org) = raw.validate("stored org", &|_| None) {
            if rows.iter().any(|(s, _, _): &(OrgSummary, _, _)| s.id == org.id) {
                continue;
            }
            let claim = claims.iter().find(|c| c.org == org.id).cloned();
            let source = if claim.is_some() { "setup link" } else { "admin API" };
            rows.push((OrgSummary::new(&org, source), claim, org.jurisdiction));
        }
    }
    let mut orgs = Vec::with_capacity(rows.len());
    for (summary, claim, jurisdiction) in rows {
        let (live_sessions, last_sign_in) = org_stats(io, &summary.id, jurisdiction).await;
        let domains = summary
            .domains
            .iter()
            .map(|d| match claim.as_ref().and_then(|c| c.challenges.iter().find(|ch| &ch.domain == d)) {
                Some(ch) => (d.clone(), ch.verified_at.is_some(), Some(ch.clone())),
                None => (d.clone(), claim.is_none(), None),
            })
            .collect();
        orgs.push(OrgRow { summary, domains, live_sessions, last_sign_in });
    }
    let invitations = pending_invitations(io).await?;
    Ok(ConsoleView { operator: operator.to_owned(), orgs, invitations, csrf: console_csrf(site, session_key), notice: None })
}

/// One console action; then the console page with what happened.
pub async fn console_action(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    operator: &str,
    session_key: &str,
    same_origin: bool,
    form: &[u8],
) -> Result<ConsoleView, ConsoleFailure> {
    let fields = form_fields(form);
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    if !same_origin || !constant_time_eq(field("csrf").as_bytes(), console_csrf(site, session_key).as_bytes()) {
        return Err(ConsoleFailure::Forbidden);
    }
    let notice = match act(io, site, &fields).await {
        Ok(notice) => (notice, 200),
        Err(Refusal(status, reason)) => (Notice::Refused(reason), status),
    };
    let mut view = console(io, site, operator, session_key).await?;
    view.notice = Some(notice);
    Ok(view)
}

/// A refused action: its status and the reason shown.
struct Refusal(u16, String);

impl From<FlowError> for Refusal {
    fn from(e: FlowError) -> Self {
        Self(503, format!("The change could not be made right now ({e}). Try again."))
    }
}

impl From<AdminError> for Refusal {
    fn from(e: AdminError) -> Self {
        Self(e.status(), e.to_string())
    }
}

impl From<InvitationFailure> for Refusal {
    fn from(f: InvitationFailure) -> Self {
        match f {
            InvitationFailure::Refused(e) => e.into(),
            InvitationFailure::NotFound => Self(404, "There is no pending setup link for that org.".into()),
            InvitationFailure::Failed(e) => e.into(),
        }
    }
}

/// Splits a list typed into a form field (commas, spaces or new lines).
fn list(value: &str) -> Vec<String> {
    value.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).take(100).map(str::to_owned).collect()
}

async fn act(io: &(impl Io + OrgDirectory), site: Site<'_>, fields: &HashMap<String, String>) -> Result<Notice, Refusal> {
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let org = field("org");
    match field("action") {
        "create_invitation" => {
            let days = field("expires_in_days").trim().parse::<u64>().unwrap_or(7);
            let new = new_invitation(org, &list(field("domains")), &list(field("default_projects")), Some(days.saturating_mul(86_400)))?;
            let created = create_invitation(io, site, new).await?;
            Ok(Notice::Invited { org: created.org, url: created.url })
        }
        "withdraw_invitation" => {
            withdraw_invitation(io, org).await?;
            Ok(Notice::Done(format!("The setup link of {org} was withdrawn.")))
        }
        "edit_org" => edit_org(io, site, org, &list(field("domains")), &list(field("default_projects"))).await,
        "verify_domain" => verify_domain(io, site, org, field("domain")).await,
        "end_user_sessions" => {
            let email = field("email").trim().to_ascii_lowercase();
            let Some(domain) = email_domain(&email) else { return Err(Refusal(400, "Enter an email address.".into())) };
            let orgs = io.orgs().await?;
            let owners: Vec<&OrgConfig> = orgs.iter().filter(|o| o.domains.contains(&domain)).collect();
            let targets: Vec<&OrgConfig> = if owners.is_empty() { orgs.iter().collect() } else { owners };
            let mut ended = 0;
            for target in targets {
                ended += revoke(io, target, RevokeTarget::Email { email: email.clone() }).await?;
            }
            Ok(Notice::Done(format!("{ended} session(s) of {email} ended.")))
        }
        "end_org_sessions" => {
            let orgs = io.orgs().await?;
            let Some(config) = orgs.iter().find(|o| o.id == org) else {
                return Err(Refusal(404, "No such org.".into()));
            };
            let ended = revoke(io, config, RevokeTarget::Everyone { after: None }).await?;
            Ok(Notice::Done(format!("{ended} session(s) of {org} ended.")))
        }
        "remove_org" => {
            if site.config.orgs.iter().any(|o| o.id == org) {
                return Err(AdminError::Conflict(format!("org {org:?} is defined by the static configuration")).into());
            }
            if !is_org_id(org) {
                return Err(Refusal(404, "No such org.".into()));
            }
            let jurisdiction = super::admin::stored_jurisdiction(io, org).await?;
            if !io.delete_org(org).await? {
                announce_everywhere(io, org).await;
                return Err(Refusal(404, "No such org.".into()));
            }
            announce(io, org, jurisdiction).await?;
            super::revocation::revoke_everyone(io, org, jurisdiction).await?;
            io.store(&super::directory_of(io, org, jurisdiction).await?, &StoreRequest::Purge).await?;
            Ok(Notice::Done(format!("{org} was removed and its sessions ended.")))
        }
        _ => Err(Refusal(400, "Unknown action.".into())),
    }
}

async fn revoke(io: &impl Io, org: &OrgConfig, target: RevokeTarget) -> Result<u64, FlowError> {
    if let RevokeTarget::Everyone { .. } = target {
        return super::revocation::revoke_everyone(io, &org.id, org.jurisdiction).await;
    }
    match super::revocation::revoke_users(io, org, target, None, false).await {
        Ok(super::revocation::Revoked::Done { sessions, .. }) => Ok(sessions),
        Ok(super::revocation::Revoked::Replayed) => Err(FlowError::Store("unexpected directory answer".into())),
        Err(e) => Err(e.into_error()),
    }
}

/// Most users whose objects the console asks for their live sessions, per org.
const CONSOLE_MAX_USERS: usize = 200;

/// An org's live sessions (summed over its users' objects; `None` when it has more than
/// [`CONSOLE_MAX_USERS`] users or one cannot be asked) and its last sign-in (the directory's).
async fn org_stats(io: &impl Io, org: &str, jurisdiction: Option<Jurisdiction>) -> (Option<u64>, Option<u64>) {
    let Ok(key) = io.store_name_key().await else { return (None, None) };
    let directory = StoreAddress::new(crate::session::cookie::store_name_for_org(&key, org), jurisdiction);
    let now = io.now();
    let last = match io.store(&directory, &StoreRequest::Stats { now }).await {
        Ok(StoreResponse::Stats { last_sign_in, .. }) => last_sign_in,
        _ => None,
    };
    let everyone = StoreRequest::Resolve { target: RevokeTarget::Everyone { after: None }, jti: None, now };
    let Ok(StoreResponse::Resolved { subjects, .. }) = io.store(&directory, &everyone).await else { return (None, last) };
    if subjects.len() > CONSOLE_MAX_USERS {
        return (None, last);
    }
    let mut live = 0;
    for subject in &subjects {
        let object = StoreAddress::new(crate::session::cookie::user_object_name(&key, org, subject), jurisdiction);
        match io.store(&object, &StoreRequest::Stats { now }).await {
            Ok(StoreResponse::Stats { live_sessions, .. }) => live += live_sessions,
            _ => return (None, last),
        }
    }
    (Some(live), last)
}

/// A stored org and its domain claims.
async fn stored_org(io: &(impl Io + OrgDirectory), org: &str) -> Result<(RawOrg, Option<OrgClaims>), Refusal> {
    let StateResponse::Orgs { orgs, claims } = io.state(StateRequest::ListOrgs).await? else {
        return Err(FlowError::Store("unexpected state answer".into()).into());
    };
    let raw = orgs.into_iter().find(|o| o.id == org).ok_or_else(|| Refusal(404, "No such stored org.".into()))?;
    Ok((raw, claims.into_iter().find(|c| c.org == org)))
}

/// New domains and default projects of a stored org; a new domain of an org created
/// through a setup link is unverified until its TXT record is seen.
async fn edit_org(
    io: &(impl Io + OrgDirectory),
    site: Site<'_>,
    org: &str,
    domains: &[String],
    projects: &[String],
) -> Result<Notice, Refusal> {
    if site.config.orgs.iter().any(|o| o.id == org) {
        return Err(AdminError::Conflict(format!("org {org:?} is defined by the static configuration; change SSO instead")).into());
    }
    let (mut raw, claims) = stored_org(io, org).await?;
    raw.domains = check_domains(domains)?;
    raw.default_projects = check_projects(projects)?;
    let edited = raw.clone().validate("org", &|_| None).map_err(AdminError::from)?;
    check_conflicts(&edited, &site.config.orgs)?;
    if let Err(e) = io.put_org(&raw).await {
        return Err(match e {
            Ok(conflict) => AdminError::Conflict(conflict).into(),
            Err(e) => e.into(),
        });
    }
    if let Some(claims) = claims {
        let mut challenges = Vec::with_capacity(edited.domains.len());
        for d in &edited.domains {
            match claims.challenges.iter().find(|c| &c.domain == d) {
                Some(c) => challenges.push(c.clone()),
                None => challenges.push(DomainChallenge::new(d, &random::<16>(io)?)),
            }
        }
        io.state(StateRequest::SetClaims { org: org.to_owned(), claims: challenges }).await?;
    }
    announce(io, org, edited.jurisdiction).await?;
    Ok(Notice::Done(format!("{org} now has the domains {}.", edited.domains.join(", "))))
}

/// Checks a domain's TXT record again.
async fn verify_domain(io: &(impl Io + OrgDirectory), site: Site<'_>, org: &str, domain: &str) -> Result<Notice, Refusal> {
    let (_, claims) = stored_org(io, org).await?;
    let Some(mut claims) = claims else { return Err(Refusal(400, format!("{org} has no domain to verify."))) };
    let Some(challenge) = claims.challenges.iter_mut().find(|c| c.domain == domain) else {
        return Err(Refusal(404, "No such domain.".into()));
    };
    match check_domain(io, site, challenge).await {
        Ok(()) => {
            challenge.verified_at = Some(io.now());
            io.state(StateRequest::SetClaims { org: org.to_owned(), claims: claims.challenges }).await?;
            announce(io, org, super::admin::stored_jurisdiction(io, org).await?).await?;
            Ok(Notice::Done(format!("{domain} is verified: it routes logins to {org}.")))
        }
        Err(reason) => Err(Refusal(422, format!("{domain} is not verified: {reason}"))),
    }
}
