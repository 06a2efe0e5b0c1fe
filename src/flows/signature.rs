//! Verifying a JWT's signature with an issuer's keys, refetching the key set once
//! (rate-limited by the adapter) when the token's key is not in it.

use std::rc::Rc;

use serde::de::DeserializeOwned;

use super::{FlowError, Io};
use crate::jose::{JwtError, SigningAlgorithm, UntrustedJwt, VerifiedJwt};

/// Verifies `token` with the keys at `jwks_uri` under `algs`. An unknown `kid` means the
/// IdP rotated its keys; without a `kid`, a failure may mean the same: then the keys
/// are refetched once and the token tried again.
pub async fn verify_signature<C: DeserializeOwned>(
    io: &impl Io,
    jwks_uri: &str,
    algs: &[SigningAlgorithm],
    token: &UntrustedJwt<'_>,
) -> Result<VerifiedJwt<C>, FlowError> {
    let keys = io.jwks(jwks_uri, false).await?;
    match token.verify_with::<C>(&keys, algs, io).await {
        Ok(v) => Ok(v),
        Err(e @ (JwtError::UnknownKeyId | JwtError::NoMatchingKey | JwtError::BadSignature))
            if matches!(e, JwtError::UnknownKeyId) || token.header().kid.is_none() =>
        {
            let fresh = io.jwks(jwks_uri, true).await?;
            if Rc::ptr_eq(&fresh, &keys) {
                return Err(FlowError::InvalidToken("signature not verified".into()));
            }
            token.verify_with::<C>(&fresh, algs, io).await.map_err(|e| FlowError::InvalidToken(e.to_string()))
        }
        Err(e) => Err(FlowError::InvalidToken(e.to_string())),
    }
}
