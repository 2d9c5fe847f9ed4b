// The users page: native users paged, sorted and searched on the server
// with the query users API, the built-in users apart, and the dialogs to
// create, edit, change a password, enable, disable and delete.
import { call, userPath } from './api.js';
import { $, actionButton, confirmAction, el, failed, session } from './ui.js';

const state = {
  from: 0,
  size: 25,
  sort: { field: 'username', order: 'asc' },
  search: '',
  total: 0,
};

// ---- the users table --------------------------------------------------

function escapeWildcard(s) { return s.replace(/[\\*?]/g, (c) => '\\' + c); }

/** The query users body of the current page, search and sort. */
export function queryBody() {
  const body = { from: state.from, size: state.size };
  const sort = [{ [state.sort.field]: { order: state.sort.order } }];
  if (state.sort.field !== 'username') sort.push({ username: { order: 'asc' } });
  body.sort = sort;
  const q = state.search.trim();
  if (q) {
    const like = '*' + escapeWildcard(q.toLowerCase()) + '*';
    body.query = {
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
    };
  }
  return body;
}

async function loadUsers() {
  const msg = $('users-message');
  msg.textContent = 'Loading…';
  $('users-table').setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await call('POST', '/_security/_query/user?with_last_authenticated=true', queryBody());
  } catch (err) {
    msg.textContent = '';
    $('users-body').replaceChildren();
    failed(err, msg, loadUsers);
    return;
  } finally {
    $('users-table').removeAttribute('aria-busy');
  }
  state.total = page.total;
  const rows = page.users.map(userRow);
  $('users-body').replaceChildren(...rows);
  if (page.total === 0) {
    msg.textContent = state.search.trim() ? 'No user matches this search.' : 'No native users yet.';
  } else {
    msg.textContent = '';
  }
  const last = state.from + page.users.length;
  $('page-info').textContent = page.total === 0 ? '' : `${state.from + 1}–${last} of ${page.total}`;
  $('prev-page').disabled = state.from === 0;
  $('next-page').disabled = last >= page.total || last >= 10000;
  for (const th of document.querySelectorAll('#users-table th[data-sort]')) {
    const f = th.dataset.sort;
    th.setAttribute('aria-sort', f === state.sort.field ? (state.sort.order === 'asc' ? 'ascending' : 'descending') : 'none');
  }
}

function badges(u) {
  const out = [];
  if (!u.enabled) out.push(el('span', { className: 'badge disabled' }, 'disabled'));
  else out.push(el('span', { className: 'badge' }, 'enabled'));
  if (u.metadata && u.metadata._reserved) out.push(el('span', { className: 'badge' }, 'built-in'));
  if (u.metadata && u.metadata._deprecated) out.push(el('span', { className: 'badge' }, 'deprecated'));
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

function userRow(u) {
  const self = u.username === session.me;
  const actions = el('td', { className: 'actions' },
    actionButton('Edit', u.username, () => openUserDialog(u)),
    actionButton('Password', u.username, () => openPasswordDialog(u.username)),
    self ? null : toggleButton(u),
    self ? null : actionButton('Delete', u.username, () => confirmAction('Delete user',
      `Delete the user “${u.username}”? This cannot be undone.`, 'Delete',
      () => call('DELETE', userPath(u.username)), reload), 'danger'),
  );
  return el('tr', { 'data-username': u.username },
    el('th', { scope: 'row' }, u.username),
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

// ---- built-in users ---------------------------------------------------

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
        u.username === session.me ? null : toggleButton(u)),
    ));
  $('reserved-body').replaceChildren(...rows);
  if (rows.length === 0) msg.textContent = 'No built-in users (the reserved realm is off).';
}

function reload() {
  return Promise.all([loadUsers(), loadReserved()]);
}

// ---- dialogs ----------------------------------------------------------

let editing = null; // the user being edited, null when creating

function openUserDialog(u) {
  editing = u;
  $('user-dialog-title').textContent = u ? `Edit user ${u.username}` : 'Create user';
  $('user-username').value = u ? u.username : '';
  $('user-username').readOnly = !!u;
  $('user-password-fields').hidden = !!u;
  $('user-password').required = !u;
  $('user-password').value = '';
  $('user-password2').value = '';
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
  $('password-dialog-title').textContent = `Change the password of ${name}`;
  $('new-password').value = '';
  $('new-password2').value = '';
  $('password-error').textContent = '';
  $('password-dialog').showModal();
  $('new-password').focus();
}

async function onPasswordSave(ev) {
  ev.preventDefault();
  const err = $('password-error');
  err.textContent = '';
  if ($('new-password').value !== $('new-password2').value) {
    err.textContent = 'The passwords do not match.';
    return;
  }
  $('password-save').disabled = true;
  try {
    await call('POST', userPath(passwordFor, '/_password'), { password: $('new-password').value });
    $('password-dialog').close();
  } catch (e) {
    failed(e, err, () => $('password-form').requestSubmit());
  } finally {
    $('password-save').disabled = false;
    $('new-password').value = '';
    $('new-password2').value = '';
  }
}

// ---- wiring -----------------------------------------------------------

/** Shows the page's data afresh (after a login or a return to the view). */
export function show() {
  state.from = 0;
  return reload();
}

/** Where the keyboard goes when the view opens. */
export function focus() { $('search').focus(); }

export function init() {
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.search = $('search').value;
    state.from = 0;
    loadUsers();
  });
  $('create-user').addEventListener('click', () => openUserDialog(null));
  $('prev-page').addEventListener('click', () => { state.from = Math.max(0, state.from - state.size); loadUsers(); });
  $('next-page').addEventListener('click', () => { state.from += state.size; loadUsers(); });
  $('page-size').addEventListener('change', () => { state.size = Number($('page-size').value); state.from = 0; loadUsers(); });
  for (const b of document.querySelectorAll('#users-table th button[data-sort]')) {
    b.addEventListener('click', () => {
      const f = b.dataset.sort;
      state.sort = { field: f, order: state.sort.field === f && state.sort.order === 'asc' ? 'desc' : 'asc' };
      state.from = 0;
      loadUsers();
    });
  }
  $('user-form').addEventListener('submit', onUserSave);
  $('user-cancel').addEventListener('click', () => $('user-dialog').close());
  $('password-form').addEventListener('submit', onPasswordSave);
  $('password-cancel').addEventListener('click', () => $('password-dialog').close());
}
