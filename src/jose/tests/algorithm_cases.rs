//! Algorithm names: exact parsing, display, serde, and the default allow-list.

use crate::jose::SigningAlgorithm;

#[test]
fn every_algorithm_parses_from_and_displays_as_its_jws_name() {
    for alg in SigningAlgorithm::ALL {
        assert_eq!(alg.to_string().parse::<SigningAlgorithm>().ok(), Some(*alg));
        let json = serde_json::to_string(alg).expect("serialize");
        assert_eq!(json, format!("\"{alg}\""));
        assert_eq!(serde_json::from_str::<SigningAlgorithm>(&json).ok(), Some(*alg));
    }
}

#[test]
fn none_hmac_and_near_misses_do_not_parse() {
    for name in ["none", "None", "HS256", "HS384", "HS512", "rs256", "RS256 ", "ES512", "EdDSA", ""] {
        assert!(name.parse::<SigningAlgorithm>().is_err(), "{name:?}");
        assert!(serde_json::from_str::<SigningAlgorithm>(&format!("\"{name}\"")).is_err());
    }
}

#[test]
fn default_allow_list_is_the_documented_one() {
    let names: Vec<String> = SigningAlgorithm::DEFAULT_ALLOWED.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]);
}
