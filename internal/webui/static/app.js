// The page's shell: login and logout, and the navigation between views.
// Each view is a module with init() (once), show() (load its data) and
// focus() (where the keyboard goes when it opens).
import { APIError, NetworkError, forget, login, logout } from './api.js';
import { $, hideBanner, initShared, onSessionEnd, session, showBanner } from './ui.js';
import * as apikeys from './apikeys.js';
import * as roles from './roles.js';
import * as users from './users.js';

// Idle sessions end: after idleLimit without a key press or a click the
// page logs out (invalidating its tokens), with a warning a minute before.
// A test may shorten the limit with ?idle=SECONDS, never lengthen it.
const idleDefault = 15 * 60;
const idleLimit = (() => {
  const v = Number(new URLSearchParams(location.search).get('idle'));
  return v >= 2 && v < idleDefault ? v : idleDefault;
})();
const idleWarning = Math.min(60, idleLimit / 2);
let idleTimers = [];

function resetIdle() {
  for (const t of idleTimers) clearTimeout(t);
  idleTimers = [];
  if (!session.me) return;
  if ($('idle-dialog').open) $('idle-dialog').close();
  idleTimers.push(setTimeout(warnIdle, (idleLimit - idleWarning) * 1000));
  idleTimers.push(setTimeout(endIdle, idleLimit * 1000));
}

function warnIdle() {
  $('idle-text').textContent = `You have been inactive for a while: you will be logged out in ${Math.round(idleWarning)} seconds.`;
  $('idle-dialog').showModal();
  $('idle-stay').focus();
}

async function endIdle() {
  const minutes = idleLimit >= 120 ? `${Math.round(idleLimit / 60)} minutes` : `${idleLimit} seconds`;
  await logout();
  showLogin(`You were logged out after ${minutes} without activity.`);
}

// The views, in the order of the navigation.
const views = { users, roles, apikeys };
let current = 'users';

function showLogin(message = '') {
  forget();
  session.me = null;
  session.roles = [];
  resetIdle();
  for (const name of Object.keys(views)) $(name + '-view').hidden = true;
  $('views-nav').hidden = true;
  $('whoami').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message;
  $('login-password').value = '';
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  $('login-username').focus();
}

/** Opens a view: hides the others, marks the navigation, loads its data. */
async function open(name) {
  current = name;
  for (const [n] of Object.entries(views)) $(n + '-view').hidden = n !== name;
  for (const b of document.querySelectorAll('#views-nav button[data-view]')) {
    if (b.dataset.view === name) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  await views[name].show();
  views[name].focus();
}

async function onLogin(ev) {
  ev.preventDefault();
  const username = $('login-username').value;
  const password = $('login-password').value;
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  try {
    const who = await login(username, password);
    $('login-password').value = '';
    session.me = who.username;
    session.roles = who.roles || [];
    $('whoami-name').textContent = who.username;
    $('whoami').hidden = false;
    $('views-nav').hidden = false;
    $('login-view').hidden = true;
    hideBanner();
    resetIdle();
    await open(current);
  } catch (err) {
    if (err instanceof APIError && err.status === 401) {
      $('login-error').textContent = 'Wrong username or password. (' + err.message + ')';
    } else if (err instanceof NetworkError) {
      showBanner(err.message, () => $('login-form').requestSubmit());
    } else {
      $('login-error').textContent = err.message;
    }
  } finally {
    $('login-submit').disabled = false;
  }
}

async function onLogout() {
  await logout();
  showLogin('You are logged out.');
}

function init() {
  initShared();
  onSessionEnd(showLogin);
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', onLogout);
  for (const type of ['keydown', 'pointerdown']) document.addEventListener(type, resetIdle, { capture: true, passive: true });
  $('idle-form').addEventListener('submit', (ev) => { ev.preventDefault(); resetIdle(); });
  for (const b of document.querySelectorAll('#views-nav button[data-view]')) {
    if (!views[b.dataset.view]) b.remove();
    else b.addEventListener('click', () => open(b.dataset.view));
  }
  for (const v of Object.values(views)) v.init();
  showLogin();
}

init();
