//! `/_sso/admin/orgs…` and `/_sso/admin/invitations…` over Workers: the stored orgs and
//! setup links live in the `SsoState` object;
//! the rules are [`crate::flows::admin`]'s.

use worker::{Request, Response};

use super::answer::{self, Failure};
use super::io::EdgeIo;
use super::net::read_body;
use super::orgs;
use super::store::state_call;
use super::Ctx;
use crate::admin::{MAX_ADMIN_BODY_BYTES, MIN_ADMIN_TOKEN_BYTES};
use crate::config::RawOrg;
use crate::flows::{self, AdminAnswer, AdminFailure, FlowError, OrgDirectory};
use crate::routes::AdminCall;
use crate::sso_state::{StateRequest, StateResponse};

/// Answers one admin call.
pub(crate) async fn route(ctx: &Ctx<'_>, mut req: Request, call: AdminCall<'_>) -> Response {
    let authorization = req.headers().get("authorization").ok().flatten();
    let body = match call {
        AdminCall::PutOrg(_) | AdminCall::CreateInvitation => read_body(&mut req, MAX_ADMIN_BODY_BYTES).await,
        _ => None,
    };
    let traced = flows::admin(&ctx.io(), ctx.site(), &ctx.settings.admin, authorization.as_deref(), call, body.as_deref()).await;
    let org = traced.org.as_deref();
    match traced.result {
        Ok(AdminAnswer::Orgs(orgs)) => answer::json(200, &serde_json::json!({ "orgs": orgs })),
        Ok(AdminAnswer::Onboarded(uris)) => {
            ctx.log("admin_put_org", org, "ok", Some(200), None);
            answer::json(200, &uris)
        }
        Ok(AdminAnswer::Deleted(id)) => {
            ctx.log("admin_delete_org", org, "ok", Some(200), None);
            answer::json(200, &serde_json::json!({"org": id, "deleted": true}))
        }
        Ok(AdminAnswer::Invited(created)) => {
            ctx.log("admin_invite", org.or(Some(&created.org)), "ok", Some(201), None);
            answer::json(201, &created)
        }
        Ok(AdminAnswer::Invitations(invitations)) => answer::json(200, &serde_json::json!({ "invitations": invitations })),
        Ok(AdminAnswer::Withdrawn(id)) => {
            ctx.log("admin_withdraw_invitation", org, "ok", Some(200), None);
            answer::json(200, &serde_json::json!({"org": id, "withdrawn": true}))
        }
        Err(AdminFailure::Disabled) => Failure::new(404, "not_found", "No such page.").into_response(false),
        Err(AdminFailure::TokenTooShort) => {
            let why = format!("admin API disabled: SSO_ADMIN_TOKEN is shorter than {MIN_ADMIN_TOKEN_BYTES} bytes");
            ctx.log("admin", org, "disabled", Some(404), Some(&why));
            Failure::new(404, "not_found", "No such page.").into_response(false)
        }
        Err(AdminFailure::Unauthorized) => {
            ctx.log("admin", org, "unauthorized", Some(401), None);
            let body = serde_json::json!({"error": "unauthorized", "error_description": "a valid admin bearer token is required"});
            answer::json(401, &body)
        }
        Err(f) => ctx.fail("admin", org, f.into()),
    }
}

impl OrgDirectory for EdgeIo<'_, '_> {
    async fn stored_orgs(&self) -> Result<Vec<RawOrg>, FlowError> {
        Ok(orgs::stored(self.0.env).await?.0)
    }

    async fn put_org(&self, org: &RawOrg) -> Result<(), Result<String, FlowError>> {
        match state_call(self.0.env, &StateRequest::PutOrg { org: Box::new(org.clone()) }).await {
            Ok(StateResponse::Stored { .. }) => Ok(()),
            Ok(StateResponse::Conflict { reason }) => Err(Ok(reason)),
            Ok(_) => Err(Err(FlowError::Store("unexpected state answer".into()))),
            Err(f) => Err(Err(f.into())),
        }
    }

    async fn state(&self, request: StateRequest) -> Result<StateResponse, FlowError> {
        Ok(state_call(self.0.env, &request).await?)
    }

    async fn delete_org(&self, id: &str) -> Result<bool, FlowError> {
        match state_call(self.0.env, &StateRequest::DeleteOrg { id: id.to_owned() }).await? {
            StateResponse::Deleted { existed } => Ok(existed),
            _ => Err(FlowError::Store("unexpected state answer".into())),
        }
    }
}
