//! Native micro-benchmarks of the functions on edge-sso's hot paths (`make bench` runs
//! them through `scripts/bench.sh`, which reads criterion's estimates for its table).
//!
//! - `session_cookie_check`: `SessionHandle::decode` of a valid `sso_session` cookie
//!   (base64url, HMAC-SHA256, constant-time compare): once per protected request.
//! - `id_token_rs256` / `id_token_es256`: `jose::verify` of an ID token against a JWKS
//!   plus the OIDC claim rules (`IdTokenClaims::validate`): once per login.
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

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use jwt_compact::alg::{Rsa, RsaPrivateKey, RsaPublicKey};
use jwt_compact::{AlgorithmExt, Claims, Header};
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use serde_json::json;

use edge_sso::assertion::{AssertionClaims, AssertionSubject};
use edge_sso::jose::{verify, AssertionSigningKey, Es256, JwkSet, SigningAlgorithm};
use edge_sso::logout::backchannel::{logout_token_from_form, LogoutTokenClaims};
use edge_sso::logout::unverified_issuer;
use edge_sso::oidc::id_token::{Expected, IdTokenClaims};
use edge_sso::session::cookie::SessionHandle;

const ISSUER: &str = "https://idp.bench.test";
const CLIENT_ID: &str = "edge-sso-bench";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: u64 = 1_800_000_000;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    email: &'a str,
    name: &'a str,
    nonce: &'a str,
    sid: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Serialize)]
struct LogoutClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    sid: &'a str,
    jti: &'a str,
    iat: u64,
    exp: u64,
    events: serde_json::Value,
}

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
    let mut rng = rsa::rand_core::OsRng;
    let rsa_key = RsaPrivateKey::new(&mut rng, 2048).expect("rsa keygen");
    let rsa_public = RsaPublicKey::from(&rsa_key);
    let ec_key = p256::ecdsa::SigningKey::from_slice(&[0x5a; 32]).expect("p256 scalar");
    let point = ec_key.verifying_key().to_encoded_point(false);

    let jwks_json = serde_json::to_vec(&json!({"keys": [
        {"kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig",
         "n": b64(rsa_public.n().to_bytes_be()), "e": b64(rsa_public.e().to_bytes_be())},
        {"kty": "EC", "crv": "P-256", "kid": "ec1", "alg": "ES256", "use": "sig",
         "x": b64(point.x().expect("x")), "y": b64(point.y().expect("y"))},
    ]}))
    .expect("jwks json");
    let jwks = JwkSet::parse(&jwks_json).expect("jwks");
    assert_eq!(jwks.len(), 2);

    let id_claims = IdClaims {
        iss: ISSUER,
        aud: CLIENT_ID,
        sub: "00u1bench",
        email: "ana@bench.test",
        name: "Ana Lima",
        nonce: NONCE,
        sid: "sid-1",
        iat: NOW - 5,
        exp: NOW + 300,
    };
    let id_token_rs256 = Rsa::rs256().token(&Header::empty().with_key_id("rsa1"), &Claims::new(&id_claims), &rsa_key).expect("rs256 token");
    let id_token_es256 = Es256.token(&Header::empty().with_key_id("ec1"), &Claims::new(&id_claims), &ec_key).expect("es256 token");

    let logout_claims = LogoutClaims {
        iss: ISSUER,
        aud: CLIENT_ID,
        sub: "00u1bench",
        sid: "sid-1",
        jti: "bcl-jti-1",
        iat: NOW - 5,
        exp: NOW + 120,
        events: json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
    };
    let logout_token = Rsa::rs256()
        .token(&Header::empty().with_key_id("rsa1").with_token_type("logout+jwt"), &Claims::new(&logout_claims), &rsa_key)
        .expect("logout token");
    let logout_form = format!("logout_token={logout_token}").into_bytes();

    let cookie_key = [7_u8; 32];
    let cookie = SessionHandle::new(&[9_u8; 32], "bench", [1_u8; 16]).encode(&cookie_key);
    let signing_key = AssertionSigningKey::generate().expect("signing key");

    Fixture { jwks, jwks_json, id_token_rs256, id_token_es256, logout_form, cookie, cookie_key, signing_key }
}

fn expected() -> Expected<'static> {
    Expected { issuer: ISSUER, client_id: CLIENT_ID, nonce: NONCE, now: NOW }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let allowed = SigningAlgorithm::DEFAULT_ALLOWED;

    // Sanity: every benchmarked path succeeds (a failing path would be measured as fast).
    assert!(SessionHandle::decode(&f.cookie, &f.cookie_key).is_some());
    for token in [&f.id_token_rs256, &f.id_token_es256] {
        let claims = verify::<IdTokenClaims>(token, &f.jwks, allowed).expect("id token verifies").claims;
        claims.validate(&expected()).expect("id token valid");
    }

    c.bench_function("session_cookie_check", |b| {
        b.iter(|| SessionHandle::decode(black_box(&f.cookie), black_box(&f.cookie_key)).expect("valid cookie"))
    });

    c.bench_function("id_token_rs256", |b| {
        b.iter(|| {
            let v = verify::<IdTokenClaims>(black_box(&f.id_token_rs256), &f.jwks, allowed).expect("verifies");
            v.claims.validate(&expected()).expect("valid")
        })
    });

    c.bench_function("id_token_es256", |b| {
        b.iter(|| {
            let v = verify::<IdTokenClaims>(black_box(&f.id_token_es256), &f.jwks, allowed).expect("verifies");
            v.claims.validate(&expected()).expect("valid")
        })
    });

    c.bench_function("logout_token_rs256", |b| {
        b.iter(|| {
            let token = logout_token_from_form(black_box(&f.logout_form)).expect("form");
            let iss = unverified_issuer(&token).expect("iss");
            assert_eq!(iss, ISSUER);
            let v = verify::<LogoutTokenClaims>(&token, &f.jwks, allowed).expect("verifies");
            v.claims.validate(ISSUER, CLIENT_ID, NOW).expect("valid")
        })
    });

    let who =
        AssertionSubject { subject: "00u1bench", email: Some("ana@bench.test"), name: Some("Ana Lima"), org: "bench", idp_issuer: ISSUER };
    c.bench_function("assertion_sign_es256", |b| {
        b.iter(|| {
            let claims = AssertionClaims::new(
                who,
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
