//! ID-token claims: any claims segment is refused or accepted by `id_token::validate`
//! (openidconnect's verifier and edge-sso's rules) without a panic, and only claims that
//! match the org, the nonce and the clock are accepted.
#![no_main]

use edge_sso::oidc::id_token::{validate, Expected, MAX_CLAIM_LEN};
use edge_sso_fuzz::{CLIENT_ID, ISSUER, NONCE, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `data` as the claims segment of a token whose signature was verified (the
    // signature segment is not read by `validate`).
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, data));
    // The same JSON as a plain value, to check the verdict against.
    let raw = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(data));
    let nonce = edge_sso::login::Nonce::new(NONCE);
    let expected = Expected { issuer: ISSUER, client_id: CLIENT_ID, nonce: &nonce, now: NOW };
    let Ok(identity) = validate(&token, &expected) else { return };

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
