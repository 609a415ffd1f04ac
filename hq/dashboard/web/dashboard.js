// The headquarters managers' dashboard (docs/web.md). Plain ES2020, no
// framework: every element is built with h() and filled with textContent, so
// nothing from the server is ever parsed as HTML. Charts are SVG built here.
'use strict';

(() => {
  // ---------------------------------------------------------------- state

  const SECTIONS = ['overview', 'sales', 'segments', 'effectiveness', 'credit', 'forecast', 'satisfaction',
    'pipeline', 'offices', 'catalogue', 'duplicates', 'conflicts', 'anomalies', 'users'];
  const MANAGER_ROLES = ['hqManager', 'admin'];
  // Sections read afresh whenever shown (the reports wait for a change).
  const LIVE_SECTIONS = ['pipeline', 'offices', 'catalogue', 'duplicates', 'conflicts', 'anomalies', 'users'];
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const OFFICES_REFRESH_MS = 5000;

  const state = {
    section: '',          // the section on screen
    zone: 'UTC',          // IANA zone of the period and of the times shown
    from: '', to: '',     // the period, YYYY-MM-DD, `to` inclusive; '' open
    currency: '',         // the currency of the reports that take --currency
    currencies: [],       // currencies the sales are in
    stale: new Set(SECTIONS),
    tickets: {},          // section -> number of its latest load
    officesTimer: 0, officesBusy: false,  // the 5 s refresh of the offices' links
    merge: null,          // {survivor, duplicate, key} while a merge awaits confirmation
    products: [],         // the catalogue as last listed
    editing: null,        // {sku, prices, officePrices, key} of the product in the form
    currencyReady: Promise.resolve(),  // settles once the currencies are known
    firstOffices: null,   // sales by office of all time, fetched to learn them
  };

  // ---------------------------------------------------------------- DOM

  const $ = (selector, root = document) => root.querySelector(selector);
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // The one render helper. h('td', {class: 'num', dir: 'auto'}, 'text', node)
  // makes an HTML element; a tag 'svg:rect' makes an SVG one. Props: dataset
  // (an object), anything else an attribute; null, undefined and false are
  // left out. Children: strings (as text), nodes, arrays; null and false skipped.
  function h(tag, props = {}, ...children) {
    const svg = tag.startsWith('svg:');
    const node = svg ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Fills `table` with a header and one row per item. A column is
  // {label, get(row) -> text or node, num (right-aligned), auto (user text)}.
  function fillTable(table, columns, rows, rowProps = () => ({}), empty = 'Nothing to show.') {
    const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : null }, c.label))));
    const body = h('tbody');
    for (const row of rows) {
      body.append(h('tr', rowProps(row), columns.map((c) => h('td', {
        class: [c.num ? 'num' : '', c.cls ? c.cls(row) : ''].join(' ').trim() || null,
        dir: c.auto ? 'auto' : null,
      }, c.get(row)))));
    }
    if (rows.length === 0) body.append(h('tr', {}, h('td', { class: 'empty', colspan: columns.length }, empty)));
    table.replaceChildren(head, body);
  }

  // Column makers: right-aligned; a count of `field`; money in minor units
  // of `field` (in the row's currency, else the chosen one).
  const num = (label, get) => ({ label, num: true, get });
  const counted = (label, field) => num(label, (r) => count(r[field]));
  const minor = (label, field) => num(label, (r) => money(r[field], r.currency));

  function sectionEl(name) { return document.getElementById(`section-${name}`); }

  function setStatus(name, text, error = false) {
    const status = $('.status', sectionEl(name));
    status.textContent = text;
    status.classList.toggle('error', error);
  }

  // ---------------------------------------------------------------- formatting

  const numberFormat = new Intl.NumberFormat();
  const formats = new Map();

  // A cached Intl formatter; null if the options are refused (a bad currency).
  function cachedFormat(kind, key, make) {
    const id = `${kind}|${key}`;
    if (!formats.has(id)) {
      try { formats.set(id, make()); } catch { formats.set(id, null); }
    }
    return formats.get(id);
  }

  function moneyFormat(currency, compact = false) {
    return cachedFormat(compact ? 'money-compact' : 'money', currency, () => new Intl.NumberFormat(undefined, {
      style: 'currency', currency, ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
    }));
  }

  // Money arrives as minor units: a decimal string (Int64) or a JSON number.
  function big(value) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') return BigInt(Math.trunc(value));
    try { return BigInt(String(value ?? '0').trim() || '0'); } catch { return 0n; }
  }

  function fractionDigits(currency) {
    const f = moneyFormat(currency);
    return f ? f.resolvedOptions().maximumFractionDigits : 2;
  }

  // "12345" minor units with 2 digits -> "123.45", exactly (no float).
  function decimalOf(minor, digits) {
    const negative = minor < 0n;
    const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
    const whole = text.slice(0, text.length - digits);
    return (negative ? '-' : '') + whole + (digits ? `.${text.slice(text.length - digits)}` : '');
  }

  function money(minor, currency = state.currency) {
    const f = moneyFormat(currency);
    const decimal = decimalOf(big(minor), fractionDigits(currency));
    // Intl formats a decimal string exactly; older engines read it as a number.
    return f ? f.format(decimal) : `${decimal} ${currency || ''}`.trim();
  }

  function moneyCompact(minor, currency = state.currency) {
    const major = Number(minor) / 10 ** fractionDigits(currency);
    const f = moneyFormat(currency, true);
    return f ? f.format(major) : numberFormat.format(major);
  }

  const count = (value) => numberFormat.format(Number(value ?? 0));
  const percent = (ratio) => `${(Number(ratio) * 100).toFixed(1)}%`;
  const share = (part, whole) => (Number(whole) > 0 ? percent(Number(part) / Number(whole)) : '—');
  const fixed = (value, digits = 1) => Number(value ?? 0).toFixed(digits);
  const perItem = (total, items) => (big(items) > 0n ? big(total) / big(items) : 0n);

  function timeFormat(style) {
    return cachedFormat(`time-${style}`, state.zone, () => new Intl.DateTimeFormat(undefined, style === 'day'
      ? { dateStyle: 'medium', timeZone: state.zone }
      : { dateStyle: 'medium', timeStyle: 'medium', timeZone: state.zone }));
  }

  function formatTime(ms, style = 'time') {
    const t = Number(ms ?? 0);
    return t ? timeFormat(style).format(new Date(t)) : '—';
  }

  // How long before `now` (the hub's clock, so no skew with this browser).
  function ago(ms, now) {
    const t = Number(ms ?? 0);
    if (!t) return 'never';
    const seconds = Math.max(0, Math.round((now - t) / 1000));
    if (seconds < 60) return `${seconds} s ago`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
  }

  // "2011-03" -> "Mar 2011".
  function monthLabel(month) {
    const [y, m] = String(month).split('-').map(Number);
    if (!y || !m) return String(month);
    return cachedFormat('month', '', () => new Intl.DateTimeFormat(undefined,
      { month: 'short', year: 'numeric', timeZone: 'UTC' })).format(new Date(Date.UTC(y, m - 1, 1)));
  }

  function clip(text, length) {
    const s = String(text ?? '');
    return s.length > length ? `${s.slice(0, length - 1)}…` : s;
  }

  // A new request id: 10 characters of the time in ms, then 16 random ones.
  function newId() {
    let time = '', random = '';
    for (let i = 0, ms = Date.now(); i < 10; i++, ms = Math.floor(ms / 32)) time = CROCKFORD[ms % 32] + time;
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) random += CROCKFORD[byte & 31];
    return time + random;
  }

  // ---------------------------------------------------------------- API

  // An Error with the HTTP status and the API's error code.
  const apiError = (status, code, message) => Object.assign(new Error(message), { status, code });

  // One JSON request. A 401 sends the user back to the login form and a 403
  // shows the "needs an HQ manager" banner (unless `own401`); both throw.
  async function api(method, path, body, { headers = {}, own401 = false } = {}) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init).catch(() => {
      throw apiError(0, 'unavailable', 'The server cannot be reached.');
    });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.ok && !(data && data.error)) return data;
    const error = (data && data.error) || {};
    const failure = apiError(response.status, error.code || '', error.message || text || `HTTP ${response.status}`);
    if (response.status === 401 && !own401) showLogin('Your session has ended; log in again.');
    if (response.status === 403 && !own401) showForbidden(failure.message);
    throw failure;
  }

  // GET /api/hq/report/<name>?<option>=<value>: what `crm-hq report <name>
  // --<option> <value> --json` prints (docs/web.md), so options are spelt as
  // the command's flags: time-zone, as-of, terms-days, held-out. Empty ones
  // are left out.
  function report(name, options = {}) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options)) {
      if (value !== '' && value !== null && value !== undefined) query.set(key, String(value));
    }
    const text = query.toString();
    return api('GET', `/api/hq/report/${name}${text ? `?${text}` : ''}`);
  }

  // The day after `day` ("YYYY-MM-DD"): the reports' --to is exclusive.
  function nextDay(day) {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  }

  function periodOptions() {
    return { from: state.from, to: state.to ? nextDay(state.to) : '', 'time-zone': state.zone };
  }

  // ---------------------------------------------------------------- charts

  // Horizontal bars: items [{label, value, cls}], `format` for the values.
  function barChart(items, { format = count, caption = '' } = {}) {
    const rowH = 24, labelW = 160, valueW = 100, width = 600, top = 6;
    const barW = width - labelW - valueW;
    const max = Math.max(0, ...items.map((i) => i.value));
    const height = top + items.length * rowH + 30;
    const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': caption });
    items.forEach((item, i) => {
      const y = top + i * rowH;
      const w = max > 0 ? (Math.max(0, item.value) / max) * barW : 0;
      svg.append(h('svg:g', { class: item.cls || null },
        h('svg:title', {}, `${item.label}: ${format(item.value)}`),
        h('svg:text', { x: labelW - 8, y: y + rowH / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' },
          clip(item.label, 24)),
        h('svg:rect', { x: labelW, y: y + 4, width: w.toFixed(1), height: rowH - 8, class: 'bar', rx: 2 }),
        h('svg:text', { x: labelW + w + 6, y: y + rowH / 2, class: 'value', 'dominant-baseline': 'middle' },
          format(item.value))));
    });
    const bottom = top + items.length * rowH;
    svg.append(h('svg:line', { x1: labelW, x2: labelW, y1: top, y2: bottom, class: 'axis' }),
      h('svg:text', { x: labelW + barW / 2, y: bottom + 20, class: 'axis-title', 'text-anchor': 'middle' }, caption));
    return svg;
  }

  // A round step for about `parts` grid lines up to `max`.
  function niceStep(max, parts = 5) {
    const raw = max / parts;
    const power = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw) || raw;
  }

  // Vertical columns with a value axis: items [{label, value}].
  function columnChart(items, { format = count, tick = format, xTitle = '', yTitle = '' } = {}) {
    const width = 760, height = 320, left = 78, right = 12, top = 24, bottom = 58;
    const plotW = width - left - right, plotH = height - top - bottom;
    const max = Math.max(0, ...items.map((i) => i.value));
    const step = max > 0 ? niceStep(max) : 1;
    const top_ = Math.max(step, Math.ceil(max / step) * step);
    const y = (v) => top + plotH - (Math.max(0, v) / top_) * plotH;
    const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': yTitle });
    for (let v = 0; v <= top_ + step / 2; v += step) {
      svg.append(h('svg:line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: v ? 'grid' : 'axis' }),
        h('svg:text', { x: left - 6, y: y(v), class: 'tick', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, tick(v)));
    }
    const band = plotW / Math.max(1, items.length);
    const every = Math.ceil(items.length / 14);  // thin the labels of a long axis
    items.forEach((item, i) => {
      const x = left + i * band;
      const columnW = Math.max(1, band * 0.7);
      svg.append(h('svg:g', {},
        h('svg:title', {}, `${item.label}: ${format(item.value)}`),
        h('svg:rect', { x: (x + (band - columnW) / 2).toFixed(1), y: y(item.value).toFixed(1), width: columnW.toFixed(1),
          height: (top + plotH - y(item.value)).toFixed(1), class: 'bar' }),
        items.length <= 16 && h('svg:text', { x: x + band / 2, y: y(item.value) - 5, class: 'value small', 'text-anchor': 'middle' },
          tick(item.value)),
        i % every === 0 && h('svg:text', { x: x + band / 2, y: top + plotH + 16, class: 'tick', 'text-anchor': 'middle' },
          item.label)));
    });
    svg.append(h('svg:text', { x: left + plotW / 2, y: height - 10, class: 'axis-title', 'text-anchor': 'middle' }, xTitle),
      h('svg:text', { x: 14, y: top + plotH / 2, class: 'axis-title', 'text-anchor': 'middle',
        transform: `rotate(-90 14 ${top + plotH / 2})` }, yTitle));
    return svg;
  }

  // The step keeping the smallest share of the one before (as the CLI names
  // the weakest link): its index, or -1.
  function weakestStep(values) {
    let weakest = -1;
    for (let i = 1; i < values.length; i++) {
      if (!(values[i - 1] > 0)) continue;
      if (weakest < 0 || values[i] / values[i - 1] < values[weakest] / values[weakest - 1]) weakest = i;
    }
    return weakest;
  }

  // A funnel: centred bars narrowing step by step; the weakest step in red.
  function funnelChart(steps, weakest, caption) {
    const rowH = 40, labelW = 130, barW = 360, noteW = 300, width = labelW + barW + noteW;
    const height = steps.length * rowH + 10;
    const max = Math.max(0, ...steps.map((s) => s.value));
    const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart funnel', role: 'img', 'aria-label': caption });
    steps.forEach((step, i) => {
      const y = 5 + i * rowH;
      const w = max > 0 ? Math.max(2, (step.value / max) * barW) : 2;
      const weak = i === weakest;
      const note = i === 0 ? '' : `${share(step.value, steps[i - 1].value)} of the one before${weak ? ' — weakest link' : ''}`;
      svg.append(h('svg:g', { class: weak ? 'weakest' : null },
        h('svg:title', {}, `${step.label}: ${count(step.value)} ${note}`),
        h('svg:text', { x: labelW - 10, y: y + rowH / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, step.label),
        h('svg:rect', { x: (labelW + (barW - w) / 2).toFixed(1), y: y + 4, width: w.toFixed(1), height: rowH - 8, class: 'bar', rx: 3 }),
        h('svg:text', { x: labelW + barW / 2, y: y + rowH / 2, class: 'value inside', 'text-anchor': 'middle', 'dominant-baseline': 'middle' },
          count(step.value)),
        h('svg:text', { x: labelW + barW + 10, y: y + rowH / 2, class: weak ? 'value warn' : 'value', 'dominant-baseline': 'middle' }, note)));
    });
    return svg;
  }

  // A small line of monthly units; `ahead` (a number) is drawn dashed after it.
  function sparkline(values, ahead = null) {
    const width = 150, height = 30, points = values.length + (ahead === null ? 0 : 1);
    const max = Math.max(1, ...values, ahead ?? 0);
    const x = (i) => 2 + (i / Math.max(1, points - 1)) * (width - 4);
    const y = (v) => height - 2 - (v / max) * (height - 4);
    const line = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, class: 'spark', role: 'img',
      'aria-label': values.join(', ') }, h('svg:title', {}, values.map((v) => fixed(v, 0)).join(', ')),
    h('svg:polyline', { points: line, class: 'spark-line' }));
    if (ahead !== null && values.length) {
      svg.append(h('svg:polyline', { class: 'spark-ahead',
        points: `${x(values.length - 1)},${y(values[values.length - 1])} ${x(points - 1)},${y(ahead)}` }));
    }
    return svg;
  }

  // Rows of the chosen currency, for charts (amounts never mix currencies).
  const inCurrency = (rows) => rows.filter((r) => !r.currency || r.currency === state.currency);

  // ---------------------------------------------------------------- overview and sales

  const BY_LABEL = { office: 'Office', month: 'Month', employee: 'Employee', channel: 'Channel', product: 'SKU', campaign: 'Campaign' };

  function salesColumns(by, rows) {
    const columns = [{ label: BY_LABEL[by] || by, get: (r) => r[by] ?? '', auto: true }];
    if (rows.some((r) => r.name)) columns.push({ label: 'Name', get: (r) => r.name || '', auto: true });
    return columns.concat([
      counted('Receipts', 'sales'), counted('Units', 'units'),
      minor('Revenue', 'revenue_minor'), minor('Refunded', 'refunded_minor'),
      num('Net', (r) => money(big(r.revenue_minor) - big(r.refunded_minor), r.currency)),
      num('Average ticket', (r) => money(perItem(r.revenue_minor, r.sales), r.currency)),
      counted('Clients', 'clients'), counted('Visits', 'visits'),
    ]);
  }

  function revenueBars(rows, by) {
    return barChart(inCurrency(rows).slice(0, 25).map((r) => ({
      label: r.name ? `${r[by]} ${r.name}` : String(r[by]), value: Number(r.revenue_minor),
    })), { format: (v) => moneyCompact(v), caption: `Revenue (${state.currency})` });
  }

  function monthColumns(rows) {
    const months = inCurrency(rows).slice().sort((a, b) => String(a.month).localeCompare(String(b.month)));
    if (months.length === 0) return h('p', { class: 'empty' }, 'No sales in the period.');
    return columnChart(months.map((r) => ({ label: monthLabel(r.month), value: Number(r.revenue_minor) })), {
      format: (v) => money(Math.round(v)), tick: (v) => moneyCompact(v),
      xTitle: `Month (${state.zone})`, yTitle: `Revenue (${state.currency})`,
    });
  }

  // Per currency: one line each for money, counts summed (`rows`: the
  // report by total, one row per currency).
  function headline(rows) {
    const totals = new Map();
    for (const r of rows) {
      const t = totals.get(r.currency) || { revenue: 0n, refunded: 0n, sales: 0n };
      t.revenue += big(r.revenue_minor);
      t.refunded += big(r.refunded_minor);
      t.sales += big(r.sales);
      totals.set(r.currency, t);
    }
    const lines = (f) => (totals.size ? [...totals].map(([c, t]) => f(t, c)).join('\n') : '—');
    $('#overview-revenue').textContent = lines((t, c) => money(t.revenue, c));
    $('#overview-net').textContent = lines((t, c) => money(t.revenue - t.refunded, c));
    $('#overview-ticket').textContent = lines((t, c) => money(perItem(t.revenue, t.sales), c));
    $('#overview-sales').textContent = count(rows.reduce((n, r) => n + Number(r.sales), 0));
    $('#overview-clients').textContent = count(rows.reduce((n, r) => n + Number(r.clients), 0));
  }

  async function loadOverview(live) {
    const period = periodOptions();
    const ofAllTime = !state.from && !state.to && state.firstOffices;
    state.firstOffices = null;
    const [offices, months, totals, feedback] = await Promise.all([ofAllTime || report('sales', { by: 'office', ...period }),
      report('sales', { by: 'month', ...period }), report('sales', { by: 'total', ...period }),
      report('satisfaction', { by: 'total', ...period })]);
    if (!live()) return;
    // The totals row counts a client who bought at two offices once.
    headline(totals);
    $('#overview-satisfaction').textContent = satisfactionText(feedback[0]);
    $('#overview-months').replaceChildren(monthColumns(months));
    fillTable($('#overview-offices'), salesColumns('office', offices), offices,
      (r) => ({ class: 'office-sales-row', dataset: { key: r.office } }), 'No sales in the period.');
    $('#overview-offices-chart').replaceChildren(revenueBars(offices, 'office'));
  }

  async function loadSales(live) {
    const by = $('#sales-by').value;
    const top = Math.max(0, Number($('#sales-top').value) || 0);
    if ($('#sales-table').dataset.by !== by) $('#sales-table').replaceChildren();  // no rows of another grouping
    $('#sales-table').dataset.by = by;
    const rows = await report('sales', { by, ...periodOptions(), top: top || '' });
    if (!live()) return;
    fillTable($('#sales-table'), salesColumns(by, rows), rows,
      (r) => ({ class: 'sales-row', dataset: { key: r[by] ?? '' } }), 'No sales in the period.');
    $('#sales-chart').replaceChildren(by === 'month' ? monthColumns(rows) : revenueBars(rows, by));
  }

  // ---------------------------------------------------------------- segments

  function renderRfm(data) {
    const segments = data.segments || [];
    const total = Number(data.clients) || segments.reduce((n, s) => n + Number(s.clients), 0);
    $('#rfm-note').textContent = `${count(total)} clients, as of ${data.as_of || '—'}`;
    const avg = (field) => (s) => (Number(s.clients) ? fixed(Number(s[field]) / Number(s.clients)) : '—');
    fillTable($('#rfm-table'), [
      { label: 'Segment', get: (s) => s.segment },
      counted('Clients', 'clients'), num('Share', (s) => share(s.clients, total)),
      num('Avg days since', avg('recency_days_total')), num('Avg receipts', avg('frequency_total')),
      num('Avg spend', (s) => money(perItem(s.monetary_minor, s.clients))), minor('Revenue', 'monetary_minor'),
    ], segments, () => ({ class: 'rfm-row' }));
    $('#rfm-chart').replaceChildren(barChart(segments.map((s) => ({ label: s.segment, value: Number(s.clients) })),
      { caption: 'Clients per segment' }));
  }

  function renderAbc(data, of) {
    const classes = data.classes || [];
    const total = classes.reduce((n, c) => n + big(c.revenue_minor), 0n);
    const currency = data.currency || state.currency;
    fillTable($(`#abc-${of}-classes`), [
      { label: 'Class', get: (c) => c.class }, counted(of === 'products' ? 'Products' : 'Clients', 'items'),
      num('Revenue', (c) => money(c.revenue_minor, currency)), num('Share', (c) => share(c.revenue_minor, total)),
    ], classes);
    const items = data.items || [];
    const columns = of === 'products'
      ? [{ label: 'SKU', get: (i) => i.key }, { label: 'Product', get: (i) => i.label, auto: true }]
      : [{ label: 'Card', get: (i) => i.label || '—', auto: true }, { label: 'Client', get: (i) => h('code', {}, i.key) }];
    fillTable($(`#abc-${of}-table`), [num('#', (i) => count(items.indexOf(i) + 1)), ...columns,
      num('Revenue', (i) => money(i.revenue_minor, currency)), { label: 'Class', get: (i) => i.class }], items);
  }

  const XYZ_MEANING = { X: 'steady (variation under 0.5)', Y: 'varying (under 1.0)', Z: 'erratic' };

  function renderXyz(rows) {
    const counts = { X: 0, Y: 0, Z: 0 };
    for (const r of rows) counts[r.class] = (counts[r.class] || 0) + 1;
    fillTable($('#xyz-classes'), [
      { label: 'Class', get: (c) => c }, { label: 'Demand', get: (c) => XYZ_MEANING[c] || '' },
      num('Products', (c) => count(counts[c])), num('Share', (c) => share(counts[c], rows.length)),
    ], Object.keys(counts));
    const steadiest = rows.slice().sort((a, b) => Number(a.variation) - Number(b.variation)).slice(0, 20);
    fillTable($('#xyz-table'), [
      { label: 'SKU', get: (r) => r.sku },
      { label: 'Product', get: (r) => r.name, auto: true },
      { label: 'Units per month', get: (r) => sparkline((r.monthly_units || []).map(Number)) },
      num('Variation', (r) => fixed(r.variation, 2)),
      { label: 'Class', get: (r) => r.class },
    ], steadiest);
  }

  // The 3x3 matrix, each cell shaded by its share of the products.
  function renderAbcXyz(cells) {
    const byCell = new Map(cells.map((c) => [c.cell, c]));
    const max = Math.max(1, ...cells.map((c) => Number(c.products)));
    const table = h('table', { class: 'matrix' },
      h('thead', {}, h('tr', {}, h('th'), ['X', 'Y', 'Z'].map((x) => h('th', {}, `${x} — ${XYZ_MEANING[x].split(' ')[0]}`)))),
      h('tbody', {}, ['A', 'B', 'C'].map((a) => h('tr', {}, h('th', {}, a), ['X', 'Y', 'Z'].map((x) => {
        const c = byCell.get(a + x) || { products: 0, revenue_minor: 0 };
        const shade = Number(c.products) / max;
        const td = h('td', { class: shade > 0.55 ? 'dark' : null, title: `${a}${x}` },
          h('span', { class: 'matrix-count' }, count(c.products)), h('span', { class: 'matrix-money' }, money(c.revenue_minor)));
        td.style.setProperty('--shade', shade.toFixed(3));  // CSSOM, allowed by the CSP
        return td;
      })))));
    $('#abcxyz-grid').replaceChildren(table);
  }

  async function loadSegments(live) {
    const currency = state.currency;
    const zone = state.zone;
    const parts = [
      report('rfm', { currency }).then((d) => live() && renderRfm(d)),
      report('abc', { of: 'products', top: 20, currency }).then((d) => live() && renderAbc(d, 'products')),
      report('abc', { of: 'clients', top: 20, currency }).then((d) => live() && renderAbc(d, 'clients')),
      report('abc-xyz', { 'time-zone': zone, currency }).then((d) => live() && renderAbcXyz(d)),
      report('xyz', { 'time-zone': zone, currency }).then((d) => live() && renderXyz(d)),
    ];
    const failed = (await Promise.allSettled(parts)).find((p) => p.status === 'rejected');
    if (failed) throw failed.reason;
  }

  // ---------------------------------------------------------------- effectiveness

  const stepName = (n) => (Number(n) === 0 ? 'on record' : `${n}+ purchases`);

  function renderFunnelLike(rows, label, field, columns, what) {
    const steps = rows.map((r) => ({ label: label(r), value: Number(r[field]) }));
    const weakest = weakestStep(steps.map((s) => s.value));
    $('#effectiveness-note').textContent = weakest > 0
      ? `Weakest link: from ${steps[weakest - 1].label} to ${steps[weakest].label}, ` +
        `${share(steps[weakest].value, steps[weakest - 1].value)} of ${what} go on.` : '';
    $('#effectiveness-chart').replaceChildren(funnelChart(steps, weakest, what));
    fillTable($('#effectiveness-table'), columns, rows, (r) => ({ class: rows.indexOf(r) === weakest ? 'weakest' : null }));
  }

  const EFFECTIVENESS = {
    channels(rows) {
      const net = (r) => big(r.revenue_minor) - big(r.refunded_minor);
      $('#effectiveness-chart').replaceChildren(barChart(rows.map((r) => ({ label: r.channel || '(none)',
        value: Number(perItem(net(r), r.clients)) })), { format: (v) => money(v), caption: 'Net revenue per client acquired' }));
      fillTable($('#effectiveness-table'), [
        { label: 'Channel', get: (r) => r.channel || '(none)', auto: true },
        counted('Clients', 'clients'), counted('Buyers', 'buyers'), num('Conversion', (r) => percent(r.conversion)),
        counted('Repeat buyers', 'repeat_buyers'), num('Repeat share', (r) => share(r.repeat_buyers, r.buyers)),
        minor('Revenue', 'revenue_minor'), minor('Refunded', 'refunded_minor'), num('Net', (r) => money(net(r))),
        num('Net per client', (r) => money(perItem(net(r), r.clients))),
      ], rows);
      return 'Clients created in the period, by acquisition channel, and everything they bought.';
    },
    campaigns(rows) {
      $('#effectiveness-chart').replaceChildren(barChart(rows.map((r) => ({ label: r.code, value: Number(r.response_rate) })),
        { format: percent, caption: 'Response rate (responders / audience)' }));
      fillTable($('#effectiveness-table'), [
        { label: 'Campaign', get: (r) => r.code, auto: true },
        { label: 'Name', get: (r) => r.name || '', auto: true },
        counted('Audience', 'audience'), counted('Responders', 'responders'),
        num('Response rate', (r) => percent(r.response_rate)), counted('Receipts', 'sales'),
        minor('Revenue', 'revenue_minor'), minor('Refunded', 'refunded_minor'),
        counted('Buyers', 'buyers'), counted('New clients', 'new_clients'),
      ], rows);
      return 'Audience: clients tagged campaign:CODE; responders: those of them who bought with the code in the period.';
    },
    employees(rows) {
      $('#effectiveness-chart').replaceChildren(barChart(rows.map((r) => ({ label: r.name || r.login, value: Number(r.revenue_minor) })),
        { format: (v) => moneyCompact(v), caption: `Revenue (${state.currency})` }));
      fillTable($('#effectiveness-table'), [
        { label: 'Login', get: (r) => r.login, auto: true },
        { label: 'Name', get: (r) => r.name, auto: true },
        counted('Receipts', 'sales'), minor('Revenue', 'revenue_minor'), minor('Refunded', 'refunded_minor'),
        num('Average ticket', (r) => money(perItem(r.revenue_minor, r.sales))), counted('Clients', 'clients'),
        counted('Interactions', 'interactions'), counted('Tasks done', 'tasks_done'),
      ], rows);
      return 'Per cashier: sales rung up, interactions logged and tasks done in the period.';
    },
    funnel(rows) {
      renderFunnelLike(rows, (r) => stepName(r.purchases), 'clients', [
        { label: 'Step', get: (r) => stepName(r.purchases) },
        counted('Clients', 'clients'), num('Of the step before', (r) => (Number(r.purchases) ? percent(r.of_previous) : '—')),
        counted('Dropped', 'dropped'),
      ], 'clients');
    },
    deals(rows) {
      renderFunnelLike(rows, (r) => r.stage, 'reached', [
        { label: 'Stage', get: (r) => r.stage },
        counted('Reached', 'reached'), num('Of the stage before', (r) => (rows.indexOf(r) ? percent(r.of_previous) : '—')),
        counted('Open here', 'open_here'), counted('Lost here', 'lost_here'), minor('Expected amount', 'amount_reached_minor'),
      ], 'deals');
    },
  };

  async function loadEffectiveness(live) {
    const of = $('#effectiveness-of').value;
    const rows = await report('effectiveness', { of, ...periodOptions(), currency: state.currency });
    if (!live()) return;
    $('#effectiveness-note').textContent = '';
    const note = EFFECTIVENESS[of](rows);
    if (note) $('#effectiveness-note').textContent = note;
  }

  // ---------------------------------------------------------------- credit and forecast

  async function loadCredit(live) {
    const asOf = $('#credit-as-of').value;
    const rows = await report('credit', { 'as-of': asOf, 'terms-days': $('#credit-terms').value,
      'time-zone': state.zone, currency: state.currency });
    if (!live()) return;
    const sum = (field) => rows.reduce((n, r) => n + big(r[field]), 0n);
    $('#credit-clients').textContent = count(rows.length);
    $('#credit-outstanding').textContent = money(sum('outstanding_minor'));
    $('#credit-overdue').textContent = money(sum('overdue_minor'));
    fillTable($('#credit-table'), [
      { label: 'Card', get: (r) => r.card || '—', auto: true },
      { label: 'Name', get: (r) => r.name || '—', auto: true },
      { label: 'Office', get: (r) => r.office || '—' },
      minor('Outstanding', 'outstanding_minor'), minor('Overdue', 'overdue_minor'),
      { label: 'Oldest due', get: (r) => formatTime(r.oldest_due_ms, 'day') },
      { label: 'Client', get: (r) => h('code', {}, r.client) },
    ], rows, (r) => ({ class: big(r.overdue_minor) > 0n ? 'overdue' : null }), 'No client owes anything on account.');
  }

  // ---------------------------------------------------------------- pipeline

  // "1,200.00 £ + 35,000.00 ₽" from {"GBP": minor, ...}; "—" for none.
  function amounts(byCurrency) {
    const parts = Object.entries(byCurrency || {}).map(([currency, minorUnits]) => money(minorUnits, currency));
    return parts.length ? parts.join(' + ') : '—';
  }

  async function loadPipeline(live) {
    const data = await report('pipeline', { office: $('#pipeline-office').value.trim().toUpperCase() });
    if (!live()) return;
    const stageColumns = [
      { label: 'Stage', get: (r) => r.stage },
      num('Deals', (r) => count(r.deals)),
      num('Amount', (r) => amounts(r.amount_minor)),
    ];
    fillTable($('#pipeline-table'), stageColumns, data.stages,
      (r) => ({ class: r.open ? null : 'closed', dataset: { stage: r.stage } }));
    const byStage = (office, name) => office.stages.find((s) => s.stage === name) || {};
    const names = data.stages.map((s) => s.stage);
    fillTable($('#pipeline-offices'), [
      { label: 'Office', get: (o) => o.office || '—' },
      ...names.map((name) => num(name, (o) => {
        const stage = byStage(o, name);
        return stage.deals ? `${count(stage.deals)} · ${amounts(stage.amount_minor)}` : '—';
      })),
    ], data.offices, () => ({}), 'No deals yet.');
  }

  async function loadForecast(live) {
    const value = (id) => $(id).value;
    const averaged = Number(value('#forecast-window')) || 3;
    const data = await report('forecast', { window: averaged, 'held-out': value('#forecast-held-out'), ahead: value('#forecast-ahead'),
      top: Number(value('#forecast-top')) || '', 'time-zone': state.zone, currency: state.currency });
    if (!live()) return;
    const months = data.months || [], ahead = data.ahead || [];
    const lastMonth = data.last_month_complete ? 'its month is complete' : 'its month is not over and is left out';
    $('#forecast-note').textContent = months.length
      ? `Actual sales ${months[0]} to ${months[months.length - 1]} (the last on ${data.last_sale_day}; ${lastMonth}); ` +
        `the forecast for ${ahead.join(', ')} is the mean of the last ${averaged} actual months. Forecasting the ` +
        `held-out months the same way missed by ${percent(data.wape)} of units (WAPE).`
      : 'Not enough history to forecast.';
    const recent = months.slice(-averaged).map(monthLabel).join(', ');
    fillTable($('#forecast-table'), [
      { label: 'SKU', get: (p) => p.sku },
      { label: 'Product', get: (p) => p.name, auto: true },
      { label: 'History → forecast', get: (p) => sparkline((p.history || []).map(Number), Number(p.forecast_per_month)) },
      num(`Units in ${recent}`, (p) => (p.history || []).slice(-averaged).map((v) => count(v)).join(' · ')),
      num('Forecast per month', (p) => fixed(p.forecast_per_month)),
      num(`Next ${ahead.length} months`, (p) => count(Math.round(Number(p.forecast_per_month) * ahead.length))),
      num('Mean abs. error', (p) => fixed(p.mae)),
    ], data.products || []);
  }

  // ---------------------------------------------------------------- satisfaction

  // "4.21 of 5 · 7.5% low · 1,234 responses" for a row of the satisfaction report.
  function satisfactionText(row) {
    if (!row || !Number(row.responses)) return 'No feedback';
    return `${fixed(row.average_score, 2)} of 5 · ${percent(row.low_share)} low · ${count(row.responses)} responses`;
  }

  async function loadSatisfaction(live) {
    const by = $('#satisfaction-by').value;
    const [rows, totals] = await Promise.all([report('satisfaction', { by, ...periodOptions() }),
      report('satisfaction', { by: 'total', ...periodOptions() })]);
    if (!live()) return;
    $('#satisfaction-note').textContent = satisfactionText(totals[0]);
    const labels = { office: 'Office', employee: 'Employee', month: 'Month' };
    fillTable($('#satisfaction-table'), [
      { label: labels[by] || by, get: (r) => (by === 'month' ? monthLabel(r.month) : r[by]), auto: true },
      counted('Responses', 'responses'),
      num('Average score', (r) => fixed(r.average_score, 2)),
      counted('Low scores (1–2)', 'low_scores'),
      num('Low share', (r) => percent(r.low_share)),
      counted('With a comment', 'comments'),
    ], rows, (r) => ({ class: 'satisfaction-row', dataset: { key: r[by] ?? '' } }), 'No feedback in the period.');
    $('#satisfaction-chart').replaceChildren(barChart(rows.map((r) => ({
      label: by === 'month' ? monthLabel(r.month) : r[by], value: Number(r.average_score),
    })), { format: (v) => fixed(v, 2), caption: 'Average score (1 to 5)' }));
  }

  // ---------------------------------------------------------------- offices

  async function loadOffices(live) {
    const data = await api('GET', '/api/hq/sync');
    if (!live()) return;
    const now = Number(data.now_ms) || Date.now();
    const offices = (data.offices || []).slice().sort((a, b) => String(a.office).localeCompare(String(b.office)));
    const offline = offices.filter((o) => !o.online).length;
    $('#offices-note').textContent = `Hub log at change ${count(data.log_seq)} (kept from ${count(data.oldest_seq)}); ` +
      `${offices.length} offices, ${offline} offline; as of ${formatTime(now)}.`;
    const reported = (o) => o.reported !== false;
    fillTable($('#offices-table'), [
      { label: 'Office', get: (o) => o.office, auto: true },
      { label: 'Link', get: (o) => (o.online ? 'online' : 'offline'), cls: () => 'office-online' },
      { label: 'Last contact', get: (o) => ago(o.last_contact_ms, now) },
      counted('Behind (changes)', 'behind'), num('Unsent at office', (o) => (reported(o) ? count(o.unsent) : 'not reported')),
      { label: 'Oldest unsent', get: (o) => (Number(o.oldest_unsent_ms) ? `made ${ago(o.oldest_unsent_ms, now)}` : '—') },
      { label: 'Rejected', num: true, get: (o) => count(o.rejected), cls: (o) => (Number(o.rejected) ? 'warn' : '') },
      { label: 'Safe to close', get: (o) => (o.safe_to_close ? 'yes' : 'no'), cls: (o) => (o.safe_to_close ? 'ok' : 'warn') },
      { label: 'Node', get: (o) => h('code', {}, o.node || '') },
    ], offices, (o) => ({ class: `office-row ${o.online ? 'online' : 'offline'}`, dataset: { office: o.office } }),
    'No office has connected to the hub yet.');
  }

  function startOfficesTimer() {
    stopOfficesTimer();
    state.officesTimer = setInterval(async () => {
      if (state.officesBusy || state.section !== 'offices') return;
      state.officesBusy = true;
      try { await load('offices', true); } finally { state.officesBusy = false; }
    }, OFFICES_REFRESH_MS);
  }

  function stopOfficesTimer() { clearInterval(state.officesTimer); }

  // ---------------------------------------------------------------- duplicates

  function clientName(c = {}) {
    const person = [c.firstName, c.middleName, c.lastName].filter(Boolean).join(' ');
    return (c.kind === 'company' ? c.companyName : person) || c.companyName || person || '(no name)';
  }

  // Values of a list field; those the other client has too are marked.
  function listValues(values = [], other = []) {
    if (!values.length) return '—';
    return values.map((v) => h('span', { class: other.includes(v) ? 'value same' : 'value', dir: 'auto' }, v));
  }

  // A client's birth date as yyyy-mm-dd, and address as one line ('' if none).
  function birthDay(c) {
    const d = c.birthDate;
    if (!d || !d.year) return '';
    return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  }
  function addressLine(c) {
    const a = c.address || {};
    return [a.street, a.city, a.postalCode, a.country].filter((x) => x).join(', ');
  }

  function clientSide(me, other) {
    const c = me.client || {}, o = other.client || {};
    const field = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
    const same = (a, b) => (a && a === b ? 'same' : null);
    return h('div', { class: 'client-side' },
      h('h4', { dir: 'auto' }, clientName(c)),
      h('dl', {},
        field('Phones', listValues(c.phones, o.phones)),
        field('Emails', listValues(c.emails, o.emails)),
        field('Card', h('span', { class: same(c.loyaltyCard, o.loyaltyCard), dir: 'auto' }, c.loyaltyCard || '—')),
        field('Born', h('span', { class: same(birthDay(c), birthDay(o)) }, birthDay(c) || '—')),
        field('Address', h('span', { class: same(addressLine(c), addressLine(o)), dir: 'auto' },
          addressLine(c) || '—')),
        field('Home office', h('span', { class: same(c.homeOffice, o.homeOffice) }, c.homeOffice || '—')),
        field('Created', formatTime(c.createdAt, 'day')),
        field('Id', h('code', {}, me.id))),
      h('button', { type: 'button', class: 'merge-button', dataset: { survivor: me.id, duplicate: other.id } },
        'Merge into this one'));
  }

  function renderDuplicates(pairs) {
    const list = $('#duplicates-list'), dialog = $('#merge-dialog');
    list.before(dialog);  // out of the list, which is rebuilt
    list.replaceChildren(...pairs.map((p) => h('div',
      { class: 'duplicate-pair', dataset: { ids: `${p.first.id} ${p.second.id}` } },
      h('p', { class: 'shared', dir: 'auto' },
        h('strong', { class: 'reason' }, p.reason ? p.reason[0].toUpperCase() + p.reason.slice(1) : 'Shared'),
        `: ${p.shared || '—'}`),
      h('div', { class: 'pair-sides' }, clientSide(p.first, p.second), clientSide(p.second, p.first)))));
    if (!pairs.length) list.append(h('p', { class: 'empty' }, 'No likely duplicates.'));
    // A merge awaiting confirmation stays asked while its pair is listed.
    const m = state.merge;
    const pair = m && [...list.children].find((el) => (el.dataset.ids || '').split(' ').sort().join() ===
      [m.survivor, m.duplicate].sort().join());
    if (pair) pair.after(dialog); else hideMergeDialog();
  }

  async function loadDuplicates(live) {
    const data = await api('POST', '/api/listDuplicates');
    if (live()) renderDuplicates(data.duplicates || []);
  }

  // A click on "Merge into this one": ask in the page, under that pair.
  function askMerge(button) {
    const pair = button.closest('.duplicate-pair');
    const names = [...pair.querySelectorAll('.client-side')].map((side) => ({
      id: $('.merge-button', side).dataset.survivor, name: $('h4', side).textContent,
    }));
    const { survivor, duplicate } = button.dataset;
    const name = (id) => names.find((n) => n.id === id)?.name || id;
    state.merge = { survivor, duplicate, key: newId() };  // one key per action, kept on retry
    $('#merge-question').textContent = `Merge “${name(duplicate)}” into “${name(survivor)}”? ` +
      'Every office will show the duplicate\'s history on the card that stays.';
    const dialog = $('#merge-dialog');
    pair.after(dialog);
    dialog.hidden = false;
    $('#merge-confirm').disabled = false;
    $('#merge-confirm').focus();
  }

  function hideMergeDialog() {
    const dialog = $('#merge-dialog');
    dialog.hidden = true;
    state.merge = null;
    $('#duplicates-list').before(dialog);  // out of the list, which is rebuilt
  }

  async function confirmMerge() {
    const merge = state.merge;
    if (!merge) return;
    const button = $('#merge-confirm');
    button.disabled = true;
    setStatus('duplicates', 'Merging…');
    try {
      await api('POST', '/api/mergeClients', { survivor: merge.survivor, duplicate: merge.duplicate },
        { headers: { 'Idempotency-Key': merge.key } });
      hideMergeDialog();
      await load('duplicates');
      setStatus('duplicates', 'Merged.');
    } catch (e) {
      if (e.status === 401 || e.status === 403) return;
      if (e.code === 'alreadyExists' || e.code === 'notFound') {
        hideMergeDialog();
        await load('duplicates');
      }
      setStatus('duplicates', `Not merged: ${e.message}`, true);
      button.disabled = false;  // a retry sends the same key
    }
  }

  // ---------------------------------------------------------------- catalogue

  // A product's map field as {key: value}.
  function entries(list = []) {
    return Object.fromEntries(list.map((e) => [e.key, e.value ?? '']));
  }

  // "3499" minor units of GBP -> "34.99".
  const major = (minor, currency) => decimalOf(big(minor), fractionDigits(currency));

  // {GBP: "3499"} -> "GBP=34.99"; {MSK: "349900 RUB"} -> "MSK=3499.00".
  function pricesText(prices) {
    return Object.entries(prices).map(([cur, minor]) => `${cur}=${major(minor, cur)}`).join(' ');
  }
  function officePricesText(overrides) {
    return Object.entries(overrides).map(([office, value]) => {
      const [minor, cur] = String(value).split(' ');
      return `${office}=${major(minor, cur)}`;
    }).join(' ');
  }

  // "GBP=34.99 RUB=3499" -> {GBP: "34.99", RUB: "3499"}; throws saying what is wrong.
  function parseAssignments(text, what, example) {
    const out = {};
    for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
      const at = part.indexOf('=');
      if (at <= 0 || at === part.length - 1) throw new Error(`${what}: give ${example}, not “${part}”`);
      const key = part.slice(0, at).toUpperCase();
      if (key in out) throw new Error(`${what}: ${key} is there twice`);
      out[key] = part.slice(at + 1);
    }
    return out;
  }

  // The product's prices: the list's, with the legacy price/currency pair
  // when the list has none for its currency (as the node reads it).
  function priceList(p) {
    const prices = entries(p.prices);
    if (p.currency && !(p.currency in prices)) prices[p.currency] = String(p.price ?? '0');
    return prices;
  }

  function renderCatalogue(products) {
    fillTable($('#catalogue-table'), [
      { label: 'SKU', get: (e) => h('code', {}, e.product.sku) },
      { label: 'Name', get: (e) => e.product.name || '', auto: true },
      { label: 'Category', get: (e) => e.product.category || '', auto: true },
      { label: 'On sale', get: (e) => (e.product.active ? 'yes' : 'no'), cls: (e) => (e.product.active ? '' : 'warn') },
      { label: 'Prices', get: (e) => Object.entries(priceList(e.product)).map(([cur, minor]) =>
        h('span', { class: 'value' }, money(minor, cur))) },
      { label: 'Office prices', get: (e) => Object.entries(entries(e.product.officePrices)).map(([office, value]) => {
        const [minor, cur] = String(value).split(' ');
        return h('span', { class: 'value' }, `${office} ${money(minor, cur)}`);
      }) },
      { label: '', get: (e) => h('button', { type: 'button', class: 'link product-edit', dataset: { sku: e.product.sku } }, 'Edit') },
    ], products, (e) => ({ class: 'product-row', dataset: { sku: e.product.sku } }),
    'No products yet: add the first one above.');
  }

  async function loadCatalogue(live) {
    const data = await api('POST', '/api/listProducts', { includeInactive: true });
    if (!live()) return;
    state.products = data.products || [];
    renderCatalogue(state.products);
  }

  function editProduct(sku) {
    const entry = state.products.find((e) => e.product.sku === sku);
    if (!entry) return;
    const p = entry.product;
    state.editing = { sku, prices: priceList(p), officePrices: entries(p.officePrices), key: newId() };
    $('#product-sku').value = sku;
    $('#product-sku').readOnly = true;
    $('#product-name').value = p.name || '';
    $('#product-category').value = p.category || '';
    $('#product-prices').value = pricesText(state.editing.prices);
    $('#product-office-prices').value = officePricesText(state.editing.officePrices);
    $('#product-save').textContent = `Save ${sku}`;
    $('#product-name').focus();
  }

  function newProduct() {
    state.editing = null;
    $('#product-form').reset();
    $('#product-sku').readOnly = false;
    $('#product-save').textContent = 'Save';
    $('#product-sku').focus();
  }

  // Sends the form as a saveProduct: every price it shows, and the removal of
  // each price or office price the product had and the form no longer has.
  async function saveProduct(event) {
    event.preventDefault();
    const editing = state.editing;
    let prices, overrides;
    try {
      prices = parseAssignments($('#product-prices').value, 'Prices', 'CUR=AMOUNT like GBP=34.99');
      overrides = parseAssignments($('#product-office-prices').value, 'Office prices', 'OFFICE=AMOUNT like MSK=3400.00');
      if (!Object.keys(prices).length) throw new Error('Prices: give at least one, like GBP=34.99');
    } catch (e) {
      setStatus('catalogue', e.message, true);
      return;
    }
    const removed = (before, now) => Object.keys(before || {}).filter((k) => !(k in now)).map((k) => ({ key: k, value: '' }));
    const sku = $('#product-sku').value.trim();
    const body = {
      sku, name: $('#product-name').value.trim(), category: $('#product-category').value.trim(),
      prices: [...Object.entries(prices).map(([key, value]) => ({ key, value })), ...removed(editing?.prices, prices)],
      officePrices: [...Object.entries(overrides).map(([key, value]) => ({ key, value })),
        ...removed(editing?.officePrices, overrides)],
    };
    const key = editing ? editing.key : newId();
    $('#product-save').disabled = true;
    setStatus('catalogue', 'Saving…');
    try {
      await api('POST', '/api/saveProduct', body, { headers: { 'Idempotency-Key': key } });
      newProduct();
      await load('catalogue', true);
      setStatus('catalogue', `Saved ${sku}.`);
    } catch (e) {
      if (e.status === 401) return;
      setStatus('catalogue', `Not saved: ${e.message}`, true);
      if (editing) editing.key = newId();  // the refused request is not retried as it was
    } finally {
      $('#product-save').disabled = false;
    }
  }

  // ---------------------------------------------------------------- conflicts and anomalies

  async function loadConflicts(live) {
    const data = await api('POST', '/api/listConflicts');
    if (!live()) return;
    fillTable($('#conflicts-table'), [
      { label: 'Record', get: (c) => c.entity },
      { label: 'Label', get: (c) => c.label || h('code', {}, c.id || ''), auto: true },
      { label: 'Field', get: (c) => c.field },
      { label: 'Lost value', get: (c) => c.lostValue ?? '', auto: true, cls: () => 'lost' },
      { label: 'Lost at office', get: (c) => c.lostOffice || '' },
      { label: 'Lost written', get: (c) => formatTime(c.lostAt) },
      { label: 'Won value', get: (c) => c.wonValue ?? '', auto: true, cls: () => 'won' },
      { label: 'Won at office', get: (c) => c.wonOffice || '' },
      { label: 'Won written', get: (c) => formatTime(c.wonAt) },
    ], data.conflicts || [], () => ({ class: 'conflict-row' }), 'No conflicting edits.');
  }

  async function loadAnomalies(live) {
    const data = await api('GET', '/api/hq/anomalies');
    if (!live()) return;
    const rows = Array.isArray(data) ? data : (data && data.anomalies) || [];
    fillTable($('#anomalies-table'), [
      { label: 'Office', get: (a) => h('span', { title: a.origin ? `node ${a.origin}` : null }, a.office || a.origin || '') },
      num('Origin seq', (a) => String(a.originSeq ?? '')),
      { label: 'Kind', get: (a) => a.kind ?? '' },
      { label: 'Id', get: (a) => h('code', {}, a.id || '') },
      { label: 'Written', get: (a) => formatTime(a.time) },
      { label: 'Reason', get: (a) => a.reason || '', auto: true },
    ], rows, () => ({ class: 'anomaly-row' }), 'No anomalies: nothing refused, nothing refunded twice.');
  }

  // ---------------------------------------------------------------- users

  const ROLE_NAMES = { cashier: 'Cashier', officeManager: 'Office manager', hqManager: 'HQ manager', admin: 'Admin' };

  // One directory of users for the chain (docs/frontdesk.md, "Users"): each
  // action is a front-desk operation of the hub's own desk, with a new
  // Idempotency-Key per click.
  async function userAction(operation, body, done) {
    try {
      await api('POST', `/api/${operation}`, body, { headers: { 'Idempotency-Key': newId() }, own401: true });
      await load('users', true);
      setStatus('users', done);
    } catch (e) {
      setStatus('users', e.message, true);
    }
  }

  function userActions(u) {
    const role = h('select', { class: 'user-role', 'aria-label': `Role of ${u.login}` },
      ...Object.entries(ROLE_NAMES).map(([value, label]) =>
        h('option', value === u.role ? { value, selected: '' } : { value }, label)));
    const setRole = h('button', { type: 'button', class: 'secondary user-set-role' }, 'Set role');
    setRole.addEventListener('click', () =>
      userAction('setUserRole', { login: u.login, role: role.value }, `${u.login} is now ${ROLE_NAMES[role.value]}.`));
    const toggle = h('button', { type: 'button', class: 'secondary user-toggle' }, u.active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', () =>
      userAction('setUserActive', { login: u.login, active: !u.active },
        u.active ? `${u.login} is deactivated; their sessions end at every office.` : `${u.login} may log in again.`));
    const password = h('input', { type: 'password', class: 'user-password', autocomplete: 'new-password',
      placeholder: 'New password', 'aria-label': `New password for ${u.login}` });
    const reset = h('button', { type: 'button', class: 'secondary user-reset' }, 'Reset password');
    reset.addEventListener('click', () => {
      const value = password.value;
      password.value = '';
      userAction('resetPassword', { login: u.login, password: value },
        `${u.login} has a new password; their sessions end at every office.`);
    });
    return h('span', { class: 'user-actions' }, role, setRole, toggle, password, reset);
  }

  async function loadUsers(live) {
    const office = $('#users-office').value.trim();
    const data = await api('POST', '/api/listUsers', { office });
    if (!live()) return;
    fillTable($('#users-table'), [
      { label: 'Login', get: (u) => h('code', {}, u.login) },
      { label: 'Name', get: (u) => u.displayName || '', auto: true },
      { label: 'Office', get: (u) => u.office || '' },
      { label: 'Role', get: (u) => ROLE_NAMES[u.role] || u.role || '' },
      { label: 'State', get: (u) => (u.active ? 'active' : 'deactivated') + (u.locked ? ', locked' : '') },
      { label: 'Actions', get: (u) => userActions(u) },
    ], data.users || [], (u) => ({ class: u.active ? 'user-row' : 'user-row inactive' }), 'No users.');
  }

  // ---------------------------------------------------------------- sections

  const LOADERS = {
    overview: loadOverview, sales: loadSales, segments: loadSegments, effectiveness: loadEffectiveness,
    credit: loadCredit, forecast: loadForecast, satisfaction: loadSatisfaction, pipeline: loadPipeline,
    offices: loadOffices, catalogue: loadCatalogue,
    duplicates: loadDuplicates, conflicts: loadConflicts, anomalies: loadAnomalies, users: loadUsers,
  };

  // Loads a section; an answer to an older load of it is dropped.
  async function load(name, quiet = false) {
    state.stale.delete(name);
    const ticket = (state.tickets[name] || 0) + 1;
    state.tickets[name] = ticket;
    const live = () => state.tickets[name] === ticket;
    if (!quiet) setStatus(name, 'Loading…');
    try {
      if (!LIVE_SECTIONS.includes(name)) await state.currencyReady;
      await LOADERS[name](live);
      if (live()) setStatus(name, '');
    } catch (e) {
      if (!live() || e.status === 401 || e.status === 403) return;
      state.stale.add(name);  // try again when shown next
      setStatus(name, e.message || String(e), true);
    }
  }

  function showSection(name) {
    if (!SECTIONS.includes(name)) name = 'overview';
    state.section = name;
    for (const s of SECTIONS) sectionEl(s).hidden = s !== name;
    for (const button of document.querySelectorAll('nav [data-section]')) {
      if (button.dataset.section === name) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    if (name === 'offices') startOfficesTimer(); else stopOfficesTimer();
    if (state.stale.has(name) || LIVE_SECTIONS.includes(name)) load(name);
  }

  function periodNote() {
    const range = state.from || state.to ? `${state.from || 'the start'} to ${state.to || 'now'}` : 'all time';
    for (const note of document.querySelectorAll('.period-note')) note.textContent = `(${range}, ${state.zone})`;
  }

  // Reports shown before a change of period, zone or currency are redone.
  function invalidate() {
    periodNote();
    for (const s of SECTIONS) state.stale.add(s);
    showSection(state.section);
  }

  function validZone(zone) {
    try { new Intl.DateTimeFormat('en', { timeZone: zone }); return true; } catch { return false; }
  }

  function applyPeriod(event) {
    event.preventDefault();
    const zoneInput = $('#period-zone');
    const zone = zoneInput.value.trim() || 'UTC';
    zoneInput.setCustomValidity(validZone(zone) ? '' : 'Not a time zone (say Europe/London)');
    const from = $('#period-from').value, to = $('#period-to').value;
    $('#period-to').setCustomValidity(from && to && to < from ? 'The period ends before it starts' : '');
    if (!$('#period-form').reportValidity()) return;
    Object.assign(state, { zone, from, to });
    invalidate();
  }

  // The currencies sales are in (biggest revenue first); the chosen one goes
  // to the reports that take --currency and picks the rows charts show.
  function setCurrencies(rows, preferred) {
    const revenue = new Map();
    for (const r of rows) revenue.set(r.currency, (revenue.get(r.currency) || 0n) + big(r.revenue_minor));
    state.currencies = [...revenue.keys()].sort((a, b) => (revenue.get(b) > revenue.get(a) ? 1 : -1));
    if (!state.currencies.includes(state.currency)) {
      state.currency = state.currencies.includes(preferred) ? preferred : state.currencies[0] || preferred || '';
    }
    const select = $('#currency');
    select.replaceChildren(...state.currencies.map((c) => h('option', { value: c }, c)));
    select.value = state.currency;
    $('#currency-label').hidden = state.currencies.length < 2;
  }

  // Learns the currencies from the sales of all time, once per login.
  function loadCurrencies(preferred) {
    const rows = report('sales', { by: 'office' });
    state.firstOffices = rows;  // the overview's first load of all time uses them
    state.currencyReady = rows.then((r) => setCurrencies(r, preferred), () => setCurrencies([], preferred));
  }

  // ---------------------------------------------------------------- login

  function showLogin(message = '') {
    stopOfficesTimer();
    state.tickets = {};
    $('#app').hidden = true;
    $('#login-view').hidden = false;
    $('#login-password').value = '';
    $('#login-error').textContent = message;
    $('#login-error').hidden = !message;
    $('#login-submit').disabled = false;
    $('#login-name').focus();
  }

  function showForbidden(message) {
    const banner = $('#forbidden');
    banner.textContent = `This needs an HQ manager: log in as an HQ manager or an admin. (${message})`;
    banner.hidden = false;
    $('#app').classList.add('forbidden');
  }

  // Shows the dashboard once the server has accepted the session; with
  // `forbidden`, only the banner saying why nothing can be shown.
  function showApp(session, forbidden = '') {
    $('#login-view').hidden = true;
    $('#app').hidden = false;
    $('#forbidden').hidden = true;
    $('#app').classList.remove('forbidden');
    $('#whoami').textContent = session
      ? `${session.displayName || session.login} (${session.login}, ${session.role}${session.office ? `, ${session.office}` : ''})`
      : 'signed in';
    if (forbidden) {
      showForbidden(forbidden);
      return;
    }
    for (const s of SECTIONS) state.stale.add(s);
    periodNote();
    showSection(location.hash.slice(1) || state.section || 'overview');
  }

  // Asks the server who the session cookie belongs to (the status answer
  // says): none means the login form, a role below HQ manager the banner.
  async function enter() {
    let session = null;
    try {
      session = ((await api('POST', '/api/status', undefined, { own401: true })).status || {}).you || null;
    } catch (e) {
      if (e.status === 401) return showLogin();
      // Anything else: open the page; each section says what fails.
    }
    if (session && !MANAGER_ROLES.includes(session.role)) {
      return showApp(session, `you are logged in as ${session.role || 'an unknown role'}`);
    }
    loadCurrencies(session && session.currency);
    return showApp(session);
  }

  async function login(event) {
    event.preventDefault();
    const button = $('#login-submit');
    button.disabled = true;
    $('#login-error').hidden = true;
    try {
      const answer = await api('POST', '/api/login',
        { login: $('#login-name').value.trim(), password: $('#login-password').value }, { own401: true });
      const session = answer.session || {};
      $('#login-password').value = '';
      if (MANAGER_ROLES.includes(session.role)) await enter();
      else showApp(session, `you are logged in as ${session.role || 'an unknown role'}`);
    } catch (e) {
      $('#login-error').textContent = e.status === 401 ? 'Wrong login or password.' : e.message;
      $('#login-error').hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  async function logout() {
    try { await api('POST', '/api/logout', undefined, { own401: true }); } catch { /* gone already */ }
    showLogin();
  }

  // ---------------------------------------------------------------- start

  function fillZones() {
    const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['Europe/London', 'Europe/Moscow']);
    $('#zone-list').replaceChildren(...['UTC', ...zones.filter((z) => z !== 'UTC')].map((z) => h('option', { value: z })));
  }

  function wire() {
    $('#login-form').addEventListener('submit', login);
    $('#logout').addEventListener('click', logout);
    $('#period-form').addEventListener('submit', applyPeriod);
    $('#currency').addEventListener('change', (e) => { state.currency = e.target.value; invalidate(); });
    for (const button of document.querySelectorAll('nav [data-section]')) {
      button.addEventListener('click', () => {
        if (location.hash === `#${button.dataset.section}`) showSection(button.dataset.section);
        else location.hash = button.dataset.section;
      });
    }
    window.addEventListener('hashchange', () => { if (!$('#app').hidden) showSection(location.hash.slice(1)); });
    // Controls inside a section reload only that section.
    const reloadOn = (form, name, events) => {
      for (const type of events) $(form).addEventListener(type, (e) => { e.preventDefault(); load(name); });
    };
    reloadOn('#sales-form', 'sales', ['submit', 'change']);
    reloadOn('#effectiveness-form', 'effectiveness', ['submit', 'change']);
    reloadOn('#credit-form', 'credit', ['submit']);
    reloadOn('#pipeline-form', 'pipeline', ['submit']);
    reloadOn('#forecast-form', 'forecast', ['submit']);
    reloadOn('#satisfaction-form', 'satisfaction', ['submit', 'change']);
    $('#users-office').addEventListener('change', () => load('users'));
    $('#duplicates-list').addEventListener('click', (e) => { const b = e.target.closest('.merge-button'); if (b) askMerge(b); });
    $('#merge-confirm').addEventListener('click', confirmMerge);
    $('#merge-cancel').addEventListener('click', hideMergeDialog);
    $('#product-form').addEventListener('submit', saveProduct);
    $('#product-new').addEventListener('click', newProduct);
    $('#catalogue-table').addEventListener('click', (e) => { const b = e.target.closest('.product-edit'); if (b) editProduct(b.dataset.sku); });
  }

  document.addEventListener('DOMContentLoaded', () => {
    wire();
    fillZones();
    enter();
  });
})();
