// The RPC skeleton: bench/skeleton.mjs with the Durable Object called over RPC (a method
// of a class that extends `DurableObject`) instead of `stub.fetch`: no Request, no JSON
// body, no Response for the store call. The same SQLite table and `SELECT`, the same
// origin fetch. It is what is left to pay once the runtime's cheapest call is used.
import { DurableObject } from 'cloudflare:workers';

export class SkeletonRpcStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, record TEXT NOT NULL)');
    this.sql.exec('INSERT OR IGNORE INTO sessions (key, record) VALUES (?, ?)', 'bench-session', JSON.stringify({ subject: 'sub-bench', email: 'bench@bench.test' }));
  }

  session(key) {
    const rows = this.sql.exec('SELECT record FROM sessions WHERE key = ?', key).toArray();
    return rows.length ? JSON.parse(rows[0].record) : null;
  }
}

function cookie(request, name) {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

export default {
  async fetch(request, env) {
    const key = cookie(request, 'sso_session');
    if (!key) return Response.json({ error: 'unauthenticated' }, { status: 401 });
    const session = await env.SKELETON_STORE.getByName('sessions').session(key);
    if (!session) return Response.json({ error: 'unauthenticated' }, { status: 401 });
    const url = new URL(request.url);
    const origin = new URL(env.ORIGIN);
    url.protocol = origin.protocol;
    url.host = origin.host;
    return fetch(new Request(url, request));
  },
};
