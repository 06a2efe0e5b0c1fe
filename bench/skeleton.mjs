// The skeleton worker (JS, over fetch): the least any strict design must do per authenticated request,
// built by `make bench` as edge-sso's baseline. It reads the session cookie, asks one
// SQLite-backed Durable Object for the session row (the same `stub.fetch` + JSON + one
// `SELECT` shape that edge-sso's SessionStore uses), then fetches the origin. No MAC,
// no headers, no assertion: the ratio edge-sso / skeleton is edge-sso's own overhead.
import { DurableObject } from 'cloudflare:workers';

export class SkeletonStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, record TEXT NOT NULL)');
    this.sql.exec('INSERT OR IGNORE INTO sessions (key, record) VALUES (?, ?)', 'bench-session', JSON.stringify({ subject: 'sub-bench', email: 'bench@bench.test' }));
  }

  async fetch(request) {
    const { key } = await request.json();
    const rows = this.sql.exec('SELECT record FROM sessions WHERE key = ?', key).toArray();
    return Response.json(rows.length ? { session: JSON.parse(rows[0].record) } : { session: null });
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
    const stub = env.SKELETON_STORE.getByName('sessions');
    const answer = await stub.fetch('https://store/', { method: 'POST', body: JSON.stringify({ key }) });
    const { session } = await answer.json();
    if (!session) return Response.json({ error: 'unauthenticated' }, { status: 401 });
    const url = new URL(request.url);
    const origin = new URL(env.ORIGIN);
    url.protocol = origin.protocol;
    url.host = origin.host;
    return fetch(new Request(url, request));
  },
};
