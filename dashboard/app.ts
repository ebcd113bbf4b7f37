/**
 * The dashboard's entry point (dist/dashboard/app.js, loaded by index.html): reads the
 * catalog once, then polls the pools every ~1 s and /metrics every ~2 s.
 */
import { getJson, hasKey, installKeyForm, type CatalogModel, type PoolStatusBody } from './api.js';
import { DevicesView, type DeviceBody } from './devices.js';
import { byId, setText } from './dom.js';
import { Playground } from './playground.js';
import { PoolsView } from './pools.js';
import { TrafficView } from './traffic.js';

/** Runs `task` now, then `ms` after each run ends; `now()` runs it again at once. */
function poll(ms: number, task: () => Promise<void>): { now(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const run = async () => {
    clearTimeout(timer);
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await task();
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      } else timer = setTimeout(run, ms);
    }
  };
  void run();
  return { now: () => void run() };
}

/** The dot in the header: green while the last poll of each kind succeeded. */
const failures = new Map<string, string>();
function reportPoll(what: string, error?: unknown): void {
  if (error === undefined) failures.delete(what);
  else failures.set(what, `${what}: ${(error as Error).message ?? String(error)}`);
  const connection = byId('connection');
  connection.dataset.ok = String(failures.size === 0);
  setText(connection, failures.size === 0 ? 'connected' : 'error');
  connection.title = [...failures.values()].join('\n');
  const banner = byId('banner');
  banner.hidden = failures.size === 0;
  setText(banner, [...failures.values()].join(' · '));
}

function showKeyState(): void {
  setText(byId('key-state'), hasKey() ? 'API key set for this tab' : '');
  byId<HTMLButtonElement>('key-forget').hidden = !hasKey();
}

async function main(): Promise<void> {
  installKeyForm(showKeyState);
  showKeyState();
  const pools = new PoolsView();
  const playground = new Playground();
  const traffic = new TrafficView();
  const devices = new DevicesView();

  const poolPoll = poll(1000, async () => {
    try {
      const [status, health] = await Promise.all([getJson<{ pools: PoolStatusBody[] }>('/warmup/status'), getJson<{ devices?: DeviceBody[] }>('/health')]);
      pools.update(status.pools);
      devices.update(health.devices ?? []);
      reportPoll('pools');
    } catch (error) {
      reportPoll('pools', error);
    }
  });
  pools.onWarmSent = () => poolPoll.now();
  playground.onDone = () => poolPoll.now();
  poll(2000, async () => {
    try {
      await traffic.poll();
      reportPoll('metrics');
    } catch (error) {
      reportPoll('metrics', error);
      traffic.draw();
    }
  });

  for (let attempt = 0; ; attempt++) {
    try {
      const catalog = await getJson<{ models: CatalogModel[] }>('/v1/capabilities/models');
      pools.setCatalog(catalog.models);
      playground.setCatalog(catalog.models);
      reportPoll('catalog');
      return;
    } catch (error) {
      reportPoll('catalog', error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * 2 ** attempt)));
    }
  }
}

void main();
