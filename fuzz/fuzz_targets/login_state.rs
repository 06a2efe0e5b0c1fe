//! The login-state cookie. Input: `state` on the first line, then either a cookie
//! value as sent, or a JSON payload that the target signs itself (to reach the JSON
//! parsing behind the MAC).
#![no_main]

use edge_sso::keys::mac;
use edge_sso::login::state::{LoginState, LOGIN_COOKIE_PREFIX};
use edge_sso_fuzz::{b64, derived_keys, split_line, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (state, rest) = split_line(data);
    let Ok(state) = std::str::from_utf8(state) else { return };
    let key = derived_keys().login_cookie();

    let name = LoginState::cookie_name(state);
    assert_eq!(name.len(), LOGIN_COOKIE_PREFIX.len() + 16);
    assert!(name.starts_with(LOGIN_COOKIE_PREFIX) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));

    // A cookie value as sent.
    if let Ok(value) = std::str::from_utf8(rest) {
        check(LoginState::decode(Some(value), state, key, NOW), state);
    }

    // The rest as the payload of a correctly MAC'd cookie.
    let payload = b64(rest);
    let tag = mac(key, &[state.as_bytes(), payload.as_bytes()]);
    let value = format!("{payload}.{}", b64(&tag[..16]));
    check(LoginState::decode(Some(&value), state, key, NOW), state);
});

fn check(result: Result<LoginState, edge_sso::login::state::StateError>, state: &str) {
    let key = derived_keys().login_cookie();
    if let Ok(login) = result {
        assert!(login.expires_at > NOW, "a stale login was accepted");
        let again = login.encode(state, key);
        let back = LoginState::decode(Some(&again), state, key, NOW).expect("encode/decode round trip");
        assert_eq!((&back.org, &back.return_to, back.expires_at), (&login.org, &login.return_to, login.expires_at), "round trip");
        assert!(back.nonce.matches(login.nonce.expose()), "round trip of the nonce");
        assert_eq!(back.code_verifier.expose(), login.code_verifier.expose(), "round trip of the verifier");
        assert!(LoginState::decode(Some(&again), &format!("{state}x"), key, NOW).is_err(), "bound to its state");
    }
}
