// End-to-end test of the app's own authorization server (run by scripts/e2e-auth.sh), in one of
// its two forms, against the `notes` example:
//
//   AS_MODE=proxy  notes --auth proxy in front of idp.mjs in upstream mode (a pre-registered
//                  confidential client, dynamic registration off): the user signs in upstream
//   AS_MODE=dev    notes --auth dev: the embedded development server and its login form
//
// The official MCP TypeScript SDK client registers with *notes* (not with the upstream), is sent
// through notes' /authorize and consent page (and, for the proxy, the upstream login and
// /auth/callback), gets notes' tokens and calls the notes tools. A simulated browser (a cookie
// jar over fetch, no JavaScript) plays the user.
//
// Environment:
//   MCP_URL    the notes MCP endpoint, e.g. http://127.0.0.1:8000/mcp (required)
//   AS_MODE    proxy | dev (required)
//   UPSTREAM   the upstream issuer (AS_MODE=proxy)
//   UPSTREAM_CLIENT_ID  the proxy's client at the upstream (AS_MODE=proxy)
//   MCP_URL_2  a second notes instance sharing the first one's store and public URL (optional):
//              a sign-in through the first is refreshed through the second

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { MemoryOAuthProvider } from './memory-provider.mjs';

const MCP_URL = process.env.MCP_URL;
const MODE = process.env.AS_MODE;
const UPSTREAM = process.env.UPSTREAM;
const MCP_URL_2 = process.env.MCP_URL_2;
assert.ok(MCP_URL && ['proxy', 'dev'].includes(MODE), 'MCP_URL and AS_MODE=proxy|dev must be set');
if (MODE === 'proxy') assert.ok(UPSTREAM, 'UPSTREAM must be set with AS_MODE=proxy');
for (const url of [MCP_URL, UPSTREAM, MCP_URL_2].filter(Boolean)) {
  assert.equal(new URL(url).hostname, '127.0.0.1', `${url}: this test only talks to 127.0.0.1`);
}

const ISSUER = new URL(MCP_URL).origin;
const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORDS = { alice: 'alice', bob: 'bob' };

function decodeJwt(token) {
  const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
  return { header, payload };
}

/** A browser without JavaScript: cookies per host, redirects followed by hand. */
class Browser {
  constructor() {
    this.cookies = new Map();
    this.visited = [];
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  keep(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const gone = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  async request(url, { method = 'GET', form } = {}) {
    const headers = { cookie: this.header() };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body: form ? new URLSearchParams(form) : undefined, redirect: 'manual' });
    this.keep(res);
    this.visited.push(`${method} ${url} → ${res.status}`);
    return res;
  }
}

/** A hidden field of an HTML form. */
function field(html, name) {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `the page has a ${name} field:\n${html}`);
  return m[1];
}

/**
 * Signs `account` in from `authorizationUrl` as the user would: the consent page, then the
 * development login or the upstream provider's. Returns the query of the redirect back to the
 * client.
 */
async function signIn(browser, authorizationUrl, account) {
  let res = await browser.request(authorizationUrl);
  assert.equal(res.status, 200, `notes shows its consent page (${browser.visited.at(-1)})`);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  const consent = await res.text();
  assert.match(consent, /wants to use Notes/);
  res = await browser.request(`${ISSUER}/oauth/consent`, {
    method: 'POST',
    form: { txn: field(consent, 'txn'), csrf: field(consent, 'csrf'), decision: 'approve' },
  });
  assert.equal(res.status, 303, 'approval moves on');
  let next = new URL(res.headers.get('location'), ISSUER);
  for (let hop = 0; hop < 20; hop++) {
    if (next.href.startsWith(REDIRECT)) return Object.fromEntries(next.searchParams);
    if (next.origin === ISSUER && next.pathname === '/oauth/login') {
      res = await browser.request(next);
      assert.equal(res.status, 200);
      const login = await res.text();
      assert.match(login, /Development sign-in/);
      res = await browser.request(`${ISSUER}/oauth/login`, {
        method: 'POST',
        form: { txn: field(login, 'txn'), csrf: field(login, 'csrf'), username: account, password: PASSWORDS[account] },
      });
    } else if (UPSTREAM && next.origin === new URL(UPSTREAM).origin && next.pathname.startsWith('/interaction/')) {
      res = await browser.request(next);
      if (res.status === 200) {
        const prompt = await res.json();
        assert.equal(prompt.prompt, 'login');
        res = await browser.request(new URL(prompt.login, UPSTREAM), { method: 'POST', form: { login: account } });
      }
    } else {
      res = await browser.request(next);
    }
    assert.ok(res.status >= 300 && res.status < 400, `a redirect at ${next.href}: ${res.status} ${await res.clone().text()}`);
    next = new URL(res.headers.get('location'), next);
  }
  throw new Error(`too many redirects:\n${browser.visited.join('\n')}`);
}

/** The SDK's OAuth client provider, in memory; the "browser" signs `account` in. */
class Provider extends MemoryOAuthProvider {
  constructor(account) {
    super(account, REDIRECT, `notes e2e (${account})`);
    this.browser = new Browser();
    this.code = undefined;
  }
  async redirectToAuthorization(url) {
    const back = await signIn(this.browser, url, this.account);
    assert.equal(back.state, this._state, 'the state comes back');
    assert.equal(back.iss, ISSUER, 'the issuer is named (RFC 9207)');
    assert.ok(back.code, `a code comes back: ${JSON.stringify(back)}`);
    this.code = back.code;
  }
}

async function connect(account) {
  const provider = new Provider(account);
  const client = new Client({ name: `e2e-${account}`, version: '1' });
  let transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  await assert.rejects(client.connect(transport), UnauthorizedError, 'without a token the client is sent to sign in');
  await transport.finishAuth(provider.code);
  transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  await client.connect(transport);
  return { client, provider };
}

const text = (result) => (result.content ?? []).map((c) => c.text ?? '').join('\n');

describe(`notes with its own authorization server (${MODE})`, () => {
  test('the metadata sends clients to notes itself', async () => {
    const prm = await (await fetch(`${ISSUER}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.deepEqual(prm.authorization_servers, [ISSUER]);
    const as = await (await fetch(`${ISSUER}/.well-known/oauth-authorization-server`)).json();
    assert.equal(as.issuer, ISSUER);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.registration_endpoint, `${ISSUER}/register`);
  });

  test('alice signs in through notes and uses her notes', async () => {
    const { client, provider } = await connect('alice');
    const token = decodeJwt(provider.tokens().access_token);
    assert.equal(token.header.alg, 'ES256');
    assert.equal(token.payload.iss, ISSUER, "the client holds notes' token, never the upstream's");
    assert.equal(token.payload.aud, MCP_URL);
    assert.equal(token.payload.sub, 'alice');
    assert.equal(token.payload.email, 'alice@example.com');
    const created = await client.callTool({ name: 'create_note', arguments: { title: 'Groceries', content: 'eggs' } });
    assert.ok(!created.isError, text(created));
    const listed = await client.callTool({ name: 'list_notes', arguments: {} });
    assert.match(text(listed), /Groceries/);
    const sum = await client.callTool({ name: 'add_numbers', arguments: { a: 2, b: 3 } });
    assert.match(text(sum), /5/);
    await client.close();
  });

  test('bob sees only his notes, and may read but not write', async () => {
    const { client, provider } = await connect('bob');
    const granted = decodeJwt(provider.tokens().access_token).payload.scope.split(' ').sort();
    const listed = await client.callTool({ name: 'list_notes', arguments: {} });
    assert.ok(!listed.isError, 'bob reads his (empty) notes');
    assert.doesNotMatch(text(listed), /Groceries/, "bob does not see alice's note");
    // The development accounts carry their scopes; through the proxy, the `roles` claim of his
    // upstream ID token does (FASTAPPS_OAUTH_UPSTREAM_SCOPES_CLAIM=roles).
    assert.deepEqual(granted, ['read:notes', 'use:calculator'], 'bob gets only the scopes his account allows');
    await assert.rejects(
      client.callTool({ name: 'create_note', arguments: { title: 'x', content: 'y' } }),
      (err) => /403|insufficient_scope|scope/i.test(String(err?.message ?? err)),
      'a write without write:notes is refused',
    );
    await client.close();
  });

  test('a refresh rotates the token, and a replay ends the sign-in', async () => {
    const { client, provider } = await connect('alice');
    await client.close();
    const refresh = (token) =>
      fetch(`${ISSUER}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: provider.clientInformation().client_id }),
      });
    const first = provider.tokens().refresh_token;
    const res = await refresh(first);
    assert.equal(res.status, 200);
    const next = await res.json();
    assert.notEqual(next.refresh_token, first);
    const replay = await refresh(first);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).error, 'invalid_grant');
    const after = await refresh(next.refresh_token);
    assert.equal(after.status, 400, 'the whole family is revoked');
  });

  if (MCP_URL_2) {
    test('signed in through one instance, refreshed through the other', async () => {
      const { client, provider } = await connect('alice');
      await client.close();
      const refresh = (origin, token) =>
        fetch(`${origin}/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: provider.clientInformation().client_id }),
        });
      const second = new URL(MCP_URL_2).origin;
      const first = provider.tokens().refresh_token;
      const res = await refresh(second, first);
      assert.equal(res.status, 200, 'the other instance knows the refresh token');
      const next = await res.json();
      // Its access token works on both instances: one key set, in the shared store.
      for (const url of [MCP_URL_2, MCP_URL]) {
        const other = new Client({ name: 'e2e-shared', version: '1' });
        await other.connect(
          new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${next.access_token}` } } }),
        );
        const listed = await other.callTool({ name: 'list_notes', arguments: {} });
        assert.ok(!listed.isError, `${url}: ${text(listed)}`);
        await other.close();
      }
      // The token the other instance rotated out is spent here too.
      const replay = await refresh(ISSUER, first);
      assert.equal(replay.status, 400);
      assert.equal((await replay.json()).error, 'invalid_grant');
    });
  }

  if (MODE === 'proxy') {
    test('an upstream callback in another browser than the approving one is refused', async () => {
      // The attacker approves a request in their own browser and hands the upstream login to
      // the victim, whose browser then lands on notes' callback without the consent cookie.
      const register = await fetch(`${ISSUER}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'attacker', redirect_uris: [REDIRECT] }),
      });
      const { client_id } = await register.json();
      const verifier = crypto.randomBytes(32).toString('base64url');
      const authorize = new URL(`${ISSUER}/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id,
        redirect_uri: REDIRECT,
        state: 's',
        code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      const attacker = new Browser();
      const consent = await (await attacker.request(authorize)).text();
      const approved = await attacker.request(`${ISSUER}/oauth/consent`, {
        method: 'POST',
        form: { txn: field(consent, 'txn'), csrf: field(consent, 'csrf'), decision: 'approve' },
      });
      const upstreamLogin = new URL(approved.headers.get('location'));
      assert.equal(upstreamLogin.origin, new URL(UPSTREAM).origin);
      const victim = new Browser();
      let res = await victim.request(upstreamLogin);
      let next = new URL(res.headers.get('location'), upstreamLogin);
      for (let hop = 0; hop < 10 && next.origin !== ISSUER; hop++) {
        res = await victim.request(next);
        if (res.status === 200) {
          const prompt = await res.json();
          res = await victim.request(new URL(prompt.login, UPSTREAM), { method: 'POST', form: { login: 'bob' } });
        }
        next = new URL(res.headers.get('location'), next);
      }
      assert.equal(next.pathname, '/auth/callback');
      const callback = await victim.request(next);
      assert.equal(callback.status, 403);
      assert.equal(callback.headers.get('location'), null, 'no code reaches anyone');
    });

    test('the upstream saw only the proxy, with its secret and PKCE', async () => {
      const requests = await (await fetch(`${UPSTREAM}/debug/token-requests`)).json();
      const codes = requests.filter((r) => r.grant_type === 'authorization_code');
      assert.ok(codes.length >= 3, `one upstream code redemption per sign-in: ${JSON.stringify(requests)}`);
      for (const r of codes) {
        assert.equal(r.client_id, process.env.UPSTREAM_CLIENT_ID);
        assert.equal(r.outcome, 'success');
      }
    });
  }
});
