#!/usr/bin/env node
// `make deploy-check` (part of `make test`): would the built worker deploy? Runs
// `wrangler deploy --dry-run --outdir …` (no network, no account) for the development top
// level and for each [env.*] of wrangler.toml, and fails if wrangler refuses the bundle (a
// Durable Object class not exported…), a binding or the migration of a Durable Object
// class is missing, or the compressed worker exceeds the Free plan's 3 MB. Placeholder
// values of the production template are `make deploy`'s business, not this check's.
//
//   node scripts/deploy-check.mjs [--config wrangler.toml]
import fs from 'node:fs';
import path from 'node:path';
import { bindingProblems, dryRun, kib, parseArgs, readEnvironment, repoRoot } from './deployment.mjs';

const args = parseArgs(process.argv.slice(2));
const config = path.resolve(args.config ?? path.join(repoRoot, 'wrangler.toml'));
const top = await readEnvironment({ config, env: '' });
const { experimental_readRawConfig } = await import('wrangler');
const envs = Object.keys(experimental_readRawConfig({ config }).rawConfig.env ?? {});

let failed = false;
for (const env of ['', ...envs]) {
  const name = env ? `env ${env}` : 'top level';
  const environment = env ? await readEnvironment({ config, env }) : top;
  const outdir = path.join(repoRoot, 'build', 'deploy-check', env || 'top');
  const result = dryRun({ config, env, outdir });
  const problems = [...bindingProblems(environment, name), ...result.problems];
  if (problems.length) {
    failed = true;
    for (const p of problems) console.log(`deploy-check: ${name}: ${p}`);
  } else {
    const classes = (environment.migrations ?? []).map((m) => `${m.tag} (${(m.new_sqlite_classes ?? []).join(', ')})`).join(', ');
    console.log(`deploy-check: ${name}: ok: bundle ${kib(result.rawBytes)}, gzip ${kib(result.gzipBytes)} of 3 MB; bindings ${result.bindings.map((b) => b.name).join(', ')}; migrations ${classes}`);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
}
if (failed) {
  console.log('deploy-check: the worker would not deploy (above)');
  process.exit(1);
}
