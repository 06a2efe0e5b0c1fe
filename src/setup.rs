//! Setup links (interface, section 6a): the invitation an operator creates, the
//! wizard's progress through it, the DNS TXT challenge of each domain and its check
//! through a DNS-over-HTTPS JSON answer. Pure rules; the flow is `flows::setup`.

use serde::{Deserialize, Serialize};

use crate::admin::AdminError;
use crate::config::{is_domain, is_org_id, RawOrg};
use crate::keys::sha256;
use crate::oidc::OutgoingRequest;
use crate::secret::StoredSecret;
use crate::session::address::Jurisdiction;
use crate::session::cookie::hex;

/// Default lifetime of a setup link, in seconds (7 days).
pub const DEFAULT_EXPIRES_IN_SECS: u64 = 7 * 24 * 3600;
/// Longest lifetime of a setup link, in seconds (30 days).
pub const MAX_EXPIRES_IN_SECS: u64 = 30 * 24 * 3600;
/// Most domains one invitation may claim.
pub const MAX_DOMAINS: usize = 50;
/// Most default projects one invitation may carry.
pub const MAX_PROJECTS: usize = 50;
/// Largest DNS-over-HTTPS answer read, in bytes.
pub const MAX_DOH_BYTES: usize = 64 * 1024;
/// Where the wizard of a token lives.
pub const SETUP_PATH: &str = "/_sso/setup/";
/// Prefix of the TXT record name.
pub const CHALLENGE_LABEL: &str = "_edge-sso-challenge";
/// Prefix of the TXT record value.
pub const CHALLENGE_PREFIX: &str = "edge-sso-verification=";

/// A setup link as the state object keeps it: the token only as its hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Invitation {
    /// The org id it creates.
    pub org: String,
    /// The email domains, fixed by the operator.
    pub domains: Vec<String>,
    /// Default projects, fixed by the operator.
    pub default_projects: Vec<String>,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds; the link is dead from then on.
    pub expires_at: u64,
    /// One TXT challenge per domain.
    pub challenges: Vec<DomainChallenge>,
    /// How far the customer's admin got.
    #[serde(default)]
    pub progress: Progress,
    /// Where the org's Durable Objects will live (`eu`, `fedramp`), fixed by the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

/// The TXT record that proves control of one domain, and whether it was seen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DomainChallenge {
    /// The domain.
    pub domain: String,
    /// The random value the record must carry.
    pub value: String,
    /// When the record was seen (Unix seconds); `None`: not verified.
    #[serde(default)]
    pub verified_at: Option<u64>,
}

impl DomainChallenge {
    /// A new, unverified challenge of `domain` with 128 random bits.
    pub fn new(domain: &str, random: &[u8; 16]) -> Self {
        Self { domain: domain.to_owned(), value: hex(random), verified_at: None }
    }

    /// The record's name: `_edge-sso-challenge.{domain}`.
    pub fn record_name(&self) -> String {
        format!("{CHALLENGE_LABEL}.{}", self.domain)
    }

    /// The record's value: `edge-sso-verification={value}`.
    pub fn record_value(&self) -> String {
        format!("{CHALLENGE_PREFIX}{}", self.value)
    }
}

/// What the customer's admin has done so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Progress {
    /// Checked client credentials (the secret is never shown again).
    #[serde(default)]
    pub credentials: Option<Credentials>,
    /// The email of the user whose test sign-in succeeded.
    #[serde(default)]
    pub tested_by: Option<String>,
    /// Why the last test sign-in failed (shown on the page).
    #[serde(default)]
    pub test_error: Option<String>,
    /// Why the last domain check failed: the domain and the reason.
    #[serde(default)]
    pub dns_error: Option<(String, String)>,
}

/// The IdP connection the customer's admin entered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    /// Issuer.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret (kept by the state object like a stored org's).
    pub client_secret: StoredSecret,
}

impl PartialEq for StoredSecret {
    fn eq(&self, other: &Self) -> bool {
        crate::secret::constant_time_eq(self.expose().as_bytes(), other.expose().as_bytes())
    }
}

impl Eq for StoredSecret {}

/// Where the wizard stands: each state is named after what it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The Okta app and its credentials.
    ExpectCredentials,
    /// A successful sign-in through the new connection.
    ExpectTestSignIn,
    /// At least one verified domain.
    ExpectDomainVerification,
    /// Everything done: the org may go live.
    ReadyToActivate,
}

impl Invitation {
    /// The current step.
    pub fn step(&self) -> Step {
        match (&self.progress.credentials, &self.progress.tested_by) {
            (None, _) => Step::ExpectCredentials,
            (Some(_), None) => Step::ExpectTestSignIn,
            (Some(_), Some(_)) if self.challenges.iter().any(|c| c.verified_at.is_some()) => Step::ReadyToActivate,
            (Some(_), Some(_)) => Step::ExpectDomainVerification,
        }
    }

    /// Whether `token` is this invitation's and it is still alive at `now`.
    pub fn opens_with(&self, token: &str, now: u64) -> bool {
        now < self.expires_at && crate::secret::constant_time_eq(token_hash(token).as_bytes(), self.token_hash.as_bytes())
    }

    /// The org as it will be stored (with the entered credentials), if they are set.
    pub fn org(&self) -> Option<RawOrg> {
        let c = self.progress.credentials.as_ref()?;
        let json = serde_json::json!({"id": self.org, "issuer": c.issuer, "client_id": c.client_id,
            "client_secret": c.client_secret.expose(), "domains": self.domains, "default_projects": self.default_projects});
        let mut raw: RawOrg = serde_json::from_value(json).ok()?;
        raw.jurisdiction.clone_from(&self.jurisdiction);
        Some(raw)
    }

    /// Domains whose challenge is not verified.
    pub fn unverified_domains(&self) -> Vec<String> {
        self.challenges.iter().filter(|c| c.verified_at.is_none()).map(|c| c.domain.clone()).collect()
    }
}

/// Hex SHA-256 of a token: what is stored instead of it.
pub fn token_hash(token: &str) -> String {
    hex(&sha256(token.as_bytes()))
}

/// The wizard's URL of `token`.
pub fn setup_url(base_url: &str, token: &str) -> String {
    format!("{base_url}{SETUP_PATH}{token}")
}

/// A token as it may appear in a URL: 43 base64url characters (256 bits).
pub fn is_token(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A `POST /_sso/admin/invitations` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// Org id.
    pub org: String,
    /// Lower-cased domains (at least one).
    pub domains: Vec<String>,
    /// Default projects.
    pub default_projects: Vec<String>,
    /// Lifetime in seconds.
    pub expires_in_secs: u64,
    /// Where the org's Durable Objects will live.
    pub jurisdiction: Option<Jurisdiction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNewInvitation {
    org: String,
    domains: Vec<String>,
    #[serde(default)]
    default_projects: Vec<String>,
    #[serde(default)]
    expires_in_secs: Option<u64>,
    #[serde(default)]
    jurisdiction: Option<String>,
}

/// Parses and checks an invitation request body.
pub fn parse_invitation(body: &[u8]) -> Result<NewInvitation, AdminError> {
    if body.len() > crate::admin::MAX_ADMIN_BODY_BYTES {
        return Err(AdminError::Invalid("body too large".into()));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let raw: RawNewInvitation =
        serde_path_to_error::deserialize(&mut de).map_err(|e| AdminError::Invalid(format!("{}: {}", e.path(), e.inner())))?;
    let mut new = new_invitation(&raw.org, &raw.domains, &raw.default_projects, raw.expires_in_secs)?;
    if let Some(name) = raw.jurisdiction {
        let known: Vec<&str> = Jurisdiction::ALL.iter().map(|j| j.as_str()).collect();
        let unknown = || AdminError::Invalid(format!("jurisdiction: unknown jurisdiction (one of: {})", known.join(", ")));
        new.jurisdiction = Some(Jurisdiction::parse(&name).ok_or_else(unknown)?);
    }
    Ok(new)
}

/// Checks the fields of an invitation (from JSON or the console's form).
pub fn new_invitation(
    org: &str,
    domains: &[String],
    projects: &[String],
    expires_in_secs: Option<u64>,
) -> Result<NewInvitation, AdminError> {
    if !is_org_id(org) {
        return Err(AdminError::Invalid("org: must match [a-z0-9-]{1,63}".into()));
    }
    let domains = check_domains(domains)?;
    let default_projects = check_projects(projects)?;
    let expires_in_secs = expires_in_secs.unwrap_or(DEFAULT_EXPIRES_IN_SECS);
    if !(1..=MAX_EXPIRES_IN_SECS).contains(&expires_in_secs) {
        return Err(AdminError::Invalid(format!("expires_in_secs: must be between 1 and {MAX_EXPIRES_IN_SECS}")));
    }
    Ok(NewInvitation { org: org.to_owned(), domains, default_projects, expires_in_secs, jurisdiction: None })
}

/// Lower-cased, unique, valid domains: at least one.
pub fn check_domains(domains: &[String]) -> Result<Vec<String>, AdminError> {
    if domains.is_empty() || domains.len() > MAX_DOMAINS {
        return Err(AdminError::Invalid(format!("domains: must list 1 to {MAX_DOMAINS} domains")));
    }
    let mut out: Vec<String> = Vec::with_capacity(domains.len());
    for (i, d) in domains.iter().enumerate() {
        let d = d.trim().to_ascii_lowercase();
        if !is_domain(&d) {
            return Err(AdminError::Invalid(format!("domains[{i}]: not a domain name")));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Valid default projects.
pub fn check_projects(projects: &[String]) -> Result<Vec<String>, AdminError> {
    if projects.len() > MAX_PROJECTS {
        return Err(AdminError::Invalid(format!("default_projects: at most {MAX_PROJECTS}")));
    }
    for (i, p) in projects.iter().enumerate() {
        if p.is_empty() || p.len() > 200 {
            return Err(AdminError::Invalid(format!("default_projects[{i}]: must be 1 to 200 characters")));
        }
    }
    Ok(projects.to_vec())
}

/// A pending setup link as `GET /_sso/admin/invitations` lists it (never the token).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InvitationSummary {
    /// Org id.
    pub org: String,
    /// Domains.
    pub domains: Vec<String>,
    /// Default projects.
    pub default_projects: Vec<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub expires_at: u64,
    /// `credentials`, `test_sign_in`, `domain_verification` or `activate`.
    pub step: &'static str,
}

impl InvitationSummary {
    /// The summary of `inv`.
    pub fn new(inv: &Invitation) -> Self {
        let step = match inv.step() {
            Step::ExpectCredentials => "credentials",
            Step::ExpectTestSignIn => "test_sign_in",
            Step::ExpectDomainVerification => "domain_verification",
            Step::ReadyToActivate => "activate",
        };
        Self {
            org: inv.org.clone(),
            domains: inv.domains.clone(),
            default_projects: inv.default_projects.clone(),
            created_at: inv.created_at,
            expires_at: inv.expires_at,
            step,
        }
    }
}

/// The DNS-over-HTTPS JSON query for the TXT record of `challenge`.
pub fn txt_query(resolver_url: &str, challenge: &DomainChallenge) -> OutgoingRequest {
    // `dns.resolver_url` was checked when the configuration was parsed.
    let mut url = url::Url::parse(resolver_url).unwrap_or_else(|_| invalid_url());
    url.query_pairs_mut().append_pair("name", &challenge.record_name()).append_pair("type", "TXT");
    OutgoingRequest { method: "GET", url: url.to_string(), headers: vec![("accept".into(), "application/dns-json".into())], body: None }
}

#[allow(clippy::unwrap_used)]
fn invalid_url() -> url::Url {
    // invariant: a constant, valid URL.
    url::Url::parse("https://invalid.invalid/").unwrap()
}

/// Why a domain did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsCheckError {
    /// The resolver could not be used.
    #[error("the DNS resolver could not be reached or answered incorrectly")]
    Resolver,
    /// The record does not exist (yet).
    #[error("no TXT record {0} was found; DNS changes can take a few minutes to appear")]
    NoRecord(String),
    /// TXT records exist but none carries the value.
    #[error("the TXT record {0} does not contain the expected value")]
    WrongValue(String),
}

#[derive(Deserialize)]
struct DohAnswer {
    #[serde(rename = "Status")]
    status: u32,
    #[serde(rename = "Answer", default)]
    answer: Vec<DohRecord>,
}

#[derive(Deserialize)]
struct DohRecord {
    #[serde(rename = "type")]
    kind: u32,
    data: String,
}

/// Checks a DNS-over-HTTPS JSON answer for the TXT record of `challenge`.
pub fn check_txt_answer(status: u16, body: &[u8], challenge: &DomainChallenge) -> Result<(), DnsCheckError> {
    if status != 200 {
        return Err(DnsCheckError::Resolver);
    }
    let answer: DohAnswer = serde_json::from_slice(body).map_err(|_| DnsCheckError::Resolver)?;
    let name = challenge.record_name();
    // 3 = NXDOMAIN; 0 with no TXT answer = no such record.
    if answer.status != 0 && answer.status != 3 {
        return Err(DnsCheckError::Resolver);
    }
    let texts: Vec<String> = answer.answer.iter().filter(|r| r.kind == 16).map(|r| txt_text(&r.data)).collect();
    if texts.is_empty() {
        return Err(DnsCheckError::NoRecord(name));
    }
    let expected = challenge.record_value();
    if texts.iter().any(|t| crate::secret::constant_time_eq(t.as_bytes(), expected.as_bytes())) {
        Ok(())
    } else {
        Err(DnsCheckError::WrongValue(name))
    }
}

/// The text of a TXT record's `data`: its quoted strings joined (`"a" "b"` → `ab`),
/// or the data itself when unquoted.
fn txt_text(data: &str) -> String {
    let data = data.trim();
    if !data.starts_with('"') {
        return data.to_owned();
    }
    let mut out = String::new();
    let mut inside = false;
    let mut escaped = false;
    for c in data.chars() {
        match (inside, escaped, c) {
            (true, true, c) => {
                out.push(c);
                escaped = false;
            }
            (true, false, '\\') => escaped = true,
            (_, false, '"') => inside = !inside,
            (true, false, c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge() -> DomainChallenge {
        DomainChallenge::new("initech.test", &[0xab; 16])
    }

    fn doh(status: u32, records: &[(u32, &str)]) -> Vec<u8> {
        let answer: Vec<_> = records.iter().map(|(t, d)| serde_json::json!({"name": "x", "type": t, "TTL": 60, "data": d})).collect();
        serde_json::json!({"Status": status, "Answer": answer}).to_string().into_bytes()
    }

    #[test]
    fn the_record_is_named_and_valued_as_the_contract_says() {
        let c = challenge();
        assert_eq!(c.record_name(), "_edge-sso-challenge.initech.test");
        assert_eq!(c.record_value(), format!("edge-sso-verification={}", "ab".repeat(16)));
    }

    #[test]
    fn a_matching_txt_record_verifies_quoted_split_or_plain() {
        let c = challenge();
        let v = c.record_value();
        let (a, b) = v.split_at(10);
        for data in [format!("\"{v}\""), format!("\"{a}\" \"{b}\""), v.clone()] {
            assert_eq!(check_txt_answer(200, &doh(0, &[(16, "\"other\""), (16, &data)]), &c), Ok(()), "{data}");
        }
    }

    #[test]
    fn missing_wrong_or_unreadable_records_do_not_verify() {
        let c = challenge();
        assert!(matches!(check_txt_answer(200, &doh(3, &[]), &c), Err(DnsCheckError::NoRecord(_))));
        assert!(matches!(check_txt_answer(200, &doh(0, &[(5, "cname.test.")]), &c), Err(DnsCheckError::NoRecord(_))));
        assert!(matches!(check_txt_answer(200, &doh(0, &[(16, "\"edge-sso-verification=nope\"")]), &c), Err(DnsCheckError::WrongValue(_))));
        assert_eq!(check_txt_answer(500, b"{}", &c), Err(DnsCheckError::Resolver));
        assert_eq!(check_txt_answer(200, b"garbage", &c), Err(DnsCheckError::Resolver));
        assert_eq!(check_txt_answer(200, &doh(2, &[]), &c), Err(DnsCheckError::Resolver), "SERVFAIL");
    }

    #[test]
    fn the_query_asks_the_resolver_for_txt_as_json() {
        let q = txt_query("https://dns.test/dns-query", &challenge());
        assert_eq!(q.url, "https://dns.test/dns-query?name=_edge-sso-challenge.initech.test&type=TXT");
        assert!(q.headers.contains(&("accept".into(), "application/dns-json".into())));
    }

    #[test]
    fn invitations_are_checked() {
        let ok = parse_invitation(br#"{"org":"initech","domains":["Initech.TEST"],"default_projects":["onboarding"]}"#).unwrap();
        assert_eq!((ok.domains, ok.expires_in_secs), (vec!["initech.test".to_owned()], DEFAULT_EXPIRES_IN_SECS));
        for bad in [
            r#"{"org":"Bad Id","domains":["a.test"]}"#,
            r#"{"org":"a","domains":[]}"#,
            r#"{"org":"a","domains":["nodot"]}"#,
            r#"{"org":"a","domains":["a.test"],"expires_in_secs":2592001}"#,
            r#"{"org":"a","domains":["a.test"],"surprise":1}"#,
            r#"[]"#,
        ] {
            assert_eq!(parse_invitation(bad.as_bytes()).map_err(|e| e.status()), Err(400), "{bad}");
        }
        assert!(parse_invitation(br#"{"org":"a","domains":["a.test"],"expires_in_secs":2592000}"#).is_ok(), "30 days is the most");
    }

    #[test]
    fn an_invitation_may_fix_the_orgs_jurisdiction_which_its_org_keeps() {
        assert_eq!(parse_invitation(br#"{"org":"a","domains":["a.test"]}"#).unwrap().jurisdiction, None);
        let eu = parse_invitation(br#"{"org":"a","domains":["a.test"],"jurisdiction":"eu"}"#).unwrap();
        assert_eq!(eu.jurisdiction, Some(Jurisdiction::Eu));
        match parse_invitation(br#"{"org":"a","domains":["a.test"],"jurisdiction":"mars"}"#) {
            Err(AdminError::Invalid(reason)) => assert_eq!(reason, "jurisdiction: unknown jurisdiction (one of: eu, fedramp)"),
            other => panic!("{other:?}"),
        }
        let mut invitation = Invitation {
            org: "a".into(),
            domains: vec!["a.test".into()],
            default_projects: vec![],
            token_hash: token_hash("t"),
            created_at: 0,
            expires_at: 1,
            challenges: vec![],
            progress: Progress::default(),
            jurisdiction: Some("eu".into()),
        };
        invitation.progress.credentials =
            Some(Credentials { issuer: "https://idp.test".into(), client_id: "c".into(), client_secret: StoredSecret::new("s") });
        let org = invitation.org().expect("org").validate("org", &|_| None).expect("valid");
        assert_eq!(org.jurisdiction, Some(Jurisdiction::Eu));
    }

    #[test]
    fn the_step_follows_the_progress() {
        let mut inv = Invitation {
            org: "initech".into(),
            domains: vec!["initech.test".into()],
            default_projects: vec![],
            token_hash: token_hash("t"),
            created_at: 0,
            expires_at: 100,
            challenges: vec![challenge()],
            progress: Progress::default(),
            jurisdiction: None,
        };
        assert_eq!(inv.step(), Step::ExpectCredentials);
        assert!(inv.org().is_none());
        inv.progress.credentials =
            Some(Credentials { issuer: "https://i.test".into(), client_id: "c".into(), client_secret: StoredSecret::new("s") });
        assert_eq!(inv.step(), Step::ExpectTestSignIn);
        inv.progress.tested_by = Some("erin@initech.test".into());
        assert_eq!(inv.step(), Step::ExpectDomainVerification);
        inv.challenges[0].verified_at = Some(5);
        assert_eq!(inv.step(), Step::ReadyToActivate);
        assert!(inv.org().is_some_and(|o| o.validate("org", &|_| None).is_ok()));
        assert!(inv.opens_with("t", 99) && !inv.opens_with("t", 100) && !inv.opens_with("u", 1));
    }

    #[test]
    fn tokens_have_one_shape() {
        assert!(is_token(&"a".repeat(43)) && !is_token(&"a".repeat(42)) && !is_token(&format!("{}/", "a".repeat(42))));
    }
}
