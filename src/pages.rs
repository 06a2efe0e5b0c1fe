//! The few HTML pages edge-sso shows itself: the sign-in (discovery) form, the
//! sign-out page, "you are signed out", and errors. Self-contained, accessible, no
//! scripts, everything from the request escaped.

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
input[type=email]:focus,button:focus,a:focus{outline:3px solid #9ab8ff;outline-offset:2px}\
button,a.button{display:block;margin-top:1rem;width:100%;padding:.7rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;color:#fff;background:#2552d0;border:0;border-radius:8px;cursor:pointer}\
button:hover,a.button:hover{background:#1d43ad}.error{color:#a4161a;background:#fdecec;border-radius:8px;padding:.6rem .8rem}\
.brand{font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:#6b7385;margin-bottom:1rem}a{color:#2552d0}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><link rel=\"icon\" href=\"data:,\"><title>{}</title><style>{STYLE}</style></head><body><main>\
<div class=\"brand\" aria-hidden=\"true\">Single sign-on</div>{body}</main></body></html>",
        escape(title)
    )
}

/// The discovery form: asks for the email to find the user's organization.
pub fn discovery_form(return_to: &str, email: Option<&str>, message: Option<&str>) -> String {
    let message = message.map_or(String::new(), |m| format!("<p class=\"error\" role=\"alert\" id=\"email-error\">{}</p>", escape(m)));
    let described = if message.is_empty() { "" } else { " aria-describedby=\"email-error\" aria-invalid=\"true\"" };
    page(
        "Sign in",
        &format!(
            "<h1>Sign in</h1><p>Enter your work email to continue with your organization's sign-in.</p>{message}\
<form method=\"get\" action=\"/_sso/login\"><label for=\"email\">Work email</label>\
<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" required autofocus value=\"{}\"{described}>\
<input type=\"hidden\" name=\"return_to\" value=\"{}\"><button type=\"submit\">Continue</button></form>",
            escape(email.unwrap_or_default()),
            escape(return_to)
        ),
    )
}

/// `GET /_sso/logout`: a page with a sign-out button (changes nothing by itself).
pub fn logout_page() -> String {
    page(
        "Sign out",
        "<h1>Sign out</h1><p>You will be signed out of this application and of your organization's sign-in.</p>\
<form method=\"post\" action=\"/_sso/logout\"><button type=\"submit\">Sign out</button></form>",
    )
}

/// `GET /_sso/logged-out`.
pub fn logged_out_page(note: Option<&str>) -> String {
    let note = note.map_or_else(|| "<p>Your session in this application has ended.</p>".to_owned(), |n| format!("<p>{}</p>", escape(n)));
    page("Signed out", &format!("<h1>You are signed out</h1>{note}<a class=\"button\" href=\"/_sso/login\">Sign in again</a>"))
}

/// An error page: a title and an explanation (both escaped).
pub fn error_page(title: &str, detail: &str) -> String {
    page(
        title,
        &format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"/_sso/login\">Try signing in again</a></p>",
            escape(title),
            escape(detail)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_form_has_the_contract_fields() {
        let html = discovery_form("/x?a=1&b=2", None, None);
        assert!(html.contains("<form method=\"get\" action=\"/_sso/login\">"));
        assert!(html.contains("type=\"email\" id=\"email\" name=\"email\""));
        assert!(html.contains("type=\"hidden\" name=\"return_to\" value=\"/x?a=1&amp;b=2\""));
    }

    #[test]
    fn pages_are_self_contained_and_work_without_scripts() {
        let pages = [
            discovery_form("/", None, None),
            discovery_form("/", Some("eve@nowhere.test"), Some("No such organization.")),
            logout_page(),
            logged_out_page(None),
            logged_out_page(Some("note")),
            error_page("Title", "Detail"),
        ];
        for html in pages {
            assert!(html.starts_with("<!doctype html><html lang=\"en\">"), "{html}");
            assert!(!html.contains("<script") && !html.contains("javascript:"), "no scripts: {html}");
            assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("//"), "nothing external: {html}");
            assert!(html.contains("<main>") && html.contains("<h1>"), "{html}");
        }
    }

    #[test]
    fn signed_out_page_says_so_and_offers_to_sign_in() {
        let html = logged_out_page(None);
        assert!(html.contains("<h1>You are signed out</h1>"));
        assert!(html.contains("href=\"/_sso/login\">Sign in again</a>"));
    }

    #[test]
    fn request_values_are_escaped() {
        let html = discovery_form("/", Some("\"><script>x</script>"), Some("<b>"));
        assert!(!html.contains("<script>x") && !html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
