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
    assert.match(body.errors[0], /needs [\d.]+ GB .*A100 offers 36 GB usable/);
    assert.match(body.suggestions[0], /Use B200/);
    assert.equal(body.memory.available_gb, 36);
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
    for (const body of [{ gpu: 'A100' }, { model: 1 }, { model: 'Qwen/Qwen3-0.6B', task_type: 'serving' }, { model: 'Qwen/Qwen3-0.6B', gpu: 8 }]) {
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
    assert.deepEqual([h100x2.memory_gb, h100x2.price_per_hour], [160, 7.9]);
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
