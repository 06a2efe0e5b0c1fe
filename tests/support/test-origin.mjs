//! The origin behind the worker in end-to-end tests: records every request it receives
//! and serves a provisioning endpoint whose answers each test scripts.

import http from 'node:http';
import { listen, readBody, sleep } from './net.mjs';

/** The path of the scripted provisioning endpoint. */
export const PROVISION_PATH = '/provision';

/**
 * Starts an origin on a free port. Returns:
 * - `url`, `port`, `provisionUrl` (`url + /provision`);
 * - `requests`: every request but provisioning calls, `provisionCalls`: those, each
 *   `{ method, path, query, headers, body, json, at }`;
 * - `scriptProvisioning(...steps)`: the next answers of `POST /provision`, in order; a step
 *   is a status number, `'hang'` (never answers), or `{ status, body, json, headers, delayMs, hang }`;
 *   when they are used up, `provisioningDefault` (`{ status: 201 }`) answers;
 * - `lastRequest(path?)`, `clear()`, `stop()`;
 * - `goOffline()` / `goOnline()`: refuse connections for a while, on the same port.
 * Any other path answers `200 text/plain` `origin saw <METHOD> <path>`.
 */
export async function startTestOrigin() {
  const origin = {
    requests: [],
    provisionCalls: [],
    provisioningQueue: [],
    provisioningDefault: { status: 201 },
    scriptProvisioning(...steps) {
      origin.provisioningQueue = steps.map(normaliseStep);
    },
    lastRequest(path) {
      const list = path ? origin.requests.filter((r) => r.path === path) : origin.requests;
      return list.at(-1);
    },
    clear() {
      origin.requests.length = 0;
      origin.provisionCalls.length = 0;
    },
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://origin.invalid');
      const body = (await readBody(req)).toString('utf8');
      const record = {
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        rawQuery: url.search,
        headers: req.headers,
        body,
        json: parseJson(body),
        at: Date.now(),
      };
      if (url.pathname === PROVISION_PATH && req.method === 'POST') {
        origin.provisionCalls.push(record);
        await provision(res, origin.provisioningQueue.shift() ?? normaliseStep(origin.provisioningDefault), record);
        return;
      }
      origin.requests.push(record);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`origin saw ${req.method} ${url.pathname}`);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test origin error: ${error.message}`);
    }
  });
  let listening = await listen(server);
  origin.port = listening.port;
  origin.url = listening.url;
  origin.provisionUrl = `${listening.url}${PROVISION_PATH}`;
  origin.stop = () => listening.close();
  /** Stops listening (connections are refused) until `goOnline()`; the port is kept. */
  origin.goOffline = () => listening.close();
  /** Listens again on the same port after `goOffline()`. */
  origin.goOnline = async () => {
    listening = await listen(server, origin.port);
  };
  return origin;
}

async function provision(res, step, record) {
  record.answer = step;
  if (step.delayMs) await sleep(step.delayMs);
  if (step.hang) return; // never answered; `stop()` drops the connection
  const status = step.status ?? 201;
  if ('json' in step) {
    res.writeHead(status, { 'content-type': 'application/json', ...step.headers });
    res.end(JSON.stringify(step.json));
    return;
  }
  const body = step.body ?? (status < 300 ? JSON.stringify({ id: record.json?.subject ?? null }) : '');
  res.writeHead(status, { 'content-type': step.body ? 'text/plain; charset=utf-8' : 'application/json', ...step.headers });
  res.end(body);
}

function normaliseStep(step) {
  if (typeof step === 'number') return { status: step };
  if (step === 'hang') return { hang: true };
  return step;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
