//! The operator's console page: orgs (source, domains and their verification, live
//! sessions, last sign-in) with their actions, pending setup links, and the forms that
//! create a link or end a user's sessions. Never a secret or a token, except the URL of a
//! link just created, shown once.

use super::{copyable, escape, hidden, layout, utc};
use crate::config::branding::Branding;
use crate::flows::{ConsoleView, Notice, OrgRow};

/// The console.
pub fn console_page(brand: &Branding, view: &ConsoleView) -> String {
    let form = |fields: &str, label: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"/_sso/admin/\" class=\"inline\">{}{fields}<button class=\"button small{class}\" type=\"submit\">{label}</button></form>",
            hidden("csrf", &view.csrf)
        )
    };
    let mut body =
        format!("<h1>Operator console</h1><p>Signed in as {}. <a href=\"/_sso/logout\">Sign out</a></p>", escape(&view.operator));
    match &view.notice {
        Some((Notice::Done(text), _)) => body.push_str(&format!("<p class=\"notice\" role=\"status\">{}</p>", escape(text))),
        Some((Notice::Refused(text), _)) => body.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>", escape(text))),
        Some((Notice::Invited { org, url }, _)) => body.push_str(&format!(
            "<div class=\"notice\" role=\"status\">Setup link for {} created. Send it to the customer's Okta admin; it is shown only now.{}</div>",
            escape(org),
            copyable("setup-url", url)
        )),
        None => {}
    }
    body.push_str("<h2>Organizations</h2><table><thead><tr><th>Org</th><th>Domains</th><th>Default projects</th><th>Live sessions</th><th>Last sign-in</th><th>Actions</th></tr></thead><tbody>");
    for row in &view.orgs {
        body.push_str(&org_row(row, &view.csrf, &form));
    }
    body.push_str("</tbody></table>");
    body.push_str("<h2>Pending setup links</h2>");
    if view.invitations.is_empty() {
        body.push_str("<p>None.</p>");
    } else {
        body.push_str("<table><thead><tr><th>Org</th><th>Domains</th><th>Step</th><th>Expires</th><th></th></tr></thead><tbody>");
        for inv in &view.invitations {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&inv.org),
                escape(&inv.domains.join(", ")),
                escape(&inv.step.replace('_', " ")),
                utc(inv.expires_at),
                form(&format!("{}{}", hidden("action", "withdraw_invitation"), hidden("org", &inv.org)), "Withdraw", " secondary")
            ));
        }
        body.push_str("</tbody></table>");
    }
    body.push_str(&format!(
        "<h2>Invite an organization</h2><form method=\"post\" action=\"/_sso/admin/\">{}{}\
<label for=\"invite-org\">Org id</label><input type=\"text\" id=\"invite-org\" name=\"org\" required pattern=\"[a-z0-9-]{{1,63}}\">\
<label for=\"invite-domains\">Email domains (comma-separated)</label><input type=\"text\" id=\"invite-domains\" name=\"domains\" required>\
<label for=\"invite-projects\">Default projects (comma-separated)</label><input type=\"text\" id=\"invite-projects\" name=\"default_projects\">\
<label for=\"invite-days\">Expires after (days, at most 30)</label><input type=\"number\" id=\"invite-days\" name=\"expires_in_days\" min=\"1\" max=\"30\" value=\"7\">\
<button class=\"button\" type=\"submit\">Create setup link</button></form>",
        hidden("csrf", &view.csrf),
        hidden("action", "create_invitation")
    ));
    body.push_str(&format!(
        "<h2>End a user's sessions</h2><form method=\"post\" action=\"/_sso/admin/\">{}{}\
<label for=\"end-email\">Email</label><input type=\"text\" id=\"end-email\" name=\"email\" required>\
<button class=\"button\" type=\"submit\">End every session of this user</button></form>",
        hidden("csrf", &view.csrf),
        hidden("action", "end_user_sessions")
    ));
    layout(brand, "Operator console", &body, true)
}

fn org_row(row: &OrgRow, csrf: &str, form: &dyn Fn(&str, &str, &str) -> String) -> String {
    let s = &row.summary;
    let org = |action: &str| format!("{}{}", hidden("action", action), hidden("org", &s.id));
    let mut domains = String::new();
    for (domain, verified, challenge) in &row.domains {
        domains.push_str(&format!("<div>{} ", escape(domain)));
        if *verified {
            domains.push_str("<span class=\"ok\">verified</span>");
        } else {
            domains.push_str("<span class=\"todo\">not verified</span>");
            if let Some(c) = challenge {
                domains.push_str(&format!(
                    "<div class=\"help\">TXT <code>{}</code> = <code>{}</code></div>{}",
                    escape(&c.record_name()),
                    escape(&c.record_value()),
                    form(&format!("{}{}", org("verify_domain"), hidden("domain", domain)), "Verify", " secondary")
                ));
            }
        }
        domains.push_str("</div>");
    }
    let stored = s.source != "static";
    let mut actions = form(&org("end_org_sessions"), "End all sessions", " secondary");
    if stored {
        actions.push_str(&format!(
            "<details><summary>Edit</summary><form method=\"post\" action=\"/_sso/admin/\">{}{}\
<label>Domains<input type=\"text\" name=\"domains\" value=\"{}\"></label><label>Default projects<input type=\"text\" name=\"default_projects\" value=\"{}\"></label>\
<button class=\"button small\" type=\"submit\">Save</button></form></details>{}",
            hidden("csrf", csrf),
            org("edit_org"),
            escape(&s.domains.join(", ")),
            escape(&s.default_projects.join(", ")),
            form(&org("remove_org"), "Remove org", " secondary")
        ));
    }
    format!(
        "<tr><td><b>{}</b><div class=\"help\">{} · {}</div></td><td>{domains}</td><td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
        escape(&s.id),
        escape(s.source),
        escape(&s.issuer),
        escape(&s.default_projects.join(", ")),
        row.live_sessions.map_or_else(|| "?".to_owned(), |n| n.to_string()),
        row.last_sign_in.map_or_else(|| "never".to_owned(), utc),
    )
}
