// The rest of the desk that pos has (docs/web.md): the client form (new and
// edit, with address, consents and attributes), refunds with a manager's
// approval, feedback, files up and down, deals opened and moved from the
// card, and times in the office's time zone. Uses app.js's helpers (h, ut,
// fill, field, select, api, writer, onSubmit, inputError, showError, toast,
// askApproval, money, moneyOf, state ...); loaded after it.
'use strict';

// ------------------------------------------------------- the office's time

// The office's IANA time zone (the session says it), or undefined: the
// browser's own, for a node that did not say.
function officeZone() {
  const zone = state.session && state.session.timeZone;
  if (!zone) return undefined;
  try { new Intl.DateTimeFormat(undefined, {timeZone: zone}); return zone; } catch (e) { return undefined; }
}

// The wall-clock fields of UTC ms `utc` in the office's zone.
function officeParts(utc) {
  const parts = new Intl.DateTimeFormat('en-US', {timeZone: officeZone(), hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'}).formatToParts(new Date(utc));
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

// How far the office's wall clock is ahead of UTC at `utc` (ms).
function officeOffset(utc) {
  const p = officeParts(utc);
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(utc / 1000) * 1000;
}

// "2026-11-30T15:00" (or a date alone: midnight) read as the office's wall
// clock -> UTC ms; NaN for anything else.
function officeTimeToUtc(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(String(value || ''));
  if (!m) return NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
  // The offset at the guess, then at the corrected time (a zone change between them).
  const first = wall - officeOffset(wall);
  return wall - officeOffset(first);
}

// A datetime-local value of tomorrow at 10:00 on the office's calendar.
function officeTomorrowMorning() {
  const p = officeParts(Date.now() + 86400000);
  return `${p.year}-${p.month}-${p.day}T10:00`;
}

// ---------------------------------------------------------------- people

// The name of user `id` as the card knows it: "Olga Petrova (olga)", or the id.
function cardPersonName(card, id) {
  if (!id) return '';
  const person = ((card && card.people) || []).find((p) => p.id === id);
  return person ? personName(person.login, person.displayName) : id;
}

// A person's name on the card, as user text.
const person = (card, id, prefix = '') => id && ut('span', prefix + cardPersonName(card, id), {class: 'person'});

// ---------------------------------------------------------------- points

// Bonus points are spent 1 point = 1 minor unit, and typed and shown as points.
const points = (n) => `${toBig(n).toLocaleString()} ${toBig(n) === 1n ? 'point' : 'points'}`;

// A whole number of points typed into `input`, as a decimal string; "" -> null.
function pointsOf(input, what) {
  const text = String(input.value || '').replace(/[\s\u00a0\u202f,]/g, '');
  if (text === '') return null;
  if (!/^\d{1,15}$/.test(text)) throw inputError(input, `${what}: bonus points are a whole number, like 250`);
  return BigInt(text).toString();
}

// A payment part as people read it: money, or points for bonus.
const paidText = (method, minor, cur) => (method === 'bonus' ? points(minor) : money(minor, cur));

// ---------------------------------------------------------- the client form

const CONSENTS = [['consentEmail', 'Email'], ['consentSms', 'SMS'], ['consentPhone', 'Phone calls'],
                  ['consentPost', 'Post'], ['consentMessenger', 'Messengers']];
const CONSENT_STATES = [['unknown', 'Not asked'], ['granted', 'Granted'], ['refused', 'Refused']];
const GENDERS = [['unspecified', '—'], ['female', 'Female'], ['male', 'Male'], ['other', 'Other']];
const ADDRESS = [['street', 'Street, house, flat'], ['city', 'City'], ['postalCode', 'Postal code'],
                 ['region', 'Region'], ['country', 'Country (2 letters)']];

// The consents a client gave or refused, as one line; null if none was asked.
function consentsText(c) {
  const asked = CONSENTS.filter(([key]) => c[key] && c[key] !== 'unknown')
    .map(([key, label]) => `${label}: ${c[key] === 'granted' ? 'yes' : 'no'}`);
  return asked.length ? h('span', {id: 'card-consents'}, asked.join(' · ')) : null;
}

// Lines of a textarea (or comma-separated words), trimmed, without blanks or repeats.
const listOf = (text, commas) => [...new Set(String(text || '').split(commas ? /[\n,]/ : /\n/)
  .map((s) => s.trim()).filter(Boolean))];

// One key/value row of the attributes.
function attributeRow(key = '', value = '') {
  const row = h('div', {class: 'attribute-row'},
    h('input', {class: 'attribute-key', 'aria-label': 'Attribute', dir: 'auto', value: key, placeholder: 'car brand'}),
    h('input', {class: 'attribute-value', 'aria-label': 'Value', dir: 'auto', value, placeholder: 'Volvo'}),
    h('button', {type: 'button', class: 'btn btn-small btn-quiet attribute-remove', 'aria-label': 'Remove this attribute',
                 onclick: () => row.remove()}, '✕'));
  return row;
}

// The client form: a new client (from what was searched for: a phone, an
// email or a name), or the edit of `card`'s client. Sends only what changed.
function showClientForm(query = '', card = null) {
  showPanel('client');
  clearResults();
  $('#search').value = '';
  const c = (card && card.client) || {};
  const q = query.trim();
  const isPhone = /^\+?[\d\s()-]{5,}$/.test(q), isEmail = q.includes('@');
  const words = card || isPhone || isEmail ? [] : q.split(/\s+/).filter(Boolean);
  const input = (id, value, props = {}) => h('input', {id, autocomplete: 'off', dir: 'auto', value, ...props});
  const el = {
    kind: select({id: 'client-kind'}, [['person', 'Person'], ['company', 'Company']], c.kind || 'person'),
    firstName: input('client-first-name', card ? c.firstName : words[0]),
    middleName: input('client-middle-name', c.middleName),
    lastName: input('client-last-name', card ? c.lastName : words.slice(1).join(' ')),
    companyName: input('client-company-name', c.companyName),
    company: input('client-company', c.company, {dir: 'ltr', spellcheck: 'false'}),
    phones: h('textarea', {id: 'client-phones', rows: 2, dir: 'ltr'}, card ? (c.phones || []).join('\n') : (isPhone ? q : '')),
    emails: h('textarea', {id: 'client-emails', rows: 2, dir: 'ltr'}, card ? (c.emails || []).join('\n') : (isEmail ? q : '')),
    loyaltyCard: input('client-card', c.loyaltyCard, {dir: null}),
    birthDate: input('client-birth', c.birthDate, {type: 'date', dir: null}),
    gender: select({id: 'client-gender'}, GENDERS, c.gender || 'unspecified'),
    tags: input('client-tags', (c.tags || []).join(', ')),
    acquisitionChannel: input('client-source', c.acquisitionChannel),
  };
  const address = Object.fromEntries(ADDRESS.map(([key]) => [key, input(`client-address-${key}`, (c.address || {})[key])]));
  const consents = Object.fromEntries(CONSENTS.map(([key]) =>
    [key, select({id: `client-${key}`, class: 'consent'}, CONSENT_STATES, c[key] || 'unknown')]));
  const attributes = h('div', {id: 'client-attributes', class: 'rows'},
    (c.attributes || []).map((a) => attributeRow(a.key, a.value)));
  const box = errorBox('client-error');
  const save = writer('saveClient');
  const back = () => (card ? openCard(card.id) : showPanel('home'));
  const form = h('form', {id: 'client-form', class: 'main-form', novalidate: true},
    h('fieldset', {}, h('legend', {}, 'Name'),
      h('div', {class: 'field-row'}, field('Kind', el.kind), field('Company name', el.companyName, 'for a company')),
      h('div', {class: 'field-row'}, field('First name', el.firstName), field('Middle name', el.middleName),
        field('Last name', el.lastName))),
    h('fieldset', {}, h('legend', {}, 'Contacts'),
      h('div', {class: 'field-row'}, field('Phones', el.phones, 'One a line, any common format'),
        field('Emails', el.emails, 'One a line'))),
    h('fieldset', {}, h('legend', {}, 'Address'),
      field(ADDRESS[0][1], address.street),
      h('div', {class: 'field-row'}, ADDRESS.slice(1).map(([key, label]) => field(label, address[key])))),
    h('fieldset', {}, h('legend', {}, 'About'),
      h('div', {class: 'field-row'}, field('Birth date', el.birthDate), field('Gender', el.gender),
        field('Loyalty card', el.loyaltyCard)),
      h('div', {class: 'field-row'}, field('Tags', el.tags, 'Comma-separated'),
        field('Came through', el.acquisitionChannel, 'walk-in, web, referral ...'),
        field('Member of company', el.company, 'the company’s client id, from its card'))),
    h('fieldset', {}, h('legend', {}, 'Marketing consent'),
      h('div', {class: 'field-row consents'}, CONSENTS.map(([key, label]) => field(label, consents[key])))),
    h('fieldset', {}, h('legend', {}, 'Attributes'),
      h('p', {class: 'hint'}, 'Car brand, children, preferences ...: one key and value a row.'),
      attributes,
      h('button', {id: 'client-attribute-add', type: 'button', class: 'btn',
                   onclick: () => { attributes.append(attributeRow()); focusOn($('.attribute-row:last-child .attribute-key', attributes)); }},
        'Add attribute')),
    box,
    h('div', {class: 'form-actions'},
      h('button', {id: 'client-save', type: 'submit', class: 'btn btn-primary'}, card ? 'Save changes' : 'Save client'),
      h('button', {id: 'client-cancel', type: 'button', class: 'btn btn-quiet', onclick: back}, 'Cancel')));
  onSubmit(form, box, async () => {
    const payload = clientChanges(c, el, address, consents, attributes, Boolean(card));
    if (card) payload.id = card.id;
    const answer = await save(payload);
    toast(card ? 'Client saved' : 'Client added');
    await openCard(card ? card.id : answer.saved);
  });
  fill($('#client-view'), h('h2', {id: 'client-title'}, card ? ['Edit ', ut('span', clientName(c))] : 'New client'), form);
  focusOn(card ? el.firstName : [el.firstName, el.lastName, el.phones, el.emails].find((x) => !x.value) || el.firstName);
}

// The saveClient body for what the form holds against the client `c` as it
// was: the scalar fields that differ (all that are set, for a new client),
// and the phones, emails, tags and attributes added and removed.
function clientChanges(c, el, address, consents, attributes, editing) {
  const client = {}, fields = [], payload = {client};
  const set = (key, value, unset) => {
    if ((c[key] || unset) === (value || unset)) return;
    fields.push(key);
    if (value && value !== unset) client[key] = value;
  };
  for (const key of ['firstName', 'middleName', 'lastName', 'companyName', 'loyaltyCard', 'acquisitionChannel']) {
    set(key, el[key].value.trim());
  }
  set('kind', el.kind.value, 'person');
  set('gender', el.gender.value, 'unspecified');
  if (el.birthDate.value !== (c.birthDate || '')) {
    if (!el.birthDate.value) throw inputError(el.birthDate, 'A birth date cannot be taken away here; correct it instead.');
    set('birthDate', el.birthDate.value);
  }
  const company = el.company.value.trim().toUpperCase();
  if (company && !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(company)) throw inputError(el.company, 'A company is named by its client id: 26 letters and digits.');
  if (company !== (c.company || '')) {
    if (!company) throw inputError(el.company, 'Name the company the client belongs to.');
    set('company', company);
  }
  for (const [key, select] of Object.entries(consents)) set(key, select.value, 'unknown');
  const was = c.address || {}, now = {};
  for (const [key, input] of Object.entries(address)) if (input.value.trim()) now[key] = input.value.trim();
  if (Object.keys(address).some((key) => (was[key] || '') !== (now[key] || ''))) {
    fields.push('address');
    client.address = now;
  }
  if (client.kind !== 'company' && el.kind.value !== 'company' && !el.firstName.value.trim() && !el.lastName.value.trim()) {
    throw inputError(el.firstName, 'Enter a name.');
  }
  if (el.kind.value === 'company' && !el.companyName.value.trim()) throw inputError(el.companyName, 'Enter the company’s name.');
  const diff = (key, before, after) => {
    const added = after.filter((x) => !before.includes(x)), removed = before.filter((x) => !after.includes(x));
    if (added.length) payload['add' + key] = added;
    if (removed.length) payload['remove' + key] = removed;
  };
  diff('Phones', c.phones || [], listOf(el.phones.value));
  diff('Emails', c.emails || [], listOf(el.emails.value).map((m) => m.toLowerCase()));
  diff('Tags', c.tags || [], listOf(el.tags.value, true));
  const before = Object.fromEntries((c.attributes || []).map((a) => [a.key, a.value]));
  const after = {};
  for (const row of $$('.attribute-row', attributes)) {
    const key = $('.attribute-key', row), value = $('.attribute-value', row);
    if (!key.value.trim() && !value.value.trim()) continue;
    if (!key.value.trim()) throw inputError(key, 'Name the attribute (car brand, children ...).');
    if (key.value.trim() in after) throw inputError(key, `“${key.value.trim()}” is there twice.`);
    after[key.value.trim()] = value.value.trim();
  }
  const setAttributes = Object.entries(after).filter(([k, v]) => before[k] !== v).map(([key, value]) => ({key, value}));
  const removeAttributes = Object.keys(before).filter((k) => !(k in after));
  if (setAttributes.length) payload.setAttributes = setAttributes;
  if (removeAttributes.length) payload.removeAttributes = removeAttributes;
  if (editing) {
    if (fields.length) payload.fields = fields;
    if (!fields.length && Object.keys(payload).length === 1) throw new Error('Nothing was changed.');
  } else if (!client.kind) {
    client.kind = 'person';
  }
  return payload;
}

// --------------------------------------------------------------- refunds

// What is left to refund of each line of sale entry `e`, after the card's refunds.
function refundable(card, e) {
  const left = (e.sale.lines || []).map((l) => Number(l.quantity || 0));
  for (const {refund: r = {}} of card.refunds || []) {
    if (r.sale !== e.id) continue;
    for (const l of r.lines || []) left[l.lineIndex || 0] -= Number(l.quantity || 0);
  }
  return left.map((n) => Math.max(0, n));
}

// True for a refusal a manager's approval lifts: the caller's role may not
// refund, or the approval given did not pass.
const refundNeedsApproval = (e) => e.code === 'permissionDenied' && (!e.field || /^approval(\.|$)/.test(e.field));

// The refund dialog of sale entry `e` on `card`: the quantities to give
// back, how, and why; a cashier's refund then asks for a manager's approval.
function refundSale(card, e) {
  const s = e.sale || {};
  const cur = s.currency || card.currency || currency();
  const left = refundable(card, e);
  const qty = (s.lines || []).map((l, i) => h('input', {class: 'refund-qty', type: 'number', min: 0, max: left[i], step: 1,
    value: 0, data: {line: i}, 'aria-label': `Quantity of line ${i + 1} to refund`, disabled: left[i] === 0}));
  const methods = METHODS.filter(([m]) => card.id || (m !== 'credit' && m !== 'bonus'));
  const method = select({id: 'refund-method'}, methods, (s.payments || [])[0] ? s.payments[0].method : 'cash');
  const reason = h('input', {id: 'refund-reason', dir: 'auto', maxlength: 500});
  const box = errorBox('refund-error');
  const form = h('form', {id: 'refund-form', novalidate: true},
    h('h2', {id: 'refund-title'}, 'Refund ', h('span', {}, s.receiptNo || '')),
    table(['Item', 'Sold ', 'Left ', 'Amount ', 'Refund '], (s.lines || []).map((l, i) =>
      [ut('span', l.name || l.sku), String(l.quantity || 0), String(left[i]), money(l.amount, cur), qty[i]])),
    h('div', {class: 'field-row'}, field('Money goes back as', method), field('Reason', reason)),
    box,
    h('div', {class: 'form-actions'},
      h('button', {id: 'refund-submit', type: 'submit', class: 'btn btn-primary'}, 'Refund'),
      h('button', {id: 'refund-cancel', type: 'button', class: 'btn btn-quiet'}, 'Cancel')));
  const dialog = h('dialog', {id: 'refund-dialog', class: 'dialog dialog-wide', 'aria-labelledby': 'refund-title'}, form);
  const refund = writer('refundSale');
  onSubmit(form, box, async () => {
    const lines = [];
    qty.forEach((input, i) => {
      const n = Number(input.value || 0);
      if (!Number.isInteger(n) || n < 0 || n > left[i]) throw inputError(input, `Line ${i + 1}: refund 0 to ${left[i]}.`);
      if (n > 0) lines.push({lineIndex: i, quantity: n});
    });
    if (!lines.length) throw inputError(qty.find((q) => !q.disabled) || method, 'Choose what to refund.');
    const payload = {sale: s.receiptNo || e.id, lines, method: method.value, reason: reason.value.trim()};
    let answer, approval = null, why = '';
    for (;;) {
      try {
        answer = await refund(approval ? {...payload, approval} : payload);
        break;
      } catch (err) {
        if (!refundNeedsApproval(err)) throw err;
        const refused = /^approval/.test(err.field || '');
        if (!refused) why = `${err.message}. An office manager may approve it here.`;
        approval = await askApproval(why, refused ? err.message : '');
        if (!approval) throw err;  // cancelled: the refusal stays in the dialog
      }
    }
    const r = (answer.refund || {}).refund || {};
    dialog.close();
    toast(`Refunded ${paidText(r.method, r.amount, r.currency || cur)}${approval ? ', approved by ' + approval.login : ''}`);
    reloadCard();
  });
  $('#refund-cancel', form).addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  focusOn(qty.find((q) => !q.disabled) || method);
}

// ---------------------------------------------------- feedback, files, deals

function feedbackForm(client) {
  const score = select({id: 'feedback-score'}, [['5', '★★★★★ 5'], ['4', '★★★★ 4'], ['3', '★★★ 3'], ['2', '★★ 2'], ['1', '★ 1']], '5');
  const comment = h('textarea', {id: 'feedback-comment', rows: 2, dir: 'auto', maxlength: 2000});
  const sale = h('input', {id: 'feedback-sale', autocomplete: 'off', placeholder: 'receipt number (optional)'});
  const record = writer('recordFeedback');
  return cardForm('Feedback', 'feedback-form',
    [field('Score', score), field('Comment', comment), field('About the sale', sale)],
    ['feedback-add', 'Record feedback'], () => {
      const payload = {client, score: Number(score.value), comment: comment.value.trim()};
      if (sale.value.trim()) payload.sale = sale.value.trim();
      return record(payload);
    }, 'Feedback recorded');
}

// Sends the file chosen in `input` to client `client` (the bytes as they are).
async function uploadFile(client, input) {
  const file = input.files && input.files[0];
  if (!file) throw inputError(input, 'Choose a file first.');
  if (!file.size) throw inputError(input, `${file.name} is empty.`);
  const query = new URLSearchParams({client, name: file.name, type: file.type || 'application/octet-stream'});
  let response, body = null;
  try {
    response = await fetch('/api/attachFile?' + query, {method: 'POST', body: file,
      headers: {'Content-Type': 'application/octet-stream', 'Idempotency-Key': newId()}});
  } catch (e) {
    throw apiError('The office server is not answering. Check the connection and try again.', {network: true});
  }
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.ok && body && !body.error) return body;
  const error = (body && body.error) || {};
  if (response.status === 401) sessionLost();
  const tooBig = response.status === 413;
  throw inputError(input, tooBig ? `${file.name} is too large to attach: ${error.message || 'over the limit'}.`
                                 : error.message || `The server answered ${response.status}`);
}

function fileForm(client) {
  const input = h('input', {id: 'file-input', type: 'file'});
  return cardForm('Attach a file', 'file-form', field('File', input), ['file-attach', 'Attach'],
    () => uploadFile(client, input), 'File attached');
}

const STAGES = [['lead', 'Lead'], ['qualified', 'Qualified'], ['proposal', 'Proposal'], ['negotiation', 'Negotiation'],
                ['won', 'Won'], ['lost', 'Lost']];

// A stage picker and "Move" for deal `id` (at `stage`): saveDeal with the new
// stage. `onMoved(stage)` runs once it is stored. For the card's deals too.
function dealStageControl(id, stage, onMoved, box = errorBox(null)) {
  const picker = select({class: 'deal-stage', 'aria-label': 'Move the deal to'}, STAGES, stage);
  const move = writer('saveDeal');
  const button = h('button', {type: 'button', class: 'btn btn-small deal-move', onclick: async () => {
    button.disabled = true;
    showError(box, null);
    try {
      await move({deal: id, stage: picker.value});
      toast(`Deal moved to ${picker.selectedOptions[0].textContent}`);
      if (onMoved) onMoved(picker.value);
    } catch (e) {
      showError(box, e);
    } finally {
      button.disabled = false;
    }
  }}, 'Move');
  return h('span', {class: 'deal-control', data: {deal: id}}, picker, button, box);
}

// Opens a deal for client `client`; the deal just opened can be moved on at once.
function dealForm(client) {
  const title = h('input', {id: 'deal-title', dir: 'auto', maxlength: 200});
  const amountInput = h('input', {id: 'deal-amount', inputmode: 'decimal', autocomplete: 'off'});
  const stage = select({id: 'deal-stage'}, STAGES.slice(0, 4), 'lead');
  const opened = h('div', {id: 'deal-opened', 'aria-live': 'polite'});
  const open = writer('saveDeal');
  const form = cardForm('Open a deal', 'deal-form',
    [field('Deal', title), h('div', {class: 'field-row'}, field('Expected amount', amountInput), field('Stage', stage))],
    ['deal-add', 'Open deal'], async () => {
      const what = required(title, 'Name the deal.');
      const minor = moneyOf(amountInput, (state.card && state.card.currency) || currency(), 'Expected amount') || '0';
      const answer = await open({client, title: what, amount: minor, stage: stage.value});
      fill(opened, h('p', {class: 'muted'}, 'Opened ', ut('strong', what), ': '),
        dealStageControl(answer.saved, stage.value, null));
    }, 'Deal opened');
  form.append(opened);
  return form;
}

