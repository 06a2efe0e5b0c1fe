//! The operator's console page: orgs (source, domains and their verification, live
//! sessions, last sign-in) with their actions, pending setup links, and the forms that
//! create a link or end a user's sessions. Never a secret or a token, except the URL of a
//! link just created, shown once. Its body is the compile-time-checked, auto-escaping
//! template `templates/console.html` (askama); the layout is the one of every page.

use askama::Template;

use super::{layout, utc};
use crate::config::branding::Branding;
use crate::flows::{ConsoleView, Notice};

#[derive(Template)]
#[template(path = "console.html")]
struct ConsoleBody<'a> {
    view: &'a ConsoleView,
}

impl ConsoleBody<'_> {
    /// Unix seconds in UTC, for the template.
    fn utc(&self, secs: &u64) -> String {
        utc(*secs)
    }
}

/// The console.
pub fn console_page(brand: &Branding, view: &ConsoleView) -> String {
    // invariant: rendering into a String fails only if a Display impl fails; none of ours does.
    let body = ConsoleBody { view }.render().unwrap_or_default();
    layout(brand, "Operator console", &body, true)
}
