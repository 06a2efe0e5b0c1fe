//! base64url (RFC 4648 §5) as JOSE uses it: strict and unpadded in tokens, padding
//! tolerated in key material.

use base64::{
    alphabet,
    engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig},
    Engine,
};

/// Unpadded, canonical: compact JWS segments (RFC 7515 §2).
const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Padding optional: JWK members, where some publishers pad.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes without padding.
pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
    STRICT.encode(bytes)
}

/// Decodes a compact-JWS segment; `None` if not canonical unpadded base64url.
pub(crate) fn decode_segment(segment: &str) -> Option<Vec<u8>> {
    STRICT.decode(segment).ok()
}

/// Decodes a JWK member (`n`, `e`, `x`, `y`, `d`); `None` if not base64url.
pub(crate) fn decode_member(member: &str) -> Option<Vec<u8>> {
    LENIENT.decode(member).ok()
}
