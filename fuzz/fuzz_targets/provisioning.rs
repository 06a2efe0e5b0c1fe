//! The origin's answer to a provisioning call: classified by status alone, and a
//! refusal reason shown to the user only when short, non-empty and free of control
//! characters. Input: the `Content-Type` on the first line, the body after it.
#![no_main]

use edge_sso::provisioning::{classify, ProvisioningOutcome, MAX_REASON_CHARS};
use edge_sso_fuzz::split_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = split_line(data);
    let content_type = String::from_utf8_lossy(content_type);
    let types = [Some(content_type.as_ref()), None, Some("application/json"), Some("text/plain; charset=utf-8")];
    for status in [200, 201, 302, 400, 403, 409, 422, 500, 503] {
        for ct in types {
            let outcome = classify(status, ct, body);
            match &outcome {
                ProvisioningOutcome::Provisioned => assert!((200..300).contains(&status) || status == 409),
                ProvisioningOutcome::Refused(reason) => {
                    assert!((400..500).contains(&status) && status != 409);
                    if let Some(reason) = reason {
                        assert!(!reason.is_empty() && reason.chars().count() <= MAX_REASON_CHARS);
                        assert!(!reason.chars().any(char::is_control), "{reason:?}");
                    }
                }
                ProvisioningOutcome::Retry => assert!(!(200..300).contains(&status) && !(400..500).contains(&status)),
            }
        }
    }
});
