import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { eventually, modelsDirWithTestModel, workerPids } from '../helpers/test-model.js';

/**
 * Issue 5 §4.4. tests/local/local-pools.test.ts kills a worker that is already warm;
 * here the worker dies while it is still loading, with a warm-up and a chat call
 * waiting on that start.
 */
const MODEL = 'Qwen/Qwen3-0.6B';
const GPU = 'L40S';
// Greedy: with sampling, the random-weight test model may end its turn before max_tokens.
const PROMPT = { model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 4, temperature: 0 };

type Status = { status: string; error?: string };
type ErrorBody = { detail: string; error: { code: string } };

const status = async (url: string) => (await fetch(`${url}/warmup/status/${MODEL}?gpu=${GPU}`)).json() as Promise<Status>;
const warmup = (url: string, wait: boolean) => fetch(`${url}/warmup/${MODEL}?gpu=${GPU}${wait ? '&wait=true' : ''}`, { method: 'POST' });

describe('a worker that crashes during warm-up', { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel(), max_live: 2 }, warmup: { timeout_ms: 60_000 }, pools: [{ kind: 'local' }] });
  });
  after(() => gw?.close());

  it('fails the pool with an error naming the exit, fails the calls waiting on it, and a later warm-up recovers and serves', async (t) => {
    assert.deepEqual(await workerPids(), [], 'no worker before the test');
    const started = await warmup(gw.url, false);
    assert.equal(started.status, 200);
    assert.equal((await started.json()).status, 'warming');
    // Callers that wait on this one start.
    const waitingWarmup = warmup(gw.url, true);
    const waitingChat = post(`${gw.url}/v1/chat/completions`, PROMPT, { 'X-GPU-Preference': GPU });

    let victim = 0;
    await eventually(async () => ((victim = (await workerPids())[0] ?? 0) !== 0), 'the worker process exists', 10_000);
    // Let it get into loading the model, then kill it while the pool still says warming.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await status(gw.url)).status, 'warming', 'the pool is still warming when its worker is killed');
    process.kill(victim, 'SIGKILL');

    await eventually(async () => (await status(gw.url)).status === 'failed', 'the pool is failed', 10_000);
    const failed = await status(gw.url);
    t.diagnostic(`error: ${failed.error}`);
    assert.match(failed.error ?? '', /^worker exited \(SIGKILL\)/);

    const warmupAnswer = await waitingWarmup;
    assert.equal(warmupAnswer.status, 502);
    const warmupBody = (await warmupAnswer.json()) as ErrorBody;
    assert.equal(warmupBody.error.code, 'warmup_failed');
    assert.match(warmupBody.detail, /did not become warm: worker exited \(SIGKILL\)/);
    const chatAnswer = await waitingChat;
    assert.equal(chatAnswer.status, 502);
    const chatBody = (await chatAnswer.json()) as ErrorBody;
    assert.equal(chatBody.error.code, 'warmup_failed');
    assert.match(chatBody.detail, /worker exited \(SIGKILL\)/);
    assert.deepEqual(await workerPids(), [], 'nothing is left of the killed worker');

    const recovered = await warmup(gw.url, true);
    assert.equal(recovered.status, 200);
    assert.equal((await recovered.json()).status, 'warmed');
    const now = await status(gw.url);
    assert.equal(now.status, 'warmed');
    assert.equal(now.error, undefined, 'the old error is cleared');
    const pids = await workerPids();
    assert.equal(pids.length, 1, `one new worker: ${pids.join(', ')}`);
    assert.notEqual(pids[0], victim);

    const response = await post(`${gw.url}/v1/chat/completions`, PROMPT, { 'X-GPU-Preference': GPU });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.deepEqual(body.system_fingerprint, { selected_gpu: GPU });
    assert.equal(body.usage.completion_tokens, 4);
  });
});
