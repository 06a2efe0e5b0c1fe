// Just-in-time provisioning (interface.md §5): when the worker calls the origin, with
// what, and what each answer of the origin does to the login.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertLoggedIn, assertLoginRefused, verifyAssertion } from '../support/stack.mjs';
import { Browser } from '../support/browser.mjs';

const TIMEOUT_MS = 1000;
let stack;
before(async () => {
  stack = await startStack({
    orgs: [{ id: 'acme', org: { default_projects: ['onboarding', 'acme-handbook'] } }],
    provisioning: { timeout_ms: TIMEOUT_MS },
  });
});
after(() => stack?.stop());

let userCounter = 0;
/** A user nobody has provisioned yet. */
function freshUser() {
  userCounter += 1;
  return stack.provider.userFor(`user${userCounter}-${Date.now()}@acme.test`);
}

/** Logs `user` in with a fresh browser; answers `{ browser, flow, calls }` (the provisioning calls it caused). */
async function loginAs(user) {
  const before = stack.origin.provisionCalls.length;
  const browser = new Browser();
  const flow = await stack.login(browser, { email: user.email });
  return { browser, flow, calls: stack.origin.provisionCalls.slice(before) };
}

describe('successful provisioning', () => {
  test('a first login calls the origin with the documented body, Idempotency-Key and a valid assertion', async () => {
    const user = freshUser();
    const { browser, flow, calls } = await loginAs(user);
    await assertLoggedIn(flow, browser, stack.worker.url);
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.equal(call.method, 'POST');
    assert.match(call.headers['content-type'] ?? '', /^application\/json/);
    assert.ok(call.json, `a JSON body: ${call.body}`);
    const expected = {
      org: 'acme',
      issuer: stack.provider.issuer,
      subject: user.sub,
      email: user.email,
      name: user.name,
      given_name: user.given_name,
      family_name: user.family_name,
      projects: ['onboarding', 'acme-handbook'],
    };
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(call.json[key], value, `body.${key}`);
    assert.ok(call.headers['idempotency-key']?.length > 0, 'an Idempotency-Key');
    const { payload } = await verifyAssertion(call.headers['x-sso-assertion'], {
      workerUrl: stack.worker.url,
      audience: stack.origin.url,
    });
    assert.equal(payload.sub, user.sub);
    assert.equal(payload.email, user.email);
    assert.equal(payload.org, 'acme');
    assert.equal(payload.idp_iss, stack.provider.issuer);
    assert.equal(payload.exp, payload.iat + 60);
  });

  for (const status of [200, 204, 409]) {
    test(`an answer ${status} counts as provisioned: the login goes on`, async () => {
      stack.origin.scriptProvisioning(status);
      const { browser, flow, calls } = await loginAs(freshUser());
      await assertLoggedIn(flow, browser, stack.worker.url);
      assert.equal(calls.length, 1);
    });
  }

  test('a second login with the same attributes makes no call', async () => {
    const user = freshUser();
    assert.equal((await loginAs(user)).calls.length, 1);
    const again = await loginAs(user);
    await assertLoggedIn(again.flow, again.browser, stack.worker.url);
    assert.equal(again.calls.length, 0);
  });

  test('a changed name makes one call, with another Idempotency-Key', async () => {
    const user = freshUser();
    const first = await loginAs(user);
    user.name = `${user.name} Jr.`;
    user.given_name = `${user.given_name}o`;
    const second = await loginAs(user);
    await assertLoggedIn(second.flow, second.browser, stack.worker.url);
    assert.equal(second.calls.length, 1);
    assert.equal(second.calls[0].json.name, user.name);
    assert.notEqual(second.calls[0].headers['idempotency-key'], first.calls[0].headers['idempotency-key']);
    assert.equal((await loginAs(user)).calls.length, 0, 'and no call after that');
  });

  test('a changed email makes one call', async () => {
    const user = freshUser();
    await loginAs(user);
    const moved = { ...user, email: `moved-${user.email}` };
    stack.provider.user = moved;
    try {
      const { browser, flow, calls } = await loginAs(moved);
      await assertLoggedIn(flow, browser, stack.worker.url);
      assert.equal(calls.length, 1);
      assert.equal(calls[0].json.email, moved.email);
      assert.equal(calls[0].json.subject, user.sub);
    } finally {
      stack.provider.user = undefined;
    }
  });
});

describe('refusal', () => {
  test('a 403 with a reason: login fails with 403, no session, the reason never unescaped', async (t) => {
    const reason = 'Account <b>suspended</b> & "locked"';
    stack.origin.scriptProvisioning({ status: 403, body: reason });
    const user = freshUser();
    const { browser, flow, calls } = await loginAs(user);
    await assertLoginRefused(flow, browser, stack.worker.url, 403);
    assert.equal(calls.length, 1, 'a refusal is not retried');
    assert.match(flow.callback.headers.get('content-type') ?? '', /text\/html/);
    assert.doesNotMatch(flow.callback.body, /<b>suspended<\/b>/);
    if (!flow.callback.body.includes('&lt;b&gt;suspended')) t.diagnostic('the origin\'s reason is not shown on the page');
  });

  test('another 4xx (400) also refuses the login with 403', async () => {
    stack.origin.scriptProvisioning({ status: 400, json: { error: 'bad user' } });
    const { browser, flow, calls } = await loginAs(freshUser());
    await assertLoginRefused(flow, browser, stack.worker.url, 403);
    assert.equal(calls.length, 1);
  });

  test('after a refusal, the next login of that user asks again', async () => {
    const user = freshUser();
    stack.origin.scriptProvisioning(403);
    await loginAs(user);
    const { browser, flow, calls } = await loginAs(user);
    await assertLoggedIn(flow, browser, stack.worker.url);
    assert.equal(calls.length, 1);
  });
});

describe('failures and retries', () => {
  test('500 twice then 201: three calls with one Idempotency-Key, and the login succeeds', async () => {
    stack.origin.scriptProvisioning(500, 500, 201);
    const { browser, flow, calls } = await loginAs(freshUser());
    await assertLoggedIn(flow, browser, stack.worker.url);
    assert.equal(calls.length, 3);
    const keys = new Set(calls.map((c) => c.headers['idempotency-key']));
    assert.equal(keys.size, 1, 'the Idempotency-Key is stable across retries');
    assert.ok(calls[2].at - calls[0].at > 0, 'retries are spaced (backoff)');
  });

  test('always 500: 503 after three tries, no session; the next login calls again', async () => {
    const user = freshUser();
    stack.origin.scriptProvisioning(500, 500, 500);
    const failed = await loginAs(user);
    await assertLoginRefused(failed.flow, failed.browser, stack.worker.url, 503);
    assert.equal(failed.calls.length, 3);

    const retried = await loginAs(user);
    await assertLoggedIn(retried.flow, retried.browser, stack.worker.url);
    assert.equal(retried.calls.length, 1);
  });

  test('a redirect is a failed call, never followed: three tries, then 503, and nothing reaches the other URL', async () => {
    const user = freshUser();
    const elsewhere = `${stack.origin.url}/provision-elsewhere`;
    const redirect = (status) => ({ status, headers: { location: elsewhere } });
    stack.origin.scriptProvisioning(redirect(307), redirect(308), redirect(302));
    const failed = await loginAs(user);
    await assertLoginRefused(failed.flow, failed.browser, stack.worker.url, 503);
    assert.equal(failed.calls.length, 3, 'retried like a 5xx');
    assert.equal(stack.origin.requests.filter((r) => r.path === '/provision-elsewhere').length, 0, 'the body and assertion never went elsewhere');

    stack.origin.scriptProvisioning(redirect(303), 201);
    const retried = await loginAs(user);
    await assertLoggedIn(retried.flow, retried.browser, stack.worker.url);
    assert.equal(retried.calls.length, 2);
    assert.equal(stack.origin.requests.filter((r) => r.path === '/provision-elsewhere').length, 0);
  });

  test('an origin slower than timeout_ms: 503, no session', async () => {
    stack.origin.scriptProvisioning('hang', 'hang', 'hang');
    const started = Date.now();
    const { browser, flow, calls } = await loginAs(freshUser());
    await assertLoginRefused(flow, browser, stack.worker.url, 503);
    assert.ok(calls.length >= 1 && calls.length <= 3, `${calls.length} tries`);
    assert.ok(Date.now() - started < 3 * TIMEOUT_MS + 5000, 'each try is bounded by timeout_ms');
    stack.origin.scriptProvisioning();
  });

  test('an unreachable origin: 503, no session', async () => {
    await stack.origin.goOffline();
    try {
      const browser = new Browser();
      const flow = await stack.login(browser, { email: freshUser().email });
      await assertLoginRefused(flow, browser, stack.worker.url, 503);
    } finally {
      await stack.origin.goOnline();
    }
  });
});
