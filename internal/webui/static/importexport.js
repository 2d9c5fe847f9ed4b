// Import and export of native users. Import reads CSV or htpasswd in the
// browser, previews it with each row's problems, checks which users exist
// (dry run) and creates or overwrites them with a few PUTs in flight;
// export downloads every user matching the current search as CSV or JSON.
// Passwords and hashes are only ever sent in the PUT bodies: they are never
// shown, logged or kept once the dialog closes.
import { APIError, NetworkError, call, userPath } from './api.js';
import { $, el, failed, session } from './ui.js';
import { queryBody, show as showUsers } from './users.js';

/** Tunables; tests shrink pageSize and window to reach search_after. */
export const limits = {
  preview: 50, // rows shown before the import
  previewProblems: 100, // rows with problems shown after those
  results: 2000, // rows listed in the result table
  concurrency: 4, // PUTs in flight
  pageSize: 1000, // users per query page when exporting
  window: 10000, // from + size cap of the query API (index.max_result_window)
  urlBudget: 3000, // bytes of names per GET (http.max_initial_line_length is 4 KB)
  fileBytes: 64 << 20, // the largest file read
};

/** Separates the roles inside the CSV roles field. */
export const ROLE_SEPARATOR = '|';

const COLUMNS = ['username', 'password', 'password_hash', 'roles', 'full_name', 'email', 'enabled'];
const MAX_NAME = 507;

// ---- parsing ----------------------------------------------------------

/**
 * Splits text into RFC 4180 records: [{line, fields, error}], line being
 * where the record starts. Lines end in CRLF, LF or CR; a quoted field may
 * hold any of them, and "" stands for a quote. Blank lines are skipped.
 */
export function csvRecords(text) {
  const records = [];
  let fields = [];
  let field = '';
  let error = '';
  let line = 1;
  let start = 1;
  let state = 'start'; // start of a field | plain | quoted | quote (a quote seen inside a quoted field)
  let quotedFrom = 0;
  const endField = () => { fields.push(field); field = ''; state = 'start'; };
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !error)) records.push({ line: start, fields, error });
    fields = [];
    field = '';
    error = '';
    state = 'start';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const newline = c === '\n' || c === '\r';
    if (newline && c === '\r' && text[i + 1] === '\n') i++;
    if (state === 'quoted') {
      if (c === '"') state = 'quote';
      else {
        field += newline && c === '\r' && text[i] === '\n' ? '\r\n' : c;
        if (newline) line++;
      }
      continue;
    }
    if (state === 'quote' && c === '"') { field += '"'; state = 'quoted'; continue; }
    if (c === ',') { endField(); continue; }
    if (newline) { line++; endRecord(); start = line; continue; }
    if (state === 'start' && c === '"') { state = 'quoted'; quotedFrom = line; continue; }
    if (!error) {
      if (state === 'quote') error = 'text after the closing quote of a field: quote the whole field';
      else if (c === '"') error = 'a quote inside an unquoted field: quote the whole field and double the quotes inside';
    }
    field += c;
    state = 'plain';
  }
  if (state === 'quoted') {
    error = `a quoted field opened on line ${quotedFrom} is never closed: the rest of the file is in it`;
  }
  if (!(state === 'start' && fields.length === 0 && field === '')) endRecord();
  return records;
}

/** Why a user or role name is refused (Elasticsearch's rules), or ''. */
export function nameProblem(name, kind = 'username') {
  if (name.length === 0) return `the ${kind} is empty`;
  if (name.length > MAX_NAME) return `the ${kind} is longer than ${MAX_NAME} characters (${name.length})`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      return `the ${kind} has a character outside printable ASCII (U+${c.toString(16).toUpperCase().padStart(4, '0')} at position ${i + 1})`;
    }
  }
  if (name[0] === ' ' || name[name.length - 1] === ' ') return `the ${kind} starts or ends with a space`;
  if (kind === 'username' && (name === '.' || name === '..')) {
    return `“${name}” cannot be used in a URL by a browser: create this user with another client`;
  }
  return '';
}

const REFUSED = 'esauth, like Elasticsearch, accepts only bcrypt ($2a$, $2b$, $2y$) and PBKDF2 hashes: ' +
  're-hash it (htpasswd -B) or give a password';

/**
 * Why a password_hash is refused before sending it, or '' when the server
 * may take it (bcrypt or Elasticsearch's PBKDF2 formats: the server checks
 * the cost and the length, and its message is reported as it is).
 */
export function hashProblem(h) {
  if (/^\$2[aby]\$/.test(h)) return '';
  if (/^\{PBKDF2(_STRETCH)?\}/.test(h)) return '';
  if (h.startsWith('{SHA}')) return '{SHA} (unsalted SHA-1) hashes are refused: ' + REFUSED;
  if (h.startsWith('$apr1$')) return 'Apache MD5 ($apr1$) hashes are refused: ' + REFUSED;
  if (/^\$2[a-z]?\$/.test(h)) return 'this bcrypt variant is refused: ' + REFUSED;
  const crypt = { 1: 'MD5', 5: 'SHA-256', 6: 'SHA-512' }[(/^\$([156])\$/.exec(h) || [])[1]];
  if (crypt) return `crypt ${crypt} hashes are refused: ` + REFUSED;
  const scheme = /^\{([A-Za-z0-9_-]+)\}/.exec(h);
  if (scheme) return `{${scheme[1]}} hashes are refused: ` + REFUSED;
  if (/^[./0-9A-Za-z]{13}$/.test(h)) return 'a DES crypt hash (or a plain-text password) is refused: ' + REFUSED;
  return 'not a bcrypt or PBKDF2 hash (plain text or an unknown scheme), refused: ' + REFUSED;
}

/** "csv" or "htpasswd", from the first line neither blank nor a # comment. */
export function detectFormat(text) {
  const first = stripBOM(text).split(/\r\n|\n|\r/).find((l) => l.trim() !== '' && !l.startsWith('#')) || '';
  const cols = first.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  if (cols.includes('username')) return 'csv';
  return /^[^:,]+:/.test(first) ? 'htpasswd' : 'csv';
}

function stripBOM(text) { return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; }

/** Splits a roles field (CSV: "|"; the htpasswd roles input: ","). */
function splitRoles(s, sep) { return s.split(sep).map((r) => r.trim()).filter((r) => r); }

function roleProblems(roles) {
  const out = [];
  for (const r of roles) {
    const p = nameProblem(r, 'role name');
    if (p) out.push(`${p} (“${r}”)`);
  }
  return out;
}

/**
 * Parses an import: {format, rows, fileErrors}. A row is {line, username,
 * password | passwordHash, roles, fullName, email, enabled, errors}; a
 * field left undefined is a column the file does not have. htpasswdRoles
 * (comma-separated) are the roles of htpasswd users.
 */
export function parseImport(text, format = 'auto', htpasswdRoles = '') {
  text = stripBOM(text);
  if (format === 'auto') format = detectFormat(text);
  const out = format === 'htpasswd' ? parseHtpasswd(text, htpasswdRoles) : parseCSV(text);
  markDuplicates(out.rows);
  if (session.me) {
    for (const r of out.rows) {
      if (r.username === session.me) r.errors.push('this is the signed-in user: change your own account from the users list, not by an import');
    }
  }
  if (out.rows.length === 0 && out.fileErrors.length === 0) out.fileErrors.push('There are no users in it.');
  return out;
}

function parseCSV(text) {
  const records = csvRecords(text);
  const fileErrors = [];
  if (records.length === 0) return { format: 'csv', rows: [], fileErrors };
  const head = records[0];
  const cols = head.fields.map((h) => h.trim().toLowerCase());
  if (head.error) fileErrors.push(`The header (line ${head.line}): ${head.error}.`);
  const unknown = cols.filter((c) => !COLUMNS.includes(c));
  if (unknown.length) {
    fileErrors.push(`Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `“${c}”`).join(', ')}: ` +
      'the columns are username, password or password_hash, roles, full_name, email and enabled.');
  }
  const twice = cols.filter((c, i) => cols.indexOf(c) !== i);
  if (twice.length) fileErrors.push(`The header names ${[...new Set(twice)].map((c) => `“${c}”`).join(', ')} twice.`);
  if (!cols.includes('username')) fileErrors.push('The header has no username column.');
  if (!cols.includes('password') && !cols.includes('password_hash')) {
    fileErrors.push('The header has neither a password nor a password_hash column.');
  }
  const at = (name) => cols.indexOf(name);
  const rows = records.slice(1).map((rec) => {
    const f = rec.fields;
    const get = (name) => (at(name) >= 0 && at(name) < f.length ? f[at(name)] : undefined);
    const row = { line: rec.line, username: get('username') ?? '', errors: [] };
    if (rec.error) row.errors.push(rec.error);
    if (f.length !== cols.length) {
      row.errors.push(`${f.length} value${f.length === 1 ? '' : 's'} where the header has ${cols.length} columns`);
    }
    const p = nameProblem(row.username);
    if (p) row.errors.push(p);
    const password = get('password') ?? '';
    const hash = get('password_hash') ?? '';
    if (password !== '' && hash !== '') row.errors.push('both a password and a password_hash: give one');
    else if (password !== '') row.password = password;
    else if (hash !== '') {
      row.passwordHash = hash.trim();
      const hp = hashProblem(row.passwordHash);
      if (hp) row.errors.push(hp);
    } else row.errors.push('no password: give a password or a password_hash');
    if (at('roles') >= 0) {
      row.roles = splitRoles(get('roles') ?? '', ROLE_SEPARATOR);
      row.errors.push(...roleProblems(row.roles));
    }
    if (at('full_name') >= 0) row.fullName = get('full_name') || null;
    if (at('email') >= 0) row.email = get('email') || null;
    if (at('enabled') >= 0) {
      const e = (get('enabled') ?? '').trim().toLowerCase();
      if (e === '' || e === 'true') row.enabled = true;
      else if (e === 'false') row.enabled = false;
      else row.errors.push('enabled must be true or false (or empty, for true)');
    }
    return row;
  });
  return { format: 'csv', rows, fileErrors };
}

function parseHtpasswd(text, htpasswdRoles) {
  const roles = splitRoles(htpasswdRoles, ',');
  const fileErrors = roleProblems(roles).map((p) => `Roles for htpasswd users: ${p}.`);
  const rows = [];
  text.split(/\r\n|\n|\r/).forEach((l, i) => {
    if (l.trim() === '' || l.startsWith('#')) return;
    const row = { line: i + 1, username: '', roles, errors: [] };
    const colon = l.indexOf(':');
    if (colon < 0) {
      // Nothing of the line is shown: it may be a password.
      row.errors.push('no “:” between the name and the hash');
    } else {
      row.username = l.slice(0, colon);
      row.passwordHash = l.slice(colon + 1).trim();
      const p = nameProblem(row.username);
      if (p) row.errors.push(p);
      const hp = row.passwordHash === '' ? 'no hash after the “:”' : hashProblem(row.passwordHash);
      if (hp) row.errors.push(hp);
    }
    rows.push(row);
  });
  return { format: 'htpasswd', rows, fileErrors };
}

function markDuplicates(rows) {
  const lines = new Map();
  for (const r of rows) {
    if (r.username === '') continue;
    if (!lines.has(r.username)) lines.set(r.username, []);
    lines.get(r.username).push(r.line);
  }
  for (const r of rows) {
    const at = lines.get(r.username);
    if (!at || at.length < 2) continue;
    const others = at.filter((l) => l !== r.line);
    r.errors.push(`the same username is on line${others.length > 1 ? 's' : ''} ${others.join(', ')}`);
  }
}

// ---- talking to the server -------------------------------------------

/**
 * The users among names that exist (native or built-in), as a Map of their
 * GET answers: GET /_security/user/a,b,… in chunks that fit a request line;
 * a name with a comma cannot go in that list and is looked up with the
 * query users API.
 */
export async function existingUsers(names) {
  const found = new Map();
  let chunk = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const list = chunk;
    chunk = [];
    bytes = 0;
    let res;
    try {
      res = await call('GET', '/_security/user/' + list.map(encodeURIComponent).join(','));
    } catch (err) {
      if (err instanceof APIError && err.status === 404) return; // none of them
      throw err;
    }
    for (const n of list) {
      const u = res && Object.hasOwn(res, n) ? res[n] : null;
      if (u && u.username === n) found.set(n, u);
    }
  };
  for (const n of names.filter((x) => !x.includes(','))) {
    const b = encodeURIComponent(n).length + 1;
    if (bytes + b > limits.urlBudget) await flush();
    chunk.push(n);
    bytes += b;
  }
  await flush();
  const commas = names.filter((x) => x.includes(','));
  for (let i = 0; i < commas.length; i += 1000) {
    const part = commas.slice(i, i + 1000);
    const res = await call('POST', '/_security/_query/user', { query: { terms: { username: part } }, size: part.length });
    for (const u of res.users) found.set(u.username, u);
  }
  return found;
}

/**
 * The PUT body of a row. Overwriting replaces the password and the
 * columns the file has; the user's metadata and the columns the file lacks
 * keep their values.
 */
function putBody(row, current) {
  const body = {};
  if (row.password !== undefined) body.password = row.password;
  else body.password_hash = row.passwordHash;
  body.roles = row.roles ?? (current ? current.roles || [] : []);
  const keep = (v, k) => (v !== undefined ? v : current ? current[k] ?? null : null);
  body.full_name = keep(row.fullName, 'full_name');
  body.email = keep(row.email, 'email');
  body.enabled = row.enabled ?? (current ? current.enabled !== false : true);
  if (current && current.metadata) {
    // Keys starting with "_" are the server's (built-in users'): not ours to send.
    body.metadata = Object.fromEntries(Object.entries(current.metadata).filter(([k]) => !k.startsWith('_')));
  }
  return body;
}

/** The message of a failed call for a result row, the server's verbatim. */
function messageOf(err) {
  if (err instanceof APIError) return (err.status === 403 ? 'Not allowed: ' : '') + err.message;
  if (err instanceof NetworkError) return err.message;
  return String(err && err.message ? err.message : err);
}

// ---- the import dialog ------------------------------------------------

const imp = {
  text: '', // the source: the file's or the pasted text
  parsed: null, // parseImport's answer
  busy: false,
  stop: false,
  timer: 0,
};

function radio(name, value, label, checked) {
  const id = `${name}-${value}`;
  return el('span', { className: 'choice' },
    el('input', { type: 'radio', name, id, value, checked }),
    el('label', { for: id }, label));
}

function buildImportDialog() {
  const d = el('dialog', { id: 'import-dialog', className: 'importexport', 'aria-labelledby': 'import-title' },
    el('h2', { id: 'import-title' }, 'Import users'),
    el('p', { className: 'hint', id: 'import-hint' },
      'CSV: a header naming the columns — username, password or password_hash, and any of roles, full_name, email, enabled — ' +
      'then one user per line. Quote a field holding commas, quotes or line breaks and double its quotes (RFC 4180). ' +
      `Separate roles with “${ROLE_SEPARATOR}”, e.g. viewer${ROLE_SEPARATOR}editor. enabled is true or false (empty: true). ` +
      'htpasswd: name:hash lines; bcrypt hashes ($2a$, $2b$, $2y$) become password_hash; ' +
      '{SHA}, $apr1$, crypt and plain-text lines are refused. Nothing is sent until you choose Dry run or Import.'),
    el('div', { className: 'import-source' },
      el('div', {},
        el('label', { for: 'import-file' }, 'File'),
        el('input', { type: 'file', id: 'import-file', accept: '.csv,.txt,.htpasswd,text/csv,text/plain' })),
      el('div', {},
        el('label', { for: 'import-format' }, 'Format'),
        el('select', { id: 'import-format' },
          el('option', { value: 'auto' }, 'Detect'),
          el('option', { value: 'csv' }, 'CSV'),
          el('option', { value: 'htpasswd' }, 'htpasswd'))),
      el('div', {},
        el('label', { for: 'import-htpasswd-roles' }, 'Roles of htpasswd users (comma-separated)'),
        el('input', { id: 'import-htpasswd-roles', autocomplete: 'off' }))),
    el('label', { for: 'import-text' }, 'Or paste the file'),
    el('textarea', { id: 'import-text', rows: 6, spellcheck: false, autocomplete: 'off', 'aria-describedby': 'import-hint' }),
    el('fieldset', { className: 'import-policy' },
      el('legend', {}, 'Users that already exist'),
      radio('import-existing', 'skip', 'Skip them', true),
      radio('import-existing', 'overwrite', 'Overwrite them (password and the file’s columns; metadata and absent columns are kept)', false)),
    el('p', { id: 'import-summary', className: 'message', role: 'status', 'aria-live': 'polite' }),
    el('ul', { id: 'import-file-errors', className: 'error' }),
    el('div', { className: 'import-table' },
      el('table', { id: 'import-preview', hidden: true },
        el('caption', {}, 'Preview'),
        el('thead', {}, el('tr', {}, ...['Line', 'Username', 'Password', 'Roles', 'Full name', 'Email', 'Enabled', 'Problems']
          .map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', { id: 'import-preview-body' }))),
    el('p', { id: 'import-preview-note', className: 'hint' }),
    el('label', { for: 'import-progress', id: 'import-progress-label', hidden: true }, 'Progress'),
    el('progress', { id: 'import-progress', max: 1, value: 0, hidden: true }),
    el('p', { id: 'import-error', className: 'error', role: 'alert' }),
    el('div', { className: 'import-table' },
      el('table', { id: 'import-results', hidden: true },
        el('caption', { id: 'import-results-caption' }, 'Results'),
        el('thead', {}, el('tr', {}, ...['Line', 'Username', 'Result', 'Message'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', { id: 'import-results-body' }))),
    el('div', { className: 'buttons' },
      el('button', { type: 'button', id: 'import-stop', hidden: true }, 'Stop'),
      el('button', { type: 'button', id: 'import-close' }, 'Close'),
      el('button', { type: 'button', id: 'import-dry-run', disabled: true }, 'Dry run'),
      el('button', { type: 'button', id: 'import-run', className: 'primary', disabled: true }, 'Import')),
  );
  document.body.append(d);

  $('import-file').addEventListener('change', onFile);
  $('import-text').addEventListener('input', () => {
    $('import-file').value = '';
    clearTimeout(imp.timer);
    imp.timer = setTimeout(() => { imp.text = $('import-text').value; reparse(); }, 250);
  });
  $('import-format').addEventListener('change', reparse);
  $('import-htpasswd-roles').addEventListener('input', reparse);
  // The close event comes a task later: drop the file at once too.
  $('import-close').addEventListener('click', () => { forgetImport(); d.close(); });
  $('import-stop').addEventListener('click', () => { imp.stop = true; $('import-stop').disabled = true; });
  $('import-dry-run').addEventListener('click', () => run(true));
  $('import-run').addEventListener('click', () => run(false));
  d.addEventListener('cancel', (ev) => { if (imp.busy) ev.preventDefault(); });
  d.addEventListener('close', forgetImport);
}

function openImport() {
  forgetImport();
  $('import-dialog').showModal();
  $('import-file').focus();
}

/** Drops the file, the pasted text and everything parsed from them. */
function forgetImport() {
  imp.stop = true;
  clearTimeout(imp.timer);
  imp.text = '';
  imp.parsed = null;
  $('import-text').value = '';
  $('import-file').value = '';
  $('import-summary').textContent = '';
  $('import-error').textContent = '';
  $('import-file-errors').replaceChildren();
  $('import-preview-body').replaceChildren();
  $('import-preview').hidden = true;
  $('import-preview-note').textContent = '';
  clearResults();
  updateButtons();
}

function clearResults() {
  $('import-results-note')?.remove();
  $('import-results-body').replaceChildren();
  $('import-results').hidden = true;
  $('import-progress').hidden = true;
  $('import-progress-label').hidden = true;
  $('import-error').textContent = '';
}

async function onFile() {
  const f = $('import-file').files[0];
  if (!f) return;
  $('import-text').value = '';
  if (f.size > limits.fileBytes) {
    imp.text = '';
    imp.parsed = null;
    render();
    $('import-error').textContent = `The file is larger than ${limits.fileBytes >> 20} MiB: split it.`;
    return;
  }
  try {
    imp.text = await f.text();
  } catch (err) {
    $('import-error').textContent = 'The file cannot be read: ' + err.message;
    return;
  }
  reparse();
}

function reparse() {
  clearTimeout(imp.timer);
  imp.parsed = imp.text.trim() === '' ? null : parseImport(imp.text, $('import-format').value, $('import-htpasswd-roles').value);
  render();
}

function ready() { return imp.parsed ? imp.parsed.rows.filter((r) => r.errors.length === 0) : []; }

function updateButtons() {
  const ok = imp.parsed && imp.parsed.fileErrors.length === 0 && ready().length > 0 && !imp.busy;
  $('import-dry-run').disabled = !ok;
  $('import-run').disabled = !ok;
  const n = ok ? ready().length : 0;
  $('import-run').textContent = n ? `Import ${n} user${n === 1 ? '' : 's'}` : 'Import';
  $('import-stop').hidden = !imp.busy;
  $('import-close').disabled = imp.busy;
  for (const e of document.querySelectorAll('#import-file, #import-text, #import-format, #import-htpasswd-roles, input[name="import-existing"]')) {
    e.disabled = imp.busy;
  }
}

function passwordCell(r) {
  if (r.password !== undefined) return 'password';
  if (r.passwordHash === undefined || r.passwordHash === '') return '';
  if (/^\$2[aby]\$/.test(r.passwordHash)) return 'bcrypt hash';
  if (r.passwordHash.startsWith('{PBKDF2')) return 'PBKDF2 hash';
  return 'refused hash';
}

function str(v) { return v === undefined || v === null ? '' : String(v); }

function previewRow(r) {
  return el('tr', { className: r.errors.length ? 'problem' : '', 'data-line': r.line },
    el('td', {}, r.line),
    el('th', { scope: 'row', className: 'import-name' }, r.username),
    el('td', {}, passwordCell(r)),
    el('td', {}, ...(r.roles || []).map((x) => el('span', { className: 'badge' }, x))),
    el('td', {}, str(r.fullName)),
    el('td', {}, str(r.email)),
    el('td', {}, r.enabled === undefined ? '' : r.enabled ? 'true' : 'false'),
    el('td', { className: 'import-problems' }, r.errors.join('; ')));
}

function render() {
  clearResults();
  const p = imp.parsed;
  const summary = $('import-summary');
  $('import-file-errors').replaceChildren(...(p ? p.fileErrors : []).map((e) => el('li', {}, e)));
  if (!p) {
    summary.textContent = '';
    $('import-preview').hidden = true;
    $('import-preview-body').replaceChildren();
    $('import-preview-note').textContent = '';
    updateButtons();
    return;
  }
  const bad = p.rows.filter((r) => r.errors.length).length;
  const n = p.rows.length;
  summary.textContent = `${p.format === 'csv' ? 'CSV' : 'htpasswd'}: ${n} row${n === 1 ? '' : 's'}, ` +
    `${n - bad} ready, ${bad} with problems.`;
  const first = p.rows.slice(0, limits.preview);
  const later = p.rows.slice(limits.preview).filter((r) => r.errors.length).slice(0, limits.previewProblems);
  $('import-preview-body').replaceChildren(...first.concat(later).map(previewRow));
  $('import-preview').hidden = n === 0;
  $('import-preview-note').textContent = n > limits.preview
    ? `The first ${limits.preview} rows` + (later.length ? ` and ${later.length} more with problems` : '') + ` of ${n}.`
    : '';
  updateButtons();
}

const LABELS = {
  create: ['would create', 'created'],
  update: ['would update', 'updated'],
  skip: ['would skip (exists)', 'skipped (exists)'],
  invalid: ['not imported', 'not imported'],
};

async function run(dry) {
  const p = imp.parsed;
  if (!p || imp.busy) return;
  const rows = p.rows;
  const overwrite = document.querySelector('input[name="import-existing"]:checked').value === 'overwrite';
  clearResults();
  imp.busy = true;
  imp.stop = false;
  updateButtons();
  const summary = $('import-summary');
  summary.textContent = 'Checking which users exist…';
  let existing;
  try {
    existing = await existingUsers(rows.filter((r) => r.errors.length === 0).map((r) => r.username));
  } catch (err) {
    imp.busy = false;
    updateButtons();
    summary.textContent = '';
    failed(err, $('import-error'), () => run(dry));
    return;
  }
  // The plan: what each row does.
  const plan = rows.map((r) => ({
    row: r,
    action: r.errors.length ? 'invalid' : existing.has(r.username) ? (overwrite ? 'update' : 'skip') : 'create',
    result: '',
    message: r.errors.join('; '),
  }));
  const shown = plan.slice(0, limits.results);
  const cells = new Map();
  $('import-results-body').replaceChildren(...shown.map((s) => {
    const result = el('td', { className: 'import-result ' + s.action }, dry ? LABELS[s.action][0] : s.action === 'invalid' || s.action === 'skip' ? LABELS[s.action][1] : 'pending');
    const message = el('td', { className: 'import-message' }, s.message);
    cells.set(s, { result, message });
    return el('tr', { 'data-line': s.row.line, 'data-username': s.row.username },
      el('td', {}, s.row.line), el('th', { scope: 'row', className: 'import-name' }, s.row.username), result, message);
  }));
  $('import-results-caption').textContent = dry ? 'Dry run: nothing was written' : 'Results';
  $('import-results').hidden = false;
  // The results take the preview's place: they repeat each row's problems.
  $('import-preview').hidden = true;
  $('import-preview-note').textContent = '';
  if (plan.length > shown.length) {
    $('import-results').after(el('p', { id: 'import-results-note', className: 'hint' }, `The first ${shown.length} of ${plan.length} rows are listed.`));
  }
  const count = (a) => plan.filter((s) => s.action === a).length;
  if (dry) {
    imp.busy = false;
    updateButtons();
    summary.textContent = `Dry run, nothing written: would create ${count('create')}, update ${count('update')}, ` +
      `skip ${count('skip')}; ${count('invalid')} with problems.`;
    return;
  }

  const todo = plan.filter((s) => s.action === 'create' || s.action === 'update');
  const progress = $('import-progress');
  progress.max = Math.max(1, todo.length);
  progress.value = 0;
  progress.hidden = false;
  $('import-progress-label').hidden = false;
  let done = 0;
  let ended = false; // the session ended (401): the rest is not sent
  const tally = { created: 0, updated: 0, failed: 0, stopped: 0 };
  const finish = (s, result, message) => {
    s.result = result;
    tally[result]++;
    const c = cells.get(s);
    if (c) {
      c.result.textContent = result === 'stopped' ? 'not run (stopped)' : result;
      c.result.className = 'import-result ' + result;
      c.message.textContent = message;
    }
  };
  summary.textContent = `Importing ${todo.length} user${todo.length === 1 ? '' : 's'}…`;
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const s = todo[next++];
      if (imp.stop || ended) { finish(s, 'stopped', ''); continue; }
      try {
        const res = await call('PUT', userPath(s.row.username), putBody(s.row, existing.get(s.row.username)));
        finish(s, res && res.created ? 'created' : 'updated', '');
      } catch (err) {
        if (err instanceof APIError && err.status === 401) {
          if (!ended) {
            ended = true;
            failed(err, $('import-error'));
          }
          finish(s, 'stopped', '');
        } else {
          finish(s, 'failed', messageOf(err));
        }
      }
      done++;
      progress.value = done;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.concurrency, todo.length) }, worker));
  imp.busy = false;
  updateButtons();
  summary.textContent = `Created ${tally.created}, updated ${tally.updated}, skipped ${count('skip')}, ` +
    `failed ${tally.failed}` + (tally.stopped ? `, not run ${tally.stopped}` : '') +
    `; ${count('invalid')} with problems not imported.`;
  if (!ended && tally.created + tally.updated > 0) await showUsers();
}

// ---- export -----------------------------------------------------------

/** One CSV field, quoted when it must be (RFC 4180) or has edge spaces. */
function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/** Users as CSV, import's columns without any password column, CRLF lines. */
export function toCSV(users) {
  const lines = ['username,roles,full_name,email,enabled'];
  for (const u of users) {
    lines.push([u.username, (u.roles || []).join(ROLE_SEPARATOR), u.full_name, u.email, u.enabled !== false]
      .map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * Every user matching body's query, in its sort: from/size pages while
 * from + size stays within the result window, then search_after from the
 * last user's _sort. The users come as the query API returns them, less
 * _sort.
 */
export async function fetchAll(body, progress = () => {}, stopped = () => false) {
  const base = { ...body };
  delete base.from;
  delete base.size;
  delete base.search_after;
  if (!base.sort) base.sort = [{ username: { order: 'asc' } }];
  const users = [];
  let last = null;
  let cursor = false;
  for (;;) {
    if (!cursor && users.length > 0 && users.length + limits.pageSize > limits.window) cursor = true;
    if (cursor && !last) throw new Error('The query users API gave no _sort to continue from.');
    const req = cursor
      ? { ...base, size: limits.pageSize, search_after: last }
      : { ...base, from: users.length, size: Math.min(limits.pageSize, limits.window) };
    const page = await call('POST', '/_security/_query/user', req);
    for (const u of page.users) {
      const { _sort: sort, ...rest } = u;
      last = sort;
      users.push(rest);
    }
    progress(users.length, page.total);
    if (page.users.length < req.size || stopped()) break;
  }
  return users;
}

/** Saves text as a file: a Blob behind an object URL and an <a download>. */
function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

const exp = { busy: false, stop: false };

function buildExportDialog() {
  const d = el('dialog', { id: 'export-dialog', className: 'importexport', 'aria-labelledby': 'export-title', 'aria-describedby': 'export-what' },
    el('h2', { id: 'export-title' }, 'Export users'),
    el('p', { id: 'export-what' }),
    el('fieldset', {},
      el('legend', {}, 'Format'),
      radio('export-format', 'csv', `CSV (username, roles separated by “${ROLE_SEPARATOR}”, full_name, email, enabled)`, true),
      radio('export-format', 'json', 'JSON (the users as the API returns them)', false)),
    el('p', { className: 'hint' }, 'Passwords and hashes are never exported: the API does not return them. Built-in users are not included.'),
    el('label', { for: 'export-progress', id: 'export-progress-label', hidden: true }, 'Progress'),
    el('progress', { id: 'export-progress', max: 1, value: 0, hidden: true }),
    el('p', { id: 'export-message', className: 'message', role: 'status', 'aria-live': 'polite' }),
    el('p', { id: 'export-error', className: 'error', role: 'alert' }),
    el('div', { className: 'buttons' },
      el('button', { type: 'button', id: 'export-close' }, 'Close'),
      el('button', { type: 'button', id: 'export-download', className: 'primary' }, 'Download')),
  );
  document.body.append(d);
  $('export-close').addEventListener('click', () => d.close());
  $('export-download').addEventListener('click', runExport);
  d.addEventListener('close', () => { exp.stop = true; });
}

async function openExport() {
  exp.stop = false;
  $('export-message').textContent = '';
  $('export-error').textContent = '';
  $('export-progress').hidden = true;
  $('export-progress-label').hidden = true;
  const body = queryBody();
  const what = $('export-what');
  what.textContent = body.query ? 'The users matching the current search.' : 'All native users.';
  $('export-dialog').showModal();
  $('export-download').focus();
  try {
    const count = { ...body, size: 0 };
    delete count.from;
    const page = await call('POST', '/_security/_query/user', count);
    const n = page.total;
    what.textContent = (body.query ? `The ${n} user${n === 1 ? '' : 's'} matching the current search` : `All ${n} native user${n === 1 ? '' : 's'}`) +
      ', every page, in the list’s order.';
  } catch (err) {
    failed(err, $('export-error'), openExport);
  }
}

async function runExport() {
  if (exp.busy) return;
  exp.busy = true;
  exp.stop = false;
  const format = document.querySelector('input[name="export-format"]:checked').value;
  const msg = $('export-message');
  const progress = $('export-progress');
  $('export-error').textContent = '';
  $('export-download').disabled = true;
  progress.hidden = false;
  $('export-progress-label').hidden = false;
  progress.removeAttribute('value');
  msg.textContent = 'Fetching the users…';
  try {
    const users = await fetchAll(queryBody(), (got, total) => {
      progress.max = Math.max(1, total);
      progress.value = Math.min(got, total);
      msg.textContent = `Fetched ${got} of ${total} users…`;
    }, () => exp.stop);
    if (exp.stop) return;
    const name = `esauth-users-${new Date().toISOString().slice(0, 10)}.${format}`;
    if (format === 'json') download(name, 'application/json', JSON.stringify(users, null, 2) + '\n');
    else download(name, 'text/csv;charset=utf-8', toCSV(users));
    msg.textContent = `Downloaded ${users.length} user${users.length === 1 ? '' : 's'} as ${name}.`;
  } catch (err) {
    msg.textContent = '';
    failed(err, $('export-error'), runExport);
  } finally {
    exp.busy = false;
    $('export-download').disabled = false;
    progress.hidden = true;
    $('export-progress-label').hidden = true;
  }
}

// ---- wiring -----------------------------------------------------------

/** Adds the Import and Export buttons to the users toolbar; once. */
export function initImportExport() {
  const toolbar = document.querySelector('#users-view .toolbar');
  if (!toolbar || $('import-users')) return;
  buildImportDialog();
  buildExportDialog();
  toolbar.append(
    el('button', { type: 'button', id: 'import-users', onclick: openImport }, 'Import users'),
    el('button', { type: 'button', id: 'export-users', onclick: openExport }, 'Export'));
}
