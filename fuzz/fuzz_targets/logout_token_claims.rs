//! Back-channel logout token claims: any JSON deserializes into `LogoutTokenClaims` or
//! is refused; `validate` accepts only a well-formed logout event for this org.
#![no_main]

use edge_sso::logout::backchannel::{LogoutTokenClaims, BACKCHANNEL_EVENT};
use edge_sso_fuzz::{CLIENT_ID, ISSUER, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(claims) = serde_json::from_slice::<LogoutTokenClaims>(data) else { return };
    // The same JSON as a plain value, to check the verdict against (serde_json skips
    // unknown members without checking their UTF-8, so this can fail where `claims` did not).
    let raw = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(data));
    let Ok(token) = claims.validate(ISSUER, CLIENT_ID, NOW) else { return };

    if let Ok(raw) = raw {
        assert_eq!(raw["iss"], ISSUER);
        assert!(raw["events"][BACKCHANNEL_EVENT].is_object());
        assert!(raw.get("nonce").is_none_or(serde_json::Value::is_null), "a logout token may not carry a nonce");
    }
    assert!(token.subject.is_some() || token.sid.is_some());
    assert!(token.subject.as_ref().is_none_or(|s| !s.is_empty()));
    assert!(token.sid.as_ref().is_none_or(|s| !s.is_empty()));
    assert!((1..=256).contains(&token.jti.len()));
    assert!(token.remember_until >= NOW, "jti forgotten before the token expires");
});
