//! The setup wizard's pages: the Okta steps with the values to paste, the credentials
//! form, the test sign-in, the domain records, activation; and "you are done".

use super::{copyable, escape, hidden, layout, utc};
use crate::config::branding::Branding;
use crate::flows::SetupView;
use crate::setup::Step;

/// The wizard at its current step (earlier steps stay visible, later ones wait).
pub fn setup_page(brand: &Branding, view: &SetupView) -> String {
    let inv = &view.invitation;
    let step = inv.step();
    let org = escape(&inv.org);
    let action = format!("/_sso/setup/{}", escape(&view.token));
    let form = |name: &str, fields: &str, label: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\">{}{}{fields}<button class=\"button{class}\" type=\"submit\">{label}</button></form>",
            hidden("csrf", &view.csrf),
            hidden("action", name)
        )
    };
    let mark = |done: bool| if done { "<span class=\"ok\">✓ done</span>" } else { "<span class=\"todo\">to do</span>" };
    let has_credentials = inv.progress.credentials.is_some();
    let tested = inv.progress.tested_by.is_some();
    let verified = inv.challenges.iter().any(|c| c.verified_at.is_some());
    let mut body = format!(
        "<h1>Set up single sign-on for {org}</h1><p>Your organization's identity provider (Okta) will sign your users in. \
This link works until {} and can be reopened to continue where you stopped.</p>\
<ol class=\"steps\"><li>Create the app in Okta {}</li><li>Enter its credentials {}</li><li>Test sign-in {}</li>\
<li>Verify your domains {}</li><li>Activate</li></ol>",
        utc(inv.expires_at),
        mark(has_credentials),
        mark(has_credentials),
        mark(tested),
        mark(verified)
    );
    if let Some(error) = &view.error {
        body.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>", escape(error)));
    }
    let u = &view.uris;
    let okta = format!(
        "<h2>1. Create the app in Okta</h2><ol>\
<li>In the Okta Admin Console open <b>Applications → Applications</b> and click <b>Create App Integration</b>.</li>\
<li>Choose <b>OIDC - OpenID Connect</b> and <b>Web Application</b>, then <b>Next</b>.</li>\
<li>Name the app; under <b>Grant type</b> keep only <b>Authorization Code</b>.</li>\
<li><b>Sign-in redirect URIs</b>:{}</li><li><b>Sign-out redirect URIs</b>:{}</li>\
<li><b>Assignments</b>: choose who may sign in (everyone, or selected groups), then <b>Save</b>.</li>\
<li>On the app's <b>General</b> tab, <b>Edit</b> the <b>Login</b> section: <b>Login initiated by</b> <i>Either Okta or App</i>, \
<b>Initiate login URI</b>:{}</li>\
<li>In the <b>Logout</b> section, where your Okta org offers them: the back-channel logout URI{}and the <b>Universal Logout</b> \
(global token revocation) endpoint{}</li>\
<li>Copy the <b>Client ID</b> and the <b>Client secret</b> from the General tab. The issuer is your Okta URL \
(e.g. <code>https://yourcompany.okta.com</code>).</li></ol>",
        copyable("redirect-uri", &u.redirect_uri),
        copyable("post-logout-uri", &u.post_logout_redirect_uri),
        copyable("initiate-login-uri", &u.initiate_login_uri),
        copyable("backchannel-uri", &u.backchannel_logout_uri),
        copyable("revocation-uri", &u.global_token_revocation_uri),
    );
    if has_credentials {
        body.push_str(&format!("<details><summary>The Okta steps and values again</summary>{okta}</details>"));
    } else {
        body.push_str(&okta);
    }
    body.push_str("<section><h2>2. Enter the app's credentials</h2>");
    match &inv.progress.credentials {
        Some(c) if view.typed.is_none() => body.push_str(&format!(
            "<p>Issuer <code>{}</code>, client ID <code>{}</code>; the client secret is saved and will not be shown again.</p>{}",
            escape(&c.issuer),
            escape(&c.client_id),
            form("change_credentials", "", "Change the credentials", " small secondary")
        )),
        _ => {
            let (issuer, client_id) = view.typed.clone().unwrap_or_default();
            let fields = format!(
                "<label for=\"issuer\">Issuer</label><input type=\"url\" id=\"issuer\" name=\"issuer\" required placeholder=\"https://yourcompany.okta.com\" value=\"{}\">\
<label for=\"client_id\">Client ID</label><input type=\"text\" id=\"client_id\" name=\"client_id\" required autocomplete=\"off\" value=\"{}\">\
<label for=\"client_secret\">Client secret</label><input type=\"password\" id=\"client_secret\" name=\"client_secret\" required autocomplete=\"off\">",
                escape(&issuer),
                escape(&client_id)
            );
            body.push_str(&form("credentials", &fields, "Check and save", ""));
        }
    }
    body.push_str("</section>");
    if has_credentials {
        body.push_str("<section><h2>3. Test sign-in</h2>");
        match &inv.progress.tested_by {
            Some(email) => body.push_str(&format!("<p class=\"ok\">✓ {} signed in through the new connection.</p>", escape(email))),
            None => {
                body.push_str(&format!(
                    "<p>Sign in once with a user of {} assigned to the app. Nothing goes live yet. If Okta shows an error about the \
<code>redirect_uri</code>, the sign-in redirect URI above is not registered exactly as shown.</p>",
                    escape(&inv.domains.join(", "))
                ));
                if let Some(error) = &inv.progress.test_error {
                    body.push_str(&format!("<p class=\"error\" role=\"alert\">The test sign-in failed: {}</p>", escape(error)));
                }
                body.push_str(&form("test_sign_in", "", "Test sign-in", ""));
            }
        }
        body.push_str("</section>");
    }
    if matches!(step, Step::ExpectDomainVerification | Step::ReadyToActivate) {
        body.push_str(&domains(view, &form));
    }
    if step == Step::ReadyToActivate {
        let unverified = inv.unverified_domains();
        let note = if unverified.is_empty() {
            String::new()
        } else {
            format!(
                " Emails at {} will not be routed here until verified (the operator can check them again later).",
                escape(&unverified.join(", "))
            )
        };
        body.push_str(&format!(
            "<section><h2>5. Activate</h2><p>Your users can sign in as soon as you activate; this link then stops working.{note}</p>{}</section>",
            form("activate", "", "Activate single sign-on", "")
        ));
    }
    layout(brand, &format!("Set up single sign-on for {}", inv.org), &body, true)
}

fn domains(view: &SetupView, form: &dyn Fn(&str, &str, &str, &str) -> String) -> String {
    let inv = &view.invitation;
    let mut out = String::from(
        "<section><h2>4. Verify your domains</h2><p>For each domain, create a DNS TXT record with this name and value at your \
DNS provider, then click <b>Verify</b>. Only verified domains send sign-ins here.</p>",
    );
    for (i, c) in inv.challenges.iter().enumerate() {
        out.push_str(&format!("<h3>{}</h3>", escape(&c.domain)));
        if c.verified_at.is_some() {
            out.push_str("<p class=\"ok\">✓ Verified</p>");
            continue;
        }
        out.push_str(&format!(
            "Name{}Value{}",
            copyable(&format!("txt-name-{i}"), &c.record_name()),
            copyable(&format!("txt-value-{i}"), &c.record_value())
        ));
        if c.domain.ends_with(".test") {
            out.push_str(&format!(
                "<p class=\"help\">Local development (<code>make dev</code>): add the line <code>{} {}</code> to <code>dev/dns/records.txt</code>.</p>",
                escape(&c.record_name()),
                escape(&c.record_value())
            ));
        }
        if let Some((domain, reason)) = &inv.progress.dns_error {
            if domain == &c.domain {
                out.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>", escape(reason)));
            }
        }
        out.push_str(&form("verify_domain", &hidden("domain", &c.domain), &format!("Verify {}", escape(&c.domain)), " small"));
    }
    out.push_str("</section>");
    out
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
        assert!(html.contains("&lt;b&gt;refused&lt;/b&gt;") && !html.contains("<b>refused"), "errors escaped");
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
