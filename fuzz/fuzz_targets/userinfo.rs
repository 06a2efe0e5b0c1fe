//! Userinfo answers: claims kept only when their `sub` is the ID token's and each is
//! bounded like an ID-token claim; merging them never changes who the user is.
#![no_main]

use edge_sso::oidc::id_token::{VerifiedIdToken, MAX_CLAIM_LEN};
use edge_sso::oidc::userinfo::{parse_userinfo, UserinfoError};
use libfuzzer_sys::fuzz_target;

const SUBJECT: &str = "00u1edgesso";

fuzz_target!(|data: &[u8]| {
    assert!(parse_userinfo(500, data, SUBJECT).is_err());
    match parse_userinfo(200, data, SUBJECT) {
        Ok(claims) => {
            assert_eq!(claims.sub.as_deref(), Some(SUBJECT));
            for claim in [&claims.email, &claims.name, &claims.given_name, &claims.family_name] {
                assert!(claim.as_ref().is_none_or(|c| c.len() <= MAX_CLAIM_LEN), "an oversized claim was kept");
            }
            let mut identity = VerifiedIdToken {
                subject: SUBJECT.to_owned(),
                email: None,
                name: None,
                given_name: Some("Ana".to_owned()),
                family_name: None,
                sid: Some("sid-1".to_owned()),
                email_verified: None,
                issued_at: 0,
            };
            identity.merge_userinfo(claims);
            assert_eq!(identity.subject, SUBJECT);
            assert_eq!(identity.given_name.as_deref(), Some("Ana"), "the ID token's claims win");
        }
        Err(UserinfoError::SubjectMismatch | UserinfoError::Oversized | UserinfoError::Idp(_)) => {}
    }
});
