import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { post } from '../helpers/gateway-under-test.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';

let fleet: Fleet;
before(async () => {
  fleet = await startFleet({}, ['L4']);
});
after(() => fleet.close());

function validate(body: unknown, prefix = '') {
  return post(`${fleet.url}${prefix}/v1/capabilities/validate`, body);
}

describe('POST v1/capabilities/validate', () => {
  for (const gpu of ['A10G', 'L40S', 'A100', 'H100:2']) {
    it(`says Qwen/Qwen3-0.6B runs on ${gpu}`, async () => {
      const response = await validate({ model: 'Qwen/Qwen3-0.6B', gpu, task_type: 'inference' });
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.deepEqual([body.valid, body.errors, body.gpu, body.model], [true, [], gpu, 'Qwen/Qwen3-0.6B']);
      assert.ok(body.memory.required_gb > 0 && body.memory.required_gb < body.memory.available_gb);
    });
  }

  it('is served under /api too', async () => {
    assert.equal((await (await validate({ model: 'Qwen/Qwen3-0.6B', gpu: 'A100', task_type: 'inference' }, '/api')).json()).valid, true);
  });

  it('answers 200 valid:false with the reason and the cheapest fit when the model does not fit', async () => {
    const response = await validate({ model: 'meta-llama/Llama-3.1-70B-Instruct', gpu: 'A100', task_type: 'inference' });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.valid, false);
    // 40,960 MiB × 0.9 = 38.65 GB.
    assert.match(body.errors[0], /needs [\d.]+ GB .*A100 offers 38\.65 GB usable \(40960 MiB × 0\.9\)/);
    assert.match(body.suggestions[0], /^Use A100-80GB:2, the cheapest GPU allowed for inference at 8192 tokens of context/);
    assert.equal(body.memory.available_gb, 38.65);
    assert.equal(body.max_context_tokens, 0);
  });

  it('takes context_tokens, echoes it and answers the longest context the spec holds', async () => {
    // Qwen's vLLM table: Qwen2.5-72B-Instruct in bf16 on two 80 GB cards at 4096 tokens, on four at 32k.
    const short = await (await validate({ model: 'Qwen/Qwen2.5-72B-Instruct', gpu: 'A100-80GB:2', context_tokens: 4096 })).json();
    assert.deepEqual([short.valid, short.context_tokens], [true, 4096]);
    assert.ok(short.max_context_tokens >= 4096 && short.max_context_tokens < 32_768, String(short.max_context_tokens));
    assert.equal(short.memory.per_gpu.available_gb, 77.31);
    assert.ok(short.memory.per_gpu.required_gb <= 77.31 && Math.abs(short.memory.required_gb - 2 * short.memory.per_gpu.required_gb) <= 0.01);

    const long = await (await validate({ model: 'Qwen/Qwen2.5-72B-Instruct', gpu: 'A100-80GB:2', context_tokens: 32_768 })).json();
    assert.deepEqual([long.valid, long.context_tokens, long.max_context_tokens], [false, 32_768, short.max_context_tokens]);
    assert.match(long.errors[0], /needs [\d.]+ GB per GPU for inference at 32768 tokens of context, A100-80GB:2 offers 77\.31 GB usable per GPU/);
    // Suggestions are computed at 32k, cheapest first, and name the shorter context that would do.
    assert.match(long.suggestions[0], /^Use (\S+), the cheapest GPU allowed for inference at 32768 tokens of context\. Cheapest options: /);
    assert.ok(!/A100-80GB:2 \(/.test(long.suggestions[0]));
    const prices = [...long.suggestions[0].matchAll(/\(\$([\d.]+)\/h\)/g)].map((m: RegExpMatchArray) => Number(m[1]));
    assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
    assert.equal(long.suggestions[1], `Or keep A100-80GB:2 with context_tokens of ${short.max_context_tokens} or less.`);
  });

  it('caps max_context_tokens at the model maximum and sizes a context above it at the maximum', async () => {
    const body = await (await validate({ model: 'Qwen/Qwen3-0.6B', gpu: 'H100', context_tokens: 1_000_000 })).json();
    assert.deepEqual([body.valid, body.context_tokens, body.max_context_tokens], [true, 1_000_000, 40_960]);
  });

  it('defaults context_tokens to estimates.context_tokens', async () => {
    const body = await (await validate({ model: 'Qwen/Qwen3-0.6B', gpu: 'L4' })).json();
    assert.equal(body.context_tokens, 8192);
  });

  it('names the assumptions of a training answer', async () => {
    const body = await (await validate({ model: 'Qwen/Qwen3-8B', gpu: 'L4', task_type: 'training' })).json();
    assert.deepEqual(body.assumptions, { method: 'lora', seq_len: 2048, batch: 1 });
    assert.equal(body.max_context_tokens, null);
    const inference = await (await validate({ model: 'Qwen/Qwen3-8B', gpu: 'L4' })).json();
    assert.equal(inference.assumptions, undefined);
  });

  it('sizes training separately from inference', async () => {
    const inference = await (await validate({ model: 'Qwen/Qwen3-8B', gpu: 'L4', task_type: 'inference' })).json();
    const training = await (await validate({ model: 'Qwen/Qwen3-8B', gpu: 'L4', task_type: 'training' })).json();
    assert.equal(inference.valid, true);
    assert.ok(training.memory.required_gb > inference.memory.required_gb);
  });

  it('uses the model default when no gpu is given', async () => {
    const body = await (await validate({ model: 'Qwen/Qwen3-0.6B', task_type: 'inference' })).json();
    assert.deepEqual([body.valid, body.gpu], [true, 'L4']);
  });

  it('answers 200 valid:false for an unknown GPU or model', async () => {
    const gpu = await (await validate({ model: 'Qwen/Qwen3-0.6B', gpu: 'V100', task_type: 'inference' })).json();
    assert.equal(gpu.valid, false);
    assert.match(gpu.errors[0], /Unknown GPU type: V100/);
    const model = await (await validate({ model: 'Qwen/Qwen3-0.7B', gpu: 'L4', task_type: 'inference' })).json();
    assert.equal(model.valid, false);
    assert.match(model.suggestions[0], /Did you mean .*Qwen\/Qwen3/);
  });

  it('answers 400 only for malformed input', async () => {
    for (const body of [
      { gpu: 'A100' },
      { model: 1 },
      { model: 'Qwen/Qwen3-0.6B', task_type: 'serving' },
      { model: 'Qwen/Qwen3-0.6B', gpu: 8 },
      { model: 'Qwen/Qwen3-0.6B', context_tokens: '4096' },
      { model: 'Qwen/Qwen3-0.6B', context_tokens: 0 },
      { model: 'Qwen/Qwen3-0.6B', context_tokens: 1.5 },
    ]) {
      const response = await validate(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal((await response.json()).error.code, 'invalid_request');
    }
  });
});

describe('GET v1/capabilities/gpus and models', () => {
  it('lists every GPU type with memory and price, and every allowed spec', async () => {
    const body = await (await fetch(`${fleet.url}/v1/capabilities/gpus`)).json();
    assert.deepEqual(body.types.map((t: { name: string }) => t.name), ['A10G', 'L4', 'L40S', 'A100', 'A100-80GB', 'H100', 'H200', 'B200']);
    const h100x2 = body.specs.find((s: { spec: string }) => s.spec === 'H100:2');
    // nvidia-smi's 81,559 MiB per H100 = 85.52 GB.
    assert.deepEqual([h100x2.memory_gb, h100x2.price_per_hour], [171.04, 7.9]);
    const h100 = body.types.find((t: { name: string }) => t.name === 'H100');
    assert.deepEqual([h100.memory_mib, h100.memory_gb], [81_559, 85.52]);
  });

  it('lists every model with its facts, estimates, allowed GPUs and default', async () => {
    const body = await (await fetch(`${fleet.url}/api/v1/capabilities/models`)).json();
    const qwen = body.models.find((m: { id: string }) => m.id === 'Qwen/Qwen3-0.6B');
    assert.equal(qwen.default_gpu, 'L4');
    assert.equal(qwen.facts.attention_heads, 16);
    for (const gpu of ['A10G', 'L40S', 'A100', 'H100:2']) assert.ok(qwen.inference_gpus.includes(gpu), gpu);
    assert.ok(qwen.memory_gb.training.full > qwen.memory_gb.training.lora);
  });
});

describe('GET models and health', () => {
  for (const prefix of ['', '/v1', '/api', '/api/v1']) {
    it(`serves the OpenAI model list at ${prefix}/models`, async () => {
      const body = await (await fetch(`${fleet.url}${prefix}/models`)).json();
      assert.equal(body.object, 'list');
      const qwen = body.data.find((m: { id: string }) => m.id === 'Qwen/Qwen3-0.6B');
      assert.deepEqual([qwen.object, qwen.owned_by], ['model', 'Qwen']);
    });

    it(`answers ${prefix}/health`, async () => {
      const response = await fetch(`${fleet.url}${prefix}/health`);
      assert.equal(response.status, 200);
      assert.equal((await response.json()).status, 'ok');
    });
  }
});
