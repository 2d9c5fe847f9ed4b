// What every view of the page shares: building elements, the banner,
// error handling and the confirmation dialog. Every text from the server
// is put in the page with textContent or DOM APIs, never as HTML.
import { APIError, NetworkError } from './api.js';

export const $ = (id) => document.getElementById(id);

/** The signed-in user: username and roles, set by the login. */
export const session = { me: null, roles: [] };

/** Builds an element: el('td', {className: 'x'}, 'text', child, ...). */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('aria-') || k.startsWith('data-') || k === 'for' || k === 'role') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

/** A row action button, labelled with its target for screen readers. */
export function actionButton(label, name, onclick, className = '') {
  return el('button', { type: 'button', className, onclick, 'aria-label': `${label} ${name}` }, label);
}

export function showBanner(text, retry) {
  $('banner-text').textContent = text;
  $('banner-retry').hidden = !retry;
  $('banner-retry').onclick = () => { hideBanner(); retry(); };
  $('banner').hidden = false;
}

export function hideBanner() { $('banner').hidden = true; }

let sessionEnded = () => {};

/** Sets what a 401 does (app.js: back to the login form). */
export function onSessionEnd(f) { sessionEnded = f; }

/**
 * Handles a failed call: a 401 ends the session, a network error raises
 * the banner (with retry), anything else is written into the given
 * element, the server's reason verbatim (a 403 prefixed "Not allowed: ").
 */
export function failed(err, target, retry) {
  if (err instanceof APIError && err.status === 401) {
    sessionEnded('Your session has ended: log in again. (' + err.message + ')');
    return;
  }
  if (err instanceof NetworkError) {
    showBanner(err.message, retry);
    return;
  }
  if (err instanceof APIError && err.status === 403) {
    target.textContent = 'Not allowed: ' + err.message;
    return;
  }
  target.textContent = err instanceof APIError ? err.message : String(err);
}

let confirmRun = null;
let confirmAfter = null;

/**
 * Asks for a confirmation in the shared dialog; on OK runs run() and then
 * after(). A failure stays in the dialog, the server's reason verbatim.
 */
export function confirmAction(title, text, okLabel, run, after = () => {}) {
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  $('confirm-error').textContent = '';
  confirmRun = run;
  confirmAfter = after;
  $('confirm-dialog').showModal();
  $('confirm-cancel').focus();
}

async function onConfirm(ev) {
  ev.preventDefault();
  $('confirm-ok').disabled = true;
  try {
    await confirmRun();
    $('confirm-dialog').close();
    await confirmAfter();
  } catch (err) {
    failed(err, $('confirm-error'), () => $('confirm-form').requestSubmit());
  } finally {
    $('confirm-ok').disabled = false;
  }
}

/** Wires the shared parts of the page; app.js calls it once. */
export function initShared() {
  $('banner-close').addEventListener('click', hideBanner);
  $('confirm-form').addEventListener('submit', onConfirm);
  $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close());
}
