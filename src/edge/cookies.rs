//! Reading the `Cookie` header and writing `Set-Cookie` values.

use worker::Request;

use crate::forward::cookie_value;

/// The value of cookie `name` in the request, if any.
pub(crate) fn read(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    if header.len() > 16 * 1024 {
        return None;
    }
    cookie_value(&header, name).map(str::to_owned)
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Lax`, `Secure` on https.
pub(crate) fn set(name: &str, value: &str, path: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// A `Set-Cookie` value that deletes cookie `name`.
pub(crate) fn clear(name: &str, path: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path={path}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax{secure}")
}
