//! `GET /_sso/sessions` for a browser: the signed-in user's sessions (device and browser
//! from the user agent, approximate location, created, last active, "this device"),
//! each with an end button, and "Sign out all other sessions".

use super::{escape, page, product, utc};
use crate::config::Branding;
use crate::session::store::ListedSession;

/// The sessions page.
pub fn sessions_page(brand: &Branding, sessions: &[ListedSession]) -> String {
    let others = sessions.iter().filter(|s| !s.current).count();
    let mut rows = String::new();
    for s in sessions {
        let this = if s.current { " <strong class=\"this\">This device</strong>" } else { "" };
        let place = s.country.as_deref().map_or_else(|| "Unknown location".to_owned(), escape);
        let button = if s.current { "Sign out here" } else { "End session" };
        rows.push_str(&format!(
            "<li><p><span class=\"device\">{}</span>{this}<br><small>{place} · signed in {} · last active {}</small></p>\
<form method=\"post\" action=\"/_sso/sessions/end\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
<button class=\"button secondary\" type=\"submit\">{button}</button></form></li>",
            escape(&device(s.user_agent.as_deref())),
            utc(s.created_at),
            utc(s.last_seen_at),
            escape(&s.id),
        ));
    }
    let all_others = if others > 0 {
        "<form method=\"post\" action=\"/_sso/sessions/end\"><input type=\"hidden\" name=\"id\" value=\"others\">\
<button class=\"button\" type=\"submit\">Sign out all other sessions</button></form>"
    } else {
        "<p>You are signed in on this device only.</p>"
    };
    page(
        brand,
        "Your sessions",
        &format!(
            "<h1>Your sessions</h1><p>Where you are signed in to {}.</p><ul class=\"sessions\">{rows}</ul>{all_others}",
            product(brand)
        ),
    )
}

/// "Browser on system" from a `User-Agent`, or "Unknown device".
fn device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else { return "Unknown device".into() };
    let browser = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(device(Some(chrome)), "Chrome on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device(Some(safari)), "Safari on iPhone");
        assert_eq!(device(None), "Unknown device");
        assert_eq!(device(Some("curl/8.0")), "curl/8.0");
    }

    #[test]
    fn the_page_lists_each_session_escaped_with_its_end_button() {
        let listed = |id: &str, current| ListedSession {
            id: id.into(),
            created_at: 0,
            last_seen_at: 60,
            user_agent: Some("<script>".into()),
            country: Some("DE".into()),
            current,
        };
        let html = sessions_page(&Branding::default(), &[listed("a1", true), listed("b2", false)]);
        assert!(html.contains("This device") && html.contains("value=\"b2\"") && html.contains("value=\"others\""));
        assert!(!html.contains("<script>") && html.contains("DE"));
    }
}
