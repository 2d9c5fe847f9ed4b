// The API keys view: keys paged, sorted and searched on the server with the
// query API key API, a dialog to create one (its secret shown once), and
// invalidation of one key or of the selected ones. Built in JavaScript
// inside <section id="apikeys-view">; every text from the server goes in
// with textContent or DOM APIs.
import { APIError, call } from './api.js';
import { $, actionButton, confirmAction, el, failed, session } from './ui.js';

// The query API's window: from + size may not pass it; beyond, pages are
// reached with search_after (the last row's _sort).
const WINDOW = 10000;

// The sortable columns: the query API's field of each.
const SORTS = { name: 'Name', username: 'Owner', creation: 'Created', expiration: 'Expires', type: 'Type' };

const state = {
  size: 25,
  sort: { field: 'creation', order: 'desc' },
  search: '',
  showAll: false,
  // The page shown: its index among all hits, and how it is asked for
  // (from, or search_after with from 0).
  page: { index: 0, from: 0, after: null },
  back: [], // the pages before, for Previous
  lastSort: null, // the _sort of the page's last row
  rows: [], // the keys of the page shown
  total: 0,
  selected: new Map(), // id → key, on the page shown
};

let loadSeq = 0; // answers of older loads are dropped

// ---- the query --------------------------------------------------------

function escapeWildcard(s) { return s.replace(/[\\*?]/g, (c) => '\\' + c); }

/** The query API key body of the current page, search, filter and sort. */
export function queryBody() {
  const body = { size: state.size };
  if (state.page.after) {
    body.from = 0;
    body.search_after = state.page.after;
  } else {
    body.from = state.page.from;
  }
  const sort = [{ [state.sort.field]: { order: state.sort.order } }];
  if (state.sort.field !== 'creation') sort.push({ creation: { order: 'desc' } });
  sort.push({ name: { order: 'asc' } });
  body.sort = sort;
  const filter = [];
  if (!state.showAll) {
    // Active only: not invalidated, and no expiration or one to come.
    filter.push({ term: { invalidated: false } });
    filter.push({
      bool: {
        should: [
          { bool: { must_not: [{ exists: { field: 'expiration' } }] } },
          { range: { expiration: { gt: 'now' } } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  const q = state.search.trim();
  if (q) {
    const like = '*' + escapeWildcard(q) + '*';
    filter.push({
      bool: {
        should: [
          { wildcard: { name: { value: like, case_insensitive: true } } },
          { wildcard: { username: { value: like, case_insensitive: true } } },
          { ids: { values: [q] } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  if (filter.length) body.query = { bool: { filter } };
  return body;
}

// A cursor can be sent back only when JSON carries its numbers exactly:
// the missing expiration of a key that never expires sorts as ±2^63,
// which a JavaScript number cannot write back as the server's long.
function exact(sortValues) {
  return Array.isArray(sortValues) && sortValues.every((v) => typeof v !== 'number' || Number.isSafeInteger(v));
}

// ---- the table --------------------------------------------------------

/** active, expired or invalidated. */
function statusOf(k) {
  if (k.invalidated) return 'invalidated';
  if (k.expiration != null && k.expiration <= Date.now()) return 'expired';
  return 'active';
}

function dateCell(ms, className, none) {
  if (ms == null) return el('td', { className }, none);
  const iso = new Date(ms).toISOString();
  return el('td', { className },
    el('time', { dateTime: iso, title: iso }, `${iso.slice(0, 16).replace('T', ' ')} UTC`));
}

function keyLabel(k) { return `${k.name || '(no name)'} (${k.id})`; }

function keyRow(k) {
  const status = statusOf(k);
  const box = el('input', {
    type: 'checkbox',
    className: 'apikeys-select',
    checked: state.selected.has(k.id),
    disabled: status === 'invalidated',
    'aria-label': `Select API key ${keyLabel(k)}`,
  });
  box.addEventListener('change', () => {
    if (box.checked) state.selected.set(k.id, k);
    else state.selected.delete(k.id);
    updateSelection();
  });
  const own = k.username === session.me;
  return el('tr', { 'data-id': k.id, 'data-name': k.name || '', 'data-status': status },
    el('td', { className: 'select' }, box),
    el('th', { scope: 'row', className: 'name' }, k.name || ''),
    el('td', { className: 'id' }, el('code', {}, k.id)),
    el('td', { className: 'owner' }, k.username || '', ' ', el('span', { className: 'realm' }, `(${k.realm || ''})`),
      own ? el('span', { className: 'badge me' }, 'you') : null),
    dateCell(k.creation, 'created', ''),
    dateCell(k.expiration, 'expires', 'never'),
    el('td', { className: 'status' }, el('span', { className: 'badge apikey-' + status }, status)),
    el('td', { className: 'type' }, k.type || 'rest'),
    el('td', { className: 'actions' },
      status === 'invalidated' ? null
        : actionButton('Invalidate', keyLabel(k), () => invalidateOne(k), 'danger')),
  );
}

async function loadKeys() {
  const seq = ++loadSeq;
  const msg = $('apikeys-message');
  const table = $('apikeys-table');
  msg.textContent = 'Loading…';
  table.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await call('POST', '/_security/_query/api_key', queryBody());
  } catch (err) {
    if (seq !== loadSeq) return;
    msg.textContent = '';
    state.rows = [];
    state.selected.clear();
    $('apikeys-body').replaceChildren();
    $('apikeys-page-info').textContent = '';
    updateSelection();
    failed(err, msg, loadKeys);
    return;
  } finally {
    if (seq === loadSeq) table.removeAttribute('aria-busy');
  }
  if (seq !== loadSeq) return;
  const keys = page.api_keys || [];
  state.total = page.total;
  state.rows = keys;
  state.lastSort = keys.length ? keys[keys.length - 1]._sort : null;
  // The selection keeps the keys still on the page and still active.
  const ids = new Set(keys.filter((k) => !k.invalidated).map((k) => k.id));
  for (const id of [...state.selected.keys()]) if (!ids.has(id)) state.selected.delete(id);
  $('apikeys-body').replaceChildren(...keys.map(keyRow));
  if (page.total === 0) {
    if (state.search.trim()) msg.textContent = 'No API key matches this search.';
    else msg.textContent = state.showAll ? 'No API keys yet.' : 'No active API keys.';
  } else {
    msg.textContent = '';
  }
  const first = state.page.index + 1;
  const last = state.page.index + keys.length;
  $('apikeys-page-info').textContent = keys.length === 0 ? '' : `${first}–${last} of ${page.total}`;
  $('apikeys-prev').disabled = state.back.length === 0;
  $('apikeys-next').disabled = last >= page.total || !nextPage();
  for (const th of document.querySelectorAll('#apikeys-table th[data-sort]')) {
    const f = th.dataset.sort;
    th.setAttribute('aria-sort', f === state.sort.field ? (state.sort.order === 'asc' ? 'ascending' : 'descending') : 'none');
  }
  updateSelection();
}

/** The page after the one shown, or null when it cannot be asked for. */
function nextPage() {
  const index = state.page.index + state.size;
  if (!state.page.after && index + state.size <= WINDOW) return { index, from: index, after: null };
  if (!exact(state.lastSort)) return null;
  return { index, from: 0, after: state.lastSort };
}

function firstPage() {
  state.page = { index: 0, from: 0, after: null };
  state.back = [];
}

function updateSelection() {
  const n = state.selected.size;
  $('apikeys-invalidate-selected').disabled = n === 0;
  $('apikeys-invalidate-selected').textContent = n === 0 ? 'Invalidate selected' : `Invalidate selected (${n})`;
  const all = $('apikeys-select-all');
  const selectable = state.rows.filter((k) => !k.invalidated);
  all.checked = selectable.length > 0 && selectable.every((k) => state.selected.has(k.id));
  all.indeterminate = n > 0 && !all.checked;
  all.disabled = selectable.length === 0;
}

// ---- invalidation -----------------------------------------------------

// The invalidate body: owner: true when every key is the caller's own,
// which is what a user with only manage_own_api_key may send.
function invalidateBody(keys) {
  const body = { ids: keys.map((k) => k.id) };
  if (keys.every((k) => k.username === session.me)) body.owner = true;
  return body;
}

/**
 * Invalidates keys in one DELETE and returns the answer with, for the keys
 * it names in neither list, their state now: the server leaves out keys
 * that were invalidated already, like keys it did not find.
 */
async function invalidate(keys) {
  const res = await call('DELETE', '/_security/api_key', invalidateBody(keys));
  const named = new Set([...(res.invalidated_api_keys || []), ...(res.previously_invalidated_api_keys || [])]);
  const missing = keys.filter((k) => !named.has(k.id)).map((k) => k.id);
  let now = [];
  if (missing.length) {
    try {
      const page = await call('POST', '/_security/_query/api_key', { query: { ids: { values: missing } }, size: missing.length });
      now = page.api_keys || [];
    } catch {
      // the states stay unknown: the results say "not found"
    }
  }
  return { res, already: new Set(now.filter((k) => k.invalidated).map((k) => k.id)) };
}

/** The result of each key from an invalidate answer. */
function outcomes(keys, { res, already }) {
  const done = new Set(res.invalidated_api_keys || []);
  const before = new Set([...(res.previously_invalidated_api_keys || []), ...already]);
  const details = (res.error_details || []).map((d) => (d && (d.reason || d.type)) || 'unknown error');
  const used = new Set();
  const out = keys.map((k) => {
    if (done.has(k.id)) return { key: k, ok: true, text: 'invalidated' };
    if (before.has(k.id)) return { key: k, ok: true, text: 'already invalidated' };
    const i = details.findIndex((d) => d.includes(k.id));
    if (i >= 0) {
      used.add(i);
      return { key: k, ok: false, text: 'not invalidated: ' + details[i] };
    }
    return { key: k, ok: false, text: 'not invalidated: not found, or not a key you may invalidate' };
  });
  const others = details.filter((_, i) => !used.has(i));
  return { out, others };
}

function invalidateOne(k) {
  confirmAction('Invalidate API key',
    `Invalidate the API key “${keyLabel(k)}” of ${k.username}? Clients using it will be refused at once. This cannot be undone.`,
    'Invalidate',
    async () => {
      const result = await invalidate([k]);
      const { out, others } = outcomes([k], result);
      if (!out[0].ok) throw new APIError(200, [out[0].text, ...others].join('\n'), result.res);
      showResults([`${keyLabel(k)}: ${out[0].text}`], []);
    },
    loadKeys);
}

function invalidateSelected() {
  const keys = [...state.selected.values()];
  if (keys.length === 0) return;
  let res = null;
  confirmAction('Invalidate API keys',
    `Invalidate ${keys.length} API key${keys.length === 1 ? '' : 's'}: ${keys.map(keyLabel).join(', ')}? ` +
    'Clients using them will be refused at once. This cannot be undone.',
    'Invalidate',
    async () => { res = await invalidate(keys); },
    async () => {
      const { out, others } = outcomes(keys, res);
      showResults(out.map((o) => `${keyLabel(o.key)}: ${o.text}`), others, out.filter((o) => !o.ok).length + others.length);
      state.selected.clear();
      await loadKeys();
    });
}

/** Lists the result of each key of the last invalidation. */
function showResults(lines, others, failures = 0) {
  const box = $('apikeys-results');
  const items = lines.map((l) => el('li', {}, l)).concat(others.map((o) => el('li', { className: 'error' }, o)));
  box.replaceChildren(
    el('p', {}, failures ? `Invalidation: ${failures} error${failures === 1 ? '' : 's'}.` : 'Invalidation done.'),
    el('ul', {}, ...items),
    el('button', { type: 'button', className: 'dismiss', onclick: () => { box.replaceChildren(); box.hidden = true; } }, 'Dismiss'),
  );
  box.hidden = false;
}

// ---- the create dialog ------------------------------------------------

/** The server's reason and, when it adds one, its cause, verbatim. */
function reasonOf(err) {
  const cause = err instanceof APIError && err.body && err.body.error && err.body.error.caused_by;
  if (cause && typeof cause.reason === 'string' && cause.reason !== err.message) return err.message + '\n' + cause.reason;
  return err.message;
}

/** The field a refusal of the server is about, if it names one. */
function fieldOf(text) {
  if (/\bexpiration\b/i.test(text)) return $('apikey-expiration');
  if (/role_descriptors|role descriptor|privilege/i.test(text)) return $('apikey-roles');
  if (/metadata/i.test(text)) return $('apikey-metadata');
  if (/\bname\b/i.test(text)) return $('apikey-name');
  return null;
}

function fieldError(input, text) {
  const e = $(input.id + '-error');
  e.textContent = text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** The JSON object of a text field, or undefined when empty; null when bad (the field says why). */
function jsonField(input, what, verb) {
  const text = input.value.trim();
  if (!text) return undefined;
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    fieldError(input, `${what} ${verb} not valid JSON: ${e.message}`);
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    fieldError(input, `${what} must be a JSON object: {…}.`);
    return null;
  }
  return v;
}

function openCreate() {
  for (const id of ['apikey-name', 'apikey-expiration', 'apikey-roles', 'apikey-metadata']) {
    $(id).value = '';
    fieldError($(id), '');
  }
  $('apikey-error').textContent = '';
  $('apikey-dialog').showModal();
  $('apikey-name').focus();
}

async function onCreate(ev) {
  ev.preventDefault();
  const err = $('apikey-error');
  err.textContent = '';
  for (const id of ['apikey-name', 'apikey-expiration', 'apikey-roles', 'apikey-metadata']) fieldError($(id), '');
  const body = { name: $('apikey-name').value };
  const expiration = $('apikey-expiration').value.trim();
  if (expiration) body.expiration = expiration;
  const roles = jsonField($('apikey-roles'), 'The role descriptors', 'are');
  const metadata = jsonField($('apikey-metadata'), 'The metadata', 'is');
  if (roles === null || metadata === null) {
    (roles === null ? $('apikey-roles') : $('apikey-metadata')).focus();
    return;
  }
  if (roles !== undefined) body.role_descriptors = roles;
  if (metadata !== undefined) body.metadata = metadata;
  $('apikey-save').disabled = true;
  try {
    const created = await call('POST', '/_security/api_key', body);
    $('apikey-dialog').close();
    showSecret(created);
    loadKeys();
  } catch (e) {
    const text = reasonOf(e);
    const input = e instanceof APIError && e.status === 400 ? fieldOf(text) : null;
    if (input) {
      fieldError(input, text);
      input.focus();
    } else {
      failed(e, err, () => $('apikey-form').requestSubmit());
      if (err.textContent === e.message) err.textContent = text;
    }
  } finally {
    $('apikey-save').disabled = false;
  }
}

// ---- the secret, shown once ---------------------------------------------

function showSecret(created) {
  $('apikey-secret-name').textContent = created.name;
  $('apikey-secret-id').textContent = created.id;
  $('apikey-secret').value = created.encoded;
  $('apikey-copy-status').textContent = '';
  $('apikey-secret-dialog').showModal();
  $('apikey-secret').focus();
  $('apikey-secret').select();
}

async function copySecret() {
  const field = $('apikey-secret');
  const status = $('apikey-copy-status');
  try {
    if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error('no clipboard');
    await navigator.clipboard.writeText(field.value);
    status.textContent = 'Copied to the clipboard.';
  } catch {
    field.focus();
    field.select();
    status.textContent = 'The clipboard cannot be reached from this page: the key is selected, press Ctrl+C (⌘C) to copy it.';
  }
}

/** Closing the secret dialog forgets the key: nothing of it stays in the page. */
function forgetSecret() {
  $('apikey-secret').value = '';
  $('apikey-secret-name').textContent = '';
  $('apikey-secret-id').textContent = '';
  $('apikey-copy-status').textContent = '';
  const sel = document.getSelection();
  if (sel) sel.removeAllRanges();
  $('apikeys-create').focus();
}

// ---- building the view --------------------------------------------------

function field(id, label, input, hint) {
  input.id = id;
  const describedBy = [hint ? id + '-hint' : null, id + '-error'].filter((x) => x).join(' ');
  input.setAttribute('aria-describedby', describedBy);
  return [
    el('label', { for: id }, label),
    input,
    hint ? el('p', { id: id + '-hint', className: 'hint' }, hint) : null,
    el('p', { id: id + '-error', className: 'error field-error' }),
  ];
}

function buildView() {
  const sortHeader = (f) => el('th', { scope: 'col', 'data-sort': f, 'aria-sort': 'none' },
    el('button', { type: 'button', 'data-sort': f, onclick: () => sortBy(f) }, SORTS[f]));
  const selectAll = el('input', { type: 'checkbox', id: 'apikeys-select-all', 'aria-label': 'Select every active API key of this page' });
  selectAll.addEventListener('change', () => {
    for (const k of state.rows) {
      if (k.invalidated) continue;
      if (selectAll.checked) state.selected.set(k.id, k);
      else state.selected.delete(k.id);
    }
    for (const b of document.querySelectorAll('#apikeys-body input.apikeys-select:not(:disabled)')) b.checked = selectAll.checked;
    updateSelection();
  });
  const search = el('form', { id: 'apikeys-search-form', role: 'search' },
    el('label', { for: 'apikeys-search' }, 'Search API keys'),
    el('input', { id: 'apikeys-search', type: 'search', placeholder: 'name, owner or id' }),
    el('button', { type: 'submit' }, 'Search'));
  search.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.search = $('apikeys-search').value;
    firstPage();
    loadKeys();
  });
  const showAll = el('input', { type: 'checkbox', id: 'apikeys-show-all' });
  showAll.addEventListener('change', () => {
    state.showAll = showAll.checked;
    firstPage();
    loadKeys();
  });
  const size = el('select', { id: 'apikeys-page-size' },
    ...[10, 25, 50, 100].map((n) => el('option', { value: String(n), selected: n === state.size }, String(n))));
  size.addEventListener('change', () => { state.size = Number(size.value); firstPage(); loadKeys(); });

  $('apikeys-view').replaceChildren(
    el('div', { className: 'toolbar' },
      el('h2', { id: 'apikeys-title' }, 'API keys'),
      search,
      el('div', { className: 'apikeys-toggle' }, showAll,
        el('label', { for: 'apikeys-show-all' }, 'Show invalidated and expired keys')),
      el('button', { type: 'button', id: 'apikeys-invalidate-selected', className: 'danger', disabled: true, onclick: invalidateSelected },
        'Invalidate selected'),
      el('button', { type: 'button', id: 'apikeys-create', className: 'primary', onclick: openCreate }, 'Create API key')),
    el('p', { id: 'apikeys-message', className: 'message', role: 'status', 'aria-live': 'polite' }),
    el('div', { id: 'apikeys-results', className: 'apikeys-results', role: 'status', 'aria-live': 'polite', hidden: true }),
    el('table', { id: 'apikeys-table' },
      el('caption', { className: 'visually-hidden' }, 'API keys'),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col', className: 'select' }, selectAll),
        sortHeader('name'),
        el('th', { scope: 'col' }, 'ID'),
        sortHeader('username'),
        sortHeader('creation'),
        sortHeader('expiration'),
        el('th', { scope: 'col' }, 'Status'),
        sortHeader('type'),
        el('th', { scope: 'col' }, 'Actions'))),
      el('tbody', { id: 'apikeys-body' })),
    el('nav', { className: 'pager', 'aria-label': 'Pages of API keys' },
      el('button', { type: 'button', id: 'apikeys-prev', onclick: prevPage }, 'Previous'),
      el('span', { id: 'apikeys-page-info', 'aria-live': 'polite' }),
      el('button', { type: 'button', id: 'apikeys-next', onclick: goNext }, 'Next'),
      el('label', { for: 'apikeys-page-size' }, 'Rows per page'),
      size),
  );
}

function buildDialogs() {
  const form = el('form', { id: 'apikey-form', method: 'dialog' },
    el('h2', { id: 'apikey-dialog-title' }, 'Create API key'),
    ...field('apikey-name', 'Name', el('input', { required: true, autocomplete: 'off' })),
    ...field('apikey-expiration', 'Expiration', el('input', { autocomplete: 'off', placeholder: 'never' }),
      'A time value such as 30d, 12h or 90m; empty: the key never expires.'),
    ...field('apikey-roles', 'Role descriptors (JSON, optional)',
      el('textarea', { rows: 6, spellcheck: false, placeholder: '{"read-logs": {"indices": [{"names": ["logs-*"], "privileges": ["read"]}]}}' }),
      'Limits the key to these roles, within your own privileges; empty: the key has all your privileges.'),
    ...field('apikey-metadata', 'Metadata (JSON, optional)',
      el('textarea', { rows: 3, spellcheck: false, placeholder: '{"application": "my-app"}' }),
      'Keys may not start with _.'),
    el('p', { id: 'apikey-error', className: 'error', role: 'alert' }),
    el('div', { className: 'buttons' },
      el('button', { type: 'button', id: 'apikey-cancel', onclick: () => $('apikey-dialog').close() }, 'Cancel'),
      el('button', { type: 'submit', id: 'apikey-save', className: 'primary' }, 'Create')));
  form.addEventListener('submit', onCreate);
  const dialog = el('dialog', { id: 'apikey-dialog', className: 'apikey-dialog', 'aria-labelledby': 'apikey-dialog-title' }, form);

  const secret = el('input', { id: 'apikey-secret', readOnly: true, autocomplete: 'off', spellcheck: false, 'aria-describedby': 'apikey-secret-warning' });
  const secretDialog = el('dialog', { id: 'apikey-secret-dialog', className: 'apikey-dialog', 'aria-labelledby': 'apikey-secret-title', 'aria-describedby': 'apikey-secret-warning' },
    el('h2', { id: 'apikey-secret-title' }, 'API key created'),
    el('p', {}, 'Name: ', el('strong', { id: 'apikey-secret-name' }), el('br'), 'ID: ', el('code', { id: 'apikey-secret-id' })),
    el('p', { id: 'apikey-secret-warning', className: 'apikey-warning' },
      'Copy this key now: it will not be shown again. Clients send it as the header Authorization: ApiKey <key>.'),
    el('label', { for: 'apikey-secret' }, 'Encoded API key'),
    el('div', { className: 'apikey-secret-row' }, secret,
      el('button', { type: 'button', id: 'apikey-copy', onclick: copySecret }, 'Copy')),
    el('p', { id: 'apikey-copy-status', className: 'message', role: 'status', 'aria-live': 'polite' }),
    el('div', { className: 'buttons' },
      el('button', { type: 'button', id: 'apikey-secret-close', className: 'primary', onclick: () => { forgetSecret(); secretDialog.close(); } }, 'Done')));
  // Escape fires cancel, at once, then close, later: forget at the first.
  secretDialog.addEventListener('cancel', forgetSecret);
  secretDialog.addEventListener('close', forgetSecret);
  document.body.append(dialog, secretDialog);
}

function sortBy(f) {
  state.sort = { field: f, order: state.sort.field === f && state.sort.order === 'asc' ? 'desc' : 'asc' };
  firstPage();
  loadKeys();
}

function goNext() {
  const next = nextPage();
  if (!next) return;
  state.back.push(state.page);
  state.page = next;
  loadKeys();
}

function prevPage() {
  if (state.back.length === 0) return;
  state.page = state.back.pop();
  loadKeys();
}

// ---- wiring -----------------------------------------------------------

/** Loads the first page afresh (after a login or a return to the view). */
export function show() {
  firstPage();
  state.selected.clear();
  $('apikeys-results').replaceChildren();
  $('apikeys-results').hidden = true;
  return loadKeys();
}

/** Where the keyboard goes when the view opens. */
export function focus() { $('apikeys-search').focus(); }

export function init() {
  buildView();
  buildDialogs();
}
