//! ID-token claims: any JSON deserializes into `IdTokenClaims` or is refused, and
//! `validate` accepts only what matches the org, the nonce and the clock.
#![no_main]

use edge_sso::oidc::id_token::{Expected, IdTokenClaims, MAX_CLAIM_LEN};
use edge_sso_fuzz::{CLIENT_ID, ISSUER, NONCE, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(claims) = serde_json::from_slice::<IdTokenClaims>(data) else { return };
    // The same JSON as a plain value, to check the verdict against (serde_json skips
    // unknown members without checking their UTF-8, so this can fail where `claims` did not).
    let raw = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(data));
    let nonce = edge_sso::login::Nonce::new(NONCE);
    let expected = Expected { issuer: ISSUER, client_id: CLIENT_ID, nonce: &nonce, now: NOW };
    let Ok(identity) = claims.validate(&expected) else { return };

    if let Ok(raw) = raw {
        assert_eq!(raw["iss"], ISSUER);
        assert_eq!(raw["nonce"], NONCE);
        assert!(raw["exp"].as_f64().is_some_and(|exp| exp + 60.0 > NOW as f64), "expired token accepted");
    }
    assert!(!identity.subject.is_empty() && identity.subject.len() <= MAX_CLAIM_LEN);
    for claim in [&identity.email, &identity.given_name, &identity.family_name, &identity.sid] {
        assert!(claim.as_ref().is_none_or(|c| c.len() <= MAX_CLAIM_LEN));
    }
    // `name` may be "given family".
    assert!(identity.name.as_ref().is_none_or(|n| n.len() <= 2 * MAX_CLAIM_LEN + 1));
});
