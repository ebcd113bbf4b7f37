/**
 * Deterministic malformed requests for the fuzz test: every route, with bad JSON, wrong
 * types, huge strings, deep nesting, odd Unicode and NUL, bad GPU specs, hostile model
 * ids, and repeated or oversized headers.
 */
import { mulberry32 } from '../../src/worker/test-model/seeded-random.js';

export interface FuzzRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: string[];
  body?: string;
}

const MB = 'x'.repeat(1024 * 1024);
const GPU_SPECS = ['H100:0', 'H100:-1', 'H100:9', 'h100 ', ' H100', 'A100;rm -rf /', 'L40S:2:2', '', ':', '*', 'null', 'H100:1e1', 'H100:0x2', 'ＨＬ００', 'H100\u0000', 'A10G:8', 'V100', MB.slice(0, 100_000), 'L40S\r\nX-Evil: 1'];
const MODEL_IDS = ['../secret', '..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/x', 'Qwen%00/Qwen3-0.6B', 'Qwen/Qwen3-0.6B%00', '%c0%ae%c0%ae/x', '....//....//x', '/etc/passwd', 'Qwen\\..\\x', 'a'.repeat(5000), '%', '%zz', '😀/😀', 'ft:../x:y', 'qft:Qwen/Qwen3-0.6B:', 'rl::'];
const ODD = ['\u0000', '\uffff', '\ud800', '\u202e', '😀'.repeat(1000), '\u0000'.repeat(100), 'é'.repeat(500), '\t\n\r', '"', '\\'];
const TYPES: unknown[] = [null, true, 0, -1, 1e308, 'x', [], {}, [[]], { a: 1 }, '', NaN];

function deep(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

const PREFIXES = ['', '/v1', '/api', '/api/v1'];

function chatBody(random: () => number): string {
  const variant = Math.floor(random() * 14);
  const ok = { model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'hi' }] };
  switch (variant) {
    case 0: return JSON.stringify(ok).slice(0, Math.floor(random() * 40));
    case 1: return `{"model": ${JSON.stringify(pick(random, TYPES))}, "messages": ${JSON.stringify(pick(random, TYPES))}}`;
    case 2: return JSON.stringify({ ...ok, messages: [{ role: pick(random, TYPES), content: pick(random, TYPES) }] });
    case 3: return JSON.stringify({ ...ok, gpu_preference: pick(random, GPU_SPECS) });
    case 4: return JSON.stringify({ ...ok, model: pick(random, MODEL_IDS) });
    case 5: return JSON.stringify({ ...ok, messages: [{ role: 'user', content: MB }] });
    case 6: return `{"model":"Qwen/Qwen3-0.6B","messages":[{"role":"user","content":${deep(5000, '[', ']')}}]}`;
    case 7: return deep(10_000, '{"a":', '}');
    case 8: return JSON.stringify({ ...ok, messages: [{ role: 'user', content: pick(random, ODD) }], [pick(random, ODD)]: pick(random, ODD) });
    case 9: return `{"__proto__": {"polluted": true}, "model": "Qwen/Qwen3-0.6B", "messages": []}`;
    case 10: return JSON.stringify({ ...ok, temperature: pick(random, TYPES), max_tokens: pick(random, TYPES), stream: pick(random, TYPES), stop: pick(random, TYPES) });
    case 11: return Array.from({ length: 64 }, () => String.fromCharCode(Math.floor(random() * 256))).join('');
    case 12: return JSON.stringify(pick(random, TYPES));
    default: return JSON.stringify({ ...ok, messages: Array.from({ length: 2000 }, () => ({ role: 'user', content: 'x' })) });
  }
}

function headersFor(random: () => number): string[] {
  const headers = ['content-type', random() < 0.9 ? 'application/json' : pick(random, ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''])];
  const variant = Math.floor(random() * 6);
  if (variant === 0) headers.push('x-gpu-preference', pick(random, GPU_SPECS).replace(/[\r\n\u0000]/g, ''));
  if (variant === 1) headers.push('x-gpu-preference', 'L40S', 'x-gpu-preference', 'A100');
  if (variant === 2) headers.push('x-request-id', pick(random, ['<script>', 'a'.repeat(5000), '../../', 'ok-id']));
  if (variant === 3) headers.push('authorization', pick(random, ['Bearer', 'Bearer ', 'Basic abc', 'Bearer ' + 'k'.repeat(8000)]));
  if (variant === 4) headers.push('x-oversized', 'y'.repeat(20_000));
  return headers;
}

/** The `i`-th request of a run; the same seed gives the same requests. */
export function malformedRequest(i: number, seed = 7): FuzzRequest {
  const random = mulberry32(seed * 1_000_003 + i);
  const route = Math.floor(random() * 8);
  const headers = headersFor(random);
  const prefix = pick(random, PREFIXES);
  const modelPath = encodeURI(pick(random, MODEL_IDS)).replace(/%25/g, '%');
  const gpuQuery = `?gpu=${encodeURIComponent(pick(random, GPU_SPECS).slice(0, 200))}`;
  switch (route) {
    case 0:
    case 1:
    case 2:
      return { method: 'POST', path: `${prefix}/chat/completions`, headers, body: chatBody(random) };
    case 3:
      return { method: 'POST', path: `${pick(random, ['', '/api'])}/v1/capabilities/validate`, headers, body: random() < 0.5 ? chatBody(random) : JSON.stringify({ model: pick(random, [...MODEL_IDS, ...TYPES]), gpu: pick(random, [...GPU_SPECS, ...TYPES]), task_type: pick(random, ['inference', 'training', 'serving', ...TYPES]) }) };
    case 4:
      return { method: 'POST', path: `${pick(random, ['', '/api', '/api/v1'])}/warmup/${modelPath}${random() < 0.5 ? gpuQuery : ''}`, headers, ...(random() < 0.5 && { body: chatBody(random) }) };
    case 5:
      return { method: 'GET', path: `${pick(random, ['', '/api', '/api/v1'])}/warmup/status/${modelPath}${random() < 0.5 ? gpuQuery : ''}`, headers };
    case 6:
      return { method: 'GET', path: pick(random, ['/v1/models', '/health', '/metrics', '/openapi.json', '/dashboard', '/dashboard/../package.json', '/v1/capabilities/gpus', '/api/v1/capabilities/models', '/warmup/status', `/${modelPath}`, '/%00', '/v1/chat/completions']), headers };
    default:
      return { method: 'POST', path: pick(random, ['/v1/models', '/health', '/warmup/status', '/v1/capabilities/gpus', '/dashboard', '/v1/chat/completions?x=%00']), headers, body: chatBody(random) };
  }
}
