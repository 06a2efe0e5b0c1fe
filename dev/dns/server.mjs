// A DNS-over-HTTPS stub (the JSON API of https://cloudflare-dns.com/dns-query) for local
// development and the tests: it answers TXT lookups for `*.test` names from a records file
// (one `name value` per line, `#` comments) or from a Map, and NXDOMAIN for everything else.
//   node dev/dns/server.mjs --port 9053 --records dev/dns/records.txt
import http from 'node:http';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

/** `name value` lines → Map(name → [values]); names lower-cased, without a trailing dot. */
export function parseRecords(text) {
  const records = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, ...rest] = line.split(/\s+/);
    const key = name.toLowerCase().replace(/\.$/, '');
    records.set(key, [...(records.get(key) ?? []), rest.join(' ')]);
  }
  return records;
}

/**
 * Starts the stub. `lookup(name)` gives the TXT values of a name (default: read from
 * `recordsFile` on every query, so edits apply at once). Answers `{ url, port, queries, stop() }`.
 */
export async function startDohStub({ port = 0, host = '127.0.0.1', recordsFile, lookup } = {}) {
  const queries = [];
  const find =
    lookup ??
    ((name) => {
      let text = '';
      try {
        text = fs.readFileSync(recordsFile, 'utf8');
      } catch {
        // No file yet: no records.
      }
      return parseRecords(text).get(name) ?? [];
    });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://stub');
    if (url.pathname !== '/dns-query') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    const name = (url.searchParams.get('name') ?? '').toLowerCase().replace(/\.$/, '');
    const type = (url.searchParams.get('type') ?? 'A').toUpperCase();
    queries.push({ name, type });
    const values = name.endsWith('.test') && (type === 'TXT' || type === '16') ? find(name) : [];
    const answer = values.map((v) => ({ name: `${name}.`, type: 16, TTL: 60, data: JSON.stringify(v) }));
    const body = { Status: values.length ? 0 : 3, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [{ name: `${name}.`, type: 16 }] };
    if (answer.length) body.Answer = answer;
    res.writeHead(200, { 'content-type': 'application/dns-json' });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}/dns-query`,
    port: actual,
    queries,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '9053' }, records: { type: 'string', default: 'dev/dns/records.txt' } } });
  const stub = await startDohStub({ port: Number(values.port), recordsFile: values.records });
  console.log(`DNS-over-HTTPS stub on ${stub.url}: TXT records of *.test from ${values.records}`);
}
