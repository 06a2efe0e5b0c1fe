//! Test-only entry module (copied next to a copy of the built worker by `startWorker({
//! countObjectCalls: true })`): the built worker (its entry module, build/entry.js) with
//! its Durable Object namespaces wrapped, so a test can read every object call and how
//! it was made (`GET /__test/object-calls`: `calls`, each `{ binding, name }` plus
//! `jurisdiction` when the stub came from `namespace.jurisdiction(j)`, and `methods`, the
//! count per stub method: `call` is the RPC method, `fetch` an HTTP request), reset the
//! record (`DELETE`), and make objects unreachable by name (`POST {"fail":[names]}`).
//! Never part of the product: build/ knows nothing of it.

import Inner from './index.js';
export * from './index.js';

const calls = [];
const methods = {};
const failing = new Set();
// The stub methods that reach the object: `call` (RPC, src/edge/entry.js) and `fetch`.
const OBJECT_METHODS = new Set(['call', 'fetch']);

function wrapStub(binding, name, stub, jurisdiction) {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (OBJECT_METHODS.has(prop)) {
        return (...args) => {
          calls.push(jurisdiction === undefined ? { binding, name } : { binding, name, jurisdiction });
          methods[prop] = (methods[prop] ?? 0) + 1;
          if (failing.has(name)) return Promise.reject(new Error('object unreachable (test)'));
          return Reflect.apply(value, target, args);
        };
      }
      return typeof value === 'function' && prop !== 'constructor' ? value.bind(target) : value;
    },
  });
}

// workerd implements no jurisdiction (`ns.jurisdiction(j)` works, its objects throw "not
// implemented"): here `ns.jurisdiction(j)` is a stand-in whose objects are those of `ns`
// named `${j}:${name}` — objects of their own, so a call that forgot the jurisdiction
// would not find what its org's objects hold — and each call records `jurisdiction: j`.
function inJurisdiction(ns, j) {
  return {
    getByName: (name, ...rest) => ns.getByName(`${j}:${name}`, ...rest),
    jurisdiction: () => {
      throw new TypeError('a jurisdictional namespace has no jurisdiction() (test stand-in)');
    },
  };
}

function wrapNamespace(binding, ns, jurisdiction) {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === 'getByName') return (name, ...rest) => wrapStub(binding, name, value.call(target, name, ...rest), jurisdiction);
      if (prop === 'jurisdiction') return (j) => wrapNamespace(binding, inJurisdiction(target, j), j);
      return typeof value === 'function' && prop !== 'constructor' ? value.bind(target) : value;
    },
  });
}

function wrapEnv(env) {
  return new Proxy(env, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      return prop === 'SSO_SESSIONS' || prop === 'SSO_STATE' ? wrapNamespace(prop, value) : value;
    },
  });
}

export default class CountingWorker extends Inner {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/__test/object-calls') {
      if (request.method === 'DELETE') {
        calls.length = 0;
        for (const m of Object.keys(methods)) delete methods[m];
        return new Response(null, { status: 204 });
      }
      if (request.method === 'POST') {
        const { fail = [] } = await request.json();
        failing.clear();
        for (const name of fail) failing.add(name);
        return new Response(null, { status: 204 });
      }
      return Response.json({ calls, methods });
    }
    const view = Object.create(this);
    Object.defineProperty(view, 'env', { value: wrapEnv(this.env) });
    return super.fetch.call(view, request);
  }
}
