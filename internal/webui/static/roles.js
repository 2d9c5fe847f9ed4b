// The roles view, built in JavaScript inside <section id="roles-view">:
// the custom (native) roles paged, sorted and searched on the server with
// the query roles API; the built-in roles apart (the query API leaves them
// out, as Elasticsearch's does); how many native users hold each role; and
// one dialog to create, edit, clone or view a role, with its JSON. Every
// text from the server goes in with textContent or DOM APIs, never as HTML.
import { APIError, call } from './api.js';
import { $, actionButton, confirmAction, el, failed, session } from './ui.js';

/** The path of a role, its name encoded. */
export function rolePath(name) {
  return '/_security/role/' + encodeURIComponent(name);
}

const MAX_WINDOW = 10000; // from + size, the query API's limit
const state = { from: 0, size: 25, order: 'asc', search: '', total: 0 };
let builtin = null; // GET /_security/privilege/_builtin: {cluster, index}, once loaded
let reserved = null; // the built-in roles ({name, ...role}), sorted, once loaded
let reservedFor = null; // the user they were loaded for: they do not change while the server runs

/** A comma-separated list, trimmed, without empty items. */
const list = (s) => s.split(',').map((x) => x.trim()).filter((x) => x);
const isReserved = (r) => !!(r.metadata && r.metadata._reserved);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const escapeWildcard = (s) => s.replace(/[\\*?]/g, (c) => '\\' + c);

// ---- the roles tables --------------------------------------------------

/** The query roles body of the current page, search and sort. */
export function queryBody() {
  const body = { from: state.from, size: state.size, sort: [{ name: { order: state.order } }] };
  const q = state.search.trim();
  if (q) {
    body.query = {
      bool: {
        should: [
          { wildcard: { name: { value: '*' + escapeWildcard(q) + '*', case_insensitive: true } } },
          { match: { description: q } },
        ],
        minimum_should_match: 1,
      },
    };
  }
  return body;
}

async function loadRoles() {
  const msg = $('roles-message');
  msg.textContent = 'Loading…';
  $('roles-table').setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await call('POST', '/_security/_query/role', queryBody());
  } catch (err) {
    msg.textContent = '';
    $('roles-body').replaceChildren();
    $('roles-page-info').textContent = '';
    failed(err, msg, loadRoles);
    return;
  } finally {
    $('roles-table').removeAttribute('aria-busy');
  }
  state.total = page.total;
  const counts = [];
  $('roles-body').replaceChildren(...page.roles.map((r) => roleRow(r, counts)));
  if (page.total === 0) {
    msg.textContent = state.search.trim()
      ? 'No custom role matches this search.'
      : 'No custom roles yet: create one with “Create role”.';
  } else {
    msg.textContent = '';
  }
  const last = state.from + page.roles.length;
  $('roles-page-info').textContent = page.total === 0 ? '' : `${state.from + 1}–${last} of ${page.total}`;
  $('roles-prev').disabled = state.from === 0;
  $('roles-next').disabled = last >= page.total || last + state.size > MAX_WINDOW;
  $('roles-sort-th').setAttribute('aria-sort', state.order === 'asc' ? 'ascending' : 'descending');
  fillCounts(counts);
}

async function loadReserved(refresh) {
  const msg = $('reserved-roles-message');
  $('reserved-roles-table').hidden = !$('roles-show-reserved').checked;
  if (!$('roles-show-reserved').checked) {
    $('reserved-roles-body').replaceChildren();
    msg.textContent = '';
    return;
  }
  if (!reserved || refresh) {
    msg.textContent = 'Loading…';
    let all;
    try {
      all = await call('GET', '/_security/role');
    } catch (err) {
      reserved = null;
      reservedFor = null;
      msg.textContent = '';
      $('reserved-roles-body').replaceChildren();
      failed(err, msg, () => loadReserved(true));
      return;
    }
    reserved = Object.entries(all)
      .map(([name, r]) => ({ ...r, name }))
      .filter(isReserved)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    reservedFor = session.me;
  }
  const q = state.search.trim().toLowerCase();
  const shown = reserved.filter((r) => !q || r.name.toLowerCase().includes(q) ||
    (r.description || '').toLowerCase().includes(q));
  const counts = [];
  $('reserved-roles-body').replaceChildren(...shown.map((r) => roleRow(r, counts)));
  if (reserved.length === 0) msg.textContent = 'No built-in roles.';
  else if (shown.length === 0) msg.textContent = 'No built-in role matches this search.';
  else msg.textContent = '';
  fillCounts(counts);
}

function reload() {
  return Promise.all([loadRoles(), loadReserved(false)]);
}

function badge(text, className = '', title = '') {
  return el('span', { className: 'badge ' + className, title }, text);
}

function statusBadges(r) {
  const out = [];
  if (isReserved(r)) out.push(badge('built-in'));
  if (r.metadata && r.metadata._deprecated) {
    out.push(badge('deprecated', 'disabled', r.metadata._deprecated_reason || ''));
  }
  if (r.transient_metadata && r.transient_metadata.enabled === false) out.push(badge('disabled', 'disabled'));
  return out;
}

const SHOWN_INDEX_ENTRIES = 3;

function indexSummary(indices) {
  const out = indices.slice(0, SHOWN_INDEX_ENTRIES).map((ip) => el('div', { className: 'role-index' },
    el('span', { className: 'role-index-names' }, (ip.names || []).join(', ')),
    ': ' + (ip.privileges || []).join(', ') + ' ',
    ip.field_security ? badge('field security', 'role-flag') : null,
    ip.query ? badge('document query', 'role-flag') : null,
    ip.allow_restricted_indices ? badge('restricted indices', 'role-flag') : null));
  if (indices.length > SHOWN_INDEX_ENTRIES) {
    out.push(el('div', { className: 'hint' }, `and ${indices.length - SHOWN_INDEX_ENTRIES} more`));
  }
  return out;
}

/** A role's row; its users cell is added to counts, to be filled later. */
function roleRow(r, counts) {
  const name = r.name;
  const builtIn = isReserved(r);
  const users = el('td', { className: 'role-users' }, '…');
  counts.push([name, users]);
  return el('tr', { 'data-role': name },
    el('th', { scope: 'row' }, name),
    el('td', { className: 'role-description' }, r.description || ''),
    el('td', { className: 'role-cluster' }, ...(r.cluster || []).map((c) => badge(c))),
    el('td', { className: 'role-indices' }, ...indexSummary(r.indices || [])),
    users,
    el('td', { className: 'role-status' }, ...statusBadges(r)),
    el('td', { className: 'actions' },
      builtIn
        ? actionButton('View', name, () => openRoleDialog('view', r))
        : actionButton('Edit', name, () => openRoleDialog('edit', r)),
      actionButton('Clone', name, () => openRoleDialog('clone', r)),
      el('button', { type: 'button', onclick: () => showJSON(r), 'aria-label': `JSON of ${name}` }, 'JSON'),
      builtIn ? null : actionButton('Delete', name, () => confirmDelete(r, users), 'danger')),
  );
}

/**
 * Fills the users cells: one query users call per role (size 0, only the
 * total), a few at a time. A cell no longer in the page is skipped.
 */
function fillCounts(cells) {
  const queue = cells.slice();
  let ended = false;
  const worker = async () => {
    while (queue.length && !ended) {
      const [name, td] = queue.shift();
      if (!td.isConnected) continue;
      try {
        const res = await call('POST', '/_security/_query/user', { query: { term: { roles: name } }, size: 0 });
        td.textContent = String(res.total);
        td.title = `${res.total} native user${res.total === 1 ? '' : 's'} hold${res.total === 1 ? 's' : ''} the role ${name}`;
      } catch (err) {
        td.textContent = '?';
        const reason = document.createElement('span');
        failed(err, reason);
        td.title = reason.textContent || 'the count is unavailable';
        // A 401, a network error or a refusal holds for every role: stop asking.
        if (!reason.textContent || (err instanceof APIError && err.status === 403)) {
          ended = true;
          for (const [, other] of queue.splice(0)) {
            other.textContent = '?';
            other.title = td.title;
          }
        }
      }
    }
  };
  return Promise.all([worker(), worker(), worker(), worker()]);
}

function confirmDelete(r, usersCell) {
  const n = Number(usersCell.textContent);
  const held = Number.isInteger(n) && n > 0
    ? ` ${n} native user${n === 1 ? '' : 's'} hold${n === 1 ? 's' : ''} it and will lose its privileges.`
    : '';
  confirmAction('Delete role', `Delete the role “${r.name}”?${held} This cannot be undone.`, 'Delete',
    () => call('DELETE', rolePath(r.name)), reload);
}

/** A role as GET /_security/role/NAME answers it. */
function asStored(r) {
  const copy = { ...r };
  delete copy.name;
  delete copy._sort;
  return { [r.name]: copy };
}

function showJSON(r) {
  $('role-json-title').textContent = `Role ${r.name} as JSON`;
  $('role-json-view').textContent = JSON.stringify(asStored(r), null, 2);
  $('role-json-dialog').showModal();
  $('role-json-close').focus();
}

// ---- the role dialog ---------------------------------------------------

// The fields of a role the dialog edits; the others (applications,
// remote_indices, remote_cluster…) are sent back as they came.
const EDITED = new Set(['name', '_sort', 'transient_metadata', 'description', 'cluster', 'indices', 'run_as', 'metadata']);

const dialog = {
  mode: 'create', // create, edit, clone or view
  role: null, // the role opened, null when creating
  kept: {}, // its fields the dialog does not edit
  tried: false, // a save was tried: errors then follow the typing
};

/**
 * A labelled control with its hint and its error line, both tied to it
 * with aria-describedby.
 */
function field(id, label, control, hint = '') {
  control.id = id;
  const described = [];
  const parts = [el('label', { for: id }, label), control];
  if (hint) {
    parts.push(el('p', { id: id + '-hint', className: 'hint field-hint' }, hint));
    described.push(id + '-hint');
  }
  parts.push(el('p', { id: id + '-error', className: 'error field-error' }));
  described.push(id + '-error');
  control.setAttribute('aria-describedby', described.join(' '));
  return parts;
}

function textInput(value = '') {
  return el('input', { autocomplete: 'off', spellcheck: false, value });
}

function checkbox(id, label, checked) {
  return el('div', { className: 'role-check' },
    el('input', { type: 'checkbox', id, value: label, checked }),
    el('label', { for: id }, label));
}

function buildDialogs() {
  const d = el('dialog', { id: 'role-dialog', className: 'role-dialog', 'aria-labelledby': 'role-dialog-title' },
    el('form', { id: 'role-form', noValidate: true },
      el('h2', { id: 'role-dialog-title' }, 'Create role'),
      el('p', { id: 'role-readonly', className: 'hint', hidden: true },
        'This role is built in: it can be viewed and cloned, not changed or deleted.'),
      el('fieldset', { id: 'role-fields', className: 'role-fields' },
        el('legend', { className: 'visually-hidden' }, 'The role'),
        ...field('role-name', 'Role name', textInput(),
          '1 to 1024 printable ASCII characters, no space at the start or the end; it cannot be changed later.'),
        ...field('role-description', 'Description', textInput()),
        el('fieldset', { className: 'role-group', 'aria-describedby': 'role-cluster-other-error' },
          el('legend', {}, 'Cluster privileges'),
          el('div', { id: 'role-cluster-filter-box', className: 'role-filter' },
            el('label', { for: 'role-cluster-filter' }, 'Filter the cluster privileges'),
            el('input', { id: 'role-cluster-filter', type: 'search', autocomplete: 'off' })),
          el('div', { id: 'role-cluster-checks', className: 'role-checks role-checks-cluster' }),
          ...field('role-cluster-other', 'Other cluster privileges (comma-separated names or action patterns)', textInput())),
        ...field('role-run-as', 'Run as (usernames, comma-separated)', textInput()),
        el('fieldset', { className: 'role-group' },
          el('legend', {}, 'Index privileges'),
          el('div', { id: 'role-indices' }),
          el('button', { type: 'button', id: 'role-add-index' }, 'Add index privileges')),
        ...field('role-metadata', 'Metadata (a JSON object)', el('textarea', { rows: 3, spellcheck: false }),
          'Keys starting with _ are reserved.'),
      ),
      el('details', { id: 'role-json-details', className: 'role-json' },
        el('summary', {}, 'Request as JSON'),
        el('pre', { id: 'role-json', tabIndex: 0 })),
      el('p', { id: 'role-error', className: 'error', role: 'alert' }),
      el('div', { className: 'buttons' },
        el('button', { type: 'button', id: 'role-cancel' }, 'Cancel'),
        el('button', { type: 'submit', id: 'role-save', className: 'primary' }, 'Create role')),
    ),
  );
  const j = el('dialog', { id: 'role-json-dialog', className: 'role-dialog', 'aria-labelledby': 'role-json-title' },
    el('h2', { id: 'role-json-title' }, 'Role as JSON'),
    el('pre', { id: 'role-json-view', className: 'role-json-view', tabIndex: 0 }),
    el('div', { className: 'buttons' }, el('button', { type: 'button', id: 'role-json-close' }, 'Close')));
  document.body.append(d, j);
  $('role-form').addEventListener('submit', onSave);
  $('role-form').addEventListener('input', onFormChange);
  $('role-form').addEventListener('change', onFormChange);
  $('role-cancel').addEventListener('click', () => d.close());
  $('role-add-index').addEventListener('click', () => {
    const row = indexRow({});
    $('role-indices').append(row);
    renumberRows();
    onFormChange();
    row.querySelector('input').focus();
  });
  $('role-cluster-filter').addEventListener('input', filterCluster);
  $('role-cluster-filter').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') ev.preventDefault(); });
  $('role-json-close').addEventListener('click', () => j.close());
}

function filterCluster() {
  const f = $('role-cluster-filter').value.trim().toLowerCase();
  for (const c of $('role-cluster-checks').children) {
    const box = c.querySelector('input');
    c.hidden = !(box.checked || box.value.includes(f));
  }
}

let rowSeq = 0;

/** One index privileges entry: a fieldset of its own. */
function indexRow(ip) {
  const k = ++rowSeq;
  const p = `role-ix-${k}`;
  const known = builtin ? builtin.index : [];
  const privileges = ip.privileges || [];
  const fls = ip.field_security || {};
  let query = '';
  if (typeof ip.query === 'string') {
    try { query = JSON.stringify(JSON.parse(ip.query), null, 2); } catch { query = ip.query; }
  } else if (ip.query !== undefined && ip.query !== null) {
    query = JSON.stringify(ip.query, null, 2);
  }
  const row = el('fieldset', { className: 'role-index-row', 'data-row': String(k) },
    el('legend', {}, 'Index privileges'),
    ...field(`${p}-names`, 'Indices (comma-separated names or patterns)', textInput((ip.names || []).join(', '))),
    known.length ? el('p', { id: `${p}-checks-label`, className: 'role-group-label' }, 'Privileges') : null,
    known.length
      ? el('div', { className: 'role-checks role-checks-index', role: 'group', 'aria-labelledby': `${p}-checks-label`, 'aria-describedby': `${p}-privs-error` },
        ...known.map((name) => checkbox(`${p}-p-${name}`, name, privileges.includes(name))))
      : null,
    ...field(`${p}-privs`, known.length ? 'Other privileges (comma-separated names or action patterns)' : 'Privileges (comma-separated)',
      textInput(privileges.filter((x) => !known.includes(x)).join(', '))),
    el('div', { className: 'role-fls' },
      el('div', {}, ...field(`${p}-grant`, 'Granted fields (comma-separated; empty: every field)', textInput((fls.grant || []).join(', ')))),
      el('div', {}, ...field(`${p}-except`, 'Denied fields (comma-separated)', textInput((fls.except || []).join(', '))))),
    ...field(`${p}-query`, 'Document query (JSON; empty: every document)', el('textarea', { rows: 4, spellcheck: false, value: query }),
      'A query in Elasticsearch’s query DSL, for example {"term": {"team": "blue"}}.'),
    checkbox(`${p}-restricted`, 'Allow restricted indices (such as .security)', !!ip.allow_restricted_indices),
    el('button', { type: 'button', className: 'role-remove-index', onclick: () => removeRow(row) }, 'Remove'),
  );
  return row;
}

function removeRow(row) {
  const next = row.nextElementSibling || row.previousElementSibling;
  row.remove();
  renumberRows();
  onFormChange();
  (next ? next.querySelector('input') : $('role-add-index')).focus();
}

function renumberRows() {
  let i = 0;
  for (const row of $('role-indices').children) {
    i++;
    row.querySelector('legend').textContent = `Index privileges ${i}`;
    row.querySelector('.role-remove-index').setAttribute('aria-label', `Remove index privileges ${i}`);
  }
}

async function loadBuiltin() {
  if (builtin) return;
  try {
    const b = await call('GET', '/_security/privilege/_builtin');
    builtin = { cluster: b.cluster || [], index: b.index || [] };
  } catch {
    // Not available: the privileges are typed instead of ticked.
  }
}

/** Opens the dialog to create (r null), edit, clone or view a role. */
async function openRoleDialog(mode, r) {
  if ($('role-dialog').open) return;
  await loadBuiltin();
  const role = r || {};
  dialog.mode = mode;
  dialog.role = r;
  dialog.tried = false;
  dialog.kept = {};
  for (const [k, v] of Object.entries(role)) if (!EDITED.has(k)) dialog.kept[k] = v;
  const view = mode === 'view';
  $('role-dialog-title').textContent = {
    create: 'Create role',
    edit: `Edit role ${role.name}`,
    clone: `Clone role ${role.name}`,
    view: `Viewing role ${role.name}`,
  }[mode];
  $('role-readonly').hidden = !view;
  $('role-fields').disabled = view;
  $('role-save').hidden = view;
  $('role-save').textContent = mode === 'edit' ? 'Save changes' : 'Create role';
  $('role-cancel').textContent = view ? 'Close' : 'Cancel';
  $('role-error').textContent = '';

  $('role-name').value = mode === 'edit' || mode === 'view' ? role.name : '';
  $('role-name').readOnly = mode === 'edit';
  $('role-description').value = role.description || '';
  const cluster = role.cluster || [];
  const known = builtin ? builtin.cluster : [];
  $('role-cluster-filter').value = '';
  $('role-cluster-filter-box').hidden = known.length === 0 || view;
  $('role-cluster-checks').hidden = known.length === 0;
  $('role-cluster-checks').replaceChildren(...known.map((c) => checkbox('role-cluster-p-' + c, c, cluster.includes(c))));
  if (view) for (const c of $('role-cluster-checks').children) c.hidden = !c.querySelector('input').checked;
  $('role-cluster-other').value = cluster.filter((c) => !known.includes(c)).join(', ');
  document.querySelector('label[for="role-cluster-other"]').textContent = known.length
    ? 'Other cluster privileges (comma-separated names or action patterns)'
    : 'Cluster privileges (comma-separated)';
  $('role-run-as').value = (role.run_as || []).join(', ');
  $('role-indices').replaceChildren(...(role.indices || []).map(indexRow));
  if (view) {
    for (const row of $('role-indices').children) {
      for (const c of row.querySelectorAll('.role-checks .role-check')) c.hidden = !c.querySelector('input').checked;
    }
  }
  renumberRows();
  let metadata = { ...(role.metadata || {}) };
  if (mode === 'clone') {
    metadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('_')));
  }
  $('role-metadata').value = Object.keys(metadata).length ? JSON.stringify(metadata, null, 2) : '';
  $('role-json-details').open = view;
  $('role-json-details').querySelector('summary').textContent = view ? 'Role as JSON' : 'Request as JSON';
  showErrors([]);
  onFormChange();
  $('role-dialog').showModal();
  if (view) $('role-cancel').focus();
  else if (mode === 'edit') $('role-description').focus();
  else $('role-name').focus();
}

/** The error lines of the dialog's fields, by control id. */
function fieldErrorIds() {
  return [...$('role-form').querySelectorAll('.field-error')].map((p) => p.id.slice(0, -'-error'.length));
}

/** Writes errors ([controlId, text] pairs) and clears the others. */
function showErrors(errors) {
  const byId = new Map(errors);
  for (const id of fieldErrorIds()) {
    const control = $(id);
    const text = byId.get(id) || '';
    $(id + '-error').textContent = text;
    if (text) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
}

/** Parses a JSON text field; returns [value, error]. */
function parseJSONObject(text, what, example) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return [undefined, `${what} is not valid JSON: ${e.message}`];
  }
  if (!isObject(v)) return [undefined, `${what} must be a JSON object, such as ${example}.`];
  return [v, ''];
}

function readIndexRow(row, errors) {
  const p = 'role-ix-' + row.dataset.row;
  const names = list($(p + '-names').value);
  const ticked = [...row.querySelectorAll('.role-checks input:checked')].map((c) => c.value);
  const privileges = ticked.concat(list($(p + '-privs').value).filter((x) => !ticked.includes(x)));
  const grant = list($(p + '-grant').value);
  const except = list($(p + '-except').value);
  const queryText = $(p + '-query').value.trim();
  const restricted = $(p + '-restricted').checked;
  if (!names.length && !privileges.length && !grant.length && !except.length && !queryText && !restricted) {
    return null; // an empty entry is left out
  }
  if (!names.length) errors.push([p + '-names', 'Enter at least one index name or pattern.']);
  if (!privileges.length) errors.push([p + '-privs', 'Choose or enter at least one privilege.']);
  const ip = { names, privileges };
  if (grant.length || except.length) {
    if (!grant.length) errors.push([p + '-grant', 'Denied fields need granted fields too (for example *).']);
    ip.field_security = { grant };
    if (except.length) ip.field_security.except = except;
  }
  if (queryText) {
    const [q, err] = parseJSONObject(queryText, 'The document query', '{"match_all": {}}');
    if (err) {
      errors.push([p + '-query', err]);
      ip.query = queryText;
    } else {
      ip.query = q;
    }
  }
  ip.allow_restricted_indices = restricted;
  return ip;
}

/** The role the form describes: {name, body, errors}. */
function readForm() {
  const errors = [];
  const name = $('role-name').value;
  if (!name) errors.push(['role-name', 'Enter a role name.']);
  else if (name !== name.trim()) errors.push(['role-name', 'A role name cannot start or end with a space.']);
  const body = {};
  const description = $('role-description').value.trim();
  if (description) body.description = description;
  const ticked = [...$('role-cluster-checks').querySelectorAll('input:checked')].map((c) => c.value);
  body.cluster = ticked.concat(list($('role-cluster-other').value).filter((x) => !ticked.includes(x)));
  body.indices = [...$('role-indices').children].map((row) => readIndexRow(row, errors)).filter((ip) => ip);
  Object.assign(body, dialog.kept);
  body.run_as = list($('role-run-as').value);
  const metaText = $('role-metadata').value.trim();
  body.metadata = {};
  if (metaText) {
    const [m, err] = parseJSONObject(metaText, 'The metadata', '{"team": "blue"}');
    if (err) errors.push(['role-metadata', err]);
    else body.metadata = m;
  }
  return { name, body, errors };
}

/** Keeps the JSON up to date, and the errors once a save was tried. */
function onFormChange() {
  if (dialog.mode === 'view') {
    $('role-json').textContent = JSON.stringify(asStored(dialog.role), null, 2);
    return;
  }
  const { name, body, errors } = readForm();
  let text = `PUT ${rolePath(name || '{name}')}\n${JSON.stringify(body, null, 2)}`;
  if (errors.length) text = `// Not ready: ${errors[0][1]}\n` + text;
  $('role-json').textContent = text;
  if (dialog.tried) showErrors(errors);
}

async function onSave(ev) {
  ev.preventDefault();
  if (dialog.mode === 'view') return;
  dialog.tried = true;
  const err = $('role-error');
  err.textContent = '';
  const { name, body, errors } = readForm();
  showErrors(errors);
  if (errors.length) {
    err.textContent = errors.length === 1
      ? 'One field needs correcting: ' + errors[0][1]
      : `${errors.length} fields need correcting; the first: ${errors[0][1]}`;
    $(errors[0][0]).focus();
    return;
  }
  $('role-save').disabled = true;
  try {
    if (dialog.mode !== 'edit' && await exists(name)) {
      showErrors([['role-name', `A role named ${name} already exists.`]]);
      err.textContent = `A role named ${name} already exists: choose another name, or edit that role.`;
      $('role-name').focus();
      return;
    }
    await call('PUT', rolePath(name), body);
    $('role-dialog').close();
    await reload();
  } catch (e) {
    failed(e, err, () => $('role-form').requestSubmit());
  } finally {
    $('role-save').disabled = false;
  }
}

/** Whether a role of that name exists (false when the check fails). */
async function exists(name) {
  try {
    const found = await call('GET', rolePath(name));
    return !!found && Object.prototype.hasOwnProperty.call(found, name);
  } catch {
    return false; // a 404, or no right to look: the save will tell
  }
}

// ---- wiring -------------------------------------------------------------

function buildView() {
  const pageSize = el('select', { id: 'roles-page-size' },
    ...[10, 25, 50, 100].map((n) => el('option', { value: String(n), selected: n === state.size }, String(n))));
  $('roles-view').replaceChildren(
    el('div', { className: 'toolbar' },
      el('h2', { id: 'roles-title' }, 'Roles'),
      el('form', { id: 'roles-search-form', role: 'search' },
        el('label', { for: 'roles-search' }, 'Search roles'),
        el('input', { id: 'roles-search', type: 'search', placeholder: 'name or description', autocomplete: 'off' }),
        el('button', { type: 'submit' }, 'Search')),
      el('button', { type: 'button', id: 'create-role', className: 'primary' }, 'Create role')),
    el('p', { id: 'roles-message', className: 'message', role: 'status', 'aria-live': 'polite' }),
    el('table', { id: 'roles-table', className: 'roles-table' },
      el('caption', { className: 'visually-hidden' }, 'Custom roles'),
      tableHead(true),
      el('tbody', { id: 'roles-body' })),
    el('nav', { className: 'pager', 'aria-label': 'Pages of roles' },
      el('button', { type: 'button', id: 'roles-prev' }, 'Previous'),
      el('span', { id: 'roles-page-info', 'aria-live': 'polite' }),
      el('button', { type: 'button', id: 'roles-next' }, 'Next'),
      el('label', { for: 'roles-page-size' }, 'Rows per page'),
      pageSize),
    el('div', { className: 'roles-reserved-head' },
      el('h2', { id: 'reserved-roles-title' }, 'Built-in roles'),
      el('div', { className: 'role-check' },
        el('input', { type: 'checkbox', id: 'roles-show-reserved', checked: true }),
        el('label', { for: 'roles-show-reserved' }, 'Show built-in roles'))),
    el('p', { className: 'hint' }, 'Reserved by esauth: they can be viewed and cloned, not changed or deleted. ' +
      'Native users counts only users of the native realm, not the built-in users.'),
    el('p', { id: 'reserved-roles-message', className: 'message', role: 'status' }),
    el('table', { id: 'reserved-roles-table', className: 'roles-table', 'aria-labelledby': 'reserved-roles-title' },
      tableHead(false),
      el('tbody', { id: 'reserved-roles-body' })),
  );
}

function tableHead(sortable) {
  const name = sortable
    ? el('th', { scope: 'col', id: 'roles-sort-th', 'aria-sort': 'ascending' },
      el('button', { type: 'button', id: 'roles-sort' }, 'Role'))
    : el('th', { scope: 'col' }, 'Role');
  return el('thead', {}, el('tr', {}, name,
    ...['Description', 'Cluster privileges', 'Index privileges', 'Native users', 'Status', 'Actions']
      .map((h) => el('th', { scope: 'col' }, h))));
}

/** Shows the view's data afresh (after a login or a return to the view). */
export function show() {
  state.from = 0;
  // GET /_security/role answers every role, the custom ones too: the
  // built-in ones are fetched once per signed-in user.
  return Promise.all([loadRoles(), loadReserved(reservedFor !== session.me), loadBuiltin()]);
}

/** Where the keyboard goes when the view opens. */
export function focus() { $('roles-search').focus(); }

export function init() {
  buildView();
  buildDialogs();
  $('roles-search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.search = $('roles-search').value;
    state.from = 0;
    reload();
  });
  $('create-role').addEventListener('click', () => openRoleDialog('create', null));
  $('roles-prev').addEventListener('click', () => { state.from = Math.max(0, state.from - state.size); loadRoles(); });
  $('roles-next').addEventListener('click', () => { state.from += state.size; loadRoles(); });
  $('roles-page-size').addEventListener('change', () => {
    state.size = Number($('roles-page-size').value);
    state.from = 0;
    loadRoles();
  });
  $('roles-sort').addEventListener('click', () => {
    state.order = state.order === 'asc' ? 'desc' : 'asc';
    state.from = 0;
    loadRoles();
  });
  $('roles-show-reserved').addEventListener('change', () => loadReserved(false));
}
