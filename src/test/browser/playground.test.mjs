// The playground in a real browser: Chromium (headless, Debian's package) driven by Playwright
// against a running service, every scene played and its figures checked in the page, a screenshot
// of each under target/playground/. Run by .ci/browser-stage against the packaged jar:
//   PLAYGROUND_URL=http://localhost:8080 node src/test/browser/playground.test.mjs
// Options: CHROMIUM (the browser's executable), PLAYGROUND_DOCS_IMAGE (also save the race's
// screenshot there: docs/img/playground.png is made this way).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

// Playwright is pinned with the other client tools, in .ci/package.json
const require = createRequire(new URL('../../../.ci/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const BASE = process.env.PLAYGROUND_URL ?? 'http://localhost:8080';
const SHOTS = 'target/playground';
const TIMEOUT_MS = 30_000;

mkdirSync(SHOTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // CI runs as root, where Chromium's sandbox cannot start
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
const figures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx as an error; the 409s and the 422 are what the scenes show
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of 4')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(BASE) && !request.url().startsWith('data:')) problems.push(`fetched from elsewhere: ${request.url()}`);
  });

  // the service's root sends a browser to the page, which says where its scripts may come from
  const response = await page.goto(`${BASE}/`);
  assert.equal(new URL(page.url()).pathname, '/playground/');
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  assert.equal(await page.getByLabel('Merchant API key').inputValue(), 'sk_test_acme');

  // every control has a name a screen reader says, and the scenes are reached by links
  for (const name of ['The lost response', 'The race', 'Same key, other body', 'Refunds racing', 'Events']) {
    await page.getByRole('navigation', { name: 'Scenes' }).getByRole('link', { name }).waitFor();
  }

  const verdict = async (scene) => {
    const text = await page.locator(`#${scene}-verdict`).textContent();
    assert.ok(text.startsWith('✓'), `${scene}: ${text}`);
    return text;
  };
  const figure = async (scene, name) => (await page.locator(`#${scene}-${name}`).textContent()).trim();
  const play = async (scene, button) => {
    await page.getByRole('button', { name: button }).click();
    await page.locator(`#${scene}-verdict`).waitFor();
    await page.getByRole('button', { name: button }).and(page.locator(':enabled')).waitFor();
  };

  // 1. The lost response, played from the keyboard
  await page.getByRole('link', { name: 'The lost response' }).click();
  await page.getByRole('button', { name: 'Play: pay, lose the answer, retry' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#lost-verdict').waitFor();
  await verdict('lost');
  assert.equal(await figure('lost', 'same-id'), 'yes');
  assert.equal(await figure('lost', 'payments'), '2');
  assert.notEqual(await figure('lost', 'second'), await figure('lost', 'original'));
  await page.screenshot({ path: `${SHOTS}/1-lost-response.png`, fullPage: true });

  // 2. The race: instant, slow, and the most the page allows
  await page.getByRole('link', { name: 'The race' }).click();
  for (const [count, card] of [[20, 'instant'], [20, 'slow'], [64, 'slow']]) {
    await page.getByLabel('Requests', { exact: true }).fill(String(count));
    await page.getByRole('radio', { name: new RegExp(`^${card}`) }).check();
    await play('race', 'Start the race');
    await verdict('race');
    assert.equal(await figure('race', 'sent'), String(count));
    assert.equal(await figure('race', 'originals'), '1');
    assert.equal(await figure('race', 'replays'), String(count - 1));
    assert.equal(await figure('race', 'others'), '0');
    assert.equal((await figure('race', 'ids')).split(',').length, 1);
    assert.equal(await figure('race', 'payments'), '1');
    assert.equal(await page.locator('#race-timeline li').count(), count);
    const atOnce = await figure('race', 'at-once');
    const slowest = Number.parseInt(await figure('race', 'slowest'), 10);
    assert.ok(Number(atOnce) >= 1 && Number(atOnce) <= count, `measured at once: ${atOnce}`);
    if (card === 'slow') assert.ok(slowest >= 1500, `the slow card answers after 1.5 s: ${slowest} ms`);
    figures.push(`race: ${count} requests, ${card} processor: 1 made the payment, ${count - 1} replayed, `
      + `at most ${atOnce} at the service at once, slowest answer ${slowest} ms`);
    await page.screenshot({ path: `${SHOTS}/2-race-${count}-${card}.png`, fullPage: true });
  }

  // a request copied as curl does what the page did: a replay of the race's payment
  await page.locator('#race-log details').first().locator('summary').click();
  const curl = await page.locator('#race-log pre.curl').first().textContent();
  const answered = execFileSync('sh', ['-c', curl], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.match(answered, /^HTTP\/1\.1 201/);
  assert.match(answered, /Idempotent-Replayed: true/i);

  // 3. Same key, other body
  await page.getByRole('link', { name: 'Same key, other body' }).click();
  await play('reuse', 'Play: pay €50.00, then reuse the key for €99.00');
  await verdict('reuse');
  assert.match(await figure('reuse', 'status'), /^422/);
  assert.match(await figure('reuse', 'type'), /\/idempotency-key-reused$/);
  assert.match(await figure('reuse', 'content-type'), /^application\/problem\+json/);
  await page.screenshot({ path: `${SHOTS}/3-same-key-other-body.png`, fullPage: true });

  // 4. Refunds racing: 8 of €15.00 on €50.00, 3 fit
  await page.getByRole('link', { name: 'Refunds racing' }).click();
  await page.getByLabel('Refunds', { exact: true }).fill('8');
  await play('refunds', 'Play: pay €50.00, refund €15.00 at once');
  await verdict('refunds');
  assert.equal(await figure('refunds', 'succeeded'), '3');
  assert.equal(await figure('refunds', 'exceeded'), '5');
  assert.equal(await figure('refunds', 'sum'), '€45.00');
  assert.equal(await figure('refunds', 'refunded'), '€45.00');
  figures.push('refunds: 8 of €15.00 on €50.00 at once: 3 succeeded, 5 refused 409 refund-exceeds-remaining, €45.00 refunded');
  await page.screenshot({ path: `${SHOTS}/4-refunds-racing.png`, fullPage: true });

  // 5. The events of all that
  await page.getByRole('link', { name: 'Events' }).click();
  await play('events', "Show the events of this page's payments and refunds");
  await verdict('events');
  const types = await figure('events', 'types');
  assert.match(types, /payment\.succeeded/);
  assert.match(types, /refund\.succeeded/);
  await page.screenshot({ path: `${SHOTS}/5-events.png`, fullPage: true });

  assert.deepEqual(problems, []);

  if (process.env.PLAYGROUND_DOCS_IMAGE) {
    await page.getByRole('link', { name: 'The race' }).click();
    await page.getByLabel('Requests', { exact: true }).fill('20');
    await page.getByRole('radio', { name: /^slow/ }).check();
    await play('race', 'Start the race');
    await verdict('race');
    // the scene from its title to the end of its timeline, without the log of requests below it
    const top = await page.locator('#race-title').boundingBox();
    const bottom = await page.locator('#race-timeline').boundingBox();
    await page.screenshot({ path: `${SHOTS}/docs.png`, fullPage: true,
      clip: { x: 0, y: top.y - 16, width: 1280, height: bottom.y + bottom.height - top.y + 32 } });
    copyFileSync(`${SHOTS}/docs.png`, process.env.PLAYGROUND_DOCS_IMAGE);
  }
} finally {
  await browser.close();
}
console.log(figures.join('\n'));
console.log(`PLAYGROUND BROWSER TEST PASSED (screenshots in ${SHOTS}/)`);
