//! Just-in-time provisioning at login: call the origin when the user is new to the
//! org or their email/name changed, with retries; no session unless it succeeded.

use std::time::Duration;

use worker::{Delay, Headers, Method, Request, RequestInit};

use super::answer::Failure;
use super::net::{self, NetError};
use super::protect::sign_assertion;
use super::{store, Ctx};
use crate::assertion::AssertionSubject;
use crate::config::OrgConfig;
use crate::oidc::id_token::Identity;
use crate::provisioning::{backoff_ms, classify, ProvisioningOutcome, ProvisioningRequest, MAX_TRIES};
use crate::session::store::{StoreRequest, StoreResponse};

const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub(crate) async fn ensure(ctx: &Ctx<'_>, org: &OrgConfig, identity: &Identity) -> Result<(), Failure> {
    let Some(config) = &ctx.settings.config.provisioning else { return Ok(()) };
    let body = ProvisioningRequest {
        org: org.id.clone(),
        issuer: org.issuer.clone(),
        subject: identity.subject.clone(),
        email: identity.email.clone(),
        name: identity.name.clone(),
        given_name: identity.given_name.clone(),
        family_name: identity.family_name.clone(),
        projects: org.default_projects.clone(),
    };
    let fingerprint = body.fingerprint();
    let store_key = ctx.settings.keys.store_name();
    let known =
        store::call_org(ctx.env, store_key, &org.id, &StoreRequest::ProvisionedFingerprint { subject: identity.subject.clone() }).await?;
    if matches!(&known, StoreResponse::Fingerprint { fingerprint: Some(f) } if *f == fingerprint) {
        return Ok(());
    }
    let who = AssertionSubject {
        subject: &identity.subject,
        email: identity.email.as_deref(),
        name: identity.name.as_deref(),
        org: &org.id,
        idp_issuer: &org.issuer,
    };
    let assertion = sign_assertion(ctx, who).await?;
    let json = serde_json::to_string(&body).map_err(|_| Failure::internal("provisioning body"))?;
    let mut last = String::new();
    for attempt in 1..=MAX_TRIES {
        if attempt > 1 {
            Delay::from(Duration::from_millis(backoff_ms(attempt))).await;
        }
        let req = request(&config.url, &json, &fingerprint, &assertion)?;
        match net::send_request(req, Duration::from_millis(config.timeout_ms), MAX_ANSWER_BYTES).await {
            Ok(resp) => match classify(resp.status, resp.content_type.as_deref(), &resp.body) {
                ProvisioningOutcome::Provisioned => {
                    let record = StoreRequest::RecordProvisioned { subject: identity.subject.clone(), fingerprint };
                    store::call_org(ctx.env, store_key, &org.id, &record).await?;
                    ctx.log("provisioning", Some(&org.id), "ok", Some(resp.status), None);
                    return Ok(());
                }
                ProvisioningOutcome::Refused(reason) => {
                    let shown = match reason {
                        Some(r) => format!("Your account could not be set up: {r}"),
                        None => "Your account could not be set up. Ask your administrator for access.".to_owned(),
                    };
                    return Err(Failure::new(403, "access_denied", shown).logged_as(format!("provisioning refused with {}", resp.status)));
                }
                ProvisioningOutcome::Retry => last = format!("provisioning answered {}", resp.status),
            },
            Err(NetError::Timeout) => last = "provisioning timed out".into(),
            Err(NetError::Unreachable) => last = "provisioning unreachable".into(),
            Err(NetError::TooLarge) => last = "provisioning answer too large".into(),
        }
    }
    Err(Failure::new(503, "temporarily_unavailable", "Your account could not be set up right now. Please try again in a moment.")
        .logged_as(last))
}

fn request(url: &str, json: &str, idempotency_key: &str, assertion: &str) -> Result<Request, Failure> {
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let _ = headers.set("idempotency-key", idempotency_key);
    let _ = headers.set("x-sso-assertion", assertion);
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(json.into()));
    Request::new_with_init(url, &init).map_err(|_| Failure::internal("provisioning request"))
}
