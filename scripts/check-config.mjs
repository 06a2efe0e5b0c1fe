#!/usr/bin/env node
// `make check-config`: checks a production `SSO` offline, with the worker's own parser
// (edge-sso-deploy, built natively from src/config.rs) and so with the same field-path
// errors the worker would log, plus what production forbids (placeholders, development
// addresses). Nothing is deployed, no network is used.
//
//   node scripts/check-config.mjs [--env production] [--config wrangler.toml] [--development] [FILE]
//
// FILE: a JSON file holding the `SSO` value (e.g. what you keep in the dashboard); without
// it, the `SSO` of the environment's [env.<name>.vars] in wrangler.toml. --development
// skips the production rules. Exit status: 0 valid, 1 refused, 2 usage.
import fs from 'node:fs';
import path from 'node:path';
import { checkSso, parseArgs, readEnvironment, repoRoot, ssoOf } from './deployment.mjs';

let args;
try {
  args = parseArgs(process.argv.slice(2), { flags: ['development'] });
} catch (e) {
  console.error(`check-config: ${e.message}`);
  process.exit(2);
}
const env = args.env ?? 'production';
const config = path.resolve(args.config ?? path.join(repoRoot, 'wrangler.toml'));
const [file] = args.positional;

let sso;
let source;
if (file) {
  try {
    sso = fs.readFileSync(file, 'utf8');
  } catch (e) {
    console.error(`check-config: cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
  source = file;
} else {
  sso = ssoOf(await readEnvironment({ config, env }));
  source = `${path.relative(process.cwd(), config) || config} [${env ? `env.${env}.` : ''}vars.SSO]`;
  if (sso === undefined) {
    console.error(`check-config: ${source} is not set. If you keep SSO in the dashboard, check that JSON: make check-config FILE=sso.json`);
    process.exit(1);
  }
}

const verdict = checkSso(sso, { production: !args.development });
for (const e of verdict.errors) console.log(`error: ${e.path}: ${e.problem}`);
for (const w of verdict.warnings) console.log(`warning: ${w.path}: ${w.problem}`);
if (!verdict.ok) {
  console.log(`check-config: ${source}: refused (${verdict.errors.length} error${verdict.errors.length === 1 ? '' : 's'})`);
  process.exit(1);
}
console.log(`check-config: ${source}: ok (orgs: ${verdict.orgs.join(', ') || 'none'})`);
console.log(`Worker secrets it needs: ${['SSO_SESSION_SECRET', ...verdict.secrets].join(', ')}`);
