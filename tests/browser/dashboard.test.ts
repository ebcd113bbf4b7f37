import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DASHBOARD_FILES } from '../../src/api/routes/dashboard.js';
import { startProxyProcess } from '../proxy/proxy-test-kit.js';
import { configSchema } from '../../src/config/config-schema.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { fakeNvidiaSmi, withFakeSmi } from '../helpers/fake-gpus.js';
import { modelsDirWithTestModel } from '../helpers/test-model.js';

// Needs `npm run build` first (dist/dashboard/) and Debian's chromium (scripts/ensure-chromium.sh);
// `npm test` does both.
const KEY = 'sk-dash-test';
const MODEL = 'Qwen/Qwen3-0.6B';
const GPU = 'L40S';
const CHROMIUM = '/usr/bin/chromium';
const DIST = new URL('../../dist/dashboard/', import.meta.url);
const SCREENSHOT = new URL('../../test-artefacts/dashboard.png', import.meta.url);
const SELECTORS = {
  row: `tr[data-testid="pool-row"][data-model="${MODEL}"][data-gpu="${GPU}"]`,
};

/** The real gateway, which serves the dashboard itself. */
async function startDashboardGateway(raw: unknown): Promise<{ url: string; gateway: Gateway }> {
  const config = configSchema.parse(raw);
  // A fake nvidia-smi with one L4 and one L40S: the devices table has something to show.
  const gateway = await createGateway(config, false, withFakeSmi(fakeNvidiaSmi([[0, 'NVIDIA L4', 23034], [1, 'NVIDIA L40S', 46068]])));
  const url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return { url, gateway };
}

/** A GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; cache: string; location: string | undefined; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), cache: String(res.headers['cache-control']), location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

/** One routed chat completion, sent from here rather than from the page. */
async function routedCall(base: string): Promise<void> {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-gpu-preference': GPU },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('the dashboard at /dashboard', () => {
  let url: string;
  let gateway: Gateway | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ({ url, gateway } = await startDashboardGateway({
      auth: { api_keys: [KEY] },
      workers: { models_dir: await modelsDirWithTestModel() },
      pools: [{ kind: 'local' }],
    }));
    // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir in args).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // A 401 is how the page learns that it needs a key; Chromium logs each one.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) pageErrors.push(`console: ${message.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('serves its static files without a key; its data still needs one', async () => {
    for (const path of ['/dashboard', '/api/dashboard']) {
      const bare = await rawGet(url, path);
      assert.deepEqual([bare.status, bare.location], [302, 'dashboard/'], `${path}: to the page, relative so that /api stays`);
    }
    for (const path of ['/dashboard/', '/dashboard/index.html', '/api/dashboard/']) {
      const page = await rawGet(url, path);
      assert.equal(page.status, 200, `${path}: ${page.status} (a 401: the auth hook in build-app.ts must treat DASHBOARD_PATHS as public)`);
      assert.equal(page.type, 'text/html; charset=utf-8');
      assert.equal(page.cache, 'no-cache');
      // Relative, so that the page works under the edge proxy's /api prefix too.
      assert.match(page.body, /<script type="module" src="app\.js">/);
      assert.doesNotMatch(page.body, /https?:\/\//, 'no CDN, no external fonts');
    }
    for (const name of DASHBOARD_FILES) {
      const file = await rawGet(url, `/dashboard/${name}`);
      assert.equal(file.status, 200, name);
      assert.equal(file.type, name.endsWith('.js') ? 'text/javascript; charset=utf-8' : name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/html; charset=utf-8', name);
      assert.equal(file.cache, 'no-cache');
    }
    assert.equal((await rawGet(url, '/warmup/status')).status, 401);
    assert.equal((await rawGet(url, '/metrics')).status, 401);
    assert.equal((await rawGet(url, '/warmup/status', { authorization: `Bearer ${KEY}` })).status, 200);
  });

  it('serves exactly the files the build writes', () => {
    const built = readdirSync(DIST).filter((name) => !name.startsWith('.'));
    assert.deepEqual([...built].sort(), [...DASHBOARD_FILES].sort());
  });

  it('serves nothing outside its allow-list', async () => {
    const paths = ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/..%2fpackage.json', '/dashboard/%2E%2E%2Fpackage.json', '/dashboard/app.ts', '/dashboard/tsconfig.json', '/dashboard/.tsbuildinfo', '/dashboard//dashboard/app.js', '/package.json'];
    for (const path of paths) {
      for (const headers of [{}, { authorization: `Bearer ${KEY}` }] as Array<Record<string, string>>) {
        const answer = await rawGet(url, path, headers);
        assert.ok(answer.status === 401 || answer.status === 404, `${path}: ${answer.status}`);
        assert.doesNotMatch(answer.body, /"devDependencies"|compilerOptions|tsBuildInfo|export class/, path);
      }
    }
  });

  it('asks for the key once, refuses a wrong one, and keeps the right one for the tab', { timeout: 60_000 }, async () => {
    await page.goto(`${url}/dashboard`);
    const dialog = page.getByTestId('key-dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.getByTestId('key-input').fill('sk-wrong');
    await page.getByTestId('key-submit').click();
    await page.locator('#key-message', { hasText: 'refused' }).waitFor();
    await dialog.waitFor({ state: 'visible' });
    await page.getByTestId('key-input').fill(KEY);
    await page.getByTestId('key-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('#pool-model:enabled').waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("gpuroute.dashboard.apiKey")'), KEY);

    await page.reload();
    await page.locator('#pool-model:enabled').waitFor();
    await page.locator('[data-testid="connection"][data-ok="true"]', { hasText: 'connected' }).waitFor();
    assert.equal(await dialog.isVisible(), false, 'the stored key is used without asking again');
  });

  it('warms a pool that does not exist yet with its button and shows it warmed', { timeout: 120_000 }, async () => {
    await page.getByTestId('pool-pick-model').selectOption(MODEL);
    await page.getByTestId('pool-pick-gpu').selectOption(GPU);
    await page.getByTestId('pool-pick-show').click();
    const row = page.locator(SELECTORS.row);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'none');
    assert.equal(await row.getByTestId('pool-state').textContent(), 'not started');

    await row.getByTestId('warm-button').click();
    await page.locator(`${SELECTORS.row}[data-state="warmed"]`).waitFor({ timeout: 90_000 });
    assert.equal(await row.getByTestId('pool-state').textContent(), 'warmed');
    assert.equal(await row.getByTestId('pool-kind').textContent(), 'local');
    assert.equal(await row.getByTestId('pool-weights').textContent(), 'test-model');
    assert.ok(((await row.getByTestId('pool-device').textContent()) ?? '').length > 0);
    assert.equal(await row.getByTestId('warm-button').isDisabled(), true);
    const device = page.locator('tr[data-testid="device-row"][data-index="1"]');
    await page.locator('tr[data-testid="device-row"][data-index="1"] td[data-testid="device-pool"]', { hasText: `${MODEL}@${GPU}` }).waitFor({ timeout: 10_000 });
    assert.equal(await device.getByTestId('device-pool').textContent(), `${MODEL}@${GPU}`);
    assert.equal(await page.locator('tr[data-testid="device-row"][data-index="0"] td[data-testid="device-pool"]').textContent(), 'free');
    assert.match((await page.getByTestId('devices-summary').textContent()) ?? '', /2 GPUs, 1 held/);
  });

  it('streams a chat from the playground and shows the selected GPU', { timeout: 90_000 }, async () => {
    await page.getByTestId('chat-model').selectOption(MODEL);
    await page.getByTestId('chat-gpu').selectOption(GPU);
    await page.getByTestId('chat-max-tokens').fill('32');
    await page.getByTestId('chat-send').click();
    const status = page.getByTestId('chat-status');
    await page.locator('[data-testid="chat-status"]', { hasText: /^(Done|Failed|Stopped)/ }).waitFor({ timeout: 60_000 });
    const statusText = (await status.textContent()) ?? '';
    assert.match(statusText, /^Done in /, statusText);
    const chunks = Number(/(\d+) chunks/.exec(statusText)?.[1]);
    assert.ok(chunks > 2, `streamed in ${chunks} chunks`);
    const output = page.getByTestId('chat-output');
    assert.equal(await output.getAttribute('class'), 'chat-output');
    assert.ok(((await output.textContent()) ?? '').trim().length > 0);
    assert.equal(await page.getByTestId('chat-selected-gpu').textContent(), GPU);
  });

  it('charts requests/s and gateway overhead from /metrics', { timeout: 60_000 }, async () => {
    // Two readings of /metrics are on the page; a routed call after them must show in the next.
    await page.locator('[data-testid="rps-now"]', { hasText: 'req/s' }).waitFor({ timeout: 15_000 });
    await routedCall(url);
    await page.locator('[data-testid="overhead-now"]', { hasText: /s$/ }).waitFor({ timeout: 15_000 });
    await page.locator('#chart-rps path.line').first().waitFor({ state: 'attached' });
    await page.locator('#chart-overhead path.line, #chart-overhead circle.dot').first().waitFor({ state: 'attached' });
    await page.waitForTimeout(2_500); // one more sample, so the lines have some length in the screenshot

    mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: fileURLToPath(SCREENSHOT), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });

  it('keeps polling /metrics after a call of it never answers', { timeout: 60_000 }, async () => {
    let calls = 0;
    // The first /metrics call from now on is held forever; the page's own time-out must end it.
    await page.route('**/metrics', (route) => (calls++ === 0 ? undefined : route.continue()));
    try {
      await page.locator('[data-testid="banner"]', { hasText: 'metrics: no answer within' }).waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="connection"][data-ok="true"]').waitFor({ timeout: 10_000 });
      const total = async () => Number(/^([\d,]+) requests/.exec((await page.locator('#requests-total').textContent()) ?? '')?.[1]?.replace(/,/g, ''));
      const before = await total();
      await routedCall(url);
      await page.waitForFunction((seen) => Number(/^([\d,]+) requests/.exec(document.getElementById('requests-total')?.textContent ?? '')?.[1]?.replace(/,/g, '')) > seen, before, { timeout: 10_000 });
      assert.ok((await total()) > before);
      assert.ok(calls >= 2, `the poll went on: ${calls} calls of /metrics`);
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
    assert.deepEqual(pageErrors, []);
  });

  it('works through the edge proxy, under its /api prefix', { timeout: 90_000 }, async () => {
    const proxy = await startProxyProcess(url);
    try {
      await page.goto(`${proxy.url}/api/dashboard`);
      assert.equal(new URL(page.url()).pathname, '/api/dashboard/');
      // A new origin: the key is asked for again, then every call goes to /api/….
      await page.getByTestId('key-input').fill(KEY);
      await page.getByTestId('key-submit').click();
      await page.locator('#pool-model:enabled').waitFor();
      await page.locator('[data-testid="connection"][data-ok="true"]', { hasText: 'connected' }).waitFor();
      await page.locator('[data-testid="rps-now"]', { hasText: 'req/s' }).waitFor({ timeout: 15_000 });
      assert.deepEqual(pageErrors, []);
    } finally {
      await proxy.stop();
    }
  });
});
