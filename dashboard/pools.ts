/**
 * The pools table: every pool of `GET /warmup/status` (polled about once a second), plus
 * pools picked from the catalog that do not exist yet, each with a Warm up button that
 * POSTs `/warmup/{model}?gpu=GPU`. Rows are kept by (model, GPU) and updated in place.
 */
import { api, errorMessage, warmupPath, type CatalogModel, type PoolStatusBody } from './api.js';
import { ago, byId, el, fillSelect, localTime, setText } from './dom.js';

interface Row {
  tr: HTMLTableRowElement;
  state: HTMLElement;
  note: HTMLElement;
  since: HTMLElement;
  lastUsed: HTMLElement;
  kind: HTMLElement;
  device: HTMLElement;
  weights: HTMLElement;
  button: HTMLButtonElement;
}

const keyOf = (model: string, gpu: string) => `${model}\u0000${gpu}`;

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Under the state of a pool downloading its weights (workers.pull): `12.0 MB of 639.4 MB`. */
function downloaded(pool: PoolStatusBody): string {
  const bytes = megabytes(pool.bytes ?? 0);
  return pool.total_bytes ? `${bytes} of ${megabytes(pool.total_bytes)}` : `${bytes} so far`;
}

export class PoolsView {
  readonly #body = byId<HTMLTableSectionElement>('pools-body');
  readonly #rows = new Map<string, Row>();
  /** Pools known from the last status poll. */
  #pools = new Map<string, PoolStatusBody>();
  /** Pools picked in the form that the gateway may not have yet. */
  readonly #picked = new Map<string, { model: string; gpu: string }>();
  /** Warm-ups sent and not yet visible in a status poll; failures of the POST itself. */
  readonly #sending = new Set<string>();
  readonly #errors = new Map<string, string>();
  #catalog: CatalogModel[] = [];
  /** Called when a warm-up answered, so the page can poll the pools at once. */
  onWarmSent: () => void = () => undefined;

  constructor() {
    byId('pool-pick').addEventListener('submit', (event) => {
      event.preventDefault();
      const picked = this.#pickedPool();
      if (picked) this.show(picked.model, picked.gpu);
    });
    byId('pool-pick-warm').addEventListener('click', () => {
      const picked = this.#pickedPool();
      if (!picked) return;
      this.show(picked.model, picked.gpu);
      void this.warm(picked.model, picked.gpu);
    });
    byId('pool-model').addEventListener('change', () => this.#fillGpus());
  }

  setCatalog(models: CatalogModel[]): void {
    this.#catalog = models;
    fillSelect(byId<HTMLSelectElement>('pool-model'), models.map((m) => ({ value: m.id })), 'Qwen/Qwen3-0.6B');
    this.#fillGpus();
  }

  #fillGpus(): void {
    const model = this.#catalog.find((m) => m.id === byId<HTMLSelectElement>('pool-model').value);
    fillSelect(byId<HTMLSelectElement>('pool-gpu'), (model?.inference_gpus ?? []).map((g) => ({ value: g })), model?.default_gpu ?? undefined);
  }

  #pickedPool(): { model: string; gpu: string } | undefined {
    const model = byId<HTMLSelectElement>('pool-model').value;
    const gpu = byId<HTMLSelectElement>('pool-gpu').value;
    return model && gpu ? { model, gpu } : undefined;
  }

  /** Adds the pool's row (if the gateway has no such pool yet) and points at it. */
  show(model: string, gpu: string): void {
    const key = keyOf(model, gpu);
    if (!this.#pools.has(key)) this.#picked.set(key, { model, gpu });
    this.render();
    const tr = this.#rows.get(key)?.tr;
    if (tr) {
      tr.classList.remove('flash');
      void tr.offsetWidth; // restart the animation
      tr.classList.add('flash');
      tr.scrollIntoView({ block: 'nearest' });
    }
  }

  async warm(model: string, gpu: string): Promise<void> {
    const key = keyOf(model, gpu);
    this.#sending.add(key);
    this.#errors.delete(key);
    this.render();
    try {
      const response = await api(warmupPath(model, gpu), { method: 'POST' });
      if (!response.ok) this.#errors.set(key, await errorMessage(response));
      else await response.body?.cancel();
    } catch (error) {
      this.#errors.set(key, `Warm-up not sent: ${(error as Error).message}`);
    } finally {
      this.#sending.delete(key);
      this.render();
      this.onWarmSent();
    }
  }

  update(pools: PoolStatusBody[]): void {
    this.#pools = new Map(pools.map((p) => [keyOf(p.model, p.gpu), p]));
    for (const key of this.#pools.keys()) this.#picked.delete(key);
    this.render();
  }

  render(): void {
    const entries: Array<{ key: string; model: string; gpu: string; pool?: PoolStatusBody }> = [
      ...[...this.#pools].map(([key, pool]) => ({ key, model: pool.model, gpu: pool.gpu, pool })),
      ...[...this.#picked].map(([key, p]) => ({ key, ...p })),
    ].sort((a, b) => a.model.localeCompare(b.model) || a.gpu.localeCompare(b.gpu, undefined, { numeric: true }));

    for (const [key, row] of this.#rows) {
      if (!entries.some((e) => e.key === key)) {
        row.tr.remove();
        this.#rows.delete(key);
      }
    }
    entries.forEach((entry, index) => {
      const row = this.#rows.get(entry.key) ?? this.#newRow(entry.key, entry.model, entry.gpu);
      this.#fill(row, entry.key, entry.pool);
      if (this.#body.children[index] !== row.tr) this.#body.insertBefore(row.tr, this.#body.children[index] ?? null);
    });
    byId('pools-empty').hidden = entries.length > 0;

    const counts = { warmed: 0, downloading: 0, warming: 0, cold: 0, failed: 0 };
    for (const pool of this.#pools.values()) counts[pool.status]++;
    const downloading = counts.downloading ? `${counts.downloading} downloading, ` : '';
    setText(
      byId('pools-summary'),
      this.#pools.size === 0 ? 'no pools yet' : `${this.#pools.size} pool${this.#pools.size === 1 ? '' : 's'}: ${counts.warmed} warmed, ${downloading}${counts.warming} warming, ${counts.cold} cold, ${counts.failed} failed`,
    );
  }

  #newRow(key: string, model: string, gpu: string): Row {
    const cell = (testid: string) => el('td', { 'data-testid': testid });
    const state = el('span', { class: 'state', 'data-testid': 'pool-state' });
    const note = el('div', { class: 'pool-note', 'data-testid': 'pool-error' });
    const button = el('button', { type: 'button', class: 'button small', 'data-testid': 'warm-button' }, 'Warm up');
    button.addEventListener('click', () => void this.warm(model, gpu));
    const since = cell('pool-since');
    const lastUsed = cell('pool-last-used');
    const kind = cell('pool-kind');
    const device = cell('pool-device');
    const weights = cell('pool-weights');
    const tr = el(
      'tr',
      { 'data-testid': 'pool-row', 'data-model': model, 'data-gpu': gpu },
      el('td', { class: 'model', 'data-testid': 'pool-model' }, model),
      el('td', { 'data-testid': 'pool-gpu' }, el('span', { class: 'gpu' }, gpu)),
      el('td', {}, state, note),
      since,
      lastUsed,
      kind,
      device,
      weights,
      el('td', { class: 'actions' }, button),
    );
    const row = { tr, state, note, since, lastUsed, kind, device, weights, button };
    this.#rows.set(key, row);
    return row;
  }

  #fill(row: Row, key: string, pool: PoolStatusBody | undefined): void {
    const state = pool?.status ?? 'none';
    row.tr.dataset.state = state;
    row.state.className = `state state-${state}`;
    const percent = pool?.status === 'downloading' && pool.total_bytes ? ` ${Math.floor((pool.progress ?? 0) * 100)}%` : '';
    setText(row.state, pool ? `${pool.status}${percent}` : 'not started');
    const error = this.#errors.get(key) ?? pool?.error ?? (pool?.status === 'downloading' ? downloaded(pool) : '');
    setText(row.note, error);
    row.note.title = error;

    if (pool) {
      // Relative to the gateway's own clock (`timestamp`), so a skewed browser clock does not matter.
      setText(row.since, ago(pool.timestamp - pool.since));
      row.since.title = localTime(pool.since);
      setText(row.lastUsed, pool.last_used === null ? 'never' : ago(pool.timestamp - pool.last_used));
      row.lastUsed.title = pool.last_used === null ? '' : localTime(pool.last_used);
    } else {
      setText(row.since, '—');
      setText(row.lastUsed, '—');
    }
    setText(row.kind, pool?.kind ?? '—');
    setText(row.device, pool?.device ?? '—');
    setText(row.weights, pool?.weights ?? '—');
    row.weights.title = pool?.weights ?? '';

    const sending = this.#sending.has(key);
    const starting = state === 'downloading' || state === 'warming';
    row.button.disabled = sending || starting || state === 'warmed';
    setText(row.button, sending ? 'Sending…' : state === 'downloading' ? 'Downloading…' : state === 'warming' ? 'Warming…' : state === 'failed' ? 'Retry' : 'Warm up');
    row.button.title = state === 'warmed' ? 'Already warm' : starting ? 'Starting' : `POST ${warmupPath(row.tr.dataset.model ?? '', row.tr.dataset.gpu ?? '')}`;
  }
}
