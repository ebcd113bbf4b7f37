/**
 * Every data call of the page goes through `api()`: it sends the API key kept in
 * sessionStorage, and when the gateway answers 401 it shows the key form once (however
 * many calls are waiting), keeps the key entered, and retries the calls with it.
 */
import { byId } from './dom.js';

const KEY_ITEM = 'gpuroute.dashboard.apiKey';

let keyRequest: Promise<void> | null = null;
let resolveKeyRequest: (() => void) | null = null;

function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

/** Shows the form; every caller that got a 401 meanwhile waits on the same promise. */
function askForKey(refused: boolean): Promise<void> {
  if (keyRequest) return keyRequest;
  const dialog = byId('key-dialog');
  byId('key-message').textContent = refused
    ? 'The gateway refused that key. Enter a valid API key.'
    : 'This gateway needs an API key. It is kept in this tab only (sessionStorage).';
  dialog.hidden = false;
  byId<HTMLInputElement>('key-input').focus();
  keyRequest = new Promise((resolve) => (resolveKeyRequest = resolve));
  return keyRequest;
}

export function installKeyForm(onChange: () => void): void {
  const form = byId<HTMLFormElement>('key-form');
  const input = byId<HTMLInputElement>('key-input');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_ITEM, key);
    input.value = '';
    byId('key-dialog').hidden = true;
    const resolve = resolveKeyRequest;
    keyRequest = resolveKeyRequest = null;
    resolve?.();
    onChange();
  });
  byId('key-forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_ITEM);
    onChange();
  });
}

export function hasKey(): boolean {
  return storedKey() !== null;
}

/**
 * The gateway's routes as seen from this page: the folder above `…/dashboard/`. Through
 * the edge proxy that is `/api/` (the page is `/api/dashboard/`), on the gateway itself `/`.
 */
const ROOT = new URL('..', document.baseURI);

/**
 * How long one poll's call may go unanswered. Without a bound, one call that never
 * answers (a connection dropped by something in between) would stop its poll for good,
 * with the last figures still on screen.
 */
export const POLL_TIMEOUT_MS = 8_000;

/** One attempt of `fetch`, ended after `timeoutMs` with an error that says so. */
async function fetchWithin(url: URL, init: RequestInit, timeoutMs: number | undefined): Promise<Response> {
  if (timeoutMs === undefined) return fetch(url, init);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  } catch (error) {
    if (timeout.aborted) throw new Error(`no answer within ${timeoutMs / 1000} s`);
    throw error;
  }
}

/**
 * `fetch` with the key; a 401 asks for a key and retries until one is accepted. `path` is
 * the gateway's (`/metrics`); `timeoutMs` bounds each attempt, its body included.
 */
export async function api(path: string, init: RequestInit = {}, timeoutMs?: number): Promise<Response> {
  const url = new URL(path.replace(/^\//, ''), ROOT);
  for (;;) {
    const key = storedKey();
    const headers = new Headers(init.headers);
    if (key !== null) headers.set('authorization', `Bearer ${key}`);
    const response = await fetchWithin(url, { ...init, headers, cache: 'no-store' }, timeoutMs);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    // Ask only when no one has stored another key since this call was sent.
    if (storedKey() === key) {
      if (key !== null) sessionStorage.removeItem(KEY_ITEM);
      await askForKey(key !== null);
    }
  }
}

/** The gateway's error message from an error response (`{"detail", "error": {message}}`). */
export async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; detail?: unknown };
    const message = body.error?.message ?? body.detail;
    if (typeof message === 'string' && message) return message;
  } catch {
    // not JSON: fall through
  }
  return `${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/** A polled GET: its answer's JSON, within POLL_TIMEOUT_MS. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await api(path, {}, POLL_TIMEOUT_MS);
  if (!response.ok) throw new Error(await errorMessage(response));
  return (await response.json()) as T;
}

/** One model of `GET /v1/capabilities/models`, the fields the page uses. */
export interface CatalogModel {
  id: string;
  default_gpu: string | null;
  inference_gpus: string[];
}

/** One pool of `GET /warmup/status`. Times are Unix seconds. */
export interface PoolStatusBody {
  status: 'cold' | 'downloading' | 'warming' | 'warmed' | 'failed';
  model: string;
  gpu: string;
  timestamp: number;
  since: number;
  last_used: number | null;
  kind: string;
  device: string;
  weights: string;
  /** While downloading (workers.pull): 0–1, bytes so far, the size (0 until known). */
  progress?: number;
  bytes?: number;
  total_bytes?: number;
  error?: string;
}

/** `/warmup/Qwen/Qwen3-0.6B?gpu=L40S`: the id keeps its `/`, each segment is escaped. */
export function warmupPath(model: string, gpu: string): string {
  return `/warmup/${model.split('/').map(encodeURIComponent).join('/')}?gpu=${encodeURIComponent(gpu)}`;
}
