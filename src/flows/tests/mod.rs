//! Native tests of the flows: a scriptable fake [`Io`] (an in-memory session store, one
//! identity provider per org, a provisioning origin) and the cases of each flow, named
//! by behaviour. Keys and tokens come from [`crate::fixtures`].

mod access_cases;
mod admin_cases;
mod callback_cases;
mod documents_cases;
mod fake;
mod jurisdiction_cases;
mod login_cases;
mod logout_cases;
mod org_cache_cases;
mod per_user_cases;
mod provisioning_cases;
mod session_check_cases;
mod setup_cases;

pub(super) use crate::fixtures::run;
