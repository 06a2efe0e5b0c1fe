//! Tests of the JOSE module, grouped by rule; keys and token builders in `crate::fixtures`.

mod algorithm_cases;
mod assertion_cases;
mod jwks_cases;
mod key_selection_cases;
mod malformed_cases;
mod signature_cases;
mod vector_cases;
