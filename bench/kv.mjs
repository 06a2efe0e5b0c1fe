// An in-memory stand-in for the KV namespace behind the worker's `SSO_CACHE` binding under
// plain `workerd serve` (wrangler/miniflare normally provide one). workerd sends the KV
// binding's calls to this service as HTTP: GET/PUT/DELETE on the (URL-encoded) key.
const store = new Map();

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const key = decodeURIComponent(url.pathname.slice(1));
    switch (request.method) {
      case 'GET': {
        const entry = store.get(key);
        if (!entry || (entry.expires && entry.expires < Date.now())) return new Response(null, { status: 404 });
        return new Response(entry.value);
      }
      case 'PUT': {
        const ttl = Number(url.searchParams.get('expiration_ttl') ?? 0);
        store.set(key, { value: await request.arrayBuffer(), expires: ttl ? Date.now() + ttl * 1000 : 0 });
        return new Response(null, { status: 200 });
      }
      case 'DELETE':
        store.delete(key);
        return new Response(null, { status: 200 });
      default:
        return new Response(null, { status: 405 });
    }
  },
};
