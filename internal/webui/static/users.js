// The users page: native users paged, sorted and searched on the server
// with the query users API (from/size for the first 10 000 hits, then
// search_after cursors), the built-in and the file realm's users apart,
// bulk actions on a selection or on every user a search matches, lockout
// badges with unlock, and the dialogs to create, edit, change a password
// (with the server's strength score), enable, disable and delete.
import * as api from './api.js';
import { APIError, NetworkError, call, reasonOf, userPath } from './api.js';
import { $, actionButton, confirmAction, el, failed, session } from './ui.js';
import { fetchAll, initImportExport } from './importexport.js';

// maxWindow is the query API's result window (index.max_result_window):
// from + size beyond it is refused, so pages past it go by search_after.
// A test may lower it with ?window=N (never raise it), to page past it
// without seeding ten thousand users.
const maxWindow = (() => {
  const v = Number(new URLSearchParams(location.search).get('window'));
  return Number.isInteger(v) && v >= 10 && v < 10000 ? v : 10000;
})();

// More users than this in one bulk action ask for a typed confirmation.
const typedAbove = 100;
// Requests a bulk action keeps in flight at once.
const bulkParallel = 4;

const state = {
  size: 25,
  sort: { field: 'username', order: 'asc' },
  search: '',
  notSeenDays: 0, // 0: no "not seen for" filter
  total: 0,
  // The page: the index of its first row, and past the window the
  // search_after values that lead to it (null: by from).
  start: 0,
  after: null,
  // Earlier cursor pages ({start, after}), for Previous past the window.
  cursors: [],
  rows: 0, // rows on the page
  lastSort: null, // the _sort of the page's last row
};

// locked maps a username to its lockout block ({failures, locked_until}).
let locked = new Map();

// The selection: names picked row by row, or every user matching the
// query of the moment ("all": {body, total}).
const selection = { names: new Set(), all: null };

// ---- queries ------------------------------------------------------------

function escapeWildcard(s) { return s.replace(/[\\*?]/g, (c) => '\\' + c); }

/** The query of the search box and the "not seen for" filter, or null. */
function searchQuery() {
  const clauses = [];
  const q = state.search.trim();
  if (q) {
    const like = '*' + escapeWildcard(q.toLowerCase()) + '*';
    clauses.push({
      bool: {
        should: [
          { wildcard: { username: { value: like, case_insensitive: true } } },
          { wildcard: { roles: { value: like, case_insensitive: true } } },
          { wildcard: { full_name: { value: like } } },
          { wildcard: { email: { value: like } } },
          { match: { full_name: q } },
          { match: { email: q } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  if (state.notSeenDays > 0) {
    // last_authenticated is esauth's own date field of query users; a
    // user never seen has none and counts as not seen.
    clauses.push({
      bool: {
        should: [
          { range: { last_authenticated: { lt: `now-${state.notSeenDays}d` } } },
          { bool: { must_not: { exists: { field: 'last_authenticated' } } } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  if (clauses.length === 0) return null;
  return clauses.length === 1 ? clauses[0] : { bool: { filter: clauses } };
}

/** The sort of the table, username last so that every row is unique. */
function sortSpec() {
  const sort = [{ [state.sort.field]: { order: state.sort.order } }];
  if (state.sort.field !== 'username') sort.push({ username: { order: 'asc' } });
  return sort;
}

/**
 * The query users body of the current page, search, filter and sort:
 * from/size within the first 10 000 hits, search_after (from 0) past them.
 */
export function queryBody() {
  const body = { from: state.after ? 0 : state.start, size: state.size, sort: sortSpec() };
  if (state.after) body.search_after = state.after;
  const query = searchQuery();
  if (query) body.query = query;
  return body;
}

// ---- the users table ----------------------------------------------------

// loadUsers shows the current page; withLocks reads the lockout blocks
// along (reload reads them once for every table).
async function loadUsers(withLocks = true) {
  const msg = $('users-message');
  msg.textContent = 'Loading…';
  $('users-table').setAttribute('aria-busy', 'true');
  let page;
  try {
    [page] = await Promise.all([
      call('POST', '/_security/_query/user?with_last_authenticated=true', queryBody()),
      withLocks ? loadLocked() : null,
    ]);
  } catch (err) {
    msg.textContent = '';
    $('users-body').replaceChildren();
    $('page-info').textContent = '';
    failed(err, msg, loadUsers);
    return;
  } finally {
    $('users-table').removeAttribute('aria-busy');
  }
  state.total = page.total;
  state.rows = page.users.length;
  state.lastSort = page.users.length ? page.users[page.users.length - 1]._sort : null;
  $('users-body').replaceChildren(...page.users.map(userRow));
  if (page.total === 0) {
    msg.textContent = searchQuery() ? 'No user matches this search.' : 'No native users yet.';
  } else {
    msg.textContent = '';
  }
  const last = state.start + page.users.length;
  $('page-info').textContent = page.total === 0 || page.users.length === 0 ? '' : `${state.start + 1}–${last} of ${page.total}`;
  $('prev-page').disabled = state.start === 0;
  $('next-page').disabled = last >= page.total || page.users.length < state.size || !state.lastSort && last + state.size > maxWindow;
  for (const th of document.querySelectorAll('#users-table th[data-sort]')) {
    const f = th.dataset.sort;
    th.setAttribute('aria-sort', f === state.sort.field ? (state.sort.order === 'asc' ? 'ascending' : 'descending') : 'none');
  }
  showSelection();
}

/** Back to the first page (a new search, sort or page size). */
function firstPage() {
  state.start = 0;
  state.after = null;
  state.cursors = [];
}

function nextPage() {
  const next = state.start + state.rows;
  if (next + state.size <= maxWindow) {
    state.start = next;
    state.after = null;
  } else {
    if (state.after) state.cursors.push({ start: state.start, after: state.after });
    state.start = next;
    state.after = state.lastSort;
  }
  return loadUsers();
}

function prevPage() {
  const prev = Math.max(0, state.start - state.size);
  if (prev + state.size <= maxWindow || state.cursors.length === 0) {
    state.start = prev;
    state.after = null;
    state.cursors = [];
  } else {
    const c = state.cursors.pop();
    state.start = c.start;
    state.after = c.after;
  }
  return loadUsers();
}

/** The lockout blocks on usernames; none when the caller may not see them. */
async function loadLocked() {
  try {
    const r = await call('GET', '/_security/_esauth/locked_users');
    locked = new Map((r.locked_users || []).filter((b) => b.kind === 'user').map((b) => [b.name, b]));
  } catch (err) {
    // Lockout off (400) or no manage_security (403): no badges. A 401 or
    // a network error shows on the users query made alongside.
    locked = new Map();
    if (!(err instanceof APIError) || err.status === 401) throw err;
  }
}

function hhmm(ms) {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function badges(u) {
  const out = [];
  if (!u.enabled) out.push(el('span', { className: 'badge disabled' }, 'disabled'));
  else out.push(el('span', { className: 'badge' }, 'enabled'));
  const block = locked.get(u.username);
  if (block) {
    out.push(el('span', { className: 'badge locked', title: `Locked until ${hhmm(block.locked_until)} after ${block.failures} failed logins` }, 'locked'));
  }
  if (u.metadata && u.metadata._reserved) out.push(el('span', { className: 'badge' }, 'built-in'));
  if (u.metadata && u.metadata._deprecated) out.push(el('span', { className: 'badge' }, 'deprecated'));
  if (u.file) out.push(el('span', { className: 'badge file' }, 'file'));
  if (u.username === session.me) out.push(el('span', { className: 'badge me' }, 'you'));
  return out;
}

function toggleButton(u) {
  return u.enabled
    ? actionButton('Disable', u.username, () => confirmAction('Disable user',
      `Disable the user “${u.username}”? They will not be able to log in until enabled again.`, 'Disable',
      () => call('PUT', userPath(u.username, '/_disable')), reload))
    : actionButton('Enable', u.username, () => confirmAction('Enable user',
      `Enable the user “${u.username}”?`, 'Enable',
      () => call('PUT', userPath(u.username, '/_enable')), reload));
}

function unlockButton(name) {
  const block = locked.get(name);
  if (!block) return null;
  return actionButton('Unlock', name, () => confirmAction('Unlock user',
    `Unlock “${name}”? They were locked out after ${block.failures} failed logins until ${hhmm(block.locked_until)}; they can log in again at once.`, 'Unlock',
    () => call('DELETE', '/_security/_esauth/locked_users/user/' + encodeURIComponent(name)), reload));
}

function selectBox(name) {
  const box = el('input', { type: 'checkbox', className: 'select', 'aria-label': `Select ${name}` });
  box.checked = selection.all !== null || selection.names.has(name);
  box.disabled = selection.all !== null;
  box.addEventListener('change', () => {
    if (box.checked) selection.names.add(name);
    else selection.names.delete(name);
    showSelection();
  });
  return box;
}

function userRow(u) {
  const self = u.username === session.me;
  const actions = el('td', { className: 'actions' },
    actionButton('Edit', u.username, () => openUserDialog(u)),
    actionButton('Password', u.username, () => openPasswordDialog(u.username)),
    unlockButton(u.username),
    self ? null : toggleButton(u),
    self ? null : actionButton('Delete', u.username, () => confirmAction('Delete user',
      `Delete the user “${u.username}”? This cannot be undone.`, 'Delete',
      () => call('DELETE', userPath(u.username)), reload), 'danger'),
  );
  return el('tr', { 'data-username': u.username },
    el('th', { scope: 'row' }, selectBox(u.username), u.username),
    el('td', {}, u.full_name || ''),
    el('td', {}, u.email || ''),
    el('td', {}, ...(u.roles || []).map((r) => el('span', { className: 'badge' }, r))),
    el('td', {}, ...badges(u)),
    lastLogin(u.last_authenticated),
    actions,
  );
}

// lastLogin is the cell of a user's last login (epoch milliseconds, or
// null when esauth has not seen them log in), in UTC to the minute.
function lastLogin(ms) {
  if (ms == null) return el('td', { className: 'last-login' }, 'never');
  const iso = new Date(ms).toISOString();
  return el('td', { className: 'last-login', title: iso }, `${iso.slice(0, 16).replace('T', ' ')} UTC`);
}

// ---- built-in and file realm users ----------------------------------------

async function loadReserved() {
  const msg = $('reserved-message');
  msg.textContent = '';
  let all;
  try {
    all = await call('GET', '/_security/user');
  } catch (err) {
    $('reserved-body').replaceChildren();
    failed(err, msg, loadReserved);
    return;
  }
  const rows = Object.values(all)
    .filter((u) => u.metadata && u.metadata._reserved)
    .sort((a, b) => a.username.localeCompare(b.username))
    .map((u) => el('tr', { 'data-username': u.username },
      el('th', { scope: 'row' }, u.username),
      el('td', {}, ...(u.roles || []).map((r) => el('span', { className: 'badge' }, r))),
      el('td', {}, ...badges(u)),
      el('td', { className: 'actions' },
        actionButton('Password', u.username, () => openPasswordDialog(u.username)),
        unlockButton(u.username),
        u.username === session.me ? null : toggleButton(u)),
    ));
  $('reserved-body').replaceChildren(...rows);
  if (rows.length === 0) msg.textContent = 'No built-in users (the reserved realm is off).';
}

// The file realm's users, read-only: esauth's GET _esauth/file_users. The
// part stays hidden where the server has no such API or none may read it.
async function loadFileUsers() {
  const msg = $('file-users-message');
  msg.textContent = '';
  let r;
  try {
    r = await call('GET', '/_security/_esauth/file_users');
  } catch (err) {
    $('file-users-body').replaceChildren();
    if (err instanceof APIError && err.status !== 401) {
      $('file-users').hidden = true;
      return;
    }
    failed(err, msg, loadFileUsers);
    return;
  }
  const users = r.users || [];
  $('file-users').hidden = false;
  $('file-users-body').replaceChildren(...users.map((u) => {
    const fu = { username: u.username, roles: u.roles, enabled: true, file: true };
    const unlock = unlockButton(u.username);
    return el('tr', { 'data-username': u.username },
      el('th', { scope: 'row' }, u.username),
      el('td', {}, ...(u.roles || []).map((x) => el('span', { className: 'badge' }, x))),
      el('td', {}, ...badges(fu)),
      el('td', { className: 'actions' }, unlock));
  }));
  if (users.length === 0) msg.textContent = 'No users in the users file.';
}

async function reload() {
  // The blocks first, so that every table shows them; a 401 or a network
  // error shows through the calls below.
  await loadLocked().catch(() => {});
  await Promise.all([loadUsers(false), loadReserved(), loadFileUsers()]);
}

// ---- selection and bulk actions ---------------------------------------------

function selectedCount() {
  return selection.all ? selection.all.total : selection.names.size;
}

/** Shows the selection: the count, the page checkbox and the buttons. */
function showSelection() {
  const n = selectedCount();
  $('bulk-count').textContent = selection.all
    ? `All ${n} users matching the search are selected`
    : n === 0 ? 'No users selected' : `${n} user${n === 1 ? '' : 's'} selected`;
  for (const id of ['bulk-enable', 'bulk-disable', 'bulk-delete']) $(id).disabled = n === 0;
  const role = $('bulk-role').value.trim() !== '';
  $('bulk-add-role').disabled = n === 0 || !role;
  $('bulk-remove-role').disabled = n === 0 || !role;
  $('bulk-clear').hidden = n === 0;
  const boxes = [...document.querySelectorAll('#users-body input.select')];
  const page = $('select-page');
  page.disabled = selection.all !== null || boxes.length === 0;
  page.checked = boxes.length > 0 && boxes.every((b) => b.checked);
  page.indeterminate = !page.checked && boxes.some((b) => b.checked);
  // "Select all N matching" once the page is selected and there is more.
  const offer = !selection.all && page.checked && state.total > boxes.length;
  $('select-matching').hidden = !offer;
  if (offer) $('select-matching').textContent = `Select all ${state.total} users matching the search`;
}

function clearSelection() {
  selection.names.clear();
  selection.all = null;
  for (const b of document.querySelectorAll('#users-body input.select')) {
    b.checked = false;
    b.disabled = false;
  }
  showSelection();
}

function selectPage(on) {
  for (const b of document.querySelectorAll('#users-body input.select')) {
    b.checked = on;
    const name = b.closest('tr').dataset.username;
    if (on) selection.names.add(name);
    else selection.names.delete(name);
  }
  showSelection();
}

function selectMatching() {
  selection.names.clear();
  const body = { sort: [{ username: { order: 'asc' } }] };
  const query = searchQuery();
  if (query) body.query = query;
  selection.all = { body, total: state.total };
  for (const b of document.querySelectorAll('#users-body input.select')) {
    b.checked = true;
    b.disabled = true;
  }
  showSelection();
}

// The bulk actions: what each does to one user, and its words.
const bulkActions = {
  enable: { verb: 'Enable', skipSelf: false, run: (name) => call('PUT', userPath(name, '/_enable')) },
  disable: { verb: 'Disable', skipSelf: true, run: (name) => call('PUT', userPath(name, '/_disable')) },
  delete: { verb: 'Delete', skipSelf: true, run: (name) => call('DELETE', userPath(name)) },
  addRole: { verb: 'Add the role', role: true, run: (name, role) => changeRoles(name, role, true) },
  removeRole: { verb: 'Remove the role', role: true, run: (name, role) => changeRoles(name, role, false) },
};

/**
 * Adds or removes one role of a user: reads the user and puts it back with
 * the role list changed, every other field as it was (no password: it
 * stays). Returns a note when there was nothing to change.
 */
async function changeRoles(name, role, add) {
  const found = await call('GET', userPath(name));
  const u = found[name];
  if (!u) throw new Error('the user does not exist');
  const roles = u.roles || [];
  const has = roles.includes(role);
  if (add === has) return add ? 'ok (already had the role)' : 'ok (did not have the role)';
  const body = {
    roles: add ? [...roles, role] : roles.filter((r) => r !== role),
    full_name: u.full_name ?? null,
    email: u.email ?? null,
    metadata: u.metadata || {},
    enabled: u.enabled,
  };
  await call('PUT', userPath(name), body);
  return 'ok';
}

let bulk = null; // the action being confirmed or run: {action, role, names}

async function openBulk(key) {
  const action = bulkActions[key];
  const role = action.role ? $('bulk-role').value.trim() : '';
  let names;
  if (selection.all) {
    $('users-message').textContent = `Listing the ${selection.all.total} users matching the search…`;
    try {
      names = (await fetchAll(selection.all.body)).map((u) => u.username);
    } catch (err) {
      $('users-message').textContent = '';
      failed(err, $('users-message'), () => openBulk(key));
      return;
    }
    $('users-message').textContent = '';
  } else {
    names = [...selection.names].sort();
  }
  if (names.length === 0) return;
  bulk = { action, role, names, running: false };
  const what = action.role ? `${action.verb} “${role}” ${action.role && key === 'addRole' ? 'to' : 'from'}` : action.verb;
  $('bulk-title').textContent = `${what} ${names.length} user${names.length === 1 ? '' : 's'}`;
  let text = `${what} these ${names.length} users?`;
  if (key === 'delete') text += ' Deleted users cannot be recovered.';
  if (action.skipSelf && names.includes(session.me)) text += ` You (${session.me}) will be skipped.`;
  $('bulk-text').textContent = text;
  const shown = names.slice(0, 20).map((n) => el('li', {}, n));
  if (names.length > 20) shown.push(el('li', {}, `… and ${names.length - 20} more`));
  $('bulk-names').replaceChildren(...shown);
  const typed = names.length > typedAbove;
  $('bulk-typed').hidden = !typed;
  $('bulk-typed-input').value = '';
  $('bulk-typed-label').textContent = key === 'delete'
    ? `Type ${names.length} or DELETE to confirm`
    : `Type ${names.length} to confirm`;
  $('bulk-error').textContent = '';
  $('bulk-run').hidden = true;
  $('bulk-progress-label').textContent = 'Progress';
  $('bulk-summary').textContent = '';
  $('bulk-results-body').replaceChildren();
  $('bulk-ok').hidden = false;
  $('bulk-ok').disabled = false;
  $('bulk-ok').textContent = action.verb.split(' ')[0];
  $('bulk-ok').className = key === 'delete' || key === 'disable' ? 'danger' : 'primary';
  $('bulk-cancel').textContent = 'Cancel';
  $('bulk-dialog').showModal();
  (typed ? $('bulk-typed-input') : $('bulk-cancel')).focus();
  bulk.key = key;
}

async function runBulk(ev) {
  ev.preventDefault();
  if (!bulk || bulk.running) return;
  const { action, role, names, key } = bulk;
  if (names.length > typedAbove) {
    const v = $('bulk-typed-input').value.trim();
    if (v !== String(names.length) && !(key === 'delete' && v === 'DELETE')) {
      $('bulk-error').textContent = `Type ${names.length}${key === 'delete' ? ' or DELETE' : ''} to confirm.`;
      $('bulk-typed-input').focus();
      return;
    }
  }
  bulk.running = true;
  $('bulk-error').textContent = '';
  $('bulk-typed').hidden = true;
  $('bulk-ok').hidden = true;
  $('bulk-cancel').textContent = 'Stop';
  $('bulk-run').hidden = false;
  const progress = $('bulk-progress');
  progress.max = names.length;
  progress.value = 0;
  const results = new Array(names.length);
  const rows = names.map((n) => el('tr', { 'data-username': n }, el('th', { scope: 'row' }, n), el('td', { className: 'pending' }, '…')));
  $('bulk-results-body').replaceChildren(...rows);
  let done = 0;
  let failures = 0;
  let skipped = 0;
  let next = 0;
  const summary = () => {
    $('bulk-summary').textContent = `${done} of ${names.length} done: ${done - failures - skipped} ok, ` +
      `${skipped} skipped, ${failures} failed${bulk.stopped ? ' (stopped)' : ''}`;
  };
  summary();
  const one = async (i) => {
    const name = names[i];
    let ok = true;
    let text;
    if (action.skipSelf && name === session.me) {
      ok = false;
      skipped++;
      text = 'skipped: you cannot disable or delete yourself';
    } else {
      try {
        const note = await action.run(name, role);
        text = typeof note === 'string' ? note : 'ok';
      } catch (err) {
        ok = false;
        failures++;
        if (err instanceof APIError && err.status === 401) throw err;
        text = err instanceof NetworkError || err instanceof APIError ? err.message : String(err);
      }
    }
    results[i] = { ok, text };
    const cell = rows[i].lastChild;
    cell.textContent = text;
    cell.className = ok ? 'ok' : 'failed';
    done++;
    progress.value = done;
    summary();
  };
  const worker = async () => {
    while (next < names.length && !bulk.stopped) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(bulkParallel, names.length) }, worker));
  } catch (err) {
    failed(err, $('bulk-error'));
  }
  // Failures first, so that they show without scrolling.
  const order = rows.map((r, i) => [r, results[i]]);
  order.sort((a, b) => (a[1] && a[1].ok ? 1 : 0) - (b[1] && b[1].ok ? 1 : 0));
  $('bulk-results-body').replaceChildren(...order.map(([r]) => r));
  bulk.running = false;
  $('bulk-cancel').textContent = 'Close';
  $('bulk-progress-label').textContent = bulk.stopped ? 'Stopped' : 'Done';
  clearSelection();
  await reload();
}

function closeBulk() {
  if (bulk && bulk.running) {
    bulk.stopped = true; // the requests in flight finish; no new ones start
    return;
  }
  $('bulk-dialog').close();
}

// ---- password strength, generation, show and copy ---------------------------

// A password field's helpers: the server's score (debounced, stale answers
// dropped), the policy's messages, a generator, show/hide and copy.
function passwordHelper(prefix, field, confirmField, nameOf) {
  let timer = null;
  let seq = 0;
  const meter = $(prefix + '-meter');
  const strength = $(prefix + '-strength');
  const policy = $(prefix + '-policy');
  const words = ['very weak', 'weak', 'fair', 'strong', 'very strong'];
  const reset = () => {
    clearTimeout(timer);
    seq++;
    meter.value = 0;
    strength.textContent = '';
    delete strength.dataset.score;
    policy.replaceChildren();
    copied.textContent = '';
    setShown(false);
  };
  const check = async () => {
    const my = ++seq;
    const password = field.value;
    if (password === '') {
      reset();
      return;
    }
    const body = { password };
    const name = nameOf();
    if (name) body.username = name;
    let r;
    try {
      r = await call('POST', '/_security/_esauth/password/_check', body);
    } catch (err) {
      if (my !== seq) return;
      strength.textContent = '';
      failed(err, policy);
      return;
    }
    if (my !== seq) return; // a later keystroke's answer counts
    meter.value = r.score;
    strength.dataset.score = String(r.score);
    strength.textContent = `Strength: ${r.score} of 4 (${words[r.score] || r.score})`;
    policy.replaceChildren(...(r.valid
      ? [el('li', { className: 'ok' }, 'Meets the password policy.')]
      : r.errors.map((e) => el('li', { className: 'failed' }, e))));
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  };
  field.addEventListener('input', schedule);
  const showButton = $(prefix + '-show');
  const setShown = (on) => {
    field.type = on ? 'text' : 'password';
    confirmField.type = on ? 'text' : 'password';
    showButton.setAttribute('aria-pressed', String(on));
    showButton.textContent = on ? 'Hide' : 'Show';
  };
  showButton.addEventListener('click', () => setShown(field.type === 'password'));
  $(prefix + '-generate').addEventListener('click', () => {
    const pw = generatePassword(20);
    field.value = pw;
    confirmField.value = pw;
    setShown(true);
    check();
  });
  const copied = $(prefix + '-copied');
  $(prefix + '-copy').addEventListener('click', async () => {
    copied.textContent = '';
    try {
      await navigator.clipboard.writeText(field.value);
      copied.textContent = 'Copied.';
    } catch {
      setShown(true);
      field.select();
      copied.textContent = 'The browser refused to copy: the password is selected, copy it yourself.';
    }
  });
  return { reset, check };
}

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%+=';

/** A random password of n characters (crypto.getRandomValues, unbiased). */
export function generatePassword(n) {
  const out = [];
  const limit = 256 - (256 % alphabet.length);
  const buf = new Uint8Array(n * 2);
  while (out.length < n) {
    crypto.getRandomValues(buf);
    for (const b of buf) {
      if (b < limit && out.length < n) out.push(alphabet[b % alphabet.length]);
    }
  }
  return out.join('');
}

// ---- dialogs ------------------------------------------------------------------

let editing = null; // the user being edited, null when creating
let userStrength = null;
let newStrength = null;

function openUserDialog(u) {
  editing = u;
  $('user-dialog-title').textContent = u ? `Edit user ${u.username}` : 'Create user';
  $('user-username').value = u ? u.username : '';
  $('user-username').readOnly = !!u;
  $('user-password-fields').hidden = !!u;
  $('user-password').required = !u;
  $('user-password').value = '';
  $('user-password2').value = '';
  userStrength.reset();
  $('user-fullname').value = u ? u.full_name || '' : '';
  $('user-email').value = u ? u.email || '' : '';
  $('user-roles').value = u ? (u.roles || []).join(', ') : '';
  $('user-error').textContent = '';
  $('user-dialog').showModal();
  (u ? $('user-fullname') : $('user-username')).focus();
}

async function onUserSave(ev) {
  ev.preventDefault();
  const err = $('user-error');
  err.textContent = '';
  const name = $('user-username').value;
  const body = {
    roles: $('user-roles').value.split(',').map((r) => r.trim()).filter((r) => r),
    full_name: $('user-fullname').value || null,
    email: $('user-email').value || null,
  };
  if (editing) {
    body.metadata = editing.metadata || {};
    body.enabled = editing.enabled;
  } else {
    if ($('user-password').value !== $('user-password2').value) {
      err.textContent = 'The passwords do not match.';
      $('user-password2').focus();
      return;
    }
    body.password = $('user-password').value;
  }
  $('user-save').disabled = true;
  try {
    await call(editing ? 'PUT' : 'POST', userPath(name), body);
    $('user-dialog').close();
    $('user-password').value = '';
    $('user-password2').value = '';
    userStrength.reset();
    await loadUsers();
  } catch (e) {
    failed(e, err, () => $('user-form').requestSubmit());
  } finally {
    $('user-save').disabled = false;
  }
}

let passwordFor = null;

function openPasswordDialog(name) {
  passwordFor = name;
  const self = name === session.me;
  $('password-dialog-title').textContent = self ? 'Change your password' : `Change the password of ${name}`;
  $('current-password-field').hidden = !self;
  $('current-password').required = self;
  $('current-password').value = '';
  $('new-password').value = '';
  $('new-password2').value = '';
  newStrength.reset();
  $('password-error').textContent = '';
  $('password-dialog').showModal();
  (self ? $('current-password') : $('new-password')).focus();
}

/**
 * Checks a password with _authenticate, sent with those credentials only
 * (credentials: 'omit': the browser adds none and raises no dialog): true
 * when it authenticates, false on a 401; anything else throws.
 */
export async function passwordWorks(username, password) {
  const bytes = new TextEncoder().encode(username + ':' + password);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  let res;
  try {
    res = await fetch('/_security/_authenticate', {
      credentials: 'omit', cache: 'no-store', headers: { Authorization: 'Basic ' + btoa(s) },
    });
  } catch (e) {
    throw new NetworkError('The server cannot be reached (' + e.message + ').');
  }
  if (res.ok) return true;
  if (res.status === 401) return false;
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  throw new Error(reasonOf(res.status, data));
}

async function onPasswordSave(ev) {
  ev.preventDefault();
  const err = $('password-error');
  err.textContent = '';
  const password = $('new-password').value;
  if (password !== $('new-password2').value) {
    err.textContent = 'The passwords do not match.';
    return;
  }
  const self = passwordFor === session.me;
  $('password-save').disabled = true;
  try {
    if (self) {
      // The server does not ask for it (ES's _password neither): the page
      // does, so that an unattended session cannot take the account over.
      if (!await passwordWorks(session.me, $('current-password').value)) {
        err.textContent = 'The current password is wrong.';
        $('current-password').value = '';
        $('current-password').focus();
        return;
      }
    }
    await call('POST', userPath(passwordFor, '/_password'), { password });
    if (self) await keepSession(session.me, password);
    $('password-dialog').close();
    $('current-password').value = '';
    $('new-password').value = '';
    $('new-password2').value = '';
    newStrength.reset();
    $('users-message').textContent = self ? 'Your password was changed.' : `The password of ${passwordFor} was changed.`;
  } catch (e) {
    if (e instanceof Error && !(e instanceof APIError) && !(e instanceof NetworkError)) err.textContent = e.message;
    else failed(e, err, () => $('password-form').requestSubmit());
  } finally {
    $('password-save').disabled = false;
  }
}

/**
 * After one's own password changed: a Basic session must send the new one
 * from now on (a token session is not affected). api.js offers that as
 * passwordChanged (or relogin); without either the next call's 401 will
 * bring back the login form.
 */
async function keepSession(username, password) {
  if (typeof api.passwordChanged === 'function') api.passwordChanged(username, password);
  else if (typeof api.relogin === 'function') await api.relogin(username, password);
}

// ---- wiring -------------------------------------------------------------------

/** Shows the page's data afresh (after a login or a return to the view). */
export function show() {
  firstPage();
  clearSelection();
  return reload();
}

/** Where the keyboard goes when the view opens. */
export function focus() { $('search').focus(); }

export function init() {
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.search = $('search').value;
    const days = Number($('not-seen').value);
    state.notSeenDays = Number.isInteger(days) && days > 0 ? days : 0;
    firstPage();
    clearSelection();
    loadUsers();
  });
  $('create-user').addEventListener('click', () => openUserDialog(null));
  $('prev-page').addEventListener('click', prevPage);
  $('next-page').addEventListener('click', nextPage);
  $('page-size').addEventListener('change', () => { state.size = Number($('page-size').value); firstPage(); loadUsers(); });
  for (const b of document.querySelectorAll('#users-table th button[data-sort]')) {
    b.addEventListener('click', () => {
      const f = b.dataset.sort;
      state.sort = { field: f, order: state.sort.field === f && state.sort.order === 'asc' ? 'desc' : 'asc' };
      firstPage();
      loadUsers();
    });
  }
  $('select-page').addEventListener('change', () => selectPage($('select-page').checked));
  $('select-matching').addEventListener('click', selectMatching);
  $('bulk-clear').addEventListener('click', clearSelection);
  $('bulk-role').addEventListener('input', showSelection);
  $('bulk-enable').addEventListener('click', () => openBulk('enable'));
  $('bulk-disable').addEventListener('click', () => openBulk('disable'));
  $('bulk-delete').addEventListener('click', () => openBulk('delete'));
  $('bulk-add-role').addEventListener('click', () => openBulk('addRole'));
  $('bulk-remove-role').addEventListener('click', () => openBulk('removeRole'));
  $('bulk-form').addEventListener('submit', runBulk);
  $('bulk-cancel').addEventListener('click', closeBulk);
  $('bulk-dialog').addEventListener('cancel', (ev) => {
    if (bulk && bulk.running) {
      ev.preventDefault();
      closeBulk();
    }
  });
  userStrength = passwordHelper('user-password', $('user-password'), $('user-password2'), () => $('user-username').value);
  newStrength = passwordHelper('new-password', $('new-password'), $('new-password2'), () => passwordFor);
  $('user-form').addEventListener('submit', onUserSave);
  $('user-cancel').addEventListener('click', () => $('user-dialog').close());
  $('password-form').addEventListener('submit', onPasswordSave);
  $('password-cancel').addEventListener('click', () => {
    $('current-password').value = '';
    $('password-dialog').close();
  });
  initImportExport();
}
