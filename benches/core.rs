//! Native micro-benchmarks of the functions on edge-sso's hot paths (`make bench` runs
//! them through `scripts/bench.sh`, which reads criterion's estimates for its table).
//!
//! - `session_cookie_check`: `SessionHandle::decode` of a valid `sso_session` cookie
//!   (base64url, HMAC-SHA256, constant-time compare): once per protected request.
//! - `id_token_rs256` / `id_token_es256`: `jose::verify` of an ID token against a JWKS
//!   plus the OIDC claim rules (`oidc::id_token::validate`: openidconnect's verifier and
//!   edge-sso's own rules): once per login.
//! - `id_token_claims`: the claim rules alone (`oidc::id_token::validate` of an ID token
//!   whose signature was verified).
//! - `logout_token_rs256`: a back-channel logout request body: form parsing, unverified
//!   `iss`, `jose::verify`, the logout-token rules: once per back-channel logout.
//! - `assertion_sign_es256`: `AssertionSigningKey::sign` of an `X-Sso-Assertion`: at most
//!   once per session per 30 s per isolate.
//! - `jwks_parse`: parsing a two-key JWKS (RSA-2048 + P-256): once per isolate and hour.
//!
//! Sample sizes are small on purpose (the whole `make bench` must stay under ten
//! minutes); criterion's command-line options override them.

// A benchmark harness: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

use edge_sso::assertion::AssertionClaims;
use edge_sso::fixtures;
use edge_sso::jose::{verify, AssertionSigningKey, JwkSet, SigningAlgorithm, UntrustedJwt};
use edge_sso::login::Nonce;
use edge_sso::logout::backchannel::{logout_token_from_form, LogoutTokenClaims};
use edge_sso::oidc::id_token::{self, Expected};
use edge_sso::session::cookie::SessionHandle;
use edge_sso::user::User;
use serde::de::IgnoredAny;

const ISSUER: &str = "https://idp.bench.test";
const CLIENT_ID: &str = "edge-sso-bench";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: u64 = 1_800_000_000;

struct Fixture {
    jwks: JwkSet,
    jwks_json: Vec<u8>,
    id_token_rs256: String,
    id_token_es256: String,
    logout_form: Vec<u8>,
    cookie: String,
    cookie_key: [u8; 32],
    signing_key: AssertionSigningKey,
}

fn fixture() -> Fixture {
    // The shared fixture kit's fixed issuer keys: no key generation in the benchmark.
    let jwks_json = fixtures::jwks_json(&[
        fixtures::rsa_jwk(fixtures::rsa_key(), Some("rsa-1"), Some("RS256")),
        fixtures::p256_jwk(&fixtures::p256_key(), Some("ec-1"), Some("ES256")),
    ]);
    let jwks = JwkSet::parse(&jwks_json).expect("jwks");
    assert_eq!(jwks.len(), 2);

    let id_claims = json!({"iss": ISSUER, "aud": CLIENT_ID, "sub": "00u1bench", "email": "ana@bench.test", "name": "Ana Lima",
        "nonce": NONCE, "sid": "sid-1", "iat": NOW - 5, "exp": NOW + 300});
    let id_token_rs256 = fixtures::sign(&json!({"alg": "RS256", "kid": "rsa-1"}), &id_claims);
    let id_token_es256 = fixtures::sign(&json!({"alg": "ES256", "kid": "ec-1"}), &id_claims);

    let logout_claims = json!({"iss": ISSUER, "aud": CLIENT_ID, "sub": "00u1bench", "sid": "sid-1", "jti": "bcl-jti-1",
        "iat": NOW - 5, "exp": NOW + 120, "events": {"http://schemas.openid.net/event/backchannel-logout": {}}});
    let logout_token = fixtures::sign(&json!({"alg": "RS256", "kid": "rsa-1", "typ": "logout+jwt"}), &logout_claims);
    let logout_form = format!("logout_token={logout_token}").into_bytes();

    let cookie_key = [7_u8; 32];
    let cookie = SessionHandle::new(&[9_u8; 32], "bench", "user-1", None, [1_u8; 16]).encode(&cookie_key);
    let signing_key = AssertionSigningKey::generate().expect("signing key");

    Fixture { jwks, jwks_json, id_token_rs256, id_token_es256, logout_form, cookie, cookie_key, signing_key }
}

fn expected(nonce: &Nonce) -> Expected<'_> {
    Expected { issuer: ISSUER, client_id: CLIENT_ID, nonce, now: NOW }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let nonce = Nonce::new(NONCE);
    let allowed = SigningAlgorithm::DEFAULT_ALLOWED;

    // Sanity: every benchmarked path succeeds (a failing path would be measured as fast).
    assert!(SessionHandle::decode(&f.cookie, &f.cookie_key).is_some());
    for token in [&f.id_token_rs256, &f.id_token_es256] {
        verify::<IgnoredAny>(token, &f.jwks, allowed).expect("id token verifies");
        id_token::validate(token, &expected(&nonce)).expect("id token valid");
    }

    c.bench_function("session_cookie_check", |b| {
        b.iter(|| SessionHandle::decode(black_box(&f.cookie), black_box(&f.cookie_key)).expect("valid cookie"))
    });

    c.bench_function("id_token_rs256", |b| {
        b.iter(|| {
            let token = black_box(&f.id_token_rs256);
            verify::<IgnoredAny>(token, &f.jwks, allowed).expect("verifies");
            id_token::validate(token, &expected(&nonce)).expect("valid")
        })
    });

    c.bench_function("id_token_es256", |b| {
        b.iter(|| {
            let token = black_box(&f.id_token_es256);
            verify::<IgnoredAny>(token, &f.jwks, allowed).expect("verifies");
            id_token::validate(token, &expected(&nonce)).expect("valid")
        })
    });

    c.bench_function("id_token_claims", |b| b.iter(|| id_token::validate(black_box(&f.id_token_rs256), &expected(&nonce)).expect("valid")));

    c.bench_function("logout_token_rs256", |b| {
        b.iter(|| {
            let token = logout_token_from_form(black_box(&f.logout_form)).expect("form");
            let untrusted = UntrustedJwt::parse(&token).expect("jwt");
            assert_eq!(untrusted.unverified_issuer().as_deref(), Some(ISSUER));
            let v = untrusted.verify::<LogoutTokenClaims>(&f.jwks, allowed).expect("verifies");
            v.claims.validate(ISSUER, CLIENT_ID, NOW).expect("valid")
        })
    });

    let who = User {
        org: "bench".into(),
        issuer: ISSUER.into(),
        subject: "00u1bench".into(),
        email: Some("ana@bench.test".into()),
        name: Some("Ana Lima".into()),
        given_name: None,
        family_name: None,
    };
    c.bench_function("assertion_sign_es256", |b| {
        b.iter(|| {
            let claims = AssertionClaims::new(
                &who,
                "https://app.bench.test",
                "https://origin.bench.test",
                NOW,
                "0123456789abcdef0123456789abcdef".into(),
            );
            f.signing_key.sign(black_box(&claims)).expect("signs")
        })
    });

    c.bench_function("jwks_parse", |b| b.iter(|| JwkSet::parse(black_box(&f.jwks_json)).expect("jwks")));
}

fn config() -> Criterion {
    Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1)).without_plots()
}

criterion_group! {
    name = core;
    config = config();
    targets = benches
}
criterion_main!(core);
