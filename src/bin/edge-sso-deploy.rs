//! The operator's offline tool (`make check-config`, `make secrets`), natively built
//! from the same code the worker runs, so its verdicts are the worker's:
//!
//! ```text
//! edge-sso-deploy check-config [--production] [--secrets NAME,…] [--json] [FILE]
//!     Parses an `SSO` value (FILE, or stdin) with the worker's parser: the same
//!     field-path errors the worker would log (`orgs[1].issuer: not an absolute URL`).
//!     --production also refuses template placeholders and development addresses.
//!     --secrets: the Worker secrets that exist (otherwise every named one is assumed to).
//!     Exit status 0: deployable; 1: refused; 2: usage.
//! edge-sso-deploy signing-key
//!     A new SSO_SIGNING_KEY (private ES256 JWK) on stdout, for a pipe only
//!     (`… | wrangler secret put SSO_SIGNING_KEY`): refuses to print it on a terminal.
//! ```

use std::cell::RefCell;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use edge_sso::config::{production, Config, ConfigError, MAX_CONFIG_BYTES};
use edge_sso::jose::AssertionSigningKey;

const USAGE: &str =
    "usage: edge-sso-deploy check-config [--production] [--secrets NAME,…] [--json] [FILE]\n       edge-sso-deploy signing-key";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check-config") => check_config(&args[1..]),
        Some("signing-key") if args.len() == 1 => signing_key(),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// What `check-config` found.
#[derive(Default, serde::Serialize)]
struct Verdict {
    ok: bool,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    /// The static orgs' ids.
    orgs: Vec<String>,
    /// Worker secrets the configuration names (`client_secret_var`).
    secrets: Vec<String>,
    base_url: Option<String>,
    origin: Option<String>,
}

#[derive(serde::Serialize)]
struct Finding {
    path: String,
    problem: String,
}

impl From<ConfigError> for Finding {
    fn from(e: ConfigError) -> Self {
        Self { path: e.path, problem: e.problem }
    }
}

fn check_config(args: &[String]) -> ExitCode {
    let mut production_mode = false;
    let mut json = false;
    let mut known_secrets: Option<Vec<String>> = None;
    let mut file = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--production" => production_mode = true,
            "--json" => json = true,
            "--secrets" => match rest.next() {
                Some(list) => known_secrets = Some(list.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()),
                None => return usage(),
            },
            _ if arg.starts_with("--") || file.is_some() => return usage(),
            _ => file = Some(arg.clone()),
        }
    }
    let sso = match read_input(file.as_deref()) {
        Ok(sso) => sso,
        Err(e) => {
            eprintln!("check-config: {e}");
            return ExitCode::from(2);
        }
    };
    let verdict = verdict(&sso, production_mode, known_secrets.as_deref());
    if json {
        println!("{}", serde_json::to_string(&verdict).unwrap_or_default());
    } else {
        print_human(&verdict);
    }
    if verdict.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

fn read_input(file: Option<&str>) -> std::io::Result<String> {
    let mut text = String::new();
    let limit = (MAX_CONFIG_BYTES + 1) as u64;
    match file {
        Some(path) if path != "-" => std::fs::File::open(path)?.take(limit).read_to_string(&mut text)?,
        _ => std::io::stdin().take(limit).read_to_string(&mut text)?,
    };
    Ok(text)
}

fn verdict(sso: &str, production_mode: bool, known_secrets: Option<&[String]>) -> Verdict {
    let mut verdict = Verdict::default();
    if production_mode {
        let found = production::placeholders(sso);
        if !found.is_empty() {
            verdict.errors = found.into_iter().map(Finding::from).collect();
            return verdict;
        }
    }
    let named = RefCell::new(Vec::<String>::new());
    let lookup = |name: &str| {
        named.borrow_mut().push(name.to_owned());
        let exists = known_secrets.is_none_or(|known| known.iter().any(|k| k == name));
        exists.then(|| "(set)".to_owned())
    };
    let config = match Config::parse(sso, &lookup) {
        Ok(config) => config,
        Err(e) => {
            verdict.errors.push(e.into());
            return verdict;
        }
    };
    verdict.secrets = named.into_inner();
    verdict.orgs = config.orgs.iter().map(|o| o.id.clone()).collect();
    verdict.base_url.clone_from(&config.base_url);
    verdict.origin.clone_from(&config.origin);
    if production_mode {
        let report = production::check(&config);
        verdict.errors.extend(report.problems.into_iter().map(Finding::from));
        verdict.warnings.extend(report.warnings.into_iter().map(Finding::from));
    }
    verdict.ok = verdict.errors.is_empty();
    verdict
}

fn print_human(verdict: &Verdict) {
    for e in &verdict.errors {
        println!("error: {}: {}", e.path, e.problem);
    }
    for w in &verdict.warnings {
        println!("warning: {}: {}", w.path, w.problem);
    }
    if verdict.ok {
        let orgs = if verdict.orgs.is_empty() { "none".to_owned() } else { verdict.orgs.join(", ") };
        println!("ok: SSO is valid (orgs: {orgs})");
        if !verdict.secrets.is_empty() {
            println!("Worker secrets it needs besides SSO_SESSION_SECRET: {}", verdict.secrets.join(", "));
        }
    }
}

fn signing_key() -> ExitCode {
    let mut out = std::io::stdout();
    if out.is_terminal() {
        eprintln!("signing-key: refusing to print a private key on a terminal; pipe it: edge-sso-deploy signing-key | wrangler secret put SSO_SIGNING_KEY");
        return ExitCode::from(2);
    }
    let key = match AssertionSigningKey::generate() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("signing-key: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The JWK the worker restores with `AssertionSigningKey::from_private_jwk`.
    match out.write_all(key.to_private_jwk().expose().as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signing-key: {e}");
            ExitCode::FAILURE
        }
    }
}
