//! The setup wizard's pages: the Okta steps with the values to paste, the credentials
//! form, the test sign-in, the domain records, activation (the compile-time-checked,
//! auto-escaping template `templates/setup.html`, askama); and "you are done".

use askama::Template;

use super::{escape, layout, utc};
use crate::config::branding::Branding;
use crate::flows::SetupView;
use crate::setup::Step;

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupBody<'a> {
    view: &'a SetupView,
}

impl SetupBody<'_> {
    /// Unix seconds in UTC, for the template.
    fn utc(&self, secs: &u64) -> String {
        utc(*secs)
    }

    /// Whether a domain is verified already.
    fn verified(&self) -> bool {
        self.view.invitation.challenges.iter().any(|c| c.verified_at.is_some())
    }

    /// Issuer and client id as typed with a refused secret (never the secret).
    fn typed(&self) -> (&str, &str) {
        self.view.typed.as_ref().map_or(("", ""), |(issuer, client_id)| (issuer.as_str(), client_id.as_str()))
    }

    /// Whether the domains step is shown.
    fn at_domains(&self) -> bool {
        matches!(self.view.invitation.step(), Step::ExpectDomainVerification | Step::ReadyToActivate)
    }

    /// Whether the org may be activated.
    fn ready(&self) -> bool {
        self.view.invitation.step() == Step::ReadyToActivate
    }
}

/// The wizard at its current step (earlier steps stay visible, later ones wait).
pub fn setup_page(brand: &Branding, view: &SetupView) -> String {
    // invariant: rendering into a String fails only if a Display impl fails; none of ours does.
    let body = SetupBody { view }.render().unwrap_or_default();
    layout(brand, &format!("Set up single sign-on for {}", view.invitation.org), &body, true)
}

/// After activation: the org is live.
pub fn setup_done_page(brand: &Branding, org: &str, base_url: &str) -> String {
    layout(
        brand,
        "Single sign-on is active",
        &format!(
            "<h1>Single sign-on is active</h1><p>Users of {} can now sign in with their work email. This setup link no longer works.</p>\
<a class=\"button\" href=\"{}/_sso/login?org={}\">Sign in</a>",
            escape(org),
            escape(base_url),
            escape(org)
        ),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::OnboardingUris;
    use crate::secret::StoredSecret;
    use crate::setup::{token_hash, Credentials, DomainChallenge, Invitation, Progress};

    fn view(progress: Progress, typed: Option<(String, String)>) -> SetupView {
        SetupView {
            token: "t".repeat(43),
            invitation: Invitation {
                org: "initech".into(),
                domains: vec!["initech.test".into()],
                default_projects: vec![],
                token_hash: token_hash("t"),
                created_at: 0,
                expires_at: 86_400,
                challenges: vec![DomainChallenge::new("initech.test", &[7; 16])],
                progress,
                jurisdiction: None,
            },
            uris: OnboardingUris::new("initech", "https://app.test"),
            csrf: "c".repeat(32),
            error: Some("<b>refused</b>".into()),
            typed,
        }
    }

    fn credentials() -> Option<Credentials> {
        Some(Credentials { issuer: "https://i.test".into(), client_id: "cid".into(), client_secret: StoredSecret::new("s3cret-value") })
    }

    #[test]
    fn the_first_step_shows_every_value_to_paste_with_a_copy_button() {
        let html = setup_page(&Branding::default(), &view(Progress::default(), None));
        for value in
            ["/_sso/callback", "/_sso/logged-out", "/_sso/login?org=initech", "/_sso/backchannel-logout", "/_sso/global-token-revocation"]
        {
            assert!(html.contains(&format!("https://app.test{}</code><button type=\"button\"", escape(value))), "{value}");
        }
        assert!(html.contains("Either Okta or App") && html.contains("Authorization Code") && html.contains("Assignments"));
        assert!(html.contains("name=\"csrf\" value=\"cccccccccccccccccccccccccccccccc\""));
        assert!(html.contains("&#60;b&#62;refused&#60;/b&#62;") && !html.contains("<b>refused"), "errors escaped: {html}");
        assert!(!html.contains("test_sign_in"), "no test before the credentials");
    }

    #[test]
    fn the_secret_is_never_shown_again() {
        let saved = Progress { credentials: credentials(), ..Progress::default() };
        for v in [view(saved.clone(), None), view(saved, Some(("https://i.test".into(), "cid".into())))] {
            let html = setup_page(&Branding::default(), &v);
            assert!(!html.contains("s3cret-value"), "{html}");
            assert!(html.contains("name=\"action\" value=\"test_sign_in\""));
        }
    }

    #[test]
    fn domain_records_and_activation_follow_the_progress() {
        let mut tested = Progress { credentials: credentials(), tested_by: Some("erin@initech.test".into()), ..Progress::default() };
        tested.dns_error = Some(("initech.test".into(), "no TXT record".into()));
        let mut v = view(tested, None);
        let html = setup_page(&Branding::default(), &v);
        assert!(html.contains(&format!("_edge-sso-challenge.initech.test {}", v.invitation.challenges[0].record_value())));
        assert!(html.contains("dev/dns/records.txt") && html.contains("no TXT record") && !html.contains("value=\"activate\""));
        v.invitation.challenges[0].verified_at = Some(1);
        assert!(setup_page(&Branding::default(), &v).contains("value=\"activate\""));
    }
}
