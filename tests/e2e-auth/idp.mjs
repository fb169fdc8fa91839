// A small OpenID Provider for the end-to-end OAuth test (scripts/e2e-auth.sh), built on
// oidc-provider. It listens on 127.0.0.1 only and prints `issuer http://127.0.0.1:<port>` as its
// first stdout line once it accepts connections; every later stdout line is a JSON event.
//
//   - open dynamic client registration (POST /reg, no initial access token);
//   - PKCE S256 required for every client (oidc-provider 9 knows no other method);
//   - resource indicators (RFC 8707): any `http://127.0.0.1:<port>/mcp` resource gets an RS256 JWT
//     access token (`typ: at+jwt`, header `kid`) with `iss`, `aud` = that resource, `sub` = the
//     account, `client_id`, `scope` (space separated), `iat`, `exp`, `jti`;
//   - a refresh token with every authorization_code grant (no `offline_access` needed), rotated
//     on use;
//   - two accounts: `alice` (read:notes write:notes use:calculator) and `bob` (read:notes
//     use:calculator): consent grants the requested scopes the account may have and rejects the
//     others, so bob can never obtain write:notes;
//   - a programmatic interaction, driven over plain HTTP by the test:
//       GET  /interaction/:uid        login prompt: 200 JSON describing it; consent prompt:
//                                     granted at once, 303 back to the authorization endpoint
//       POST /interaction/:uid/login  form `login=<account>`: 303 back to the authorization
//                                     endpoint (unknown account: 400)
//       POST /interaction/:uid/abort  ends the request with access_denied
//   - GET /debug/token-requests: every token endpoint request seen so far (grant type, client,
//     account, scope, resource, outcome), for the test's assertions.
//
// Upstream mode (UPSTREAM_CLIENT_ID set): the provider behind the app's own authorization
// server (its OAuth proxy). Dynamic registration is off; one pre-registered confidential
// client (client_secret_basic, redirect URI UPSTREAM_REDIRECT_URI) signs users in with
// `openid profile email` and gets ID tokens (RS256, `nonce` echoed) naming `sub`, `name`, `email`
// and `roles`: the scopes of RESOURCE_SCOPES the account may be granted, as Entra ID app roles
// would be (the proxy reads them with FASTAPPS_OAUTH_UPSTREAM_SCOPES_CLAIM=roles).
//
// Environment:
//   ACCESS_TOKEN_TTL  access token lifetime in seconds (default 60)
//   UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, UPSTREAM_REDIRECT_URI   upstream mode
//   IDP_PORT          port to listen on (default 0: any free port)
//   IDP_DEBUG=1       also print oidc-provider's internal errors with their stack
//
// Run: node tests/e2e-auth/idp.mjs   (Node >= 22: oidc-provider 9 supports only Node 22 LTS+)

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const HOST = '127.0.0.1';
const PORT = parseIntEnv('IDP_PORT', 0);
const ACCESS_TOKEN_TTL = parseIntEnv('ACCESS_TOKEN_TTL', 60);
const DEBUG = !!process.env.IDP_DEBUG && process.env.IDP_DEBUG !== '0';
const UPSTREAM = process.env.UPSTREAM_CLIENT_ID
  ? {
      client_id: process.env.UPSTREAM_CLIENT_ID,
      client_secret: process.env.UPSTREAM_CLIENT_SECRET ?? '',
      redirect_uri: process.env.UPSTREAM_REDIRECT_URI ?? '',
    }
  : null;
if (UPSTREAM && (!UPSTREAM.client_secret || !UPSTREAM.redirect_uri)) {
  console.error('idp: upstream mode needs UPSTREAM_CLIENT_SECRET and UPSTREAM_REDIRECT_URI');
  process.exit(2);
}
/** Scopes of OpenID Connect itself, which any account may grant. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email']);

/** The scopes an access token for the MCP resource can carry. */
export const RESOURCE_SCOPES = ['read:notes', 'write:notes', 'use:calculator'];
/** Accounts and the scopes each may be granted. */
export const ACCOUNTS = {
  alice: new Set(RESOURCE_SCOPES),
  bob: new Set(['read:notes', 'use:calculator']),
};
/** Resource indicators this provider issues tokens for. */
const RESOURCE_RE = /^http:\/\/127\.0\.0\.1:\d+\/mcp$/;

function parseIntEnv(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`idp: ${name} must be a non-negative integer, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

function event(name, fields = {}) {
  process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), event: name, ...fields })}\n`);
}

// ---------------------------------------------------------------------------------------------
// Keys: one fresh RSA key per run.

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `e2e-${crypto.randomBytes(6).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

// ---------------------------------------------------------------------------------------------
// Listen first: the issuer needs the port.

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, HOST, resolve);
});
const ISSUER = `http://${HOST}:${server.address().port}`;

// Token endpoint requests, in order, for /debug/token-requests.
const tokenRequests = [];

const configuration = {
  clients: UPSTREAM
    ? [
        {
          client_id: UPSTREAM.client_id,
          client_secret: UPSTREAM.client_secret,
          redirect_uris: [UPSTREAM.redirect_uri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ]
    : [],
  scopes: ['openid', 'profile', 'email', ...RESOURCE_SCOPES],
  responseTypes: ['code'],
  claims: { openid: ['sub'], profile: ['name', 'roles'], email: ['email'] },
  // The profile claims in the ID token itself, as Auth0 and Entra ID put them.
  conformIdTokenClaims: false,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  clientDefaults: {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  features: {
    devInteractions: { enabled: false },
    dPoP: { enabled: false },
    registration: { enabled: !UPSTREAM, initialAccessToken: false },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource requested: no default (the token is then an opaque OIDC one).
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      // A refresh without `resource` keeps the granted one.
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (!RESOURCE_RE.test(resourceIndicator)) {
          throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
        }
        return {
          scope: RESOURCE_SCOPES.join(' '),
          audience: resourceIndicator,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // A refresh token for every authorization_code grant of a client allowed to refresh, with or
  // without offline_access.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    RefreshToken: 3600,
    Session: 3600,
  },
  findAccount: async (_ctx, id) => {
    if (!Object.hasOwn(ACCOUNTS, id)) return undefined;
    return {
      accountId: id,
      claims: async () => ({
        sub: id,
        name: id[0].toUpperCase() + id.slice(1),
        email: `${id}@example.com`,
        roles: [...ACCOUNTS[id]],
      }),
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'application/json';
    ctx.body = out;
  },
};

const provider = new Provider(ISSUER, configuration);

// ---------------------------------------------------------------------------------------------
// Events: one JSON line each on stdout.

function tokenEvent(ctx, outcome, err) {
  const { params = {}, client, entities = {} } = ctx.oidc ?? {};
  const grant = entities.AuthorizationCode ?? entities.RefreshToken;
  const record = {
    n: tokenRequests.length + 1,
    at: Date.now(),
    grant_type: params.grant_type,
    client_id: client?.clientId,
    account: grant?.accountId ?? entities.Account?.accountId,
    resource: params.resource,
    scope: params.scope,
    granted_scope: outcome === 'success' ? ctx.body?.scope : undefined,
    outcome,
    ...(err ? { error: err.error ?? err.name, error_description: err.error_description } : {}),
  };
  tokenRequests.push(record);
  event('token_request', record);
}

provider.on('grant.success', (ctx) => tokenEvent(ctx, 'success'));
provider.on('grant.error', (ctx, err) => tokenEvent(ctx, 'error', err));
provider.on('registration_create.success', (ctx, client) =>
  event('client_registered', {
    client_id: client.clientId,
    client_name: client.clientName,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    token_endpoint_auth_method: client.clientAuthMethod,
    scope: client.scope,
  }),
);
provider.on('registration_create.error', (_ctx, err) =>
  event('registration_error', { error: err.error, error_description: err.error_description }),
);
provider.on('authorization.accepted', (ctx) => {
  const p = ctx.oidc.params;
  event('authorization_request', {
    client_id: p.client_id,
    scope: p.scope,
    resource: p.resource,
    code_challenge_method: p.code_challenge_method,
    redirect_uri: p.redirect_uri,
  });
});
provider.on('authorization.error', (_ctx, err) =>
  event('authorization_error', { error: err.error, error_description: err.error_description }),
);
provider.on('access_token.issued', (token) =>
  event('access_token_issued', {
    client_id: token.clientId,
    account: token.accountId,
    aud: token.aud,
    scope: token.scope,
    ttl: token.expiration,
  }),
);
provider.on('server_error', (_ctx, err) => {
  event('server_error', { message: err.message });
  if (DEBUG) console.error(err);
});

// ---------------------------------------------------------------------------------------------
// Interactions.

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Grants what the consent prompt asks for, as far as the account may have it. */
async function autoConsent(req, res, details) {
  const { prompt, params, session, grantId } = details;
  const accountId = session?.accountId;
  const allowed = ACCOUNTS[accountId] ?? new Set();
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  const granted = {};
  const rejected = {};
  const split = (scopes) => {
    const ok = scopes.filter((s) => OIDC_SCOPES.has(s) || allowed.has(s));
    return [ok, scopes.filter((s) => !ok.includes(s))];
  };
  if (prompt.details.missingOIDCScope) {
    const [ok, no] = split(prompt.details.missingOIDCScope);
    if (ok.length) grant.addOIDCScope(ok.join(' '));
    if (no.length) grant.rejectOIDCScope(no.join(' '));
    granted.oidc = ok;
    rejected.oidc = no;
  }
  if (prompt.details.missingOIDCClaims) {
    grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  }
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    const [ok, no] = split(scopes);
    if (ok.length) grant.addResourceScope(indicator, ok.join(' '));
    if (no.length) grant.rejectResourceScope(indicator, no.join(' '));
    granted[indicator] = ok;
    rejected[indicator] = no;
  }
  const id = await grant.save();
  event('consent', { account: accountId, client_id: params.client_id, granted, rejected });
  await provider.interactionFinished(req, res, { consent: { grantId: id } }, { mergeWithLastSubmission: true });
}

async function handleInteraction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    return sendJson(res, 400, { error: 'invalid_request', error_description: 'interaction mismatch' });
  }
  const { prompt, params } = details;
  if (req.method === 'GET' && action === undefined) {
    if (prompt.name === 'consent') return autoConsent(req, res, details);
    return sendJson(res, 200, {
      uid,
      prompt: prompt.name,
      reasons: prompt.reasons,
      client_id: params.client_id,
      scope: params.scope,
      resource: params.resource,
      login: `/interaction/${uid}/login`,
      accounts: Object.keys(ACCOUNTS),
    });
  }
  if (req.method === 'POST' && action === 'login') {
    if (prompt.name !== 'login') {
      return sendJson(res, 400, { error: 'invalid_request', error_description: `prompt is ${prompt.name}` });
    }
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    if (!Object.hasOwn(ACCOUNTS, login)) {
      event('login_failed', { login });
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'unknown account' });
    }
    event('login', { account: login, client_id: params.client_id });
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
  }
  return sendJson(res, 405, { error: 'invalid_request', error_description: 'method not allowed' });
}

// ---------------------------------------------------------------------------------------------
// Routing: interactions and the debug endpoint here, everything else to oidc-provider.

const providerCallback = provider.callback();

server.on('request', async (req, res) => {
  const url = new URL(req.url, ISSUER);
  try {
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(url.pathname);
    if (m) return await handleInteraction(req, res, m[1], m[2]);
    if (url.pathname === '/debug/token-requests' && req.method === 'GET') {
      return sendJson(res, 200, tokenRequests);
    }
    return providerCallback(req, res);
  } catch (err) {
    event('interaction_error', { path: url.pathname, message: err.message });
    if (DEBUG) console.error(err);
    if (!res.headersSent) {
      sendJson(res, 400, { error: 'invalid_request', error_description: err.message });
    } else {
      res.end();
    }
  }
});

// The first stdout line: what scripts/e2e-auth.sh waits for.
process.stdout.write(`issuer ${ISSUER}\n`);
event('config', {
  access_token_ttl: ACCESS_TOKEN_TTL,
  kid: signingJwk.kid,
  accounts: Object.keys(ACCOUNTS),
  upstream_client: UPSTREAM?.client_id,
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
