// The in-memory part of the SDK's OAuthClientProvider that both end-to-end tests share: a public
// client (no secret) with one redirect URI, and what the SDK saves with it — the registration,
// the tokens, the PKCE verifier, the state. A subclass adds redirectToAuthorization(), which
// plays the user's browser.

import * as crypto from 'node:crypto';

export class MemoryOAuthProvider {
  /**
   * @param {string} account  the account the simulated user signs in as
   * @param {string} redirectUrl  the client's redirect_uri (nothing listens there)
   * @param {string} clientName  the client_name it registers with
   */
  constructor(account, redirectUrl, clientName) {
    this.account = account;
    this._redirectUrl = redirectUrl;
    this._clientName = clientName;
    this._clientInformation = undefined;
    this._tokens = undefined;
    this._codeVerifier = undefined;
    this._state = undefined;
    /** Every token set saved, with the time it was saved. */
    this.tokenHistory = [];
    /** Every invalidateCredentials() scope the SDK asked for. */
    this.invalidations = [];
  }

  get redirectUrl() {
    return this._redirectUrl;
  }

  get clientMetadata() {
    return {
      client_name: this._clientName,
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state() {
    this._state = crypto.randomBytes(16).toString('base64url');
    return this._state;
  }

  clientInformation() {
    return this._clientInformation;
  }

  saveClientInformation(info) {
    this._clientInformation = info;
  }

  tokens() {
    return this._tokens;
  }

  saveTokens(tokens) {
    this._tokens = tokens;
    this.tokenHistory.push({ at: Date.now(), tokens });
  }

  saveCodeVerifier(verifier) {
    this._codeVerifier = verifier;
  }

  codeVerifier() {
    if (!this._codeVerifier) throw new Error('no code verifier saved');
    return this._codeVerifier;
  }

  invalidateCredentials(scope) {
    this.invalidations.push(scope);
    if (scope === 'all' || scope === 'client') this._clientInformation = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._codeVerifier = undefined;
  }
}
