//! Writes the seed corpora in `fuzz/seeds/<target>/`: a few valid, real-looking inputs
//! per target (cookies MAC'd and tokens signed with the fixture keys of `src/lib.rs`),
//! plus a few near-misses. Run from `fuzz/`: `cargo +nightly run --example seeds`.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use edge_sso::login::state::LoginState;
use edge_sso::session::cookie::SessionHandle;
use edge_sso_fuzz::{b64, derived_keys, jwks_json, sign, CLIENT_ID, ISSUER, NONCE, NOW, REVOCATION_ENDPOINT};
use serde_json::{json, Value};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let tokens = Tokens::new();
    let seeds: Vec<(&str, Vec<(&str, Vec<u8>)>)> = vec![
        ("session_cookie", session_cookie()),
        ("login_state", login_state()),
        ("jwt", tokens.all()),
        ("id_token_claims", claims_seeds(&[id_claims(), id_claims_many_audiences(), json!({"iss": ISSUER, "sub": "", "exp": 1})])),
        ("logout_token_claims", claims_seeds(&[logout_claims(), logout_claims_sub_only(), json!({"iss": ISSUER, "nonce": "n"})])),
        (
            "revocation_claims",
            claims_seeds(&[revocation_claims(), json!({"iss": ISSUER, "aud": [REVOCATION_ENDPOINT], "exp": NOW + 60, "jti": "j"})]),
        ),
        ("logout_form", logout_form(&tokens)),
        ("universal_logout_body", universal_logout_body(&tokens)),
        (
            "return_to",
            text(&["/reports?year=2026", "/a/b/", "/docs/%E2%9C%93?q=a%20b", "/a/../b/./c", "/caf\u{e9}?x=\u{1f600}", "//evil.example"]),
        ),
        ("config", config()),
        ("jwks", jwks()),
        ("discovery", json_seeds(&[discovery(), json!({"issuer": ISSUER})])),
        (
            "token_response",
            json_seeds(&[
                json!({"access_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "token_type": "Bearer", "expires_in": 3600, "scope": "openid email profile", "id_token": tokens.id_token}),
                json!({"error": "invalid_grant", "error_description": "The authorization code is invalid or has expired."}),
            ]),
        ),
        (
            "userinfo",
            json_seeds(&[
                json!({"sub": "00u1edgesso", "email": "ana@acme.test", "email_verified": true, "name": "Ana Lima", "given_name": "Ana", "family_name": "Lima", "zoneinfo": "Europe/Lisbon"}),
                json!({"sub": "someone-else", "email": "eve@evil.test"}),
            ]),
        ),
        ("cookie_header", cookie_header()),
        (
            "provisioning",
            text(&[
                "application/json\n{\"error\":\"seat_limit\",\"error_description\":\"Your plan has no free seats.\"}",
                "text/plain; charset=utf-8\nnot in this plan",
                "text/html\n<h1>Forbidden</h1>",
            ]),
        ),
    ];
    for (target, files) in seeds {
        let dir = root.join(target);
        fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// Signed seed tokens, one per kind the worker receives.
struct Tokens {
    id_token: String,
    id_token_es256: String,
    logout_token: String,
    revocation: String,
}

impl Tokens {
    fn new() -> Self {
        Self {
            id_token: sign(&json!({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}), &id_claims()),
            id_token_es256: sign(&json!({"alg": "ES256", "kid": "ec-1"}), &id_claims_many_audiences()),
            logout_token: sign(&json!({"alg": "ES384", "kid": "ec-384", "typ": "logout+jwt"}), &logout_claims()),
            revocation: sign(&json!({"alg": "RS256", "kid": "rsa-1", "typ": "global-token-revocation+jwt"}), &revocation_claims()),
        }
    }

    fn all(&self) -> Vec<(&'static str, Vec<u8>)> {
        let header = |h: Value| b64(h.to_string());
        let body = b64(id_claims().to_string());
        vec![
            ("id_token_rs256", self.id_token.clone().into_bytes()),
            ("id_token_es256", self.id_token_es256.clone().into_bytes()),
            ("logout_token_es384", self.logout_token.clone().into_bytes()),
            ("revocation_rs256", self.revocation.clone().into_bytes()),
            ("ps256_no_kid", sign(&json!({"alg": "PS256"}), &id_claims()).into_bytes()),
            ("alg_none", format!("{}.{body}.", header(json!({"alg": "none"}))).into_bytes()),
            ("alg_hs256", format!("{}.{body}.c2ln", header(json!({"alg": "HS256", "kid": "rsa-1"}))).into_bytes()),
            ("crit", format!("{}.{body}.c2ln", header(json!({"alg": "RS256", "crit": ["exp"]}))).into_bytes()),
            ("unknown_kid", format!("{}.{body}.c2ln", header(json!({"alg": "ES256", "kid": "rotated"}))).into_bytes()),
        ]
    }
}

fn id_claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "00u1edgesso", "aud": CLIENT_ID, "exp": NOW + 3600, "iat": NOW - 5,
        "auth_time": NOW - 10, "nonce": NONCE, "email": "ana@acme.test", "email_verified": true,
        "name": "Ana Lima", "preferred_username": "ana@acme.test", "sid": "102ZXmt9DVVQTGrJYq1e3CEGg",
    })
}

fn id_claims_many_audiences() -> Value {
    json!({
        "iss": ISSUER, "sub": "00u2jos\u{e9}", "aud": [CLIENT_ID, "api://default"], "azp": CLIENT_ID,
        "exp": 1.8000036e9, "iat": 1_799_999_990.5, "nbf": NOW - 30, "nonce": NONCE,
        "given_name": "Jos\u{e9}", "family_name": "da Silva",
    })
}

fn logout_claims() -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT_ID, "iat": NOW - 2, "exp": NOW + 120, "jti": "bWJq.logout.1",
        "sid": "102ZXmt9DVVQTGrJYq1e3CEGg",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    })
}

fn logout_claims_sub_only() -> Value {
    json!({
        "iss": ISSUER, "aud": [CLIENT_ID], "iat": NOW, "jti": "2",
        "sub": "00u1edgesso",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}, "other": 1},
    })
}

fn revocation_claims() -> Value {
    json!({"iss": ISSUER, "aud": REVOCATION_ENDPOINT, "iat": NOW, "exp": NOW + 300, "jti": "ul-8f3a2c"})
}

fn session_cookie() -> Vec<(&'static str, Vec<u8>)> {
    let keys = derived_keys();
    let acme = SessionHandle::new(keys.initial_store_name(), "acme", "00u1acme", None, *b"0123456789abcdef");
    let globex = SessionHandle::new(
        keys.initial_store_name(),
        "globex",
        "00u1globex",
        Some(edge_sso::session::address::Jurisdiction::Eu),
        [0xa5; 16],
    );
    let mut body = vec![2u8];
    body.extend_from_slice(&[0x5a; 44]);
    vec![
        ("acme", acme.encode(keys.session_cookie()).into_bytes()),
        ("globex", globex.encode(keys.session_cookie()).into_bytes()),
        ("foreign_key", acme.encode(&[9; 32]).into_bytes()),
        ("raw_body", body),
    ]
}

fn login_state() -> Vec<(&'static str, Vec<u8>)> {
    let state = "Vq3KpZ0xwT8m2uL6cYbR1eN4hJ7aDf9sGk5oQiXyU0E";
    let login = LoginState {
        org: "acme".to_owned(),
        nonce: edge_sso::login::Nonce::new(NONCE),
        code_verifier: edge_sso::login::PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        return_to: "/reports?year=2026".to_owned(),
        expires_at: NOW + 600,
        setup: None,
    };
    let cookie = login.encode(state, derived_keys().login_cookie());
    let payload = serde_json::to_string(&login).unwrap();
    vec![
        ("cookie", format!("{state}\n{cookie}").into_bytes()),
        ("payload", format!("{state}\n{payload}").into_bytes()),
        ("other_state", format!("another-state\n{cookie}").into_bytes()),
    ]
}

fn logout_form(tokens: &Tokens) -> Vec<(&'static str, Vec<u8>)> {
    text(&[
        &format!("logout_token={}", tokens.logout_token),
        &format!("state=x&logout_token={}&logout_token=second", tokens.id_token_es256),
        "logout_token=eyJhbGciOiJFUzI1NiJ9%2Ee30%2Ec2ln&x=%FF%00+",
    ])
}

fn universal_logout_body(tokens: &Tokens) -> Vec<(&'static str, Vec<u8>)> {
    let bearer = format!("Bearer {}", tokens.revocation);
    text(&[
        &format!("{bearer}\n{}", json!({"sub_id": {"format": "email", "email": "ana@acme.test"}})),
        &format!("{bearer}\n{}", json!({"sub_id": {"format": "iss_sub", "iss": ISSUER, "sub": "00u1edgesso"}})),
        &format!("bearer  {}  \n{}", tokens.revocation, json!({"subject": {"format": "email", "email": "a@b"}})),
        &format!("Basic YTpi\n{}", json!({"sub_id": {"format": "opaque", "id": "x"}})),
    ])
}

fn config() -> Vec<(&'static str, Vec<u8>)> {
    let full = json!({
        "base_url": "https://app.example.com",
        "origin": "https://origin.example.com:8443",
        "public_paths": ["/public/", "/healthz"],
        "session": {"idle_timeout_secs": 3600, "absolute_timeout_secs": 43200, "revalidate_secs": 30},
        "provisioning": {"url": "https://origin.example.com/internal/sso/provision", "timeout_ms": 3000},
        "orgs": [
            {
                "id": "acme", "issuer": ISSUER, "client_id": CLIENT_ID, "client_secret_var": "ACME_CLIENT_SECRET",
                "domains": ["acme.test", "Acme.Example.COM "], "default_projects": ["onboarding", "handbook"],
                "scopes": ["email", "profile", "groups"], "signing_algs": ["RS256", "ES256"],
                "universal_logout": {"issuer": "https://acme.okta.example/oauth2/ul", "jwks_uri": "https://acme.okta.example/oauth2/v1/keys"}
            },
            {
                "id": "globex", "issuer": "http://127.0.0.1:9001", "client_id": "edge-sso-globex",
                "client_secret": "globex-secret", "token_endpoint_auth_method": "client_secret_post",
                "domains": ["globex.test"]
            }
        ]
    });
    let minimal = json!({"orgs": [{"id": "a", "issuer": "https://i.test", "client_id": "c", "client_secret": "s"}]});
    let org = json!({"id": "initech", "issuer": "https://initech.example/oauth2/default", "client_id": "c1", "client_secret_var": "ACME_CLIENT_SECRET", "domains": ["initech.example"]});
    vec![
        ("full", serde_json::to_vec_pretty(&full).unwrap()),
        ("as_string", serde_json::to_vec(&Value::String(minimal.to_string())).unwrap()),
        ("minimal", minimal.to_string().into_bytes()),
        ("admin_org", org.to_string().into_bytes()),
        ("bad_field", br#"{"orgs":[{"id":"Bad Id","issuer":"ftp://x","client_id":"","client_secret":"s"}],"extra":1}"#.to_vec()),
    ]
}

fn jwks() -> Vec<(&'static str, Vec<u8>)> {
    let mut mixed: Value = serde_json::from_slice(jwks_json()).unwrap();
    let keys = mixed["keys"].as_array_mut().unwrap();
    keys.push(json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": "sXch", "e": "AQAB"}));
    keys.push(json!({"kty": "EC", "kid": "priv", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}));
    keys.push(json!({"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}));
    keys.push(json!({"kty": "RSA", "kid": "short", "alg": "RS256", "n": "AQAB", "e": "AQAB", "x5c": ["MIIC"]}));
    vec![("fixture", jwks_json().to_vec()), ("mixed", serde_json::to_vec_pretty(&mixed).unwrap()), ("empty", br#"{"keys":[]}"#.to_vec())]
}

fn discovery() -> Value {
    json!({
        "issuer": ISSUER,
        "authorization_endpoint": "https://acme.okta.example/oauth2/v1/authorize",
        "token_endpoint": "https://acme.okta.example/oauth2/v1/token",
        "userinfo_endpoint": "https://acme.okta.example/oauth2/v1/userinfo",
        "jwks_uri": "https://acme.okta.example/oauth2/v1/keys",
        "end_session_endpoint": "https://acme.okta.example/oauth2/v1/logout",
        "response_types_supported": ["code", "id_token", "code id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "offline_access"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "backchannel_logout_supported": true,
    })
}

fn cookie_header() -> Vec<(&'static str, Vec<u8>)> {
    let keys = derived_keys();
    let session =
        SessionHandle::new(keys.initial_store_name(), "acme", "00u1acme", None, *b"0123456789abcdef").encode(keys.session_cookie());
    text(&[
        &format!("_ga=GA1.2.1234; sso_session={session}; sso_login_0123456789abcdef=abc.def; theme=dark"),
        "SSO_Session=x;sso_logout=y ;  lang=pt-BR; flag",
        "X-Sso-Email",
        "x_sso-subject",
        "Jos\u{e9} da Silva <jose@acme.test>\r\nX-Evil: 1",
    ])
}

fn claims_seeds(claims: &[Value]) -> Vec<(&'static str, Vec<u8>)> {
    json_seeds(claims)
}

fn json_seeds(values: &[Value]) -> Vec<(&'static str, Vec<u8>)> {
    const NAMES: [&str; 4] = ["a", "b", "c", "d"];
    values.iter().zip(NAMES).map(|(v, name)| (name, v.to_string().into_bytes())).collect()
}

fn text(values: &[&str]) -> Vec<(&'static str, Vec<u8>)> {
    const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
    values.iter().zip(NAMES).map(|(v, name)| (name, v.as_bytes().to_vec())).collect()
}
