// End-to-end OAuth 2.1 test of the `notes` example (run by scripts/e2e-auth.sh): the official MCP
// TypeScript SDK client does the whole flow headlessly against the Rust server, with the
// oidc-provider based IdP of idp.mjs as the authorization server.
//
//   401 + WWW-Authenticate → protected resource metadata → AS metadata → dynamic registration →
//   authorization code + PKCE (S256) with `resource` → token → MCP calls → refresh after expiry.
//
// The SDK's OAuthClientProvider is implemented in memory below; its redirectToAuthorization()
// plays the user agent: it follows the IdP's redirects by hand with a cookie jar, logs in as the
// test account, and captures the redirect to the client's redirect_uri (nothing listens there).
//
// Environment:
//   MCP_URL   the server's MCP endpoint, e.g. http://127.0.0.1:8000/mcp (required)
//   ISSUER    the IdP's issuer, e.g. http://127.0.0.1:9000 (required)
//   E2E_AUTH_MAX_LEEWAY  seconds past a token's `exp` the server may still accept it (default 60,
//                        the default leeway; the refresh test waits at most this much longer)
//   E2E_AUTH_TRACE=1     print every HTTP exchange of every flow, not only of failing ones

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
// The 2.x client, which also speaks 2026-07-28 (no initialize, no session).
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
  UnauthorizedError as ModernUnauthorizedError,
} from '@modelcontextprotocol/client';

import { MemoryOAuthProvider } from './memory-provider.mjs';

const MCP_URL = requiredEnv('MCP_URL');
const ISSUER = requiredEnv('ISSUER');
const MAX_LEEWAY = Number(process.env.E2E_AUTH_MAX_LEEWAY ?? 60);
const TRACE = !!process.env.E2E_AUTH_TRACE && process.env.E2E_AUTH_TRACE !== '0';

const MCP_ORIGIN = new URL(MCP_URL).origin;
const PRM_URL = `${MCP_ORIGIN}/.well-known/oauth-protected-resource${new URL(MCP_URL).pathname}`;
const NOTES_TOOLS = ['create_note', 'read_note', 'list_notes', 'update_note', 'delete_note', 'add_numbers'];

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`flow.test.mjs: ${name} must be set (scripts/e2e-auth.sh sets it)`);
    process.exit(2);
  }
  return value;
}

for (const [name, url] of [['MCP_URL', MCP_URL], ['ISSUER', ISSUER]]) {
  // This test only ever talks to the loopback interface.
  if (new URL(url).hostname !== '127.0.0.1') {
    console.error(`flow.test.mjs: ${name} must be on 127.0.0.1, got ${url}`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function decodeJwt(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'access token is a compact JWS');
  const [header, payload] = parts
    .slice(0, 2)
    .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
  return { header, payload };
}

/** Parses `Bearer k="v", k2="v2"` into { scheme, params }. */
function parseChallenge(header) {
  assert.ok(header, 'WWW-Authenticate header present');
  const m = /^\s*(\S+)\s*(.*)$/s.exec(header);
  const params = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?\s*/gy;
  re.lastIndex = 0;
  const rest = m[2];
  let p;
  while (re.lastIndex < rest.length && (p = re.exec(rest))) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1], params };
}

/** A port of 127.0.0.1 with nothing listening on it (bound, then released). */
async function unusedPort() {
  const srv = net.createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function idpTokenRequests() {
  const res = await fetch(`${ISSUER}/debug/token-requests`);
  assert.equal(res.status, 200, 'IdP debug endpoint answers');
  return res.json();
}

/** The text of a CallToolResult, all text parts joined. */
function resultText(result) {
  return (result.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

/** The result's structured content, or its text parsed as JSON when that works. */
function resultData(result) {
  if (result.structuredContent !== undefined) return result.structuredContent;
  try {
    return JSON.parse(resultText(result));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP trace: every request the SDK (and the simulated user agent) makes.

class Trace {
  constructor(label) {
    this.label = label;
    this.entries = [];
    this.fetch = this.fetch.bind(this);
  }

  async fetch(input, init = {}) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const entry = { by: 'sdk', method, url, auth: headers.has('authorization') };
    if (typeof init.body === 'string' && url === MCP_URL) {
      try {
        const msg = JSON.parse(init.body);
        entry.rpc = Array.isArray(msg) ? msg.map((m) => m.method).join(',') : msg.method ?? 'response';
      } catch {
        // not JSON
      }
    } else if (init.body instanceof URLSearchParams) {
      entry.form = Object.fromEntries(init.body);
    }
    if (entry.auth) {
      const token = headers.get('authorization').replace(/^Bearer\s+/i, '');
      entry.tokenJti = tryJti(token);
    }
    this.entries.push(entry);
    const res = await fetch(input, init);
    entry.status = res.status;
    entry.wwwAuthenticate = res.headers.get('www-authenticate') ?? undefined;
    return res;
  }

  note(entry) {
    this.entries.push({ by: 'user-agent', ...entry });
  }

  format() {
    return this.entries
      .map((e, i) => {
        const what = e.rpc ? ` [${e.rpc}]` : e.form?.grant_type ? ` [grant_type=${e.form.grant_type}]` : '';
        const auth = e.auth ? ' (Bearer)' : '';
        const www = e.wwwAuthenticate ? `\n        WWW-Authenticate: ${e.wwwAuthenticate}` : '';
        const loc = e.location ? `\n        Location: ${e.location}` : '';
        return `  ${String(i + 1).padStart(2)}. ${e.by === 'sdk' ? '' : '(user agent) '}${e.method} ${e.url}${what}${auth} → ${e.status ?? '…'}${www}${loc}`;
      })
      .join('\n');
  }

  print(title = this.label) {
    console.log(`--- HTTP trace: ${title} ---\n${this.format()}\n--- end of trace ---`);
  }
}

function tryJti(token) {
  try {
    return decodeJwt(token).payload.jti;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The OAuth client provider: everything in memory, the user agent simulated over HTTP.

class CookieJar {
  constructor() {
    this.cookies = new Map();
  }

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v = ''] = a.split('=').map((s) => s.trim());
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

class HeadlessOAuthProvider extends MemoryOAuthProvider {
  /**
   * @param {string} account  the IdP account the simulated user logs in as
   * @param {string} redirectUrl  the client's redirect_uri (nothing listens there)
   * @param {Trace} trace
   */
  constructor(account, redirectUrl, trace) {
    super(account, redirectUrl, `fastapps-rs e2e-auth (${account})`);
    this.trace = trace;
    this.jar = new CookieJar();
    /** Every authorization URL the SDK sent the user to, with what came back. */
    this.authorizations = [];
    this.pendingCode = undefined;
  }

  /** The SDK's "open the browser": here the login is done at once, over HTTP. */
  async redirectToAuthorization(authorizationUrl) {
    const record = { url: new URL(authorizationUrl.href), state: this._state };
    this.authorizations.push(record);
    const result = await this._userAgent(record.url);
    Object.assign(record, result);
    if (result.error) {
      // The user did not get what the client asked for: this authorization attempt fails.
      throw new Error(
        `authorization as ${this.account} failed: ${result.error}` +
          (result.errorDescription ? ` (${result.errorDescription})` : ''),
      );
    }
    this.pendingCode = result.code;
    this.pendingIss = result.iss;
  }

  takeCode() {
    const code = this.pendingCode;
    assert.ok(code, 'an authorization code was captured');
    this.pendingCode = undefined;
    return code;
  }

  /**
   * An authorization code flow done by hand (not by the SDK) with this provider's registered
   * client and browser session, for a token the SDK would never ask for.
   */
  async tokenFor({ resource, scope }) {
    const clientId = this._clientInformation.client_id;
    const verifier = crypto.randomBytes(32).toString('base64url');
    const url = new URL(`${ISSUER}/auth`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: this._redirectUrl,
      code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: this.state(),
      scope,
      resource,
    }).toString();
    const result = await this._userAgent(url);
    assert.ok(result.code, `authorization for ${resource}: ${JSON.stringify(result)}`);
    const res = await fetch(`${ISSUER}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: result.code,
        redirect_uri: this._redirectUrl,
        client_id: clientId,
        code_verifier: verifier,
        resource,
      }),
    });
    assert.equal(res.status, 200, 'token request');
    return res.json();
  }

  async _userAgent(start) {
    let url = start;
    for (let hop = 0; hop < 20; hop++) {
      assert.equal(url.origin, new URL(ISSUER).origin, `the user agent stays on the IdP (${url.href})`);
      let res = await this._get(url);
      if (res.status === 200) {
        // The login prompt.
        const prompt = await res.json();
        assert.equal(prompt.prompt, 'login', `interaction prompt (${JSON.stringify(prompt)})`);
        const loginUrl = new URL(prompt.login, url);
        res = await fetch(loginUrl, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ login: this.account }),
        });
        this.jar.store(res);
        this.trace.note({
          method: 'POST',
          url: `${loginUrl.href} [login=${this.account}]`,
          status: res.status,
          location: res.headers.get('location') ?? undefined,
        });
      }
      if (res.status < 300 || res.status >= 400) {
        const body = await res.text();
        throw new Error(`IdP answered ${res.status} at ${url.href}: ${body}`);
      }
      const next = new URL(res.headers.get('location'), url);
      if (next.href.startsWith(this._redirectUrl)) {
        const p = next.searchParams;
        assert.equal(p.get('state'), this._state, 'the redirect carries the state the client sent');
        assert.equal(p.get('iss'), ISSUER, 'the redirect carries the issuer (RFC 9207)');
        if (p.get('error')) {
          return { error: p.get('error'), errorDescription: p.get('error_description') ?? undefined };
        }
        assert.ok(p.get('code'), `the redirect carries a code (${next.href})`);
        return { code: p.get('code'), iss: p.get('iss') };
      }
      url = next;
    }
    throw new Error('too many redirects at the IdP');
  }

  async _get(url) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.jar.header() } });
    this.jar.store(res);
    this.trace.note({
      method: 'GET',
      url: url.href.length > 160 ? `${url.href.slice(0, 157)}...` : url.href,
      status: res.status,
      location: res.headers.get('location') ?? undefined,
    });
    return res;
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions: a connected SDK client for one account.

class Session {
  /** `modern`: the 2.x client pinned to 2026-07-28 instead of the 1.x client. */
  constructor(account, { modern = false } = {}) {
    this.account = account;
    this.modern = modern;
    this.trace = new Trace(account);
    this.provider = undefined;
    this.client = undefined;
    this.transport = undefined;
    this.firstError = undefined;
  }

  async init() {
    const redirect = `http://127.0.0.1:${await unusedPort()}/callback`;
    this.provider = new HeadlessOAuthProvider(this.account, redirect, this.trace);
    return this;
  }

  _newClient() {
    const options = { authProvider: this.provider, fetch: this.trace.fetch };
    const info = { name: `fastapps-e2e-auth-${this.account}`, version: '0.0.0' };
    if (this.modern) {
      this.transport = new ModernTransport(new URL(MCP_URL), options);
      this.client = new ModernClient(info, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    } else {
      this.transport = new StreamableHTTPClientTransport(new URL(MCP_URL), options);
      this.client = new Client(info);
    }
  }

  /**
   * Connects; the first attempt must end in the SDK's UnauthorizedError once the (simulated)
   * browser flow has produced a code. Then finishAuth(code) and connect again.
   */
  async connect() {
    this._newClient();
    try {
      await this.client.connect(this.transport);
    } catch (err) {
      this.firstError = err;
      if (!(err instanceof UnauthorizedError || err instanceof ModernUnauthorizedError)) throw err;
      // The 2.x client checks the authorization response's issuer (RFC 9207) too.
      const iss = this.provider.pendingIss;
      await this.transport.finishAuth(this.provider.takeCode(), ...(this.modern ? [iss] : []));
      await this.transport.close().catch(() => {});
      this._newClient();
      await this.client.connect(this.transport);
      return;
    }
    assert.fail('the first connection must be refused with 401 (it succeeded without a token)');
  }

  async close() {
    await this.client?.close().catch(() => {});
  }

  accessToken() {
    return decodeJwt(this.provider.tokens().access_token);
  }
}

// ---------------------------------------------------------------------------------------------
// The tests.

const sessions = [];
let failed = false;

async function session(account, options) {
  const s = await new Session(account, options).init();
  sessions.push(s);
  return s;
}

after(async () => {
  for (const s of sessions) {
    if (failed || TRACE) s.trace.print(`${s.account}'s client`);
    await s.close();
  }
});

/**
 * A test that runs only when `needs()` holds (what an earlier test established), and is
 * skipped with that reason otherwise, so one failure is reported once, not in every later test.
 */
function step(name, needs, fn) {
  return test(name, async (t) => {
    const missing = needs();
    if (missing) {
      t.skip(`needs ${missing}`);
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
}

describe('OAuth 2.1 end to end: notes + oidc-provider + the MCP TypeScript SDK', { concurrency: false }, () => {
  let alice;
  let aliceConnected = false;
  let bob;
  let aliceNote;

  before(() => {
    console.log(`MCP server: ${MCP_URL}\nIdP issuer: ${ISSUER}`);
  });

  step('an unauthenticated request gets 401 with a challenge pointing at the metadata', () => undefined, async () => {
    const res = await fetch(MCP_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '0' } },
      }),
    });
    await res.body?.cancel();
    assert.equal(res.status, 401, 'initialize without a token');
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    assert.equal(challenge.scheme.toLowerCase(), 'bearer');
    assert.equal(challenge.params.resource_metadata, PRM_URL);
    assert.equal(challenge.params.error, undefined, 'no error code without credentials (RFC 6750 §3.1)');

    const prm = await fetch(PRM_URL);
    assert.equal(prm.status, 200, 'protected resource metadata');
    const doc = await prm.json();
    assert.equal(doc.resource, MCP_URL, 'PRM resource = the MCP endpoint');
    assert.deepEqual(doc.authorization_servers, [ISSUER], 'PRM names the issuer verbatim');
    for (const scope of ['read:notes', 'write:notes', 'use:calculator']) {
      assert.ok(doc.scopes_supported?.includes(scope), `scopes_supported has ${scope}`);
    }
  });

  step('alice: 401 → PRM → AS metadata → registration → code + PKCE + resource → token → tools/list', () => undefined, async () => {
    alice = await session('alice');
    await alice.connect();
    const { entries } = alice.trace;
    const sdk = entries.filter((e) => e.by === 'sdk');

    // 1. The first MCP request, without a token, is refused with a challenge.
    assert.equal(sdk[0].url, MCP_URL);
    assert.equal(sdk[0].auth, false);
    assert.equal(sdk[0].status, 401, 'first MCP request → 401');
    assert.equal(parseChallenge(sdk[0].wwwAuthenticate).params.resource_metadata, PRM_URL);
    assert.ok(alice.firstError instanceof UnauthorizedError, 'the SDK stopped for the user to authorize');

    // 2. Discovery, registration, authorization, token: in that order.
    const indexOf = (pred, what) => {
      const i = entries.findIndex(pred);
      assert.ok(i >= 0, `${what} happened`);
      return i;
    };
    const iPrm = indexOf((e) => e.url === PRM_URL && e.status === 200, 'PRM fetch');
    const iAsMeta = indexOf(
      (e) => e.url.startsWith(`${ISSUER}/.well-known/`) && e.status === 200,
      'AS metadata fetch',
    );
    const iReg = indexOf((e) => e.url === `${ISSUER}/reg` && e.method === 'POST', 'registration');
    assert.equal(entries[iReg].status, 201, 'registration → 201');
    const iAuth = indexOf((e) => e.by === 'user-agent' && e.url.startsWith(`${ISSUER}/auth?`), 'authorization');
    const iLogin = indexOf((e) => e.by === 'user-agent' && e.url.includes('/login'), 'login');
    const iToken = indexOf((e) => e.url === `${ISSUER}/token`, 'token request');
    assert.equal(entries[iToken].status, 200, 'token request → 200');
    assert.equal(entries[iToken].form.grant_type, 'authorization_code');
    const iInit = indexOf((e, i) => i > iToken && e.rpc === 'initialize', 'initialize with the token');
    assert.deepEqual(
      [iPrm, iAsMeta, iReg, iAuth, iLogin, iToken, iInit].toSorted((a, b) => a - b),
      [iPrm, iAsMeta, iReg, iAuth, iLogin, iToken, iInit],
      'order: PRM, AS metadata, registration, authorization, login, token, initialize',
    );
    assert.equal(entries[iInit].auth, true);
    assert.equal(entries[iInit].status, 200, 'initialize with the token → 200');

    // 3. The authorization request: code + S256 + resource + state.
    assert.equal(alice.provider.authorizations.length, 1);
    const authUrl = alice.provider.authorizations[0].url;
    assert.equal(authUrl.searchParams.get('response_type'), 'code');
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authUrl.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(authUrl.searchParams.get('resource'), MCP_URL);
    assert.equal(authUrl.searchParams.get('redirect_uri'), alice.provider.redirectUrl);
    assert.ok(authUrl.searchParams.get('state'), 'state sent');
    const tokenForm = entries[iToken].form;
    assert.equal(tokenForm.resource, MCP_URL, 'the token request carries the resource');
    assert.ok(tokenForm.code_verifier, 'the token request carries the PKCE verifier');

    // 4. The access token: an RS256 JWT for this resource.
    const tokens = alice.provider.tokens();
    assert.ok(tokens.refresh_token, 'a refresh token was issued');
    const { header, payload } = alice.accessToken();
    assert.equal(header.alg, 'RS256');
    assert.ok(header.kid, 'header kid');
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload.aud, MCP_URL);
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.client_id, alice.provider.clientInformation().client_id);
    assert.ok(payload.exp > payload.iat);
    console.log(`alice's access token: scope "${payload.scope}", ttl ${payload.exp - payload.iat}s`);

    // 5. tools/list.
    const { tools } = await alice.client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of NOTES_TOOLS) assert.ok(names.includes(name), `tools/list has ${name} (got ${names})`);
    aliceConnected = true;
  });

  const needAlice = () => (aliceConnected ? undefined : 'alice signed in (an earlier test failed)');
  const needNote = () => needAlice() ?? (aliceNote ? undefined : "alice's note (an earlier test failed)");

  step('alice: create_note, then read_note and list_notes return it; add_numbers', needAlice, async () => {
    const title = `Groceries ${crypto.randomBytes(3).toString('hex')}`;
    const content = 'eggs, milk, bread';
    const created = await alice.client.callTool({ name: 'create_note', arguments: { title, content } });
    assert.ok(!created.isError, `create_note succeeded: ${resultText(created)}`);
    const createdData = resultData(created);
    const id = createdData?.id;
    assert.ok(Number.isInteger(id), `create_note returns the note id: ${JSON.stringify(created)}`);
    assert.equal(createdData.title, title);
    assert.equal(createdData.content, content);
    aliceNote = { id, title, content };

    const read = await alice.client.callTool({ name: 'read_note', arguments: { note_id: id } });
    assert.ok(!read.isError, `read_note succeeded: ${resultText(read)}`);
    const readData = resultData(read);
    assert.equal(readData?.id, id, `read_note returns the note: ${JSON.stringify(read)}`);
    assert.equal(readData.title, title);
    assert.equal(readData.content, content);

    const list = await alice.client.callTool({ name: 'list_notes', arguments: {} });
    assert.ok(!list.isError, `list_notes succeeded: ${resultText(list)}`);
    const listed = resultData(list)?.notes;
    assert.ok(Array.isArray(listed), `list_notes returns { notes: [...] }: ${JSON.stringify(list)}`);
    assert.ok(listed.some((n) => n.id === id && n.title === title), `list_notes shows the note: ${JSON.stringify(listed)}`);

    const sum = await alice.client.callTool({ name: 'add_numbers', arguments: { a: 2, b: 40 } });
    assert.ok(!sum.isError, `add_numbers succeeded: ${resultText(sum)}`);
    assert.equal(resultData(sum)?.result, 42, `add_numbers returns 42: ${JSON.stringify(sum)}`);
  });

  step('a token of the same issuer for another resource is refused with 401 invalid_token', needAlice, async () => {
    const other = `http://127.0.0.1:${await unusedPort()}/mcp`;
    const tokens = await alice.provider.tokenFor({ resource: other, scope: 'read:notes' });
    const { payload } = decodeJwt(tokens.access_token);
    assert.equal(payload.aud, other, 'the IdP issued a token for the other resource');
    assert.equal(payload.iss, ISSUER);
    const res = await fetch(MCP_URL, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '0' } },
      }),
    });
    await res.body?.cancel();
    assert.equal(res.status, 401, `a token with aud ${other} → 401`);
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    assert.equal(challenge.params.error, 'invalid_token');
    assert.equal(challenge.params.resource_metadata, PRM_URL);
  });

  step('bob: own login; does not see alice\'s note; create_note refused with 403 insufficient_scope', needNote, async () => {
    bob = await session('bob');
    await bob.connect();
    const { payload } = bob.accessToken();
    assert.equal(payload.sub, 'bob');
    assert.notEqual(payload.client_id, alice.accessToken().payload.client_id, 'bob registered his own client');
    const bobScopes = (payload.scope ?? '').split(' ');
    assert.ok(!bobScopes.includes('write:notes'), `bob's token has no write:notes (${payload.scope})`);

    const list = await bob.client.callTool({ name: 'list_notes', arguments: {} });
    assert.ok(!list.isError, `list_notes succeeded for bob: ${resultText(list)}`);
    const listed = resultData(list)?.notes;
    assert.ok(Array.isArray(listed), `list_notes returns { notes: [...] }: ${JSON.stringify(list)}`);
    assert.ok(!JSON.stringify(listed).includes(aliceNote.title), 'bob does not see alice\'s note');

    // Nor can he read it by id: another user's note answers like a missing one.
    const read = await bob.client.callTool({ name: 'read_note', arguments: { note_id: aliceNote.id } });
    assert.equal(read.isError, true, `read_note of alice's note fails for bob: ${JSON.stringify(read)}`);
    assert.ok(!JSON.stringify(read).includes(aliceNote.content), 'bob does not get the content');

    const sum = await bob.client.callTool({ name: 'add_numbers', arguments: { a: 1, b: 2 } });
    assert.ok(!sum.isError, `add_numbers succeeded for bob: ${resultText(sum)}`);
    assert.equal(resultData(sum)?.result, 3);

    const before403 = bob.trace.entries.length;
    const err = await bob.client
      .callTool({ name: 'create_note', arguments: { title: 'bob was here', content: 'nope' } })
      .then(
        (result) => assert.fail(`create_note must fail for bob, got ${JSON.stringify(result)}`),
        (e) => e,
      );
    const forbidden = bob.trace.entries
      .slice(before403)
      .filter((e) => e.url === MCP_URL && e.rpc === 'tools/call');
    assert.ok(forbidden.length >= 1, 'the tools/call reached the server');
    assert.equal(forbidden[0].status, 403, 'create_note as bob → HTTP 403');
    const challenge = parseChallenge(forbidden[0].wwwAuthenticate);
    assert.equal(challenge.scheme.toLowerCase(), 'bearer');
    assert.equal(challenge.params.error, 'insufficient_scope');
    assert.ok(challenge.params.scope?.split(' ').includes('write:notes'), `challenge scope has write:notes: ${forbidden[0].wwwAuthenticate}`);
    assert.equal(challenge.params.resource_metadata, PRM_URL);
    // The SDK tries to step up (a refresh or a new authorization); neither can give bob
    // write:notes, so the call ends in an error.
    assert.ok(
      (err instanceof StreamableHTTPError && err.code === 403) || /authorization as bob failed/.test(err.message) || err instanceof UnauthorizedError,
      `the call fails: ${err}`,
    );
    const bobGrants = (await idpTokenRequests()).filter((r) => r.client_id === payload.client_id);
    for (const r of bobGrants) {
      assert.ok(!(r.granted_scope ?? '').split(' ').includes('write:notes'), 'bob never got write:notes');
    }
    console.log(`bob's create_note: ${forbidden.map((e) => e.status).join(', ')}; error: ${err.message}`);
    console.log(`  WWW-Authenticate: ${forbidden[0].wwwAuthenticate}`);
  });

  step('alice over 2026-07-28: the 2.x client authorizes the same way and reads her note, with no session', needNote, async () => {
    const modern = await session('alice', { modern: true });
    await modern.connect();
    assert.equal(modern.client.getProtocolEra(), 'modern');
    assert.equal(modern.client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(modern.transport.sessionId, undefined, 'no session in 2026-07-28');
    const sdk = modern.trace.entries.filter((e) => e.by === 'sdk' && e.url === MCP_URL);
    assert.equal(sdk[0].status, 401, 'the first request, without a token, is refused');
    assert.equal(parseChallenge(sdk[0].wwwAuthenticate).params.resource_metadata, PRM_URL);
    assert.ok(
      !modern.trace.entries.some((e) => e.url === MCP_URL && e.rpc === 'initialize'),
      'no initialize on 2026-07-28',
    );
    const { payload } = modern.accessToken();
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.aud, MCP_URL);

    const list = await modern.client.callTool({ name: 'list_notes', arguments: {} });
    assert.ok(!list.isError, `list_notes over 2026-07-28: ${resultText(list)}`);
    assert.ok(
      resultData(list)?.notes?.some((n) => n.id === aliceNote.id),
      `alice sees the note she wrote over 2025-11-25: ${JSON.stringify(list)}`,
    );
    const read = await modern.client.callTool({ name: 'read_note', arguments: { note_id: aliceNote.id } });
    assert.equal(resultData(read)?.content, aliceNote.content);
    const calls = modern.trace.entries.filter((e) => e.url === MCP_URL && e.rpc === 'tools/call');
    assert.ok(calls.length >= 2 && calls.every((e) => e.auth && e.status === 200), 'every call carried the token');
  });

  step('alice: after the access token expires, the SDK refreshes it and the call succeeds', needNote, async () => {
    const { payload: old } = alice.accessToken();
    const clientId = old.client_id;
    const refreshesBefore = (await idpTokenRequests()).filter(
      (r) => r.client_id === clientId && r.grant_type === 'refresh_token',
    ).length;
    const waitMs = Math.max(0, old.exp * 1000 - Date.now()) + 1000;
    console.log(`waiting ${(waitMs / 1000).toFixed(1)}s for alice's access token to expire (exp ${old.exp})`);
    await sleep(waitMs);

    // The server may accept the token up to its leeway past exp: call until it refuses it and
    // the SDK refreshes, every call having to succeed.
    const deadline = (old.exp + MAX_LEEWAY + 15) * 1000;
    let calls = 0;
    let refreshed;
    for (;;) {
      const start = alice.trace.entries.length;
      const list = await alice.client.callTool({ name: 'list_notes', arguments: {} });
      calls += 1;
      assert.ok(!list.isError, `list_notes succeeded after expiry: ${resultText(list)}`);
      assert.ok(
        resultData(list)?.notes?.some((n) => n.id === aliceNote.id),
        `alice still sees her note: ${JSON.stringify(list)}`,
      );
      const exchange = alice.trace.entries.slice(start);
      if (exchange.some((e) => e.url === `${ISSUER}/token`)) {
        refreshed = exchange;
        break;
      }
      assert.ok(Date.now() < deadline, `the server still accepts a token ${MAX_LEEWAY + 15}s past its exp`);
      await sleep(2000);
    }
    const rejectedAt = Date.now() / 1000 - old.exp;
    // 401 invalid_token → refresh_token grant → the same call again, with the new token → 200.
    const i401 = refreshed.findIndex((e) => e.url === MCP_URL && e.status === 401);
    assert.ok(i401 >= 0, `the expired token was refused with 401: ${JSON.stringify(refreshed)}`);
    const challenge = parseChallenge(refreshed[i401].wwwAuthenticate);
    assert.equal(challenge.params.error, 'invalid_token', 'expired token → invalid_token');
    const iRefresh = refreshed.findIndex((e) => e.url === `${ISSUER}/token`);
    assert.ok(iRefresh > i401);
    assert.equal(refreshed[iRefresh].form.grant_type, 'refresh_token');
    assert.equal(refreshed[iRefresh].form.resource, MCP_URL, 'the refresh request carries the resource');
    assert.equal(refreshed[iRefresh].status, 200);
    const retry = refreshed.slice(iRefresh).find((e) => e.url === MCP_URL && e.rpc === 'tools/call');
    assert.equal(retry?.status, 200, 'the retried call with the new token → 200');

    const { payload: fresh } = alice.accessToken();
    assert.notEqual(fresh.jti, old.jti, 'a new access token');
    assert.ok(fresh.exp > old.exp);
    assert.equal(fresh.sub, 'alice');
    assert.equal(fresh.aud, MCP_URL);
    assert.equal(fresh.scope, old.scope, 'same scopes after the refresh');

    const refreshesAfter = (await idpTokenRequests()).filter(
      (r) => r.client_id === clientId && r.grant_type === 'refresh_token' && r.outcome === 'success',
    ).length;
    assert.ok(refreshesAfter > refreshesBefore, 'the IdP saw a refresh_token grant');
    console.log(
      `expired token refused ${rejectedAt.toFixed(1)}s after exp (${calls} calls); ` +
        `refresh_token grants for alice: ${refreshesBefore} → ${refreshesAfter}`,
    );

    // And the session goes on with the new token.
    const read = await alice.client.callTool({ name: 'read_note', arguments: { note_id: aliceNote.id } });
    assert.ok(!read.isError, `read_note after the refresh: ${resultText(read)}`);
    assert.equal(resultData(read)?.content, aliceNote.content);
  });
});
