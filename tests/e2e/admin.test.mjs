// Express configuration (interface §6): the admin API onboards, lists and removes orgs
// with one call each; stored orgs take effect on the next request.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { startTestProvider } from '../support/test-provider.mjs';
import { Browser, loginWithTestProvider } from '../support/browser.mjs';
import { assertLoggedIn, assertNoSession, describeFlow } from '../support/stack.mjs';
import { unreachableUrl } from '../support/net.mjs';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef'; // 36 bytes: at least 32 enable the API

function admin(worker, method, path, { body, token = TOKEN } = {}) {
  const headers = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${worker.url}/_sso/admin/orgs${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe('without SSO_ADMIN_TOKEN', () => {
  let worker;
  let provider;
  before(async () => {
    provider = await startTestProvider();
    worker = await startWorker({ sso: { orgs: [provider.org()] } });
  });
  after(() => Promise.allSettled([worker?.stop(), provider?.stop()]));

  test('the admin API does not exist (404), even with a token', async () => {
    for (const [method, path] of [['GET', ''], ['PUT', '/initech'], ['DELETE', '/initech']]) {
      const res = await admin(worker, method, path, { body: method === 'PUT' ? {} : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
  });
});

describe('with an SSO_ADMIN_TOKEN shorter than 32 bytes', () => {
  const SHORT = 'x'.repeat(31);
  let worker;
  let provider;
  before(async () => {
    provider = await startTestProvider();
    worker = await startWorker({ sso: { orgs: [provider.org()] }, secrets: { SSO_ADMIN_TOKEN: SHORT } });
  });
  after(() => Promise.allSettled([worker?.stop(), provider?.stop()]));

  test('the admin API stays off (404) even with that token, and the log says why', async () => {
    for (const [method, path] of [['GET', ''], ['PUT', '/initech'], ['DELETE', '/initech']]) {
      const res = await admin(worker, method, path, { token: SHORT, body: method === 'PUT' ? {} : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    await worker.waitForLog(/SSO_ADMIN_TOKEN is shorter than 32 bytes/, 5000);
    assert.ok(!worker.logs().includes(SHORT), 'the token itself is never logged');
  });
});

describe('with SSO_ADMIN_TOKEN', () => {
  let worker;
  let acme;
  let initech;
  let mismatched;
  before(async () => {
    [acme, initech, mismatched] = await Promise.all([
      startTestProvider({ clientId: 'acme-client' }),
      startTestProvider({ clientId: 'initech-client' }),
      startTestProvider({ clientId: 'other-client' }),
    ]);
    mismatched.discoveryIssuer = 'https://somebody-else.example';
    worker = await startWorker({ sso: { orgs: [acme.org()] }, secrets: { SSO_ADMIN_TOKEN: TOKEN }, countObjectCalls: true });
  });
  after(() => Promise.allSettled([worker?.stop(), acme?.stop(), initech?.stop(), mismatched?.stop()]));

  const initechOrg = () => ({
    issuer: initech.issuer,
    client_id: initech.clientId,
    client_secret: initech.clientSecret,
    domains: ['initech.test'],
    default_projects: ['tps-reports'],
  });

  test('a missing or wrong token is 401', async () => {
    for (const token of [null, 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1), '']) {
      const res = await admin(worker, 'GET', '', { token });
      assert.equal(res.status, 401, `token ${token}`);
    }
    const basic = await fetch(`${worker.url}/_sso/admin/orgs`, { headers: { authorization: `Basic ${TOKEN}` } });
    assert.equal(basic.status, 401);
  });

  test('the Bearer scheme is matched case-insensitively (RFC 9110)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await fetch(`${worker.url}/_sso/admin/orgs`, { headers: { authorization: `${scheme} ${TOKEN}` } });
      assert.equal(res.status, 200, scheme);
    }
  });

  test('an unreachable issuer is 422 and nothing is stored', async () => {
    const res = await admin(worker, 'PUT', '/ghost', { body: { ...initechOrg(), issuer: await unreachableUrl(), domains: ['ghost.test'] } });
    assert.equal(res.status, 422);
    const list = await (await admin(worker, 'GET', '')).json();
    assert.ok(!list.orgs.some((o) => o.id === 'ghost'));
  });

  test('an issuer whose discovery document names another issuer is 422', async () => {
    const res = await admin(worker, 'PUT', '/mismatch', {
      body: { issuer: mismatched.issuer, client_id: mismatched.clientId, client_secret: mismatched.clientSecret, domains: ['mismatch.test'] },
    });
    assert.equal(res.status, 422);
    assert.match((await res.json()).error_description, /issuer/);
  });

  test('client credentials the provider rejects are 422', async () => {
    const res = await admin(worker, 'PUT', '/initech', { body: { ...initechOrg(), client_secret: 'not-the-secret' } });
    assert.equal(res.status, 422);
    assert.match((await res.json()).error_description, /client id or secret/);
  });

  test('an invalid org is 400 with the field named', async () => {
    const res = await admin(worker, 'PUT', '/initech', { body: { ...initechOrg(), issuer: 'not a url' } });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error_description, /issuer/);
    assert.equal((await admin(worker, 'PUT', '/Bad_Id', { body: initechOrg() })).status, 400);
    const garbage = await fetch(`${worker.url}/_sso/admin/orgs/initech`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: '{nope' });
    assert.equal(garbage.status, 400);
  });

  test('an id of the static configuration and a claimed domain are 409', async () => {
    assert.equal((await admin(worker, 'PUT', '/acme', { body: initechOrg() })).status, 409);
    assert.equal((await admin(worker, 'PUT', '/initech', { body: { ...initechOrg(), domains: ['acme.test'] } })).status, 409);
  });

  test('onboarding an org answers the URIs to paste, hides the secret, and its users sign in at once', async () => {
    const res = await admin(worker, 'PUT', '/initech', { body: initechOrg() });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      org: 'initech',
      redirect_uri: `${worker.url}/_sso/callback`,
      post_logout_redirect_uri: `${worker.url}/_sso/logged-out`,
      backchannel_logout_uri: `${worker.url}/_sso/backchannel-logout`,
      global_token_revocation_uri: `${worker.url}/_sso/global-token-revocation`,
      initiate_login_uri: `${worker.url}/_sso/login?org=initech`,
    });

    const listed = await admin(worker, 'GET', '');
    assert.equal(listed.status, 200);
    const text = await listed.text();
    assert.ok(!text.includes(initech.clientSecret), 'GET never shows a client secret');
    assert.ok(!text.includes(acme.clientSecret), 'nor a static one');
    const orgs = JSON.parse(text).orgs;
    assert.deepEqual(orgs.map((o) => [o.id, o.source]), [['acme', 'static'], ['initech', 'stored']]);
    assert.deepEqual(orgs[1].domains, ['initech.test']);

    const browser = new Browser();
    const flow = await loginWithTestProvider(browser, worker.url, { email: 'peter@initech.test' });
    assert.equal(flow.authorizeUrl?.origin, new URL(initech.issuer).origin, describeFlow(flow));
    await assertLoggedIn(flow, browser, worker.url, { org: 'initech', email: 'peter@initech.test' });
    assert.ok(!worker.logs().includes(initech.clientSecret), 'the stored secret is never logged');
  });

  test('a second org cannot claim a stored org\'s domain (409)', async () => {
    const res = await admin(worker, 'PUT', '/initech2', { body: { ...initechOrg(), domains: ['initech.test'] } });
    assert.equal(res.status, 409);
  });

  test('DELETE of an org with many users ends every user\'s sessions (each user in an object of their own)', async () => {
    const org = { ...initechOrg(), domains: ['initrode.test'] };
    assert.equal((await admin(worker, 'PUT', '/initrode', { body: org })).status, 200);
    const browsers = [];
    for (let i = 0; i < 12; i++) {
      const browser = new Browser();
      const flow = await loginWithTestProvider(browser, worker.url, { email: `user${i}@initrode.test` });
      await assertLoggedIn(flow, browser, worker.url, { org: 'initrode' });
      browsers.push(browser);
    }
    const res = await admin(worker, 'DELETE', '/initrode');
    assert.equal(res.status, 200);
    for (const [i, browser] of browsers.entries()) await assertNoSession(browser, worker.url, `user ${i} of the removed org`);
  });

  test('DELETE stopped by an unreachable user object is 503, and its retry ends every session', async () => {
    const org = { ...initechOrg(), domains: ['initrode2.test'] };
    assert.equal((await admin(worker, 'PUT', '/initrode2', { body: org })).status, 200);
    const browsers = [];
    for (const name of ['peter', 'samir']) {
      const browser = new Browser();
      const flow = await loginWithTestProvider(browser, worker.url, { email: `${name}@initrode2.test` });
      await assertLoggedIn(flow, browser, worker.url, { org: 'initrode2' });
      browsers.push(browser);
    }
    // Samir's object: the one call his next request makes.
    await worker.resetObjectCalls();
    await browsers[1].get(`${worker.url}/whoever`);
    const [samirs] = await worker.objectCalls();
    assert.equal(samirs?.binding, 'SSO_SESSIONS');

    await worker.failObjects([samirs.name]);
    try {
      assert.equal((await admin(worker, 'DELETE', '/initrode2')).status, 503, 'not every session ended: not done');
    } finally {
      await worker.failObjects([]);
    }
    const retry = await admin(worker, 'DELETE', '/initrode2');
    assert.equal(retry.status, 404, 'the org is already gone');
    // An org gone makes its cookies useless anyway; the same org onboarded again shows
    // whether the sessions themselves ended (an unfinished removal would bring them back).
    assert.equal((await admin(worker, 'PUT', '/initrode2', { body: org })).status, 200);
    for (const [i, browser] of browsers.entries()) await assertNoSession(browser, worker.url, `user ${i}: the retry finished the removal`);
    assert.equal((await admin(worker, 'DELETE', '/initrode2')).status, 200);
  });

  test('DELETE revokes the org\'s sessions and frees its domains', async () => {
    assert.equal((await admin(worker, 'PUT', '/initech', { body: initechOrg() })).status, 200);
    const browser = new Browser();
    const flow = await loginWithTestProvider(browser, worker.url, { email: 'milton@initech.test' });
    await assertLoggedIn(flow, browser, worker.url, { org: 'initech' });

    const res = await admin(worker, 'DELETE', '/initech');
    assert.equal(res.status, 200);
    await assertNoSession(browser, worker.url, 'the removed org\'s session is revoked');
    const login = await browser.get(`${worker.url}/_sso/login?email=milton@initech.test`);
    assert.equal(login.status, 404, 'the domain no longer routes anywhere');

    assert.equal((await admin(worker, 'DELETE', '/initech')).status, 404, 'deleting twice');
    assert.equal((await admin(worker, 'DELETE', '/acme')).status, 409, 'static orgs cannot be deleted');

    const again = await admin(worker, 'PUT', '/initech-two', { body: { ...initechOrg(), domains: ['initech.test'] } });
    assert.equal(again.status, 200, 'the freed domain can be claimed again');
  });
});
