//! The fuzz targets' view of the shared fixture kit ([`edge_sso::fixtures`]): one
//! fixed org, fixed cookie keys, a fixed clock and the fixed issuer key set whose
//! private halves sign the seed tokens (`cargo run --example seeds`); plus the
//! targets' own input splitting.

pub use edge_sso::fixtures::{
    derived_keys, issuer_jwks as jwks, issuer_jwks_json as jwks_json, p256_key, p384_key, rsa_key, sign, worker_secret, CLIENT_ID, ISSUER,
    NONCE, NOW, REVOCATION_ENDPOINT, SESSION_SECRET,
};

/// Unpadded base64url.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    edge_sso::fixtures::b64(bytes)
}

/// Splits `data` at its first newline: (first line, rest). No newline: ("", data).
pub fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&[], data),
    }
}
