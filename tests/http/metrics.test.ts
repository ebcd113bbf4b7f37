import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { capturingLogger, post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { CHAT, readEvents } from '../helpers/fleet.js';

const KEY = 'sk-metrics-test';
const auth = { authorization: `Bearer ${KEY}` };

describe('/metrics and the request log', () => {
  let mock: MockUpstream;
  let gw: RunningGateway;
  let lines: Array<Record<string, unknown>>;
  before(async () => {
    mock = await startMockUpstream('L40S');
    const captured = await capturingLogger();
    lines = captured.lines;
    gw = await startGateway({ auth: { api_keys: [KEY] }, pools: [{ gpu: 'L40S', endpoints: [mock.url] }] }, {}, captured.logger);
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(`${gw.url}/metrics`, { headers: auth });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    return response.text();
  }

  it('needs the API key like every route but health', async () => {
    assert.equal((await fetch(`${gw.url}/metrics`)).status, 401);
  });

  it('counts requests by route, status, model and selected GPU, with latency and overhead histograms', async () => {
    assert.equal((await post(`${gw.url}/v1/chat/completions`, CHAT, { ...auth, 'X-GPU-Preference': 'L40S' })).status, 200);
    const text = await scrape();
    assert.match(text, /gpuroute_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200",model="Qwen\/Qwen3-0\.6B",gpu="L40S"\} 1/);
    assert.match(text, /gpuroute_request_duration_seconds_count\{route="\/v1\/chat\/completions",model="Qwen\/Qwen3-0\.6B",gpu="L40S"\} 1/);
    assert.match(text, /gpuroute_gateway_overhead_seconds_count\{route="\/v1\/chat\/completions"\} 1/);
  });

  it('times the first byte of streams', async () => {
    const response = await post(`${gw.url}/api/chat/completions`, { ...CHAT, stream: true }, { ...auth, 'X-GPU-Preference': 'L40S' });
    await readEvents(response);
    assert.match(await scrape(), /gpuroute_stream_first_byte_seconds_count\{model="Qwen\/Qwen3-0\.6B",gpu="L40S"\} 1/);
  });

  it('shows each pool state as a gauge', async () => {
    assert.match(await scrape(), /gpuroute_pool_state\{model="Qwen\/Qwen3-0\.6B",gpu="L40S",kind="upstream",state="warmed"\} 1/);
  });

  it('counts cold starts and times warm-ups', async () => {
    const warm = await fetch(`${gw.url}/warmup/Qwen/Qwen3-8B?gpu=L40S&wait=true`, { method: 'POST', headers: auth });
    assert.equal((await warm.json()).status, 'warmed');
    const text = await scrape();
    assert.match(text, /gpuroute_cold_starts_total\{model="Qwen\/Qwen3-8B",gpu="L40S",kind="upstream"\} 1/);
    assert.match(text, /gpuroute_warmup_duration_seconds_count\{model="Qwen\/Qwen3-8B",gpu="L40S",outcome="warmed"\} 1/);
  });

  it('counts upstream failures by kind, each once', async () => {
    // 500 and 401 (the gateway's own credentials refused) are upstream_error; 400 is the caller's.
    for (const mode of ['status-500', 'status-401', 'status-400'] as const) {
      mock.mode = mode;
      await post(`${gw.url}/v1/chat/completions`, CHAT, { ...auth, 'X-GPU-Preference': 'L40S' });
    }
    mock.mode = 'ok';
    await post(`${gw.url}/v1/chat/completions`, CHAT, { ...auth, 'X-GPU-Preference': 'B200' });
    const text = await scrape();
    assert.match(text, /^gpuroute_upstream_errors_total\{kind="upstream_error"\} 2$/m);
    assert.match(text, /^gpuroute_upstream_errors_total\{kind="upstream_rejected"\} 1$/m);
    assert.match(text, /^gpuroute_upstream_errors_total\{kind="no_pool"\} 1$/m);
  });

  it('never creates series for unknown model ids or paths', async () => {
    for (let i = 0; i < 30; i++) {
      await post(`${gw.url}/v1/chat/completions`, { ...CHAT, model: `acme/made-up-${i}` }, auth);
      await fetch(`${gw.url}/v1/made-up-${i}`, { headers: auth });
    }
    const text = await scrape();
    assert.doesNotMatch(text, /made-up/);
    assert.match(text, /gpuroute_requests_total\{route="\/v1\/chat\/completions",method="POST",status="404",model="none",gpu="none"\} 30/);
    assert.match(text, /gpuroute_requests_total\{route="unmatched",method="GET",status="404",model="none",gpu="none"\} 30/);
  });

  it('logs one line per request with id, route, model, GPU, status, total and overhead', async () => {
    await post(`${gw.url}/v1/chat/completions`, CHAT, { ...auth, 'X-GPU-Preference': 'L40S', 'X-Request-Id': 'log-me-1' });
    const line = lines.find((l) => l.reqId === 'log-me-1' && l.msg === 'request');
    assert.ok(line, 'no request line for log-me-1');
    assert.deepEqual([line.route, line.model, line.gpu, line.status], ['/v1/chat/completions', 'Qwen/Qwen3-0.6B', 'L40S', 200]);
    assert.equal(typeof line.total_ms, 'number');
    assert.equal(typeof line.overhead_ms, 'number');
    assert.equal(lines.filter((l) => l.reqId === 'log-me-1').length, 1);
  });

  it('logs completions, embeddings, responses and model look-ups like chat, by route pattern', async () => {
    const calls = [
      ['/v1/completions', { model: CHAT.model, prompt: 'hi' }],
      ['/v1/embeddings', { model: CHAT.model, input: 'hi' }],
      ['/api/responses', { model: CHAT.model, input: 'hi', stream: true }],
    ] as const;
    for (const [path, body] of calls) {
      const response = await post(`${gw.url}${path}`, body, { ...auth, 'X-GPU-Preference': 'L40S', 'X-Request-Id': `log-${path.replaceAll('/', '-')}` });
      await response.text();
    }
    await fetch(`${gw.url}/v1/models/acme%2Fsecret-name`, { headers: { ...auth, 'X-Request-Id': 'log-model-lookup' } });
    for (const [path] of calls) {
      const line = lines.find((l) => l.reqId === `log-${path.replaceAll('/', '-')}` && l.msg === 'request');
      assert.deepEqual([line?.route, line?.model, line?.gpu, line?.status], [path, 'Qwen/Qwen3-0.6B', 'L40S', 200]);
      assert.equal(typeof line?.overhead_ms, 'number');
    }
    const lookup = lines.find((l) => l.reqId === 'log-model-lookup' && l.msg === 'request');
    assert.deepEqual([lookup?.route, lookup?.status, lookup?.model], ['/v1/models/*', 404, undefined]);
  });

  it('never writes a key into the log', async () => {
    await post(`${gw.url}/v1/chat/completions`, CHAT, { authorization: 'Bearer sk-wrong-secret-value' });
    assert.ok(!JSON.stringify(lines).includes('sk-wrong-secret-value'));
    assert.ok(!JSON.stringify(lines).includes(KEY));
  });
});
