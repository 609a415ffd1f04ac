// The browser front desk: one page over the JSON API of docs/web.md.
//
// No framework and no build step. The DOM is built by h(), which only ever
// sets text nodes and attributes (never innerHTML), so nothing a client's
// record holds can turn into markup. Every element showing user-entered text
// gets dir="auto" (see ut()) so Arabic, Persian or Hebrew names keep their own
// direction without breaking the layout.
'use strict';

// ---------------------------------------------------------------- DOM helpers

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// h('p', {class: 'x', onclick: f, data: {id: 1}}, 'text', child, [more]).
// Null, undefined and false props and children are skipped.
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'data') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return append(el, children);
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces the children of `el`.
const fill = (el, ...children) => { el.replaceChildren(); return append(el, children); };

// An element holding user-entered text, in its own direction.
function ut(tag, text, props = {}) {
  return h(tag, {...props, dir: 'auto', class: ['user-text', props.class].filter(Boolean).join(' ')}, text || '');
}

// A labelled input.
function field(label, input, hint) {
  return h('div', {class: 'field'}, h('label', {for: input.id}, label), input, hint && h('span', {class: 'hint'}, hint));
}

const select = (props, options, chosen) =>
  h('select', props, options.map(([value, label]) => h('option', {value, selected: value === chosen}, label)));

const errorBox = (id) => h('p', {id, class: 'form-error', role: 'alert', hidden: true});

function showError(box, error) {
  box.textContent = error ? error.message : '';
  box.hidden = !error;
}

let toastTimer = 0;
function toast(message) {
  const el = $('#toast');
  el.textContent = message;
  el.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('visible'), 2500);
}

// Moves focus to `el` for keyboard and screen-reader users.
function focusOn(el) {
  if (!el) return;
  if (!el.matches('input, select, textarea, button, a[href]')) el.setAttribute('tabindex', '-1');
  el.focus();
}

// ------------------------------------------------------------ ids and money

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// A 26-character id like the server's (and ULID): 48 bits of the time in ms,
// then 80 random bits, both big-endian in Crockford base32.
function newId() {
  let time = Date.now(), out = '';
  for (let i = 0; i < 10; i++, time = Math.floor(time / 32)) out = CROCKFORD[time % 32] + out;
  let bits = 0n, random = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(10))) bits = (bits << 8n) | BigInt(byte);
  for (let i = 0; i < 16; i++, bits >>= 5n) random = CROCKFORD[Number(bits & 31n)] + random;
  return out + random;
}

const formatters = new Map();
function currencyFormat(currency) {
  if (!formatters.has(currency)) {
    try { formatters.set(currency, new Intl.NumberFormat(undefined, {style: 'currency', currency})); }
    catch (e) { formatters.set(currency, null); }  // not an ISO 4217 code
  }
  return formatters.get(currency);
}

// Digits after the decimal point of `currency` (2 for GBP, 0 for JPY).
function minorDigits(currency) {
  const nf = currencyFormat(currency);
  return nf ? nf.resolvedOptions().maximumFractionDigits : 2;
}

function toBig(value) {
  try { return BigInt(value || 0); } catch (e) { return 0n; }
}

// Sums the amounts of `parts` (PaymentPart or similar) as BigInt.
const sum = (parts) => parts.reduce((total, p) => total + toBig(p.amount), 0n);

// "1250" minor units -> "£12.50", exactly (a decimal string goes to Intl).
function money(minor, currency) {
  const digits = minorDigits(currency);
  const value = toBig(minor);
  const text = (value < 0n ? -value : value).toString().padStart(digits + 1, '0');
  const decimal = (value < 0n ? '-' : '') + (digits ? text.slice(0, -digits) + '.' + text.slice(-digits) : text);
  const nf = currencyFormat(currency);
  return nf ? nf.format(decimal) : `${decimal} ${currency || ''}`.trim();
}

// "12.50" (or "12,50") -> "1250" minor units, by string arithmetic; "" -> null.
// Throws an Error naming `what` for anything else.
function parseMoney(text, currency, what) {
  const clean = String(text || '').replace(/[\s\u00a0\u202f]/g, '');
  if (clean === '') return null;
  const digits = minorDigits(currency);
  const match = /^(\d{0,13})(?:[.,](\d*))?$/.exec(clean);
  if (!match || clean === '.' || clean === ',') {
    throw new Error(`${what}: write an amount like ${digits ? '12.' + '5'.padEnd(digits, '0') : '12'}`);
  }
  const fraction = match[2] || '';
  if (fraction.length > digits) throw new Error(`${what}: ${currency} has ${digits || 'no'} decimal places`);
  return (BigInt(match[1] || '0') * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0')).toString();
}

// parseMoney of an input's value; a mistake points at the input.
function moneyOf(input, currency, what) {
  try { return parseMoney(input.value, currency, what); } catch (e) { throw inputError(input, e.message); }
}

// ----------------------------------------------------------- times and names

// UTC milliseconds (a decimal string) in the office's time zone (desk.js),
// whatever the browser's; 0 or absent is "—".
function when(ms) {
  const n = Number(ms || 0);
  return n ? new Date(n).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short', timeZone: officeZone()}) : '—';
}

// A birth date, "YYYY-MM-DD", in the local style.
function day(date) {
  const [y, m, d] = String(date || '').split('-').map(Number);
  return y && m && d ? new Date(y, m - 1, d).toLocaleDateString(undefined, {dateStyle: 'long'}) : String(date || '');
}

// A user as people read them: "Kate Smith (kate)", "kate", or `none`.
function personName(login, displayName, none = '—') {
  if (!login) return none;
  return displayName && displayName !== login ? `${displayName} (${login})` : login;
}

// As the terminal client names a client: "First Middle Last", or a company's name.
function clientName(c = {}) {
  const person = [c.firstName, c.middleName, c.lastName].filter(Boolean).join(' ');
  if (c.kind !== 'company' && person) return person;
  if (!c.companyName) return person || '(no name)';
  return c.companyName + (person ? ` (${person})` : '');
}

const METHODS = [['cash', 'Cash'], ['card', 'Card'], ['transfer', 'Bank transfer'],
                 ['credit', 'On account (credit)'], ['bonus', 'Bonus points'], ['other', 'Other']];
const CHANNELS = [['call', 'Call'], ['visit', 'Visit'], ['email', 'Email'], ['sms', 'SMS'], ['social', 'Social']];
const DIRECTIONS = [['inbound', 'Inbound (from the client)'], ['outbound', 'Outbound (to the client)']];
const ROLES = {cashier: 'Cashier', officeManager: 'Office manager', hqManager: 'HQ manager', admin: 'Administrator'};
const METHOD_NAMES = Object.fromEntries(METHODS);
const CHANNEL_NAMES = Object.fromEntries(CHANNELS);

const methodName = (m) => METHOD_NAMES[m] || m || '—';
const plural = (n, one, many) => `${n} ${String(n) === '1' ? one : many}`;

// ------------------------------------------------------------------ the API

// An Error with what is known of the failure: network, status, code, field.
const apiError = (message, extra) => Object.assign(new Error(message), extra);

// POST /api/<op>; the answer's JSON, or an apiError. A 401 (other than a
// failed login) ends the session on the page too.
async function api(op, payload = null, idempotencyKey = null) {
  const headers = {'Content-Type': 'application/json'};
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response, body = null;
  try {
    response = await fetch('/api/' + op, {method: 'POST', headers, body: JSON.stringify(payload)});
  } catch (e) {
    throw apiError('The office server is not answering. Check the connection and try again.', {network: true});
  }
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.ok && body && !body.error) return body;
  if (response.ok) throw apiError('The answer from the server was cut short. Try again.', {network: true});
  const error = (body && body.error) || {};
  if (response.status === 401 && op !== 'login') sessionLost();
  throw apiError(error.message || `The server answered ${response.status} ${response.statusText}`,
                 {status: response.status, code: error.code, field: error.field});
}

// A write with one idempotency key per user action: the key is kept while
// the outcome is unknown (no answer came, or a 5xx), so pressing the button
// again is the same action and, say, a sale is recorded once.
function writer(op) {
  let key = null;
  return async (payload) => {
    key = key || newId();
    try {
      const answer = await api(op, payload, key);
      key = null;
      return answer;
    } catch (e) {
      if (!e.network && !(e.status >= 500)) key = null;
      if (e.network) e.message += ' Pressing the button again will not record it twice.';
      throw e;
    }
  };
}

// An Error that points at the input to blame.
function inputError(input, message) {
  return Object.assign(new Error(message), {input});
}

// Runs `action` when `form` is submitted: one run at a time, a failure shown
// in `box` next to the form and its input (if known) marked and focused.
function onSubmit(form, box, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.classList.contains('busy')) return;
    form.classList.add('busy');
    form.setAttribute('aria-busy', 'true');
    showError(box, null);
    $$('[aria-invalid]', form).forEach((el) => el.removeAttribute('aria-invalid'));
    try {
      await action();
    } catch (e) {
      showError(box, e);
      if (e.input) { e.input.setAttribute('aria-invalid', 'true'); e.input.focus(); }
    } finally {
      form.classList.remove('busy');
      form.removeAttribute('aria-busy');
    }
  });
}

// ------------------------------------------------------------------- state

const state = {
  session: null,      // {user, login, displayName, role, office, currency}
  card: null,         // the open client card
  cardSeq: 0,         // drops answers for a card no longer wanted
  searchSeq: 0,       // drops stale search answers
  searchTimer: 0,
  results: [],        // search results shown
  active: -1,         // the highlighted one
  statusTimer: 0,
};

const currency = () => (state.session && state.session.currency) || 'GBP';

function showPanel(name) {
  showError($('#home-error'), null);
  for (const panel of $$('#main > section.panel')) panel.hidden = panel.id !== `${name}-view`;
  if (name !== 'card') state.card = null;
}

// ------------------------------------------------------------ login/logout

function enterApp(session) {
  state.session = session;
  $('#login-view').hidden = true;
  $('#app').hidden = false;
  fill($('#whoami'), ut('span', session.displayName || session.login || 'Signed in', {class: 'who-name'}),
       session.role && h('span', {class: 'who-role'}, ROLES[session.role] || session.role),
       h('span', {class: 'who-office'}, session.office || ''));
  // The Users page (users.js) for those who manage the office's users.
  $('#users-button').hidden = !['officeManager', 'hqManager', 'admin'].includes(session.role);
  showPanel('home');
  clearTimeout(state.statusTimer);
  pollStatus();
  $('#search').focus();
}

function leaveApp(message) {
  clearTimeout(state.statusTimer);
  Object.assign(state, {session: null, card: null, statusTimer: 0});
  clearResults();
  // Nothing about the last client stays on the page.
  for (const panel of $$('#main > section.panel:not(#home-view)')) fill(panel);
  fill($('#whoami'));
  $('#search').value = '';
  $('#app').hidden = true;
  $('#login-view').hidden = false;
  $('#login-password').value = '';
  showError($('#login-error'), message && {message});
  $('#login-name').focus();
}

function sessionLost() {
  if (state.session) leaveApp('Your session has ended. Please log in again.');
}

function setUpLogin() {
  onSubmit($('#login-form'), $('#login-error'), async () => {
    const login = $('#login-name').value.trim();
    const password = $('#login-password').value;
    if (!login) throw inputError($('#login-name'), 'Enter your login.');
    if (!password) throw inputError($('#login-password'), 'Enter your password.');
    const answer = await api('login', {login, password});
    enterApp(answer.session || {});
  });
  $('#logout').addEventListener('click', async () => {
    let message = null;
    try { await api('logout'); } catch (e) {
      if (e.status !== 401) message = `Logged out here, but the server did not confirm it: ${e.message}`;
    }
    leaveApp(message);
  });
}

// ------------------------------------------------------------------ status

// Asks for the status now and every 5 s while someone is logged in.
async function pollStatus() {
  try {
    renderStatus((await api('status')).status || {});
    $('#server-banner').hidden = true;
    setText('#status-server', '');
  } catch (e) {
    if (e.network) $('#server-banner').hidden = false;
    setText('#status-server', e.network ? 'The office server is not answering' : e.message);
  }
  clearTimeout(state.statusTimer);
  if (state.session) state.statusTimer = setTimeout(pollStatus, 5000);
}

// Changes text only when it differs, so assistive technology stays quiet.
function setText(selector, text) {
  const el = $(selector);
  if (el.textContent !== text) el.textContent = text;
}

function renderStatus(s) {
  const unsent = String(s.unsentChanges || '0');
  const offline = Boolean(s.hubConfigured && !s.hubConnected);
  setText('#unsent-count', unsent);
  setText('#status-office', s.office || (state.session && state.session.office) || '—');
  setText('#status-hub', !s.hubConfigured ? 'Headquarters: none (this office works alone)' :
    `Headquarters: ${offline ? 'unreachable' : 'connected'} · last contact ${when(s.lastHubContact)}`);
  $('#status-bar').classList.toggle('offline', offline);
  if (offline) {
    const oldest = Number(s.oldestUnsent || 0) ? ` (oldest from ${when(s.oldestUnsent)})` : '';
    setText('#offline-banner', 'Headquarters is unreachable — working offline. ' +
      `${plural(unsent, 'change', 'changes')} waiting to be sent${oldest}.` +
      (s.hubRefusal ? ` Headquarters refused this office: ${s.hubRefusal}` : ''));
  }
  $('#offline-banner').hidden = !offline;
}

// ------------------------------------------------------------------ search

function setUpSearch() {
  const input = $('#search');
  input.addEventListener('input', () => {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(runSearch, 150);
  });
  input.addEventListener('keydown', (event) => {
    const n = state.results.length;
    const move = {ArrowDown: 1, ArrowUp: -1}[event.key];
    if (move && n) {
      event.preventDefault();
      highlight((state.active + move + n) % n);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = state.results[state.active >= 0 ? state.active : (n === 1 ? 0 : -1)];
      if (chosen) openCard(chosen.id);
    } else if (event.key === 'Escape') {
      input.value = '';
      clearResults();
    }
  });
  // "/" anywhere outside a text field comes back to the search box.
  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || !state.session || event.target.closest('input, textarea, select')) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
}

async function runSearch() {
  const query = $('#search').value.trim();
  if (query.length < 2) { clearResults(); return; }
  const seq = ++state.searchSeq;
  try {
    const answer = await api('findClients', {query, limit: 20});
    if (seq === state.searchSeq) renderResults(answer.clients || [], query);  // else a newer query is under way
  } catch (e) {
    if (seq !== state.searchSeq) return;
    clearResults();
    $('#search-message').textContent = e.message;
  }
}

function clearResults() {
  state.searchSeq++;
  state.results = [];
  state.active = -1;
  fill($('#search-results')).hidden = true;
  $('#search-message').textContent = '';
  $('#search').setAttribute('aria-expanded', 'false');
  $('#search').removeAttribute('aria-activedescendant');
}

function renderResults(clients, query) {
  state.results = clients;
  state.active = -1;
  fill($('#search-results'), clients.map((summary, i) => {
    const c = summary.client || {};
    return h('li', {id: `result-${i}`, class: 'search-result', role: 'option', 'aria-selected': 'false',
                    data: {id: summary.id}, onclick: () => openCard(summary.id)},
      ut('span', clientName(c), {class: 'result-name'}),
      c.kind === 'company' && h('span', {class: 'badge'}, 'Company'),
      h('span', {class: 'result-meta'},
        (c.phones || []).map((p) => h('span', {dir: 'ltr'}, p)),
        c.loyaltyCard && ut('span', `Card ${c.loyaltyCard}`),
        (c.emails || []).map((m) => h('span', {dir: 'ltr'}, m))));
  })).hidden = clients.length === 0;
  $('#search').setAttribute('aria-expanded', String(clients.length > 0));
  fill($('#search-message'), clients.length ? plural(clients.length, 'client found', 'clients found') :
    ['No client found. ', h('button', {type: 'button', class: 'btn btn-link', onclick: () => showClientForm(query)},
                            'Add a new client')]);
}

function highlight(index) {
  state.active = index;
  $$('.search-result').forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
  const li = $(`#result-${index}`);
  $('#search').setAttribute('aria-activedescendant', li.id);
  li.scrollIntoView({block: 'nearest'});
}

// ------------------------------------------------------------- client card

// Opens the card of client `id`. A reload (after a write on the card) keeps
// the forms, so a half-typed note survives another form's write.
async function openCard(id, {reload = false} = {}) {
  const seq = ++state.cardSeq;
  if (!reload) { $('#search').value = ''; clearResults(); }
  let card;
  try {
    card = (await api('getClientCard', id)).card || {};
  } catch (e) {
    if (seq !== state.cardSeq) return;
    if (reload) return toast(`The card was not refreshed: ${e.message}`);
    showPanel('home');
    return showError($('#home-error'), {message: `The card did not open: ${e.message}`});
  }
  if (seq !== state.cardSeq || (reload && (!state.card || state.card.id !== id))) return;
  const fresh = !reload;
  showPanel('card');
  state.card = card;
  if (fresh) {
    fill($('#card-view'), h('article', {id: 'card', class: 'card', data: {id: card.id}},
      h('div', {id: 'card-head', class: 'card-head'}),
      h('div', {class: 'card-body'},
        h('div', {id: 'card-data'}),
        h('aside', {class: 'card-forms', 'aria-label': 'Record for this client'},
          noteForm(card.id), taskForm(card.id), interactionForm(card.id), paymentForm(card.id),
          feedbackForm(card.id), fileForm(card.id), dealForm(card.id)))));
  }
  renderCard(card);
  if (fresh) focusOn($('#card-name'));
}

const reloadCard = () => state.card && openCard(state.card.id, {reload: true});

function renderCard(card) {
  const c = card.client || {};
  const cur = card.currency || currency();
  const name = clientName(c);
  fill($('#card-head'),
    h('div', {class: 'card-title'},
      ut('h2', name, {id: 'card-name'}),
      h('span', {class: 'badge'}, c.kind === 'company' ? 'Company' : 'Person'),
      (c.tags || []).map((t) => ut('span', t, {class: 'tag'}))),
    h('div', {class: 'card-actions'},
      h('button', {id: 'client-edit', class: 'btn', type: 'button', onclick: () => showClientForm('', card)}, 'Edit client'),
      h('button', {id: 'new-sale', class: 'btn btn-primary btn-big', type: 'button',
                   onclick: () => startSale({id: card.id, name, points: card.loyaltyBalance})}, 'New sale')));
  fill($('#card-data'), contacts(card, c), figures(card, cur), sales(card, cur), tasks(card), cardDeals(card),
       history(card, cur));
}

function contacts(card, c) {
  const a = c.address || {};
  const address = [a.street, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country]
    .filter(Boolean).join(', ');
  const company = card.company && card.company.id &&
    h('button', {type: 'button', class: 'btn btn-link', onclick: () => openCard(card.company.id)},
      ut('span', clientName(card.company.client)));
  const pairs = [
    ['Member of', company],
    ['Phones', (c.phones || []).map((p) => h('a', {href: `tel:${p}`, dir: 'ltr', class: 'chip'}, p))],
    ['Emails', (c.emails || []).map((m) => h('a', {href: `mailto:${m}`, dir: 'ltr', class: 'chip'}, m))],
    ['Loyalty card', c.loyaltyCard && ut('span', c.loyaltyCard)],
    ['Birth date', day(c.birthDate)],
    ['Address', address && ut('span', address, {id: 'card-address'})],
    ['Gender', c.gender && c.gender !== 'unspecified' && (GENDERS.find(([g]) => g === c.gender) || [])[1]],
    ['Consent', consentsText(c)],
    ...(c.attributes || []).map((attr) => [ut('span', attr.key), ut('span', attr.value, {class: 'card-attribute', data: {key: attr.key}})]),
    ['Responsible', person(card, c.responsible)],
    ['Came through', c.acquisitionChannel && ut('span', c.acquisitionChannel)],
    ['Client since', Number(c.createdAt || 0) && `${when(c.createdAt)}${c.homeOffice ? ' · ' + c.homeOffice : ''}`],
    ['Client id', h('code', {}, card.id || '')],
  ];
  return h('dl', {class: 'facts'}, pairs.filter(([, v]) => v && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

function figures(card, cur) {
  const box = (label, value, {id, note, alert, cls = ''} = {}) => h('div', {class: 'figure' + (alert ? ' figure-alert' : '')},
    h('span', {class: 'figure-label'}, label), h('span', {class: 'figure-value ' + cls, id}, value),
    note && h('span', {class: 'hint'}, note));
  return h('section', {class: 'figures', 'aria-label': 'Figures'},
    box('Total spent', money(card.totalSpent, cur), {id: 'card-total-spent'}),
    box('Visits', String(card.visitCount || 0)),
    box('Last visit', when(card.lastVisit), {cls: 'figure-time'}),
    box('Average ticket', money(card.averageTicket, cur)),
    box('Bonus points', points(card.loyaltyBalance), {id: 'card-points', note: `worth ${money(card.loyaltyBalance, cur)}`}),
    box('Owes (on credit)', money(card.outstanding, cur), {alert: toBig(card.outstanding) > 0n}),
    // Money paid or owed at offices of other currencies, never added to this one's.
    ...(card.money || []).filter((m) => m.currency !== cur).map((m) =>
      box(`In ${m.currency}`, money(m.totalSpent, m.currency),
        {note: `${m.sales || 0} sales · owes ${money(m.outstanding, m.currency)}`,
         alert: toBig(m.outstanding) > 0n})));
}

// A titled section of the card: its items, or a quiet line saying there are none.
function section(title, items, render, empty = 'None yet') {
  return h('section', {class: 'card-section'},
    h('h3', {}, title, ' ', h('span', {class: 'count'}, String(items.length))),
    items.length ? h('ul', {class: 'entries'}, items.map(render)) : h('p', {class: 'muted'}, empty));
}

// One entry of a section: a head line of parts, then details.
const entry = (props, head, ...details) => h('li', props,
  h('div', {class: 'entry-head'}, head.filter(Boolean).map((part) => (part instanceof Node ? part : h('span', {}, part)))),
  details);

// Entries of `list` newest first, by their record's `time`.
const newest = (list, key) => (list || []).slice().sort((a, b) => Number((b[key] || {}).time || 0) - Number((a[key] || {}).time || 0));

const amount = (minor, cur) => h('strong', {class: 'amount'}, money(minor, cur));

function table(headers, rows) {
  const num = (i) => (headers[i].endsWith(' ') ? 'num' : null);  // a trailing space marks a number column
  return h('table', {class: 'lines'},
    h('thead', {}, h('tr', {}, headers.map((text, i) => h('th', {scope: 'col', class: num(i)}, text.trim())))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', {class: num(i)}, cell))))));
}

function sales(card, cur) {
  return section('Purchases', newest(card.sales, 'sale'), (e) => {
    const s = e.sale || {};
    const c = s.currency || cur;
    return entry({class: 'card-sale', data: {receipt: s.receiptNo || ''}},
      [h('strong', {}, s.receiptNo || ''), when(s.time),
       s.office && s.office !== (state.session || {}).office && h('span', {class: 'badge'}, s.office),
       s.channel && s.channel !== 'store' && ut('span', s.channel, {class: 'badge'}),
       s.campaignCode && ut('span', `Campaign ${s.campaignCode}`, {class: 'badge'}),
       amount(s.total, c),
       toBig(e.refunded) > 0n && h('span', {class: 'badge badge-warn'}, `Refunded ${money(e.refunded, c)}`),
       toBig(e.overRefunded) > 0n && h('span', {class: 'badge badge-warn', title: 'refunded at two offices while they were apart: a manager decides what to recover'},
         `Refunded ${money(e.overRefunded, c)} beyond the sale`),
       person(card, s.cashier, 'sold by '),
       s.approvedBy && person(card, s.approvedBy, 'approved by '),
       h('button', {type: 'button', class: 'btn btn-small', onclick: () => reprint(s.receiptNo || e.id, card)}, 'Receipt'),
       refundable(card, e).some((n) => n > 0) &&
         h('button', {type: 'button', class: 'btn btn-small sale-refund', onclick: () => refundSale(card, e)}, 'Refund')],
      table(['SKU', 'Item', 'Qty ', 'Unit price ', 'Discount ', 'Amount '],
        (s.lines || []).map((l) => [ut('span', l.sku), ut('span', l.name), String(l.quantity || 0),
          money(l.unitPrice, c), toBig(l.discount) ? money(l.discount, c) : '', money(l.amount, c)])),
      h('p', {class: 'muted'}, 'Paid: ', (s.payments || []).map((p) => `${methodName(p.method)} ${paidText(p.method, p.amount, c)}`).join(', ')));
  });
}

function tasks(card) {
  const rank = {open: 0, done: 1, cancelled: 2};
  const task = (e) => e.task || {};
  const list = (card.tasks || []).slice().sort((a, b) => (rank[task(a).status] || 0) - (rank[task(b).status] || 0) ||
                                                         Number(task(a).due || 0) - Number(task(b).due || 0));
  return section('Tasks', list, (e) => {
    const t = task(e);
    const status = t.status || 'open';
    const overdue = status === 'open' && Number(t.due || 0) && Number(t.due) < Date.now();
    const box = errorBox(null);
    const complete = writer('completeTask');
    const done = status === 'open' && h('button', {type: 'button', class: 'btn btn-small', onclick: async () => {
      done.disabled = true;
      showError(box, null);
      try { await complete(e.id); toast('Task done'); reloadCard(); } catch (err) { showError(box, err); done.disabled = false; }
    }}, 'Done');
    return entry({class: `card-task task-${status}`, data: {id: e.id}},
      [h('span', {class: 'badge' + (overdue ? ' badge-warn' : '')}, overdue ? 'overdue' : status),
       ut('strong', t.title), `due ${when(t.due)}`,
       state.session && t.assignee && t.assignee === state.session.user ? h('span', {class: 'muted'}, 'yours')
         : person(card, t.assignee, 'for '),
       done], box);
  });
}

// The card's other lists, each newest first.
function history(card, cur) {
  const receipt = (id) => ((card.sales || []).find((e) => e.id === id) || {sale: {}}).sale.receiptNo || id;
  const size = (n) => (n < 1024 ? `${n} bytes` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
  return [
    section('Refunds', newest(card.refunds, 'refund'), ({refund: r = {}}) => entry({class: 'card-refund'},
      [when(r.time), h('strong', {}, receipt(r.sale)), methodName(r.method),
       r.method === 'bonus' ? h('strong', {class: 'amount'}, points(r.amount)) : amount(r.amount, r.currency || cur),
       person(card, r.cashier, 'by ')],
      h('p', {class: 'muted'}, (r.lines || []).map((l) => `line ${(l.lineIndex || 0) + 1} × ${l.quantity}`).join(', ')),
      r.reason && ut('p', r.reason))),
    section('Payments on credit', newest(card.payments, 'payment'), ({payment: p = {}}) => entry({class: 'card-payment'},
      [when(p.time), methodName(p.method), amount(p.amount, p.currency || cur), person(card, p.cashier, 'taken by ')],
      p.comment && ut('p', p.comment))),
    section('Interactions', newest(card.interactions, 'interaction'), ({interaction: i = {}}) =>
      entry({class: 'card-interaction'}, [when(i.time), h('span', {class: 'badge'}, CHANNEL_NAMES[i.channel] || i.channel),
        i.direction || 'inbound', person(card, i.employee, 'by ')], ut('p', i.summary, {class: 'note-text'}))),
    section('Notes', newest(card.notes, 'note'), ({id, note: n = {}}) => entry({class: 'card-note', data: {id}},
      [when(n.time), person(card, n.author, 'by '), n.office && h('span', {class: 'muted'}, n.office)],
      ut('p', n.text, {class: 'note-text'}))),
    section('Feedback', newest(card.feedback, 'feedback'), ({feedback: f = {}}) => {
      const score = Math.max(0, Math.min(5, Number(f.score || 0)));
      return entry({class: 'card-feedback'}, [when(f.time),
        h('span', {class: 'stars', role: 'img', 'aria-label': `${score} of 5`}, '★'.repeat(score) + '☆'.repeat(5 - score)),
        f.sale && h('span', {class: 'muted'}, receipt(f.sale)), person(card, f.employee, 'taken by ')],
        f.comment && ut('p', f.comment, {class: 'feedback-comment'}));
    }),
    section('Files', card.files || [], ({id, file: f = {}}) => entry({class: 'card-file', data: {id}},
      [h('a', {class: 'file-download', href: `/api/file/${id}`, download: f.name || 'file', dir: 'auto'}, f.name || 'file'),
       h('span', {class: 'muted'}, size(Number(f.size || 0))),
       Number(f.time || 0) && h('span', {class: 'muted'}, when(f.time)), person(card, f.author, 'by ')])),
    section('Merged duplicates', card.merged || [], (m) => entry({class: 'card-merged'},
      [ut('span', clientName(m.client)), h('code', {class: 'muted'}, m.id || '')]), 'No duplicates merged into this client'),
  ];
}

// ------------------------------------------------------------- card forms

// A form beside the card. `send` checks the inputs and sends; on success the
// form is reset and the card reloaded.
function cardForm(title, id, inputs, [buttonId, buttonLabel], send, done) {
  const box = errorBox(id + '-error');
  const form = h('form', {id, class: 'side-form', novalidate: true, 'aria-labelledby': id + '-title'},
    h('h3', {id: id + '-title'}, title), inputs, box,
    h('button', {id: buttonId, type: 'submit', class: 'btn btn-primary'}, buttonLabel));
  onSubmit(form, box, async () => {
    await send();
    form.reset();
    toast(done);
    reloadCard();
  });
  return form;
}

// The trimmed value of a required input, or an error pointing at it.
function required(input, message) {
  if (!input.value.trim()) throw inputError(input, message);
  return input.value.trim();
}

function noteForm(client) {
  const text = h('textarea', {id: 'note-text', rows: 3, dir: 'auto', maxlength: 10000});
  const add = writer('addNote');
  return cardForm('Add a note', 'note-form', field('Note', text), ['note-add', 'Add note'],
    () => add({client, text: required(text, 'Write the note first.')}), 'Note added');
}

function taskForm(client) {
  const title = h('input', {id: 'task-title', dir: 'auto', maxlength: 500});
  const due = h('input', {id: 'task-due', type: 'datetime-local', value: officeTomorrowMorning()});
  const assignee = h('input', {id: 'task-assignee', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
                               placeholder: 'you'});
  const create = writer('createTask');
  const form = cardForm('New task', 'task-form',
    [field('What to do', title), h('div', {class: 'field-row'}, field('Due (office time)', due), field('For', assignee, 'a login'))],
    ['task-add', 'Create task'], () => {
      const what = required(title, 'Write what is to be done.');
      // The time typed is the office's wall clock, wherever the browser is.
      const dueMs = officeTimeToUtc(due.value);
      if (Number.isNaN(dueMs)) throw inputError(due, 'Choose when the task is due.');
      return create({client, title: what, due: String(dueMs), assignee: assignee.value.trim()});
    }, 'Task created');
  form.addEventListener('reset', () => setTimeout(() => { due.value = officeTomorrowMorning(); }));
  return form;
}

function interactionForm(client) {
  const channel = select({id: 'interaction-channel'}, CHANNELS, 'call');
  const direction = select({id: 'interaction-direction'}, DIRECTIONS, 'inbound');
  const summary = h('textarea', {id: 'interaction-summary', rows: 2, dir: 'auto'});
  const log = writer('logInteraction');
  return cardForm('Log a contact', 'interaction-form',
    [h('div', {class: 'field-row'}, field('Channel', channel), field('Direction', direction)), field('Summary', summary)],
    ['interaction-add', 'Log contact'], () => log({client, channel: channel.value, direction: direction.value,
                                                   summary: required(summary, 'Write what it was about.')}),
    'Contact logged');
}

function paymentForm(client) {
  const amountInput = h('input', {id: 'payment-amount', inputmode: 'decimal', autocomplete: 'off'});
  const method = select({id: 'payment-method'}, METHODS.filter(([m]) => m !== 'credit' && m !== 'bonus'), 'cash');
  const comment = h('input', {id: 'payment-comment', dir: 'auto'});
  const record = writer('recordPayment');
  return cardForm('Take a payment on credit', 'payment-form',
    [h('div', {class: 'field-row'}, field('Amount', amountInput), field('Method', method)), field('Comment', comment)],
    ['payment-add', 'Record payment'], () => {
      const minor = moneyOf(amountInput, (state.card && state.card.currency) || currency(), 'Amount');
      if (!minor || minor === '0') throw inputError(amountInput, 'Enter the amount paid.');
      return record({client, amount: minor, method: method.value, comment: comment.value.trim()});
    }, 'Payment recorded');
}

// The client form (new and edit) is in desk.js: showClientForm.

// ------------------------------------------------------------------- sales

// The sale form, for `client` ({id, name}) or anonymous (null).
function startSale(client) {
  showPanel('sale');
  clearResults();
  const cur = currency();
  const lines = h('div', {class: 'rows'});
  const pays = h('div', {class: 'rows'});
  const total = h('output', {id: 'sale-total', class: 'sale-total', 'aria-live': 'polite'});
  const campaign = h('input', {id: 'sale-campaign', autocomplete: 'off'});
  const channel = h('input', {id: 'sale-channel', autocomplete: 'off', placeholder: 'store'});
  const tendered = h('input', {id: 'sale-tendered', inputmode: 'decimal', autocomplete: 'off'});
  const box = errorBox('sale-error');
  const record = writer('recordSale');
  const update = () => updateTotal(lines, pays, total, cur);
  const addLine = () => { lines.append(saleLine(update)); update(); focusOn($('.sale-line:last-child .line-sku', lines)); };
  const addPayment = (method) => { pays.append(salePayment(method, client, update)); update(); };

  const form = h('form', {id: 'sale-form', class: 'main-form', novalidate: true, oninput: update},
    h('fieldset', {}, h('legend', {}, 'Items'),
      h('div', {class: 'row-head', 'aria-hidden': 'true'},
        ['SKU', 'Qty', 'Unit price', 'Discount', 'Amount', ''].map((t) => h('span', {}, t))),
      lines,
      h('button', {id: 'add-line', type: 'button', class: 'btn', onclick: addLine}, 'Add line'),
      h('p', {class: 'hint'}, 'An empty unit price is the catalogue price. Enter in a SKU moves to the next line.')),
    h('fieldset', {}, h('legend', {}, 'Payment'),
      pays,
      h('button', {id: 'add-payment', type: 'button', class: 'btn', onclick: () => {
        addPayment('card');
        focusOn($('.sale-payment:last-child .payment-amount', pays));
      }}, 'Add payment'),
      h('p', {class: 'hint'}, 'One payment may be left empty: it takes the rest of the total.'),
      field('Cash received (for the change)', tendered)),
    h('details', {class: 'more'}, h('summary', {}, 'Campaign and channel'),
      h('div', {class: 'field-row'}, field('Campaign code', campaign), field('Channel', channel))),
    total,
    box,
    h('div', {class: 'form-actions'},
      h('button', {id: 'sale-submit', type: 'submit', class: 'btn btn-primary btn-big'}, 'Record sale'),
      h('button', {type: 'button', class: 'btn btn-quiet',
                   onclick: () => (client ? openCard(client.id) : showPanel('home'))}, 'Cancel')));

  onSubmit(form, box, async () => {
    const {payload, rows} = salePayload(lines, pays, cur);
    if (client) payload.client = client.id;
    if (campaign.value.trim()) payload.campaignCode = campaign.value.trim();
    if (channel.value.trim()) payload.channel = channel.value.trim();
    const cash = moneyOf(tendered, cur, 'Cash received');
    // A price or discount beyond the cashier's limit asks for a manager's
    // approval, then the sale goes again with it (a new action: a new key).
    let answer, approval = null, reason = '';
    for (;;) {
      try {
        answer = await record(approval ? {...payload, approval} : payload);
        break;
      } catch (e) {
        if (!needsApproval(e)) throw blame(e, rows, pays);
        const message = e.message;
        blame(e, rows, pays);
        e.message = message;
        // Why the sale needs it stays; a refused approval says why beside it.
        const refusedApproval = /^approval/.test(e.field || '');
        if (!refusedApproval) reason = message;
        approval = await askApproval(reason, refusedApproval ? message : '');
        if (!approval) throw e;  // cancelled: the refusal stays on the form
      }
    }
    showReceipt(answer.receipt || {}, {client, tendered: cash});
  });

  fill($('#sale-view'), h('h2', {id: 'sale-title'}, 'New sale ',
    client ? [h('span', {class: 'muted'}, 'for '), ut('span', client.name)] : h('span', {class: 'muted'}, '(no client)')), form);
  addLine();
  addPayment('cash');
}

function saleLine(update) {
  const input = (cls, label, props) => h('input', {class: cls, 'aria-label': label, autocomplete: 'off', ...props});
  const sku = input('line-sku', 'SKU', {spellcheck: 'false', placeholder: 'SKU or barcode'});
  const row = h('div', {class: 'sale-line'}, sku,
    input('line-qty', 'Quantity', {type: 'number', min: 1, max: 100000, step: 1, value: 1}),
    input('line-price', 'Unit price', {inputmode: 'decimal', placeholder: 'catalogue'}),
    input('line-discount', 'Discount', {inputmode: 'decimal', placeholder: '0'}),
    h('output', {class: 'line-amount num'}),
    h('button', {type: 'button', class: 'btn btn-small btn-quiet', 'aria-label': 'Remove this line', onclick: () => {
      if (row.parentNode.children.length > 1) { row.remove(); update(); }
    }}, '✕'));
  // A barcode scanner ends with Enter: go to the next line instead of submitting.
  sku.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !sku.value.trim()) return;
    event.preventDefault();
    if (row.nextElementSibling) focusOn($('.line-sku', row.nextElementSibling));
    else $('#add-line').click();
  });
  return row;
}

function salePayment(method, client, update) {
  // Credit and bonus need a client; an anonymous sale does not offer them.
  const methods = METHODS.filter(([m]) => client || (m !== 'credit' && m !== 'bonus'));
  const picker = select({class: 'payment-method', 'aria-label': 'Payment method'}, methods, method);
  const amountInput = h('input', {class: 'payment-amount', 'aria-label': 'Amount paid (empty: the rest)', inputmode: 'decimal',
                                  placeholder: 'the rest', autocomplete: 'off'});
  // Bonus is typed in points, and says how many the client has.
  const unit = h('span', {class: 'payment-unit muted'});
  const relabel = () => {
    const bonus = picker.value === 'bonus';
    amountInput.placeholder = bonus ? 'points' : 'the rest';
    amountInput.inputMode = bonus ? 'numeric' : 'decimal';
    amountInput.setAttribute('aria-label', bonus ? 'Bonus points to spend' : 'Amount paid (empty: the rest)');
    unit.textContent = bonus ? `points${client && client.points != null ? ` (has ${points(client.points)})` : ''}` : '';
  };
  picker.addEventListener('change', relabel);
  relabel();
  const row = h('div', {class: 'sale-payment'},
    picker,
    amountInput,
    unit,
    h('button', {type: 'button', class: 'btn btn-small btn-quiet', 'aria-label': 'Remove this payment', onclick: () => {
      if (row.parentNode.children.length > 1) { row.remove(); update(); }
    }}, '✕'));
  return row;
}

// One line of the sale form as the API wants it, or null for a blank row.
// Throws an inputError for what cannot be sent.
function readLine(row, cur) {
  const [sku, qty, price, discount] = ['.line-sku', '.line-qty', '.line-price', '.line-discount'].map((c) => $(c, row));
  if (!sku.value.trim() && !price.value.trim() && !discount.value.trim()) return null;
  if (!sku.value.trim()) throw inputError(sku, 'Enter the SKU of every line.');
  const quantity = Number(qty.value.trim());
  if (!/^\d{1,6}$/.test(qty.value.trim()) || quantity < 1 || quantity > 100000) {
    throw inputError(qty, 'The quantity is a whole number from 1 to 100,000.');
  }
  const line = {sku: sku.value.trim(), quantity, discount: moneyOf(discount, cur, 'Discount') || '0'};
  const unitPrice = moneyOf(price, cur, 'Unit price');
  if (unitPrice != null) line.unitPrice = unitPrice;  // absent: the catalogue price (-1)
  return line;
}

// The running total of the lines whose price is typed.
function updateTotal(lines, pays, out, cur) {
  let total = 0n, unpriced = 0, paid = 0n;
  for (const row of $$('.sale-line', lines)) {
    const shown = $('.line-amount', row);
    let line;
    try { line = readLine(row, cur); } catch (e) { shown.textContent = '?'; continue; }
    shown.textContent = !line ? '' : 'catalogue';
    if (line && line.unitPrice == null) unpriced++;
    if (!line || line.unitPrice == null) continue;
    const value = BigInt(line.quantity) * BigInt(line.unitPrice) - BigInt(line.discount);
    shown.textContent = money(value.toString(), cur);
    total += value;
  }
  for (const row of $$('.sale-payment', pays)) {
    const input = $('.payment-amount', row);
    try {
      paid += toBig($('.payment-method', row).value === 'bonus' ? pointsOf(input, '') : parseMoney(input.value, cur, ''));
    } catch (e) { /* reported on submit */ }
  }
  fill(out, 'Total ', h('strong', {}, money(total.toString(), cur)),
    unpriced > 0 && h('span', {class: 'muted'}, ` + ${plural(unpriced, 'line', 'lines')} at the catalogue price`),
    paid > 0n && h('span', {class: 'muted'}, ` · payments typed ${money(paid.toString(), cur)}`));
}

// The lines and payments of the recordSale body, and the row of each line sent.
function salePayload(lines, pays, cur) {
  const payload = {lines: [], payments: []}, rows = [];
  for (const row of $$('.sale-line', lines)) {
    const line = readLine(row, cur);
    if (line) { payload.lines.push(line); rows.push(row); }
  }
  if (!payload.lines.length) throw inputError($('.line-sku', lines), 'Add at least one line.');
  let open = 0;
  for (const row of $$('.sale-payment', pays)) {
    const input = $('.payment-amount', row);
    // Bonus is typed in points (1 point pays 1 minor unit).
    const minor = ($('.payment-method', row).value === 'bonus' ? pointsOf(input, 'Bonus points')
                                                               : moneyOf(input, cur, 'Amount paid')) || '0';  // "0": the rest
    if (minor === '0' && ++open > 1) throw inputError(input, 'Only one payment may be left empty (the rest).');
    payload.payments.push({method: $('.payment-method', row).value, amount: minor});
  }
  return {payload, rows};
}

// Points a server error naming a field ("lines[2].quantity", "payments[0]") at its input.
function blame(error, rows, pays) {
  const m = /^(lines|payments)\[(\d+)\](?:\.(\w+))?/.exec(error.field || '');
  const index = m ? Number(m[2]) : -1;
  if (m && m[1] === 'lines' && rows[index]) {
    const cls = {quantity: '.line-qty', unitPrice: '.line-price', discount: '.line-discount'}[m[3]] || '.line-sku';
    error.input = $(cls, rows[index]);
    error.message = `Line ${index + 1}: ${error.message}`;
  } else if (m && m[1] === 'payments' && $$('.payment-amount', pays)[index]) {
    error.input = $$('.payment-amount', pays)[index];
    error.message = `Payment ${index + 1}: ${error.message}`;
  }
  return error;
}

// True for a refusal that a manager's approval may lift: a line's price or
// discount beyond the seller's limit, or an approval that did not pass.
function needsApproval(error) {
  const field = error.field || '';
  return /^approval(\.|$)/.test(field) ||
    (error.code === 'permissionDenied' && /^lines\[\d+\]\.(unitPrice|discount)$/.test(field));
}

// Asks for a manager's login and password for one sale, saying `reason`
// (and `problem`, what was wrong with the last approval, if anything).
// Resolves with {login, password}, or null if cancelled. The password is
// kept nowhere: the dialog goes once answered.
function askApproval(reason, problem) {
  return new Promise((resolve) => {
    const login = h('input', {id: 'approval-login', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false'});
    const password = h('input', {id: 'approval-password', type: 'password', autocomplete: 'off'});
    const box = errorBox('approval-error');
    const form = h('form', {id: 'approval-form', method: 'dialog', novalidate: true},
      h('h2', {id: 'approval-title'}, 'A manager’s approval'),
      ut('p', reason.replace(/ \(--approve-by LOGIN\)/, ''), {id: 'approval-reason'}),
      field('Manager’s login', login),
      field('Password', password),
      box,
      h('div', {class: 'form-actions'},
        h('button', {id: 'approval-submit', type: 'submit', class: 'btn btn-primary'}, 'Approve'),
        h('button', {id: 'approval-cancel', type: 'button', class: 'btn btn-quiet'}, 'Cancel')));
    const dialog = h('dialog', {id: 'approval-dialog', class: 'dialog', 'aria-labelledby': 'approval-title'}, form);
    let answer = null;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!login.value.trim() || !password.value) {
        showError(box, {message: 'Enter the manager’s login and password.'});
        focusOn(!login.value.trim() ? login : password);
        return;
      }
      answer = {login: login.value.trim(), password: password.value};
      dialog.close();
    });
    $('#approval-cancel', form).addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      password.value = '';
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    showError(box, problem ? {message: problem} : null);
    dialog.showModal();
    focusOn(login);
  });
}

// ----------------------------------------------------------------- receipt

// A sale of the card shown again as its receipt.
const reprint = (receiptNo, card) => api('getSale', receiptNo).then(
  (answer) => showReceipt(answer.receipt || {}, {client: {id: card.id, name: clientName(card.client)}}),
  (e) => toast(`The receipt could not be loaded: ${e.message}`));

// Shows a SaleEntry as a receipt. `tendered`: the cash handed over, for the change.
function showReceipt(sold, {client = null, tendered = null} = {}) {
  const s = sold.sale || {};
  const cur = s.currency || currency();
  const pays = s.payments || [];
  const row = (label, value, cls, id) => h('div', {class: 'receipt-row ' + (cls || '')}, h('dt', {}, label), h('dd', {id}, value));
  const change = tendered && BigInt(tendered) - sum(pays.filter((p) => p.method === 'cash'));
  const credit = sum(pays.filter((p) => p.method === 'credit'));
  const totals = [
    row('Total', money(s.total, cur), 'receipt-grand', 'receipt-total'),
    pays.map((p) => row(methodName(p.method), paidText(p.method, p.amount, cur))),
    tendered && row('Cash received', money(tendered, cur)),
    tendered && (change >= 0n ? row('Change', money(change.toString(), cur), 'receipt-grand')
                              : row('Still to collect in cash', money((-change).toString(), cur), 'receipt-alert')),
    credit > 0n && row('Put on the client’s account', money(credit.toString(), cur), 'receipt-alert'),
    toBig(sold.refunded) > 0n && row('Refunded', money(sold.refunded, cur)),
    toBig(sold.overRefunded) > 0n && row('Refunded beyond the sale', money(sold.overRefunded, cur), 'receipt-alert'),
  ];
  const lines = (s.lines || []).map((l) => h('tr', {},
    h('td', {}, ut('div', l.name || l.sku), h('div', {class: 'muted small'}, l.sku || ''),
      toBig(l.discount) > 0n && h('div', {class: 'small'}, `discount −${money(l.discount, cur)}`)),
    h('td', {class: 'num'}, `${l.quantity} × ${money(l.unitPrice, cur)}`),
    h('td', {class: 'num'}, money(l.amount, cur))));
  fill($('#receipt-view'),
    h('article', {id: 'receipt', class: 'receipt', 'aria-labelledby': 'receipt-title'},
      h('header', {class: 'receipt-head'},
        h('p', {class: 'receipt-office'}, s.office || (state.session || {}).office || ''),
        h('h2', {id: 'receipt-title'}, 'Receipt ', h('span', {id: 'receipt-no'}, s.receiptNo || '')),
        h('p', {}, when(s.time)),
        client && ut('p', client.name),
        sold.approvedBy && ut('p', `Approved by ${sold.approvedBy}`, {id: 'receipt-approved', class: 'small'}),
        s.campaignCode && ut('p', `Campaign ${s.campaignCode}`, {class: 'small'})),
      h('table', {class: 'receipt-lines'},
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Item'), h('th', {scope: 'col', class: 'num'}, 'Qty × price'),
                                  h('th', {scope: 'col', class: 'num'}, 'Amount'))),
        h('tbody', {}, lines)),
      h('dl', {class: 'receipt-totals'}, totals),
      h('footer', {class: 'receipt-foot small'}, `Sale ${sold.id || ''}`, h('br'), 'Thank you!')),
    h('div', {class: 'receipt-actions'},
      h('button', {id: 'receipt-print', type: 'button', class: 'btn btn-primary', onclick: () => window.print()}, 'Print'),
      h('button', {id: 'receipt-back', type: 'button', class: 'btn', onclick: () => (client ? openCard(client.id) : startSale(null))},
        client ? 'Back to the card' : 'New sale'),
      client && h('button', {id: 'receipt-new-sale', type: 'button', class: 'btn', onclick: () => startSale(client)},
                  'New sale for this client')));
  showPanel('receipt');
  focusOn($('#receipt-print'));
}

// ------------------------------------------------------------------- start

async function start() {
  setUpLogin();
  setUpSearch();
  $('#new-client').addEventListener('click', () => showClientForm());
  $('#anon-sale').addEventListener('click', () => startSale(null));
  // A session cookie may still be valid (after a reload): ask the server.
  try {
    const s = (await api('status')).status || {};
    enterApp(s.you || {office: s.office, currency: s.currency});
    renderStatus(s);
  } catch (e) {
    if (e.network) $('#server-banner').hidden = false;
    $('#login-name').focus();
  }
}

// The script is deferred: the document is parsed by now.
start();
