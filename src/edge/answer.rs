//! Turning outcomes into HTTP answers: error pages for browsers, JSON for the rest,
//! `Cache-Control: no-store` on everything edge-sso answers itself, and one
//! structured log line per notable event (never a token, cookie or secret).

use serde::Serialize;
use worker::{Headers, Response};

use crate::pages;

/// A failed request: status, a stable machine code, and a description safe to show.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) description: String,
    /// For the log only (no secrets, no personal data).
    pub(crate) log_reason: String,
}

impl Failure {
    pub(crate) fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        let description = description.into();
        Self { status, error, log_reason: description.clone(), description }
    }

    /// Adds detail for the log that the user does not see.
    pub(crate) fn logged_as(mut self, reason: impl Into<String>) -> Self {
        self.log_reason = reason.into();
        self
    }

    /// A bug or platform failure: generic message for the client.
    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::new(500, "server_error", "Something went wrong. Please try again.").logged_as(reason)
    }

    /// The session store could not be used.
    pub(crate) fn store_unavailable(reason: impl Into<String>) -> Self {
        Self::new(503, "temporarily_unavailable", "Sign-in is temporarily unavailable. Please try again.").logged_as(reason)
    }

    fn title(&self) -> &'static str {
        match self.status {
            400 => "Sign-in could not be completed",
            401 => "Sign-in failed",
            403 => "Access refused",
            404 => "Not found",
            502 | 503 => "Sign-in is unavailable",
            _ => "Something went wrong",
        }
    }

    /// The answer: an HTML page when the client wants HTML, else JSON.
    pub(crate) fn into_response(self, wants_html: bool) -> Response {
        if wants_html {
            html(self.status, &pages::error_page(&super::runtime::branding(), self.title(), &self.description))
        } else {
            json(self.status, &ErrorBody { error: self.error, error_description: &self.description })
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// Headers every answer of edge-sso's own carries.
fn own_headers(content_type: &str) -> Headers {
    let headers = Headers::new();
    let _ = headers.set("content-type", content_type);
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    let _ = headers.set("referrer-policy", "no-referrer");
    headers
}

/// An HTML page.
pub(crate) fn html(status: u16, body: &str) -> Response {
    let headers = own_headers("text/html; charset=utf-8");
    let _ = headers.set("content-security-policy", &pages::content_security_policy(&super::runtime::branding()));
    Response::from_bytes(body.as_bytes().to_vec()).map_or_else(|_| fallback(), |r| r.with_status(status).with_headers(headers))
}

/// An HTML page with a state-changing form: `Referrer-Policy: same-origin`, so that
/// browsers send the page's real `Origin` with the form's `POST` (under `no-referrer`
/// Chromium sends `Origin: null`), while other sites still learn nothing.
pub(crate) fn html_with_form(status: u16, body: &str) -> Response {
    let mut resp = html(status, body);
    let _ = resp.headers_mut().set("referrer-policy", "same-origin");
    resp
}

/// A JSON body.
pub(crate) fn json<T: Serialize>(status: u16, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    Response::from_bytes(body).map_or_else(|_| fallback(), |r| r.with_status(status).with_headers(own_headers("application/json")))
}

/// Plain text.
pub(crate) fn text(status: u16, body: &str) -> Response {
    Response::from_bytes(body.as_bytes().to_vec())
        .map_or_else(|_| fallback(), |r| r.with_status(status).with_headers(own_headers("text/plain; charset=utf-8")))
}

/// A redirect (`302` or `303`) with extra `Set-Cookie` headers.
pub(crate) fn redirect(status: u16, location: &str, cookies: &[String]) -> Response {
    let headers = own_headers("text/plain; charset=utf-8");
    let _ = headers.set("location", location);
    for c in cookies {
        let _ = headers.append("set-cookie", c);
    }
    Response::empty().map_or_else(|_| fallback(), |r| r.with_status(status).with_headers(headers))
}

/// `204 No Content` (no body at all).
pub(crate) fn no_content() -> Response {
    let headers = Headers::new();
    let _ = headers.set("cache-control", "no-store");
    Response::empty().map_or_else(|_| fallback(), |r| r.with_status(204).with_headers(headers))
}

/// Adds `Set-Cookie` headers to an answer.
pub(crate) fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for c in cookies {
        let _ = response.headers_mut().append("set-cookie", c);
    }
    response
}

#[allow(clippy::unwrap_used)]
fn fallback() -> Response {
    // invariant: an empty response can always be built (it allocates no JS body).
    Response::empty().unwrap().with_status(500)
}

/// One structured log line: `{"event","org","outcome","request_id",…}`.
#[derive(Serialize)]
pub(crate) struct LogLine<'a> {
    pub(crate) event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) org: Option<&'a str>,
    pub(crate) outcome: &'a str,
    pub(crate) request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<&'a str>,
}

impl LogLine<'_> {
    pub(crate) fn emit(&self) {
        if let Ok(line) = serde_json::to_string(self) {
            if self.outcome != "error" {
                worker::console_log!("{line}");
            } else {
                worker::console_warn!("{line}");
            }
        }
    }
}
