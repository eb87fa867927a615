// The playground: each scene sends real requests to this service's public API, from this origin,
// and draws what came back. No framework and nothing fetched from elsewhere; text from the API is
// only ever set as text (textContent), never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const PAYMENTS = '/payments';
/** The ids of the payments and refunds this page made, for the events scene. */
const madeHere = new Set();

// ---------------------------------------------------------------------------------------------
// Requests: one exchange is a request and its answer, as the log shows them and curl sends them.
// ---------------------------------------------------------------------------------------------

/** A key the way a client makes one: unique to one payment or refund (a UUID would do too). */
function newKey(what) {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `playground-${what}-${random}`;
}

/**
 * Sends one request. `lane` names it in the browser's Resource Timing (as a URL fragment, which
 * never leaves the browser), so the race can tell when each request really went out.
 */
async function send(method, path, { key, body, lane } = {}) {
  const headers = { Authorization: `Bearer ${$('api-key').value.trim()}` };
  if (key) headers['Idempotency-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const exchange = { method, path, headers, body, lane, sentAt: performance.now() };
  try {
    const response = await fetch(lane ? `${path}#${lane}` : path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
    });
    exchange.status = response.status;
    exchange.statusText = response.statusText;
    exchange.answerHeaders = ['Location', 'Idempotent-Replayed', 'Retry-After', 'Content-Type']
      .filter((name) => response.headers.has(name)).map((name) => [name, response.headers.get(name)]);
    exchange.replayed = response.headers.get('Idempotent-Replayed') === 'true';
    exchange.text = await response.text();
    exchange.json = parsed(exchange.text);
  } catch (error) {
    exchange.status = 0;
    exchange.error = String(error);
  }
  exchange.answeredAt = performance.now();
  if (exchange.status === 201 && exchange.json && exchange.json.id) madeHere.add(exchange.json.id);
  return exchange;
}

function parsed(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null; // every answer of the API is JSON; anything else is shown as it came
  }
}

const sendAll = (requests) => Promise.all(requests.map((request) => send(...request)));

/** A request in the shell: the exact method, URL, headers and body the page sent. */
function curlOf(exchange) {
  const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;
  const parts = ['curl -i', quote(location.origin + exchange.path)];
  if (exchange.method !== 'GET') parts.push('-X', exchange.method);
  for (const [name, value] of Object.entries(exchange.headers)) parts.push('-H', quote(`${name}: ${value}`));
  if (exchange.body !== undefined) parts.push('-d', quote(JSON.stringify(exchange.body)));
  return parts.join(' ');
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value; else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

/** Adds an exchange to a scene's log: request, answer, and the request as curl with a copy button. */
function log(scene, exchange, note = '') {
  const answer = exchange.status === 0 ? `no answer (${exchange.error})`
    : `${exchange.status} ${exchange.statusText}${exchange.replayed ? ', replayed' : ''}`;
  const request = [`${exchange.method} ${exchange.path} HTTP/1.1`,
    ...Object.entries(exchange.headers).map(([name, value]) => `${name}: ${value}`)]
    .join('\n') + (exchange.body !== undefined ? `\n\n${JSON.stringify(exchange.body)}` : '');
  const response = exchange.status === 0 ? '' : [`HTTP/1.1 ${exchange.status} ${exchange.statusText}`,
    ...exchange.answerHeaders.map(([name, value]) => `${name}: ${value}`)].join('\n') + `\n\n${exchange.text}`;
  const curl = element('pre', { class: 'curl' }, curlOf(exchange));
  const copy = element('button', { type: 'button' }, 'Copy as curl');
  copy.addEventListener('click', () => copyText(curl, copy));
  $(`${scene}-log`).append(element('details', {},
    element('summary', {}, `${exchange.method} ${exchange.path} → ${answer}${note ? ` (${note})` : ''}`),
    element('pre', { class: 'request', 'aria-label': 'request' }, request),
    element('pre', { class: 'response', 'aria-label': 'answer' }, response),
    curl, copy));
}

async function copyText(pre, button) {
  try {
    await navigator.clipboard.writeText(pre.textContent);
    button.textContent = 'Copied';
  } catch {
    // no clipboard outside a secure context (plain http to another host): select it for Ctrl+C
    getSelection().selectAllChildren(pre);
    button.textContent = 'Selected: press Ctrl+C';
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing: numbered steps, a result list of named figures, verdicts said in words.
// ---------------------------------------------------------------------------------------------

const euros = (minor, currency = 'EUR') =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);

function step(scene, text, kind = '') {
  $(`${scene}-steps`).append(element('li', { class: kind }, text));
}

/** The scene's figures as a list of name and value; each value has an id the browser test reads. */
function result(scene, verdict, ok, figures) {
  const list = element('dl');
  for (const [name, label, value] of figures) {
    list.append(element('dt', {}, label), element('dd', { id: `${scene}-${name}` }, String(value)));
  }
  $(`${scene}-result`).replaceChildren(
    element('p', { class: ok ? 'verdict ok' : 'verdict failed', id: `${scene}-verdict` }, `${ok ? '✓' : '✗'} ${verdict}`),
    list);
}

/** Runs a scene once at a time, its previous drawing cleared, and says so if it fails. */
function scene(name, play) {
  const button = $(`${name}-play`);
  button.addEventListener('click', async () => {
    button.disabled = true;
    for (const part of ['steps', 'result', 'log', 'timeline']) $(`${name}-${part}`)?.replaceChildren();
    try {
      await play();
    } catch (error) {
      $(`${name}-result`).replaceChildren(element('p', { class: 'verdict failed', id: `${name}-verdict` },
        `✗ The scene stopped: ${error.message}`));
    } finally {
      button.disabled = false;
    }
  });
}

/** Fails the scene with what the API said, when it did not answer as the story needs. */
function expect(exchange, status, what) {
  if (exchange.status !== status) {
    const said = exchange.json && exchange.json.detail ? `: ${exchange.json.detail}` : '';
    throw new Error(`${what} answered ${exchange.status || exchange.error}${said}`);
  }
  return exchange.json;
}

/** The payments of one order (its description) as GET /payments lists them. */
async function paymentsOfOrder(scene, order) {
  const list = await send('GET', `${PAYMENTS}?limit=100`);
  log(scene, list);
  return expect(list, 200, 'The payment list').data.filter((payment) => payment.description === order);
}

const orderName = () => `Playground order ${Math.floor(Math.random() * 900000) + 100000}`;

// ---------------------------------------------------------------------------------------------
// 1. The lost response
// ---------------------------------------------------------------------------------------------

scene('lost', async () => {
  const order = orderName();
  const body = { amount: 5000, currency: 'EUR', payment_method: 'pm_card_visa', description: order };
  const key = newKey('order');

  const first = await send('POST', PAYMENTS, { key, body });
  log('lost', first, 'the page hides this answer, as a lost connection would');
  const original = expect(first, 201, 'The payment');
  step('lost', `Pay ${euros(5000)} with key ${key}: … no answer (time-out). Did the customer pay?`, 'lost');

  const retry = await send('POST', PAYMENTS, { key, body });
  log('lost', retry);
  const replay = expect(retry, 201, 'The retry');
  step('lost', `Retry with the same key: ${retry.status}, Idempotent-Replayed: ${retry.replayed}, payment ${replay.id}.`, 'replay');

  const careless = await send('POST', PAYMENTS, { key: newKey('order'), body });
  log('lost', careless);
  const second = expect(careless, 201, 'The retry with a new key');
  step('lost', `Retry with a new key, as a client without idempotency would: ${careless.status}, a new payment ${second.id}.`, 'twice');

  const payments = await paymentsOfOrder('lost', order);
  const sameId = replay.id === original.id && retry.replayed;
  result('lost', sameId && payments.length === 2
    ? `The retry with the same key got the original payment back; the new key charged the customer a second time (${payments.length} payments for one order).`
    : 'The answers were not as the story says: see the requests below.', sameId && payments.length === 2, [
    ['original', 'First payment (answer lost)', original.id],
    ['replayed', 'Retry, same key', `${replay.id}${retry.replayed ? ' (Idempotent-Replayed: true)' : ''}`],
    ['same-id', 'Same payment id', sameId ? 'yes' : 'no'],
    ['second', 'Retry, new key', second.id],
    ['payments', `Payments for “${order}” in GET /payments`, payments.length],
  ]);
});

// ---------------------------------------------------------------------------------------------
// 2. The race
// ---------------------------------------------------------------------------------------------

/** Where each racer's time went: from the call to a free connection (queued), then at the service. */
function timings(exchanges) {
  const entries = new Map(performance.getEntriesByType('resource').map((entry) => [entry.name, entry]));
  return exchanges.map((exchange) => {
    const entry = entries.get(`${location.origin}${PAYMENTS}#${exchange.lane}`);
    const wentOut = entry && entry.requestStart > 0 ? entry.requestStart : exchange.sentAt;
    const answered = entry && entry.responseEnd > 0 ? entry.responseEnd : exchange.answeredAt;
    return { exchange, calledAt: exchange.sentAt, wentOut, answered, measured: Boolean(entry && entry.requestStart > 0) };
  });
}

/** The most requests that were out of the browser at one instant. */
function mostAtOnce(lanes) {
  const edges = lanes.flatMap((lane) => [[lane.wentOut, 1], [lane.answered, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, change] of edges) most = Math.max(most, (now += change));
  return most;
}

function drawTimeline(lanes) {
  const start = Math.min(...lanes.map((lane) => lane.calledAt));
  const span = Math.max(...lanes.map((lane) => lane.answered)) - start || 1;
  const at = (time) => `${((time - start) / span) * 100}%`;
  const width = (from, to) => `${(Math.max(to - from, 0) / span) * 100}%`;
  const list = element('ol', { class: 'lanes', 'aria-label': 'One line per request, in the order they were sent' });
  lanes.forEach((lane, index) => {
    const { exchange } = lane;
    const kind = exchange.status === 201 ? (exchange.replayed ? 'replay' : 'original') : 'other';
    const what = kind === 'original' ? 'made the payment (201)' : kind === 'replay' ? 'replay (201)' : `${exchange.status || 'no answer'}`;
    const queued = element('span', { class: 'queued' });
    queued.style.left = at(lane.calledAt);
    queued.style.width = width(lane.calledAt, lane.wentOut);
    const out = element('span', { class: `out ${kind}` });
    out.style.left = at(lane.wentOut);
    out.style.width = width(lane.wentOut, lane.answered);
    list.append(element('li', { class: kind },
      element('span', { class: 'label' },
        `#${index + 1} ${what} · ${Math.round(lane.wentOut - lane.calledAt)} ms in the browser · `
        + `${Math.round(lane.answered - lane.wentOut)} ms at the service`),
      element('span', { class: 'track', 'aria-hidden': 'true' }, queued, out)));
  });
  $('race-timeline').replaceChildren(
    element('p', { class: 'legend', 'aria-hidden': 'true' },
      element('span', { class: 'key queued' }), ' waiting for a connection in the browser ',
      element('span', { class: 'key out original' }), ' the request that made the payment ',
      element('span', { class: 'key out replay' }), ' a replay of it ',
      element('span', { class: 'key out other' }), ' any other answer'),
    list,
    element('p', { class: 'axis', 'aria-hidden': 'true' }, element('span', {}, '0 ms'), element('span', {}, `${Math.round(span)} ms`)));
}

scene('race', async () => {
  const count = Math.min(Math.max(Number($('race-count').value) || 20, 2), 64);
  const card = document.querySelector('input[name="race-card"]:checked').value;
  const order = orderName();
  const body = { amount: 5000, currency: 'EUR', payment_method: card, description: order };
  const key = newKey('race');
  const run = key.slice(-6);

  performance.clearResourceTimings();
  performance.setResourceTimingBufferSize(500);
  const exchanges = await sendAll(Array.from({ length: count }, (_, i) => ['POST', PAYMENTS, { key, body, lane: `racer-${i + 1}-${run}` }]));
  exchanges.forEach((exchange, i) => log('race', exchange, `racer #${i + 1}`));
  const lanes = timings(exchanges);
  drawTimeline(lanes);

  const originals = exchanges.filter((exchange) => exchange.status === 201 && !exchange.replayed);
  const replays = exchanges.filter((exchange) => exchange.status === 201 && exchange.replayed);
  const ids = new Set(exchanges.filter((exchange) => exchange.status === 201).map((exchange) => exchange.json.id));
  const payments = await paymentsOfOrder('race', order);
  const ok = originals.length === 1 && replays.length === count - 1 && ids.size === 1 && payments.length === 1;
  const slowest = Math.max(...exchanges.map((exchange) => exchange.answeredAt - exchange.sentAt));
  result('race', ok
    ? `${count} requests with one key, one payment: the customer was charged once.`
    : 'Not every request got the one payment: see the answers below.', ok, [
    ['sent', 'Requests sent with one key', count],
    ['originals', 'Made the payment (201 without Idempotent-Replayed)', originals.length],
    ['replays', 'Replays of it (201, Idempotent-Replayed: true)', replays.length],
    ['others', 'Other answers', exchanges.length - originals.length - replays.length],
    ['ids', 'Payment ids in the answers', [...ids].join(', ') || 'none'],
    ['payments', `Payments for “${order}” in GET /payments`, payments.length],
    ['at-once', 'Most requests at the service at once (measured)', lanes.every((lane) => lane.measured)
      ? mostAtOnce(lanes) : `${mostAtOnce(lanes)} (upper bound: this browser did not give request timings)`],
    ['slowest', 'Slowest answer', `${Math.round(slowest)} ms`],
  ]);
});

// ---------------------------------------------------------------------------------------------
// 3. Same key, other body
// ---------------------------------------------------------------------------------------------

scene('reuse', async () => {
  const order = orderName();
  const key = newKey('order');
  const body = { amount: 5000, currency: 'EUR', payment_method: 'pm_card_visa', description: order };

  const first = await send('POST', PAYMENTS, { key, body });
  log('reuse', first);
  const payment = expect(first, 201, 'The payment');
  step('reuse', `Pay ${euros(5000)} with key ${key}: ${first.status}, payment ${payment.id}.`, 'replay');

  const other = await send('POST', PAYMENTS, { key, body: { ...body, amount: 9900 } });
  log('reuse', other);
  const problem = other.json || {};
  step('reuse', `The same key with ${euros(9900)}: ${other.status} ${problem.title || ''}. ${problem.detail || ''}`, 'refused');

  const again = await send('POST', PAYMENTS, { key, body });
  log('reuse', again);
  step('reuse', `The same key with the first body again: ${again.status}, Idempotent-Replayed: ${again.replayed}.`, 'replay');

  const payments = await paymentsOfOrder('reuse', order);
  const ok = other.status === 422 && (problem.type || '').endsWith('/idempotency-key-reused')
    && again.replayed && again.json.id === payment.id && payments.length === 1 && payments[0].amount === 5000;
  result('reuse', ok ? 'The key answers for its first request only; the other body was refused and changed nothing.'
    : 'The answers were not as the story says: see the requests below.', ok, [
    ['status', 'Same key, other body', `${other.status} ${other.statusText}`],
    ['type', 'Problem type', problem.type || ''],
    ['content-type', 'Content-Type', other.answerHeaders?.find(([name]) => name === 'Content-Type')?.[1] || ''],
    ['payments', `Payments for “${order}” (amount)`, payments.map((p) => euros(p.amount)).join(', ')],
  ]);
});

// ---------------------------------------------------------------------------------------------
// 4. Refunds racing
// ---------------------------------------------------------------------------------------------

scene('refunds', async () => {
  const count = Math.min(Math.max(Number($('refunds-count').value) || 8, 2), 32);
  const amount = 5000;
  const refund = 1500;
  const created = await send('POST', PAYMENTS, { key: newKey('order'),
    body: { amount, currency: 'EUR', payment_method: 'pm_card_visa', description: orderName() } });
  log('refunds', created);
  const payment = expect(created, 201, 'The payment');
  const path = `${PAYMENTS}/${payment.id}/refunds`;

  const answers = await sendAll(Array.from({ length: count }, () =>
    ['POST', path, { key: newKey('refund'), body: { amount: refund, reason: 'requested_by_customer' } }]));
  answers.forEach((exchange) => log('refunds', exchange));
  const made = answers.filter((exchange) => exchange.status === 201);
  const exceeded = answers.filter((exchange) => exchange.status === 409 && (exchange.json?.type || '').endsWith('/refund-exceeds-remaining'));

  const after = await send('GET', `${PAYMENTS}/${payment.id}`);
  log('refunds', after);
  const refunds = await send('GET', `${path}?limit=100`);
  log('refunds', refunds);
  const refunded = expect(after, 200, 'The payment').amount_refunded;
  const sum = expect(refunds, 200, 'The refund list').data
    .filter((r) => r.status === 'succeeded').reduce((total, r) => total + r.amount, 0);
  const fit = Math.min(Math.floor(amount / refund), count);
  const ok = made.length === fit && exceeded.length === count - fit && sum === refunded && refunded === fit * refund;

  const bar = element('div', { class: 'refund-bar', role: 'img',
    'aria-label': `${euros(refunded)} refunded of ${euros(amount)} captured, ${euros(amount - refunded)} remaining` });
  for (let i = 0; i < made.length; i++) {
    const part = element('span', { class: 'refunded' }, euros(refund));
    part.style.width = `${(refund / amount) * 100}%`;
    bar.append(part);
  }
  bar.append(element('span', { class: 'remaining' }, `${euros(amount - refunded)} left`));
  result('refunds', ok
    ? `${made.length} of ${count} refunds succeeded, as many as fit in ${euros(amount)}; the other ${exceeded.length} were refused with 409 refund-exceeds-remaining.`
    : 'The refunds did not add up as the story says: see the answers below.', ok, [
    ['sent', 'Refunds sent at once', count],
    ['succeeded', 'Succeeded (201)', made.length],
    ['exceeded', 'Refused: 409 refund-exceeds-remaining', exceeded.length],
    ['others', 'Other answers', count - made.length - exceeded.length],
    ['sum', 'The refunds listed add up to', euros(sum)],
    ['refunded', 'The payment\'s amount_refunded', euros(refunded)],
  ]);
  $('refunds-result').append(bar);
});

// ---------------------------------------------------------------------------------------------
// 5. Events
// ---------------------------------------------------------------------------------------------

scene('events', async () => {
  const list = await send('GET', '/events?limit=100');
  log('events', list);
  const events = expect(list, 200, 'The event list').data;
  const ours = events.filter((event) => madeHere.has(event.data.object.id) || madeHere.has(event.data.object.payment_id));
  const shown = ours.length > 0 ? ours : events.slice(0, 10);
  const table = element('table', {},
    element('caption', {}, ours.length > 0 ? 'Events of the payments and refunds made on this page, newest first'
      : 'Nothing made on this page yet (play a scene first): your merchant\'s latest events'),
    element('thead', {}, element('tr', {}, ...['Written at', 'Type', 'Object', 'Status then', 'Amount']
      .map((heading) => element('th', { scope: 'col' }, heading)))));
  const rows = element('tbody');
  for (const event of shown) {
    const object = event.data.object;
    rows.append(element('tr', {}, ...[event.created_at, event.type, object.id, object.status, euros(object.amount, object.currency)]
      .map((cell) => element('td', {}, String(cell)))));
  }
  table.append(rows);
  result('events', `${ours.length} events of this page's ${madeHere.size} payments and refunds, each written with its change.`,
    ours.length > 0, [['count', 'Events of this page', ours.length], ['types', 'Types', [...new Set(ours.map((e) => e.type))].join(', ')]]);
  $('events-result').append(table);
});

// ---------------------------------------------------------------------------------------------
// One scene on screen at a time, chosen by the address's fragment, so links and Back work.
// ---------------------------------------------------------------------------------------------

function show() {
  const name = ['lost', 'race', 'reuse', 'refunds', 'events'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'lost';
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== name;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.hash === `#${name}`) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  return name;
}

window.addEventListener('hashchange', () => $(`${show()}-title`).focus());
show();
