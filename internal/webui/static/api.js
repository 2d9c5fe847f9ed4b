// The esauth API as the page uses it. Credentials live in this module's
// memory only: never in cookies or in the browser's web storage. Every
// request is sent with credentials: 'omit', so the browser neither adds
// credentials it cached nor raises its own login dialog on a 401.

/** An answer of the API that is not a success. */
export class APIError extends Error {
  constructor(status, reason, body) {
    super(reason);
    this.status = status;
    this.body = body;
  }
}

/** The server could not be reached. */
export class NetworkError extends Error {}

let authorization = null; // "Basic …" or "Bearer …"
let tokens = null; // {access, refresh} when logged in with the token service
let refreshTimer = null;
// Access tokens replaced by a refresh stay valid until they expire (as in
// Elasticsearch); logout invalidates them too. [{access, expires}]
let superseded = [];

function basic(username, password) {
  const bytes = new TextEncoder().encode(username + ':' + password);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return 'Basic ' + btoa(s);
}

/** The reason of an Elasticsearch error body, verbatim, or a fallback. */
export function reasonOf(status, body) {
  if (body && typeof body === 'object') {
    if (body.error && typeof body.error === 'object' && typeof body.error.reason === 'string') {
      return body.error.reason;
    }
    if (typeof body.error_description === 'string') return body.error_description;
    if (typeof body.error === 'string') return body.error;
  }
  return 'HTTP ' + status;
}

async function send(method, path, body, auth) {
  const init = { method, credentials: 'omit', cache: 'no-store', headers: {} };
  if (auth) init.headers.Authorization = auth;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new NetworkError('The server cannot be reached (' + e.message + ').');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) throw new APIError(res.status, reasonOf(res.status, data), data);
  return data;
}

/** Calls the API with the session's credentials. */
export function call(method, path, body) {
  return send(method, path, body, authorization);
}

/**
 * Logs in: checks the password with _authenticate, then asks the token
 * service for a Bearer token; where it is off or not allowed to this user,
 * the Basic credentials are kept instead. Returns _authenticate's answer.
 */
export async function login(username, password) {
  const auth = basic(username, password);
  const who = await send('GET', '/_security/_authenticate', undefined, auth);
  try {
    const t = await send('POST', '/_security/oauth2/token',
      { grant_type: 'password', username, password }, auth);
    if (t && typeof t.access_token === 'string') {
      useTokens(t);
      return who;
    }
  } catch (e) {
    if (e instanceof NetworkError) throw e;
    // token service off ("security tokens are not enabled") or no
    // manage_token: Basic credentials it is.
  }
  tokens = null;
  authorization = auth;
  return who;
}

// useTokens starts using a token answer and schedules its refresh at
// three quarters of the access token's life, so that a request never meets
// an expired token while the session is in use.
function useTokens(t) {
  const now = Date.now();
  if (tokens) superseded.push({ access: tokens.access, expires: tokens.expires });
  superseded = superseded.filter((s) => s.expires > now);
  tokens = { access: t.access_token, refresh: t.refresh_token, expires: now + (Number(t.expires_in) || 1200) * 1000 };
  authorization = 'Bearer ' + t.access_token;
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (t.refresh_token) {
    const life = (Number(t.expires_in) || 1200) * 1000;
    refreshTimer = setTimeout(refresh, Math.max(500, life * 0.75));
  }
}

// refresh trades the refresh token for a new pair (single use). A failure
// leaves the session as it is: the next call's 401 ends it.
async function refresh() {
  refreshTimer = null;
  const t = tokens;
  if (!t || !t.refresh) return;
  try {
    const next = await send('POST', '/_security/oauth2/token',
      { grant_type: 'refresh_token', refresh_token: t.refresh }, authorization);
    if (tokens === t && next && typeof next.access_token === 'string') useTokens(next);
  } catch {
    // expired, invalidated or unreachable: nothing to keep
  }
}

/**
 * Keeps a Basic session working after its own password changed; a token
 * session is not affected (its tokens stay valid, as in Elasticsearch).
 */
export function passwordChanged(username, password) {
  if (authorization && !tokens) authorization = basic(username, password);
}

/** Checks a user's password without touching the session. */
export async function checkPassword(username, password) {
  await send('GET', '/_security/_authenticate', undefined, basic(username, password));
}

/** How the session authenticates: "token", "basic" or null. */
export function mode() {
  if (!authorization) return null;
  return tokens ? 'token' : 'basic';
}

/** Forgets the credentials, after invalidating the tokens (best effort). */
export async function logout() {
  const auth = authorization;
  const t = tokens;
  const old = superseded.filter((s) => s.expires > Date.now());
  forget();
  if (!t) return;
  // Each call authenticates with the current access token, so that one is
  // invalidated last, once the others are done.
  const calls = old.map((s) => send('DELETE', '/_security/oauth2/token', { token: s.access }, auth));
  if (t.refresh) calls.push(send('DELETE', '/_security/oauth2/token', { refresh_token: t.refresh }, auth));
  await Promise.allSettled(calls);
  await Promise.allSettled([send('DELETE', '/_security/oauth2/token', { token: t.access }, auth)]);
}

/** Forgets the credentials without calling the server (after a 401). */
export function forget() {
  authorization = null;
  tokens = null;
  superseded = [];
  clearTimeout(refreshTimer);
  refreshTimer = null;
}

/** The path of a user, its name encoded. */
export function userPath(name, suffix = '') {
  return '/_security/user/' + encodeURIComponent(name) + suffix;
}
