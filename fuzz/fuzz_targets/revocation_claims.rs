//! Okta Universal Logout JWT claims: any JSON deserializes into `RevocationClaims` or is
//! refused; `validate` accepts only this issuer, this app (`sub`), this endpoint and a live token.
#![no_main]

use edge_sso::logout::universal::{RevocationClaims, REVOCATION_JWT_TYP};
use edge_sso_fuzz::{CLIENT_ID, ISSUER, NOW, REVOCATION_ENDPOINT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(claims) = serde_json::from_slice::<RevocationClaims>(data) else { return };
    // The same JSON as a plain value, to check the verdict against (serde_json skips
    // unknown members without checking their UTF-8, so this can fail where `claims` did not).
    let raw = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(data)).ok();

    assert!(claims.clone().validate(ISSUER, CLIENT_ID, REVOCATION_ENDPOINT, Some("JWT"), NOW).is_err(), "wrong typ accepted");
    for typ in [None, Some(REVOCATION_JWT_TYP)] {
        let Ok(revocation) = claims.clone().validate(ISSUER, CLIENT_ID, REVOCATION_ENDPOINT, typ, NOW) else { continue };
        if let Some(raw) = &raw {
            assert_eq!(raw["iss"], ISSUER);
            assert_eq!(raw["sub"], CLIENT_ID, "a JWT for another app of the tenant accepted");
            assert!(raw["exp"].as_f64().is_some_and(|exp| exp + 60.0 > NOW as f64), "expired token accepted");
        }
        assert!((1..=256).contains(&revocation.jti.len()));
        assert!(revocation.remember_until >= NOW, "jti forgotten before the token expires");
    }
});
