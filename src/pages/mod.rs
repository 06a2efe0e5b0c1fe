//! The HTML pages edge-sso shows itself, in one layout: the sign-in (discovery) form,
//! the sign-out page, "you are signed out", errors, and (in `setup` and `console`) the
//! setup wizard and the operator's console. Self-contained, accessible, working without
//! scripts (the one script: copy buttons, allowed by its hash), everything escaped; the configured branding (product name,
//! logo, accent colour, support contact: `config::branding`, validated there) on each.

mod sessions;

pub use sessions::sessions_page;

use crate::config::branding::{white_text_on, Branding};

mod console;
mod setup;

pub use console::console_page;
pub use setup::{setup_done_page, setup_page};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f4f5f7;color:#1d2330}\
main{background:#fff;width:min(26rem,92vw);padding:2rem 2.25rem;border-radius:12px;box-shadow:0 4px 24px rgba(20,30,60,.12)}\
h1{font-size:1.35rem;margin:0 0 .5rem}p{margin:.5rem 0 1rem;color:#4a5265}label{display:block;font-weight:600;margin-bottom:.35rem}\
input[type=email]{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #b8bfcc;border-radius:8px}\
input[type=email]:focus,.button:focus,a:focus{outline:3px solid #9ab8ff;outline-offset:2px}\
.button{display:block;margin-top:1rem;width:100%;padding:.7rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;\
color:var(--on-accent);background:var(--accent);border:0;border-radius:8px;cursor:pointer}.button:hover{filter:brightness(.9)}\
.sessions{list-style:none;padding:0;margin:0}.sessions li{border-top:1px solid #e3e6ec;padding:.5rem 0}.sessions li p{margin:.25rem 0}.sessions .button{margin-top:.25rem;padding:.4rem}.this{color:var(--link)}.error{color:#a4161a;background:#fdecec;border-radius:8px;padding:.6rem .8rem}.notice{color:#1d3f6e;background:#e8f0fc;border-radius:8px;padding:.6rem .8rem}\
.brand{display:flex;align-items:center;gap:.6rem;font-weight:700;color:#1d2330;margin-bottom:1.25rem}.brand img{height:2rem;max-width:10rem;object-fit:contain}\
.help{margin:1.25rem 0 0;font-size:.85rem;color:#6b7385}a{color:var(--link)}\
main.wide{width:min(56rem,96vw);margin:2rem 0}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .35rem}\
input[type=text],input[type=password],input[type=url],input[type=number],textarea{width:100%;padding:.5rem .65rem;font:inherit;border:1px solid #b8bfcc;border-radius:8px;margin-bottom:.6rem}\
code{font:.9rem ui-monospace,Menlo,Consolas,monospace;background:#f1f3f6;border-radius:4px;padding:.1rem .3rem;word-break:break-all}\
.value{display:flex;gap:.5rem;align-items:center;margin:.2rem 0 .6rem}.value code{flex:1}\
.small{display:inline-block;width:auto;margin:0;padding:.3rem .7rem;font-size:.85rem}.secondary{background:#e6e9ef;color:#1d2330}\
.ok{color:#17612e;font-weight:600}.todo{color:#8a5a00;font-weight:600}ol.steps li{margin:.3rem 0}\
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;vertical-align:top;padding:.45rem .4rem;border-bottom:1px solid #e3e6ec}\
form.inline{display:inline}details{margin:.5rem 0}section{border-top:1px solid #e3e6ec;margin-top:1rem}";

/// The one script of the pages: copy buttons (`<button data-copy="id">`); pages work without it.
pub const COPY_SCRIPT: &str = "document.querySelectorAll('button[data-copy]').forEach(function(b){b.addEventListener('click',function(){\
var t=document.getElementById(b.getAttribute('data-copy'));if(t&&navigator.clipboard){navigator.clipboard.writeText(t.textContent).then(function(){b.textContent='Copied';});}});});";

/// The `Content-Security-Policy` of every page: nothing but inline styles, and the
/// configured logo (its origin, or `data:` for an inline one).
pub fn content_security_policy(brand: &Branding) -> String {
    let img = brand.logo.as_ref().map_or(String::new(), |logo| format!("; img-src {}", logo.csp_source()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src '{}'{img}; form-action 'self' http: https:; frame-ancestors 'none'",
        script_hash()
    )
}

/// `sha256-…` of [`COPY_SCRIPT`], for the policy.
fn script_hash() -> String {
    use base64::Engine;
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(crate::keys::sha256(COPY_SCRIPT.as_bytes())))
}

fn page(brand: &Branding, title: &str, body: &str) -> String {
    layout(brand, title, body, false)
}

/// The layout of every page; `wide` for the wizard and the console.
fn layout(brand: &Branding, title: &str, body: &str, wide: bool) -> String {
    let accent = brand.accent_color.as_deref().unwrap_or(DEFAULT_ACCENT);
    let on_accent = if white_text_on(accent) { "#fff" } else { "#111" };
    // A light accent stays for buttons (with dark text); links need contrast on white.
    let link = if white_text_on(accent) { accent } else { DEFAULT_ACCENT };
    let full_title = match &brand.product_name {
        Some(name) => format!("{} · {}", escape(title), escape(name)),
        None => escape(title),
    };
    let logo = brand.logo.as_ref().map_or(String::new(), |l| format!("<img src=\"{}\" alt=\"\">", escape(l.src())));
    let header = match &brand.product_name {
        Some(name) => format!("<div class=\"brand\">{logo}<span>{}</span></div>", escape(name)),
        None if !logo.is_empty() => format!("<div class=\"brand\">{logo}</div>"),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><link rel=\"icon\" href=\"data:,\"><title>{full_title}</title>\
<style>:root{{--accent:{accent};--on-accent:{on_accent};--link:{link}}}{STYLE}</style></head><body><main{}>{header}{body}{}</main>{}</body></html>",
        if wide { " class=\"wide\"" } else { "" },
        help(brand),
        if wide { format!("<script>{COPY_SCRIPT}</script>") } else { String::new() }
    )
}

const DEFAULT_ACCENT: &str = "#2552d0";

/// "Need help? …" with the support contact, when one is configured.
fn help(brand: &Branding) -> String {
    let Some(support) = &brand.support else { return String::new() };
    let mut ways = vec![];
    if let Some(email) = &support.email {
        ways.push(format!("<a href=\"mailto:{0}\">{0}</a>", escape(email)));
    }
    if let Some(url) = &support.url {
        ways.push(format!("<a href=\"{}\">the help page</a>", escape(url)));
    }
    format!("<p class=\"help\">Need help? Contact {}.</p>", ways.join(" or "))
}

/// Unix seconds as `2026-12-01 15:30 UTC`.
fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let (hour, minute) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// What the product is called in sentences: its name, or "this application".
fn product(brand: &Branding) -> String {
    brand.product_name.as_deref().map_or_else(|| "this application".to_owned(), escape)
}

/// A message above the discovery form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMessage<'a> {
    /// Something about what the user typed (shown as an error, tied to the field).
    Error(&'a str),
    /// Information, e.g. that the session ended.
    Notice(&'a str),
}

/// The discovery form: asks for the email to find the user's organization.
pub fn discovery_form(brand: &Branding, return_to: &str, email: Option<&str>, message: Option<FormMessage<'_>>) -> String {
    let (message, described) = match message {
        Some(FormMessage::Error(m)) => (
            format!("<p class=\"error\" role=\"alert\" id=\"email-error\">{}</p>", escape(m)),
            " aria-describedby=\"email-error\" aria-invalid=\"true\"",
        ),
        Some(FormMessage::Notice(m)) => (format!("<p class=\"notice\" role=\"status\">{}</p>", escape(m)), ""),
        None => (String::new(), ""),
    };
    let heading = match &brand.product_name {
        Some(name) => format!("Sign in to {}", escape(name)),
        None => "Sign in".to_owned(),
    };
    page(
        brand,
        "Sign in",
        &format!(
            "<h1>{heading}</h1>{message}<p>Enter your work email to continue with your organization's sign-in.</p>\
<form method=\"get\" action=\"/_sso/login\"><label for=\"email\">Work email</label>\
<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" required autofocus value=\"{}\"{described}>\
<input type=\"hidden\" name=\"return_to\" value=\"{}\"><button class=\"button\" type=\"submit\">Continue</button></form>",
            escape(email.unwrap_or_default()),
            escape(return_to)
        ),
    )
}

/// `GET /_sso/logout` for a signed-in user: a page with a sign-out button (changes
/// nothing by itself).
pub fn logout_page(brand: &Branding) -> String {
    page(
        brand,
        "Sign out",
        &format!(
            "<h1>Sign out</h1><p>You will be signed out of {} and of your organization's sign-in.</p>\
<form method=\"post\" action=\"/_sso/logout\"><button class=\"button\" type=\"submit\">Sign out</button></form>",
            product(brand)
        ),
    )
}

/// `GET /_sso/logout` without a session: nothing to sign out of.
pub fn not_signed_in_page(brand: &Branding) -> String {
    page(
        brand,
        "Not signed in",
        &format!(
            "<h1>You are not signed in</h1><p>There is no session of {} in this browser to sign out of.</p>\
<a class=\"button\" href=\"/_sso/login\">Sign in</a>",
            product(brand)
        ),
    )
}

/// `GET /_sso/logged-out`.
pub fn logged_out_page(brand: &Branding, note: Option<&str>) -> String {
    let note = note.map_or_else(|| format!("<p>Your session in {} has ended.</p>", product(brand)), |n| format!("<p>{}</p>", escape(n)));
    page(brand, "Signed out", &format!("<h1>You are signed out</h1>{note}<a class=\"button\" href=\"/_sso/login\">Sign in again</a>"))
}

/// An error page: a title and an explanation (both escaped), and the way back to sign-in.
pub fn error_page(brand: &Branding, title: &str, detail: &str) -> String {
    page(
        brand,
        title,
        &format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p><a class=\"button\" href=\"/_sso/login\">Sign in again</a>",
            escape(title),
            escape(detail)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn brand() -> Branding {
        Branding::default()
    }

    fn acme() -> Branding {
        let sso = r##"{"branding":{"product_name":"Acme <Portal>","logo_url":"https://cdn.acme.com/logo.svg","accent_color":"#ffd700",
            "support_email":"help@acme.com","support_url":"https://help.acme.com/"}}"##;
        Config::parse(sso, &|_| None).unwrap().branding
    }

    #[test]
    fn discovery_form_has_the_contract_fields() {
        let html = discovery_form(&brand(), "/x?a=1&b=2", None, None);
        assert!(html.contains("<form method=\"get\" action=\"/_sso/login\">"));
        assert!(html.contains("type=\"email\" id=\"email\" name=\"email\""));
        assert!(html.contains("type=\"hidden\" name=\"return_to\" value=\"/x?a=1&amp;b=2\""));
    }

    fn every_page(b: &Branding) -> Vec<String> {
        vec![
            discovery_form(b, "/", None, None),
            discovery_form(b, "/", Some("eve@nowhere.test"), Some(FormMessage::Error("No such organization."))),
            discovery_form(b, "/", None, Some(FormMessage::Notice("Your session has ended."))),
            logout_page(b),
            not_signed_in_page(b),
            logged_out_page(b, None),
            logged_out_page(b, Some("note")),
            error_page(b, "Title", "Detail"),
        ]
    }

    #[test]
    fn pages_are_self_contained_and_work_without_scripts() {
        for html in every_page(&brand()) {
            assert!(html.starts_with("<!doctype html><html lang=\"en\">"), "{html}");
            assert!(!html.contains("<script") && !html.contains("javascript:"), "no scripts: {html}");
            assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("//"), "nothing external: {html}");
            assert!(html.contains("<main>") && html.contains("<h1>"), "{html}");
            assert!(!html.to_lowercase().contains("single sign-on"), "no anonymous SINGLE SIGN-ON banner: {html}");
        }
    }

    #[test]
    fn every_page_carries_the_branding_escaped() {
        for html in every_page(&acme()) {
            assert!(
                html.contains(
                    "<div class=\"brand\"><img src=\"https://cdn.acme.com/logo.svg\" alt=\"\"><span>Acme &lt;Portal&gt;</span></div>"
                ),
                "{html}"
            );
            assert!(html.contains(" · Acme &lt;Portal&gt;</title>"), "{html}");
            assert!(html.contains("--accent:#ffd700;--on-accent:#111;--link:#2552d0"), "light accent, dark text: {html}");
            assert!(html.contains("Need help? Contact <a href=\"mailto:help@acme.com\">help@acme.com</a> or <a href=\"https://help.acme.com/\">the help page</a>."), "{html}");
            assert!(!html.contains("<Portal>") && !html.contains("<script"), "{html}");
        }
        assert!(discovery_form(&acme(), "/", None, None).contains("<h1>Sign in to Acme &lt;Portal&gt;</h1>"));
    }

    #[test]
    fn every_action_is_the_same_button() {
        for html in every_page(&brand()) {
            assert!(html.contains("class=\"button\""), "{html}");
            assert!(!html.contains("<a href=\"/_sso/login\">"), "no bare link as the action: {html}");
        }
    }

    #[test]
    fn the_policy_allows_only_the_configured_logo_and_the_copy_script() {
        assert!(!content_security_policy(&brand()).contains("img-src"));
        assert!(content_security_policy(&brand()).contains(&format!("script-src '{}';", script_hash())));
        assert!(content_security_policy(&acme()).contains("; img-src https://cdn.acme.com;"));
    }

    #[test]
    fn signed_out_page_says_so_and_offers_to_sign_in() {
        let html = logged_out_page(&brand(), None);
        assert!(html.contains("<h1>You are signed out</h1>"));
        assert!(html.contains("href=\"/_sso/login\">Sign in again</a>"));
    }

    #[test]
    fn not_signed_in_page_offers_sign_in_not_sign_out() {
        let html = not_signed_in_page(&brand());
        assert!(html.contains("<h1>You are not signed in</h1>"));
        assert!(html.contains(">Sign in</a>") && !html.contains("/_sso/logout"));
    }

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_800_000_000), "2027-01-15 08:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn request_values_are_escaped() {
        let html = discovery_form(&brand(), "/", Some("\"><script>x</script>"), Some(FormMessage::Error("<b>")));
        assert!(!html.contains("<script>x") && !html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
