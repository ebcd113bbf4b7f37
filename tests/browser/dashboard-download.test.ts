import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { configSchema } from '../../src/config/config-schema.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { startGgufFileServer, type GgufFileServer } from '../helpers/gguf-file-server.js';
import { modelsDirWithTestModel } from '../helpers/test-model.js';

// Needs `npm run build` first (dist/dashboard/) and Debian's chromium (scripts/ensure-chromium.sh).
const MODEL = 'Qwen/Qwen3-0.6B';
const GPU = 'L4';
const ROW = `tr[data-testid="pool-row"][data-model="${MODEL}"][data-gpu="${GPU}"]`;

describe('the dashboard while a pool downloads its weights (workers.pull)', () => {
  let server: GgufFileServer;
  let gateway: Gateway | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url: string;
  let modelsDir: string;

  before(async () => {
    server = await startGgufFileServer({ '/model.gguf': readFileSync(testModelPath(await modelsDirWithTestModel())) });
    server.bytesPerTick = 32 * 1024; // about 9 s for the test model
    modelsDir = join(mkdtempSync(join(tmpdir(), 'gpuroute-dash-pull-')), 'models');
    const config = configSchema.parse({ workers: { models_dir: modelsDir, pull: true }, pools: [{ kind: 'local' }], models: { [MODEL]: { gguf: `${server.url}/model.gguf` } } });
    gateway = await createGateway(config, false);
    url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', timeout: 30_000, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    await server.close();
  });

  it('shows downloading with a percentage and MB, then warmed on the downloaded file', { timeout: 120_000 }, async () => {
    await page.goto(`${url}/dashboard/`);
    await page.locator('#pool-model:enabled').waitFor();
    await page.getByTestId('pool-pick-model').selectOption(MODEL);
    await page.getByTestId('pool-pick-gpu').selectOption(GPU);
    await page.getByTestId('pool-pick-show').click();
    const row = page.locator(ROW);
    await row.getByTestId('warm-button').click();

    await page.locator(`${ROW}[data-state="downloading"]`, { has: page.getByTestId('pool-error').filter({ hasText: /MB of 2\.8 MB/ }) }).waitFor({ timeout: 30_000 });
    assert.match((await row.getByTestId('pool-state').textContent()) ?? '', /^downloading \d{1,3}%$/);
    assert.equal(await row.getByTestId('warm-button').textContent(), 'Downloading…');
    assert.equal(await row.getByTestId('warm-button').isDisabled(), true);
    assert.match((await page.getByTestId('pools-summary').textContent()) ?? '', /1 downloading/);

    await page.locator(`${ROW}[data-state="warmed"]`).waitFor({ timeout: 90_000 });
    assert.equal(await row.getByTestId('pool-weights').textContent(), join(modelsDir, 'Qwen', 'Qwen3-0.6B.gguf'));
    assert.equal(await row.getByTestId('pool-error').textContent(), '');
  });
});
