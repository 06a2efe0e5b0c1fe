#!/usr/bin/env node
// `make secrets`: generates the worker's own secrets and puts them with
// `wrangler secret put`, printing nothing secret (values go from memory to wrangler's stdin):
//   SSO_SESSION_SECRET  48 random bytes, base64url (64 characters; the worker needs ≥ 32 bytes)
//   SSO_SIGNING_KEY     a new ES256 private JWK from `edge-sso-deploy signing-key` (the
//                       worker's own key code: exactly the format it restores)
// A secret that is already set is kept unless named in --rotate (README, "Rotate secrets":
// a new SSO_SESSION_SECRET signs everybody out).
//
//   node scripts/secrets.mjs [--env production] [--config wrangler.toml] [--rotate NAME]...
import crypto from 'node:crypto';
import path from 'node:path';
import { deployTool, parseArgs, repoRoot, runWrangler, secretNames, wranglerError } from './deployment.mjs';

const say = (line) => console.log(`secrets: ${line}`);
const args = parseArgs(process.argv.slice(2), { repeatable: ['rotate'] });
const env = args.env ?? 'production';
const config = path.resolve(args.config ?? path.join(repoRoot, 'wrangler.toml'));
if (!env) {
  say('the top level of wrangler.toml is the development configuration (its secrets are in .dev.vars): choose DEPLOY_ENV');
  process.exit(2);
}
const generators = {
  SSO_SESSION_SECRET: () => crypto.randomBytes(48).toString('base64url'),
  SSO_SIGNING_KEY: () => {
    const run = deployTool(['signing-key']);
    if (run.status !== 0 || !run.stdout.startsWith('{')) throw new Error(`edge-sso-deploy signing-key failed: ${run.stderr.trim()}`);
    return run.stdout;
  },
};
for (const name of args.rotate) {
  if (!generators[name]) {
    say(`--rotate ${name}: only ${Object.keys(generators).join(' and ')} are generated here`);
    process.exit(2);
  }
}

let present;
try {
  present = secretNames({ config, env });
} catch (e) {
  say(e.message);
  process.exit(1);
}
let failed = false;
for (const [name, generate] of Object.entries(generators)) {
  if (present.includes(name) && !args.rotate.includes(name)) {
    say(`${name} is already set: kept (--rotate ${name} replaces it)`);
    continue;
  }
  const run = runWrangler(['secret', 'put', name, '--config', config, '--env', env], { input: generate() });
  if (run.status === 0) {
    say(`${name} ${present.includes(name) ? 'replaced' : 'set'} (env ${env})`);
  } else {
    failed = true;
    // wrangler's own output never repeats the value it read from stdin.
    say(`${name}: wrangler secret put failed: ${wranglerError(run.output)}`);
  }
}
process.exit(failed ? 1 : 0);
