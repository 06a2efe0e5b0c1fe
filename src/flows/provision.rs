//! Just-in-time provisioning at login: call the origin when the user is new to the org
//! or their attributes changed (a fingerprint kept by the org's directory), with retries;
//! no session unless it succeeded.

use super::access::sign_assertion;
use super::{FlowError, Io, NetError, Site};
use crate::config::OrgConfig;
use crate::oidc::OutgoingRequest;
use crate::provisioning::{backoff_ms, classify, ProvisioningOutcome, ProvisioningRequest, MAX_TRIES};
use crate::session::store::StoreRequest;
use crate::user::User;

/// Largest provisioning answer read, in bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Provisions `user` at the origin unless provisioning is off or nothing changed
/// (`known`: the fingerprint the org's directory answered at registration); answers the
/// origin's status when it was called.
pub async fn ensure_provisioned(
    io: &impl Io,
    site: Site<'_>,
    org: &OrgConfig,
    user: &User,
    known: Option<&str>,
) -> Result<Option<u16>, FlowError> {
    let Some(config) = &site.config.provisioning else { return Ok(None) };
    let body = ProvisioningRequest { user, projects: &org.default_projects };
    let fingerprint = body.fingerprint();
    if known == Some(fingerprint.as_str()) {
        return Ok(None);
    }
    let store = super::directory_of(io, &org.id, org.jurisdiction).await?;
    let assertion = sign_assertion(io, site, user).await?;
    let json = serde_json::to_string(&body).map_err(|_| FlowError::Internal("provisioning body".into()))?;
    let request = OutgoingRequest {
        method: "POST",
        url: config.url.clone(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("idempotency-key".into(), fingerprint.clone()),
            ("x-sso-assertion".into(), assertion),
        ],
        body: Some(json),
    };
    let mut last = String::new();
    for attempt in 1..=MAX_TRIES {
        if attempt > 1 {
            io.sleep(backoff_ms(attempt)).await;
        }
        match io.send(&request, config.timeout_ms, MAX_ANSWER_BYTES).await {
            Ok(resp) => match classify(resp.status, resp.content_type.as_deref(), &resp.body) {
                ProvisioningOutcome::Provisioned => {
                    io.store(&store, &StoreRequest::RecordProvisioned { subject: user.subject.clone(), fingerprint }).await?;
                    return Ok(Some(resp.status));
                }
                ProvisioningOutcome::Refused(reason) => return Err(FlowError::ProvisioningRefused { status: resp.status, reason }),
                ProvisioningOutcome::Retry => last = format!("provisioning answered {}", resp.status),
            },
            Err(NetError::Timeout) => last = "provisioning timed out".into(),
            Err(NetError::Unreachable) => last = "provisioning unreachable".into(),
            Err(NetError::TooLarge) => last = "provisioning answer too large".into(),
        }
    }
    Err(FlowError::ProvisioningUnavailable(last))
}
