#!/usr/bin/env node
// `make deploy`: refuses to deploy what cannot work or was meant for development, then
// runs `wrangler deploy`. In order, and all problems at once:
//   1. the environment: not the development top level, a real KV namespace id (not the
//      zeros, not a placeholder), the Durable Object bindings and their migrations, a route;
//   2. `SSO` (from wrangler.toml; a dashboard value is kept by keep_vars and cannot be read
//      here): the worker's own parser, no placeholders, no 127.0.0.1 or test domains;
//   3. the secrets (`wrangler secret list`): SSO_SESSION_SECRET and each client_secret_var;
//   4. `wrangler deploy --dry-run`: the bundle, its bindings, its size (Free plan: 3 MB);
// then `wrangler deploy` and a look at `<base_url>/_sso/healthz`.
//
//   node scripts/deploy.mjs [--env production] [--config wrangler.toml] [--dry-run]
//
// --dry-run: steps 1, 2 and 4 only: no network, no Cloudflare account (step 3 needs both).
import path from 'node:path';
import {
  checkSso, dryRun, environmentProblems, kib, missingSecrets, parseArgs, readEnvironment, repoRoot, requiredSecrets,
  runWrangler, secretNames, ssoOf,
} from './deployment.mjs';

const say = (line) => console.log(`deploy: ${line}`);
let args;
try {
  args = parseArgs(process.argv.slice(2), { flags: ['dry-run'] });
} catch (e) {
  console.error(`deploy: ${e.message}`);
  process.exit(2);
}
const env = args.env ?? 'production';
const config = path.resolve(args.config ?? path.join(repoRoot, 'wrangler.toml'));
const dry = Boolean(args['dry-run']);

const environment = await readEnvironment({ config, env });
const problems = environmentProblems(environment, env);
const warnings = [];

const sso = ssoOf(environment);
let verdict;
if (sso === undefined) {
  if (environment.keep_vars) {
    warnings.push('SSO is not in wrangler.toml: the value set in the dashboard stays (keep_vars) and is not checked here: check it with `make check-config FILE=…` first');
  } else {
    problems.push('SSO is not in wrangler.toml and keep_vars is off: the deploy would leave the worker without its configuration');
  }
} else {
  verdict = checkSso(sso);
  for (const e of verdict.errors) problems.push(`SSO: ${e.path}: ${e.problem}`);
  for (const w of verdict.warnings) warnings.push(`SSO: ${w.path}: ${w.problem}`);
  const customDomain = (environment.routes ?? []).some((r) => typeof r === 'object' && r.custom_domain);
  if (verdict.ok && customDomain && !verdict.origin) {
    problems.push('SSO: origin: not set, but the worker is on a custom domain, which has no server behind it: set origin to your app\'s URL');
  }
}

if (dry) {
  warnings.push('secrets not checked (dry run: listing them needs Cloudflare)');
} else if (env) {
  try {
    const present = secretNames({ config, env });
    for (const name of missingSecrets(requiredSecrets(verdict), present)) {
      const how = name === 'SSO_SESSION_SECRET' ? `make secrets DEPLOY_ENV=${env}` : `npx wrangler secret put ${name} --env ${env}`;
      problems.push(`the Worker secret ${name} is not set: ${how}`);
    }
    if (!present.includes('SSO_SIGNING_KEY')) warnings.push(`SSO_SIGNING_KEY is not set: the worker generates and keeps its own key (make secrets sets one)`);
  } catch (e) {
    problems.push(e.message);
  }
}

const outdir = path.join(repoRoot, 'build', `deploy-${env || 'top'}`);
const bundle = problems.length === 0 || dry ? dryRun({ config, env, outdir }) : undefined;
if (bundle) problems.push(...bundle.problems);

for (const w of warnings) say(`warning: ${w}`);
if (problems.length) {
  for (const p of problems) say(`refused: ${p}`);
  say(`nothing deployed (${problems.length} problem${problems.length === 1 ? '' : 's'})`);
  process.exit(1);
}
say(`checks passed: ${environment.name} (env ${env}), bundle ${kib(bundle.rawBytes)}, gzip ${kib(bundle.gzipBytes)} (Free plan: 3 MB)`);
if (dry) {
  say('dry run: nothing deployed');
  process.exit(0);
}

const run = runWrangler(['deploy', '--config', config, '--env', env]);
process.stdout.write(run.output);
if (run.status !== 0) {
  say('wrangler deploy failed (above)');
  process.exit(1);
}
const base = verdict?.base_url;
if (!base) {
  say(`deployed. Check it: curl https://<your host>/_sso/healthz, and watch its logs: npx wrangler tail --env ${env}`);
  process.exit(0);
}
// A bad SSO or a missing SSO_SESSION_SECRET turns every answer, healthz included, into 500.
for (let i = 0; i < 15; i++) {
  try {
    const response = await fetch(`${base}/_sso/healthz`, { signal: AbortSignal.timeout(5000) });
    if (response.status === 200) {
      say(`deployed: ${base}/_sso/healthz answers 200. Logs: npx wrangler tail --env ${env}`);
      process.exit(0);
    }
    if (i === 14) say(`deployed, but ${base}/_sso/healthz answers ${response.status}: see \`npx wrangler tail --env ${env}\` (README, "Operate")`);
  } catch (e) {
    if (i === 14) say(`deployed, but ${base}/_sso/healthz does not answer (${e.cause?.code ?? e.message}): DNS of a new custom domain can take a minute`);
  }
  await new Promise((r) => setTimeout(r, 2000));
}
process.exit(1);
