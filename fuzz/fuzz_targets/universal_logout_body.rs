//! An Okta Universal Logout request: the `Authorization` header value on the first
//! line, the JSON body after it.
#![no_main]

use edge_sso::logout::universal::{bearer_token, parse_subject, SubjectId, MAX_BODY_BYTES};
use edge_sso_fuzz::split_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (authorization, body) = split_line(data);
    if let Ok(authorization) = std::str::from_utf8(authorization) {
        if let Ok(token) = bearer_token(Some(authorization)) {
            assert!(!token.is_empty() && token.trim() == token);
            assert!(authorization.contains(token));
        }
    }
    match parse_subject(body) {
        Ok(subject) => {
            assert!(body.len() <= MAX_BODY_BYTES);
            match subject {
                SubjectId::Email(email) => assert!(email.contains('@') && email.len() <= 254),
                SubjectId::IssSub { sub, .. } => assert!(!sub.is_empty() && sub.len() <= 1024),
            }
        }
        Err(e) => assert_eq!(e.status(), 400),
    }
});
