//! Which part of edge-sso answers a request: its own pages under `/_sso/` (the route
//! list, written once), the admin API, or the application behind it.

/// The request methods routing tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET` or `HEAD`.
    Read,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// Anything else.
    Other,
}

/// A page of edge-sso's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `GET /_sso/healthz`.
    Healthz,
    /// `GET /_sso/jwks.json`: the assertion verification key.
    Jwks,
    /// `GET /_sso/session`: who is signed in.
    Session,
    /// `GET /_sso/login`.
    Login,
    /// `GET /_sso/callback`.
    Callback,
    /// `GET /_sso/logout`: the sign-out form.
    LogoutForm,
    /// `POST /_sso/logout`.
    Logout,
    /// `GET /_sso/logged-out`.
    LoggedOut,
    /// `POST /_sso/backchannel-logout`.
    Backchannel,
    /// `POST /_sso/global-token-revocation`.
    UniversalLogout,
    /// `GET /_sso/sessions`: the user's own sessions.
    Sessions,
    /// `POST /_sso/sessions/end`.
    SessionsEnd,
}

/// Every page: path, method, page.
pub const ROUTES: &[(&str, Method, Page)] = &[
    ("/_sso/healthz", Method::Read, Page::Healthz),
    ("/_sso/jwks.json", Method::Read, Page::Jwks),
    ("/_sso/session", Method::Read, Page::Session),
    ("/_sso/login", Method::Read, Page::Login),
    ("/_sso/callback", Method::Read, Page::Callback),
    ("/_sso/logout", Method::Read, Page::LogoutForm),
    ("/_sso/logout", Method::Post, Page::Logout),
    ("/_sso/logged-out", Method::Read, Page::LoggedOut),
    ("/_sso/backchannel-logout", Method::Post, Page::Backchannel),
    ("/_sso/global-token-revocation", Method::Post, Page::UniversalLogout),
    ("/_sso/sessions", Method::Read, Page::Sessions),
    ("/_sso/sessions/end", Method::Post, Page::SessionsEnd),
];

/// An admin API call (`/_sso/admin/…`), before its bearer token is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminCall<'a> {
    /// `GET /_sso/admin/orgs`.
    ListOrgs,
    /// `PUT /_sso/admin/orgs/{id}`.
    PutOrg(&'a str),
    /// `DELETE /_sso/admin/orgs/{id}`.
    DeleteOrg(&'a str),
    /// `POST /_sso/admin/invitations`.
    CreateInvitation,
    /// `GET /_sso/admin/invitations`.
    ListInvitations,
    /// `DELETE /_sso/admin/invitations/{org}`.
    WithdrawInvitation(&'a str),
    /// Any other path or method under `/_sso/admin/`.
    Unknown,
}

/// Who answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// One of edge-sso's pages.
    Page(Page),
    /// The admin API.
    Admin(AdminCall<'a>),
    /// `GET /_sso/setup/{token}`: the wizard of a setup link.
    SetupPage(&'a str),
    /// `POST /_sso/setup/{token}`: one step of the wizard.
    SetupAction(&'a str),
    /// `GET /_sso/admin/`: the operator's console.
    Console,
    /// `POST /_sso/admin/`: one of the console's actions.
    ConsoleAction,
    /// A path of edge-sso's with another method (`405`).
    MethodNotAllowed,
    /// Under `/_sso/` but no such page (`404`).
    NotFound,
    /// Not edge-sso's: the application (public or protected).
    App,
}

/// Routes `method path`.
pub fn route(method: Method, path: &str) -> Route<'_> {
    if path != "/_sso" && !path.starts_with("/_sso/") {
        return Route::App;
    }
    if let Some(token) = path.strip_prefix("/_sso/setup/").filter(|t| !t.is_empty() && !t.contains('/')) {
        return match method {
            Method::Read => Route::SetupPage(token),
            Method::Post => Route::SetupAction(token),
            _ => Route::MethodNotAllowed,
        };
    }
    if path == "/_sso/admin/" {
        return match method {
            Method::Read => Route::Console,
            Method::Post => Route::ConsoleAction,
            _ => Route::MethodNotAllowed,
        };
    }
    if let Some(rest) = path.strip_prefix("/_sso/admin/") {
        return Route::Admin(match (method, rest.strip_prefix("orgs/"), rest.strip_prefix("invitations/")) {
            (Method::Read, None, None) if rest == "orgs" => AdminCall::ListOrgs,
            (Method::Put, Some(id), _) => AdminCall::PutOrg(id),
            (Method::Delete, Some(id), _) => AdminCall::DeleteOrg(id),
            (Method::Read, None, None) if rest == "invitations" => AdminCall::ListInvitations,
            (Method::Post, None, None) if rest == "invitations" => AdminCall::CreateInvitation,
            (Method::Delete, _, Some(org)) => AdminCall::WithdrawInvitation(org),
            _ => AdminCall::Unknown,
        });
    }
    let mut known = ROUTES.iter().filter(|(p, ..)| *p == path).peekable();
    if known.peek().is_none() {
        return Route::NotFound;
    }
    known.find(|(_, m, _)| *m == method).map_or(Route::MethodNotAllowed, |(.., page)| Route::Page(*page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_page_is_reached_by_its_path_and_method() {
        for (path, method, page) in ROUTES {
            assert_eq!(route(*method, path), Route::Page(*page), "{path}");
        }
    }

    #[test]
    fn a_known_path_with_another_method_is_405_and_an_unknown_one_404() {
        assert_eq!(route(Method::Post, "/_sso/login"), Route::MethodNotAllowed);
        assert_eq!(route(Method::Delete, "/_sso/logout"), Route::MethodNotAllowed);
        assert_eq!(route(Method::Read, "/_sso/nope"), Route::NotFound);
        assert_eq!(route(Method::Read, "/_sso"), Route::NotFound);
        assert_eq!(route(Method::Read, "/_sso/admin"), Route::NotFound);
    }

    #[test]
    fn admin_calls_are_told_apart() {
        assert_eq!(route(Method::Read, "/_sso/admin/orgs"), Route::Admin(AdminCall::ListOrgs));
        assert_eq!(route(Method::Put, "/_sso/admin/orgs/acme"), Route::Admin(AdminCall::PutOrg("acme")));
        assert_eq!(route(Method::Delete, "/_sso/admin/orgs/acme"), Route::Admin(AdminCall::DeleteOrg("acme")));
        assert_eq!(route(Method::Post, "/_sso/admin/orgs"), Route::Admin(AdminCall::Unknown));
        assert_eq!(route(Method::Read, "/_sso/admin/users"), Route::Admin(AdminCall::Unknown));
        assert_eq!(route(Method::Post, "/_sso/admin/invitations"), Route::Admin(AdminCall::CreateInvitation));
        assert_eq!(route(Method::Read, "/_sso/admin/invitations"), Route::Admin(AdminCall::ListInvitations));
        assert_eq!(route(Method::Delete, "/_sso/admin/invitations/initech"), Route::Admin(AdminCall::WithdrawInvitation("initech")));
        assert_eq!(route(Method::Put, "/_sso/admin/invitations"), Route::Admin(AdminCall::Unknown));
    }

    #[test]
    fn the_wizard_and_the_console_are_told_apart() {
        assert_eq!(route(Method::Read, "/_sso/setup/abc"), Route::SetupPage("abc"));
        assert_eq!(route(Method::Post, "/_sso/setup/abc"), Route::SetupAction("abc"));
        assert_eq!(route(Method::Delete, "/_sso/setup/abc"), Route::MethodNotAllowed);
        assert_eq!(route(Method::Read, "/_sso/setup/"), Route::NotFound);
        assert_eq!(route(Method::Read, "/_sso/setup/a/b"), Route::NotFound);
        assert_eq!(route(Method::Read, "/_sso/admin/"), Route::Console);
        assert_eq!(route(Method::Post, "/_sso/admin/"), Route::ConsoleAction);
        assert_eq!(route(Method::Put, "/_sso/admin/"), Route::MethodNotAllowed);
    }

    #[test]
    fn everything_else_is_the_applications() {
        for path in ["/", "/_ssox", "/app/_sso/login", "/public/x"] {
            assert_eq!(route(Method::Read, path), Route::App, "{path}");
        }
    }
}
