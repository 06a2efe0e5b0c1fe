//! `/_sso/admin/orgs…`: onboard, list and remove orgs without a redeploy. Enabled only
//! with `SSO_ADMIN_TOKEN` (else 404); the bearer token is compared in constant time.

use worker::{Method, Request, Response};

use super::answer::{self, Failure};
use super::net;
use super::orgs;
use super::store::state_call;
use super::{idp, store, Ctx};
use crate::admin::{parse_org_body, AdminError, OnboardingUris, OrgSummary, MAX_ADMIN_BODY_BYTES};
use crate::config::OrgConfig;
use crate::oidc::discovery::{discovery_url, parse_provider_metadata, MAX_DISCOVERY_BYTES};
use crate::oidc::token::token_request;
use crate::oidc::{IdpError, OutgoingRequest};
use crate::session::store::StoreRequest;

pub(crate) async fn route(ctx: &Ctx<'_>, mut req: Request, path: &str) -> Response {
    let Some(token) = &ctx.settings.admin_token else {
        return Failure::new(404, "not_found", "No such page.").into_response(false);
    };
    let presented = req.headers().get("authorization").ok().flatten().and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned));
    if !presented.is_some_and(|p| token.ct_eq(p.trim())) {
        ctx.log("admin", None, "unauthorized", Some(401), None);
        return answer::json(
            401,
            &serde_json::json!({"error": "unauthorized", "error_description": "a valid admin bearer token is required"}),
        );
    }
    let id = path.strip_prefix("/_sso/admin/orgs/").map(str::to_owned);
    let result = match (req.method(), id) {
        (Method::Get, None) if path == "/_sso/admin/orgs" => list(ctx).await,
        (Method::Put, Some(id)) => match net::read_body(&mut req, MAX_ADMIN_BODY_BYTES).await {
            Some(body) => put(ctx, &id, &body).await,
            None => Err(Failure::new(400, "invalid_request", "body missing or too large")),
        },
        (Method::Delete, Some(id)) => delete(ctx, &id).await,
        _ => Err(Failure::new(404, "not_found", "No such admin route.")),
    };
    result.unwrap_or_else(|f| ctx.fail("admin", None, f))
}

fn admin_failure(e: AdminError) -> Failure {
    let code = match e.status() {
        409 => "conflict",
        422 => "unverifiable",
        _ => "invalid_request",
    };
    Failure::new(e.status(), code, e.to_string())
}

async fn list(ctx: &Ctx<'_>) -> Result<Response, Failure> {
    let mut out: Vec<OrgSummary> = ctx.settings.config.orgs.iter().map(|o| OrgSummary::new(o, "static")).collect();
    for raw in orgs::stored(ctx.env).await? {
        if let Ok(org) = raw.validate("stored org", &|_| None) {
            out.push(OrgSummary::new(&org, "stored"));
        }
    }
    Ok(answer::json(200, &serde_json::json!({ "orgs": out })))
}

async fn put(ctx: &Ctx<'_>, id: &str, body: &[u8]) -> Result<Response, Failure> {
    let (raw, org) = parse_org_body(id, body).map_err(admin_failure)?;
    let statics = &ctx.settings.config.orgs;
    if statics.iter().any(|o| o.id == org.id) {
        return Err(admin_failure(AdminError::Conflict(format!("org {:?} is defined by the static configuration", org.id))));
    }
    crate::admin::check_conflicts(&org, statics).map_err(admin_failure)?;
    verify_provider(&org).await.map_err(admin_failure)?;
    let json = serde_json::to_string(&raw).map_err(|_| Failure::internal("org not serializable"))?;
    let mut resp = state_call(ctx.env, Method::Put, &format!("/orgs/{}", org.id), Some(json)).await?;
    match resp.status_code() {
        200 => {}
        409 => return Err(admin_failure(AdminError::Conflict(resp.text().await.unwrap_or_default()))),
        s => return Err(Failure::store_unavailable(format!("storing the org answered {s}"))),
    }
    ctx.log("admin_put_org", Some(&org.id), "ok", Some(200), None);
    Ok(answer::json(200, &OnboardingUris::new(&org.id, &ctx.base_url)))
}

/// Fetches the issuer's discovery document (its `issuer` must match) and checks the
/// client credentials at the token endpoint with a code that cannot exist: an
/// `invalid_client` answer means the id or secret is wrong.
async fn verify_provider(org: &OrgConfig) -> Result<(), AdminError> {
    let request = OutgoingRequest {
        method: "GET",
        url: discovery_url(&org.issuer),
        headers: vec![("accept".into(), "application/json".into())],
        body: None,
    };
    let resp = net::send(&request, idp::IDP_TIMEOUT, MAX_DISCOVERY_BYTES)
        .await
        .map_err(|_| AdminError::Unverifiable("the issuer cannot be reached".into()))?;
    if resp.status != 200 {
        return Err(AdminError::Unverifiable(format!("the issuer's discovery document answered {}", resp.status)));
    }
    let meta = parse_provider_metadata(&resp.body, &org.issuer).map_err(|e| match e {
        IdpError::Misbehaving(r) | IdpError::Unreachable(r) => AdminError::Unverifiable(r),
    })?;
    let probe = token_request(
        &meta.token_endpoint,
        org,
        "edge-sso-credential-check",
        "https://edge-sso.invalid/_sso/callback",
        "edge-sso-credential-check-verifier-0000000000",
    );
    if let Ok(resp) = net::send(&probe, idp::IDP_TIMEOUT, 16 * 1024).await {
        let error = serde_json::from_slice::<serde_json::Value>(&resp.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        if resp.status == 401 || error.as_deref() == Some("invalid_client") {
            return Err(AdminError::Unverifiable("the identity provider rejected the client id or secret".into()));
        }
    }
    Ok(())
}

async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Response, Failure> {
    if ctx.settings.config.orgs.iter().any(|o| o.id == id) {
        return Err(admin_failure(AdminError::Conflict(format!("org {id:?} is defined by the static configuration"))));
    }
    if !crate::config::is_org_id(id) {
        return Err(Failure::new(404, "not_found", "no such org"));
    }
    let resp = state_call(ctx.env, Method::Delete, &format!("/orgs/{id}"), None).await?;
    if resp.status_code() == 404 {
        return Err(Failure::new(404, "not_found", "no such org"));
    }
    store::call_org(ctx.env, ctx.settings.keys.store_name(), id, &StoreRequest::Purge).await?;
    ctx.log("admin_delete_org", Some(id), "ok", Some(200), None);
    Ok(answer::json(200, &serde_json::json!({"org": id, "deleted": true})))
}
