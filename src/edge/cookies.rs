//! Reading the `Cookie` header and writing `Set-Cookie` values.

use worker::Request;

use crate::forward::cookie_value;
use crate::keys::DerivedKeys;
use crate::login::state::MAX_COOKIE_HEADER_BYTES;
use crate::session::cookie::SessionHandle;

/// The value of cookie `name` in the request, if any.
pub(crate) fn read(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    if header.len() > MAX_COOKIE_HEADER_BYTES {
        return None;
    }
    cookie_value(&header, name).map(str::to_owned)
}

/// The value of the `sso_session` cookie that names the session: the first, in any of
/// the joined `Cookie` fields, that verifies ([`SessionHandle::from_cookie_header`]).
pub(crate) fn session_value(req: &Request, keys: &DerivedKeys) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    if header.len() > MAX_COOKIE_HEADER_BYTES {
        return None;
    }
    let handle = SessionHandle::from_cookie_header(&header, keys.session_cookie_keys())?;
    let value = crate::forward::cookie_values(&header, crate::session::cookie::SESSION_COOKIE)
        .find(|v| keys.session_cookie_keys().any(|k| SessionHandle::decode(v, k).as_ref() == Some(&handle)))
        .map(str::to_owned);
    value
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
