//! A small cookie-keeping HTTP client that behaves like a browser where the tests need
//! it to (cookies per host with their attributes, manual or followed redirects, HTML
//! navigations, form submission), plus the login flows that walk the whole redirect chain.

import { fetchText } from './net.mjs';

/** The `Accept` header of a browser navigation. */
export const NAVIGATION_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** The password of every dev IdP user. */
export const DEV_PASSWORD = 'correct-horse-battery-staple';

/**
 * A browser: `new Browser({ accept, timeoutMs })` (default `NAVIGATION_ACCEPT` on every
 * request; each request aborts after `timeoutMs`, default 20 s).
 * `get(url, opts)`, `post(url, body, opts)` and `request(method, url, opts)` answer a
 * `BrowserResponse`: `{ status, headers, location, body, json(), url, setCookies, redirects }`.
 * Options: `headers`, `body` (string, URLSearchParams, or a plain object sent as a form),
 * `follow` (follow redirects; default false), `accept`, `origin` (sets `Origin`).
 */
export class Browser {
  constructor({ accept = NAVIGATION_ACCEPT, timeoutMs = 20_000 } = {}) {
    this.accept = accept;
    this.timeoutMs = timeoutMs;
    /** @type {Map<string, Cookie>} keyed by `domain;path;name` */
    this.jar = new Map();
  }

  get(url, options = {}) {
    return this.request('GET', url, options);
  }

  post(url, body, options = {}) {
    return this.request('POST', url, { ...options, body });
  }

  async request(method, url, { headers = {}, body, follow = false, accept, origin, maxRedirects = 20 } = {}) {
    const redirects = [];
    let current = new URL(url);
    for (;;) {
      const response = await this.#send(method, current, { headers, body, accept, origin });
      if (!follow || !response.location || ![301, 302, 303, 307, 308].includes(response.status)) {
        response.redirects = redirects;
        return response;
      }
      redirects.push(response);
      if (redirects.length > maxRedirects) throw new Error(`more than ${maxRedirects} redirects from ${url}`);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      current = new URL(response.location);
    }
  }

  async #send(method, url, { headers, body, accept, origin }) {
    const sendHeaders = new Headers({ accept: accept ?? this.accept });
    if (origin) sendHeaders.set('origin', origin);
    let payload = body;
    if (body && typeof body === 'object' && !(body instanceof URLSearchParams) && !(body instanceof Uint8Array)) {
      payload = new URLSearchParams(body);
    }
    if (payload instanceof URLSearchParams) sendHeaders.set('content-type', 'application/x-www-form-urlencoded');
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || value === null) sendHeaders.delete(name);
      else sendHeaders.set(name, value);
    }
    const cookieHeader = this.cookies(url).map((c) => `${c.name}=${c.value}`).join('; ');
    if (cookieHeader && !sendHeaders.has('cookie')) sendHeaders.set('cookie', cookieHeader);

    const { response: res, body: text } = await fetchText(
      url.href,
      { method, headers: sendHeaders, body: payload, redirect: 'manual' },
      this.timeoutMs,
    );
    const setCookies = res.headers.getSetCookie().map(parseSetCookie);
    for (const cookie of setCookies) this.#store(url, cookie);
    const location = res.headers.get('location');
    return {
      status: res.status,
      headers: res.headers,
      location: location === null ? null : new URL(location, url).href,
      rawLocation: location,
      body: text,
      url: url.href,
      method,
      setCookies,
      json() {
        try {
          return JSON.parse(text);
        } catch {
          throw new Error(`not JSON (${res.status} from ${method} ${url.href}): ${text.slice(0, 300)}`);
        }
      },
    };
  }

  #store(url, cookie) {
    let domain = url.hostname;
    let hostOnly = true;
    if (cookie.domain) {
      const d = cookie.domain.replace(/^\./, '').toLowerCase();
      if (!domainMatches(url.hostname, d)) return; // a browser rejects it
      domain = d;
      hostOnly = false;
    }
    const path = cookie.path?.startsWith('/') ? cookie.path : defaultPath(url.pathname);
    const key = `${domain};${path};${cookie.name}`;
    const expired =
      (cookie.maxAge !== undefined && cookie.maxAge <= 0) ||
      (cookie.maxAge === undefined && cookie.expires && cookie.expires.getTime() <= Date.now());
    if (expired) {
      this.jar.delete(key);
      return;
    }
    this.jar.set(key, { ...cookie, domain, hostOnly, path, storedAt: Date.now() });
  }

  /** The cookies this browser would send to `url`, longest path first. */
  cookies(url) {
    url = new URL(url);
    return [...this.jar.values()]
      .filter((c) => (c.hostOnly ? c.domain === url.hostname : domainMatches(url.hostname, c.domain)))
      .filter((c) => pathMatches(url.pathname, c.path))
      .filter((c) => !c.secure || url.protocol === 'https:')
      .filter((c) => c.maxAge === undefined || c.storedAt + c.maxAge * 1000 > Date.now())
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The stored cookie called `name` (for `url` if given, else anywhere), or undefined. */
  cookie(name, url) {
    const pool = url ? this.cookies(url) : [...this.jar.values()];
    return pool.find((c) => c.name === name);
  }

  /** Stores a cookie as if `url` had answered `Set-Cookie: <setCookie>`. */
  setCookie(url, setCookie) {
    this.#store(new URL(url), parseSetCookie(setCookie));
  }

  /** Forgets every cookie called `name`. */
  deleteCookie(name) {
    for (const [key, cookie] of this.jar) if (cookie.name === name) this.jar.delete(key);
  }

  /** A new browser holding copies of this one's cookies (a stolen cookie jar). */
  clone() {
    const copy = new Browser({ accept: this.accept, timeoutMs: this.timeoutMs });
    for (const [key, cookie] of this.jar) copy.jar.set(key, { ...cookie });
    return copy;
  }

  /**
   * Submits a form of `response` (an HTML page) like a browser: hidden and pre-filled
   * fields kept, `values` set on top, `button` (`{ name, value }`) added when given,
   * `Origin` set to the page's origin. `formIndex` picks among several forms, or
   * `match(form)` chooses one.
   */
  submitForm(response, values = {}, { formIndex = 0, match, button, follow = false, headers } = {}) {
    const forms = parseForms(response.body);
    const form = match ? forms.find(match) : forms[formIndex];
    if (!form) throw new Error(`no such form on ${response.url}:\n${response.body.slice(0, 1000)}`);
    const fields = new URLSearchParams();
    for (const field of form.fields) {
      if (field.name && !(field.name in values) && !['submit', 'button', 'image'].includes(field.type)) {
        fields.append(field.name, field.value ?? '');
      }
    }
    for (const [name, value] of Object.entries(values)) fields.set(name, value);
    if (button?.name) fields.set(button.name, button.value ?? '');
    const action = new URL(form.action || response.url, response.url);
    const origin = new URL(response.url).origin;
    if (form.method === 'get') {
      action.search = fields.toString();
      return this.get(action.href, { follow, headers });
    }
    return this.post(action.href, fields, { follow, headers, origin });
  }
}

/**
 * Parses one `Set-Cookie` header into `{ name, value, path, domain, expires, maxAge,
 * httpOnly, secure, sameSite, raw, attributes }` (`attributes`: lower-cased names).
 */
export function parseSetCookie(raw) {
  const [pair, ...parts] = raw.split(';');
  const eq = pair.indexOf('=');
  const cookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    raw,
    attributes: {},
    httpOnly: false,
    secure: false,
  };
  for (const part of parts) {
    const i = part.indexOf('=');
    const name = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    const value = i < 0 ? true : part.slice(i + 1).trim();
    if (!name) continue;
    cookie.attributes[name] = value;
    if (name === 'path') cookie.path = value;
    else if (name === 'domain') cookie.domain = value;
    else if (name === 'expires') cookie.expires = new Date(value);
    else if (name === 'max-age') cookie.maxAge = Number(value);
    else if (name === 'httponly') cookie.httpOnly = true;
    else if (name === 'secure') cookie.secure = true;
    else if (name === 'samesite') cookie.sameSite = value;
  }
  return cookie;
}

/**
 * The forms of an HTML page: `[{ method, action, fields: [{ tag, name, type, value }],
 * buttons: [{ name, value }], html }]` (attribute values HTML-unescaped; `method` lower-cased).
 */
export function parseForms(html) {
  const forms = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = parseAttributes(match[1]);
    const fields = [];
    const buttons = [];
    for (const el of match[2].matchAll(/<(input|button|select|textarea)\b([^>]*)>/gi)) {
      const tag = el[1].toLowerCase();
      const a = parseAttributes(el[2]);
      if (tag === 'button') buttons.push({ name: a.name, value: a.value ?? '', type: a.type ?? 'submit' });
      else fields.push({ tag, name: a.name, type: (a.type ?? 'text').toLowerCase(), value: a.value, attrs: a });
    }
    forms.push({ method: (attrs.method ?? 'get').toLowerCase(), action: attrs.action ?? '', attrs, fields, buttons, html: match[0] });
  }
  return forms;
}

function parseAttributes(text) {
  const attrs = {};
  for (const m of text.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attrs[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Reverses HTML escaping of attribute values and text. */
export function unescapeHtml(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The SP-initiated login through the scriptable test provider, one hop at a time:
 * `start` (a path, default `/_sso/login?…` built from `email`, `org`, `returnTo`) → (the
 * discovery form, filled with `email`, when the worker shows one) → the authorization endpoint → the worker's callback → (when the callback redirects) the end
 * of the chain. Never throws on a status: answers
 * `{ login, authorize, callback, final, authorizeUrl }` (later steps absent when the chain
 * stopped early), so hostile tests assert on the step they care about.
 */
export async function loginWithTestProvider(browser, workerUrl, { email, org, returnTo, start } = {}) {
  const out = {};
  let url = start ? new URL(start, workerUrl) : loginUrl(workerUrl, { email, org, returnTo });
  out.login = await browser.get(url.href);
  // A protected path first redirects to /_sso/login.
  if (out.login.status === 302 && new URL(out.login.location).pathname === '/_sso/login') {
    out.protected = out.login;
    out.login = await browser.get(out.login.location);
  }
  // Several orgs and no hint yet: the discovery form asks for the email.
  const discovery = out.login.status === 200 && email !== undefined ? discoveryFormIndex(out.login) : -1;
  if (discovery >= 0) {
    out.discovery = out.login;
    out.login = await browser.submitForm(out.discovery, { email }, { formIndex: discovery });
  }
  if (out.login.status !== 302 || !out.login.location) return out;
  out.authorizeUrl = new URL(out.login.location);
  if (out.authorizeUrl.origin === new URL(workerUrl).origin) return out;
  out.authorize = await browser.get(out.authorizeUrl.href);
  if (out.authorize.status !== 302 || !out.authorize.location) return out;
  out.callback = await browser.get(out.authorize.location);
  if ([302, 303].includes(out.callback.status) && out.callback.location) {
    out.final = await browser.get(out.callback.location, { follow: true });
  }
  return out;
}

/** The index of the discovery form (GET to the worker's /_sso/login) of a page, or -1. */
export function discoveryFormIndex(response) {
  return parseForms(response.body).findIndex((form) => {
    const action = new URL(form.action || response.url, response.url);
    return form.method === 'get' && action.origin === new URL(response.url).origin && action.pathname === '/_sso/login';
  });
}

/** `{workerUrl}/_sso/login` with `email`, `org` and `return_to` when given. */
export function loginUrl(workerUrl, { email, org, returnTo } = {}) {
  const url = new URL('/_sso/login', workerUrl);
  if (org !== undefined) url.searchParams.set('org', org);
  if (email !== undefined) url.searchParams.set('email', email);
  if (returnTo !== undefined) url.searchParams.set('return_to', returnTo);
  return url;
}

/**
 * The SP-initiated login through the development IdP (dev/idp/server.mjs): follows the
 * redirects, fills in the IdP's forms (the email into `login`/`email`/`username`, the
 * password into the password field, hidden fields kept), until a page of the worker
 * answers without redirecting. Answers `{ final, steps }`.
 */
export async function loginWithDevIdp(browser, workerUrl, { email = 'alice@acme.test', password = DEV_PASSWORD, returnTo, org, start } = {}) {
  const workerOrigin = new URL(workerUrl).origin;
  const steps = [];
  let response = await browser.get((start ? new URL(start, workerUrl) : loginUrl(workerUrl, { email, org, returnTo })).href);
  for (let i = 0; i < 30; i += 1) {
    steps.push(response);
    const onWorker = new URL(response.url).origin === workerOrigin;
    if (response.location && response.status >= 300 && response.status < 400) {
      response = await browser.get(response.location);
      continue;
    }
    if (onWorker || response.status !== 200) return { final: response, steps };
    const forms = parseForms(response.body);
    const formIndex = Math.max(0, forms.findIndex((f) => f.method === 'post'));
    const form = forms[formIndex];
    if (!form) return { final: response, steps };
    const values = {};
    for (const field of form.fields) {
      if (['login', 'email', 'username'].includes(field.name)) values[field.name] = email;
      if (field.type === 'password') values[field.name] = password;
    }
    response = await browser.submitForm(response, values, { formIndex });
  }
  throw new Error(`dev IdP login did not finish in 30 steps; last: ${response.status} ${response.url}`);
}

/** `GET /_sso/session` as JSON-asking client: `{ status, body, headers }`. */
export async function sessionOf(browser, workerUrl) {
  const response = await browser.get(new URL('/_sso/session', workerUrl).href, { accept: 'application/json' });
  let body;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = response.body;
  }
  return { status: response.status, body, headers: response.headers, response };
}

function domainMatches(host, domain) {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(pathname) {
  if (!pathname.startsWith('/')) return '/';
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}
