import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelCatalog } from '../../src/catalog/model-catalog.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { DEFAULT_ALLOWED_GPUS } from '../../src/gpu/allow-list.js';
import { parseGpuSpec, type GpuSpec } from '../../src/gpu/gpu-spec.js';
import { resolveModel } from '../../src/routing/resolve-model.js';
import { selectGpu } from '../../src/routing/select-gpu.js';

const catalog = new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS });
const qwen = resolveModel(catalog, 'Qwen/Qwen3-0.6B');
const llama70 = resolveModel(catalog, 'meta-llama/Llama-3.1-70B-Instruct');

function parse(text: string): GpuSpec {
  const result = parseGpuSpec(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.spec;
}

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error;
  }
  assert.fail('expected a GatewayError');
}

describe('GPU precedence: body > query > header > warm pool > model default', () => {
  it('takes the body field over the header', () => {
    const choice = selectGpu(catalog, qwen, { body: 'H100:2', header: 'L40S' });
    assert.deepEqual([choice.spec.canonical, choice.source], ['H100:2', 'body']);
  });

  it('takes the query parameter over the header (warm-up)', () => {
    const choice = selectGpu(catalog, qwen, { query: 'A100', header: 'L40S' });
    assert.deepEqual([choice.spec.canonical, choice.source], ['A100', 'query']);
  });

  it('takes the header when the body names none', () => {
    const choice = selectGpu(catalog, qwen, { body: null, header: 'l40s' });
    assert.deepEqual([choice.spec.canonical, choice.source], ['L40S', 'header']);
  });

  it('prefers a warm pool of the model over its default when nothing is asked', () => {
    const choice = selectGpu(catalog, qwen, { warm: () => ['A100'] });
    assert.deepEqual([choice.spec.canonical, choice.source], ['A100', 'warm']);
  });

  it('does not look for warm pools when the call names a GPU', () => {
    const warm = () => assert.fail('warm pools were looked up on the hot path');
    assert.equal(selectGpu(catalog, qwen, { header: 'L40S', warm }).spec.canonical, 'L40S');
  });

  it('falls back to the model default, the cheapest allowed spec', () => {
    const choice = selectGpu(catalog, qwen, {});
    assert.deepEqual([choice.spec.canonical, choice.source], ['L4', 'default']);
  });

  it('refuses a body preference that is not a string, naming the field', () => {
    const error = refusal(() => selectGpu(catalog, qwen, { body: 42 }));
    assert.deepEqual([error.code, error.param, error.status], ['invalid_request', 'gpu_preference', 400]);
  });

  it('refuses an unknown spec and names the header it came from', () => {
    const error = refusal(() => selectGpu(catalog, qwen, { header: 'V100' }));
    assert.deepEqual([error.code, error.param, error.status], ['invalid_gpu_spec', 'X-GPU-Preference', 400]);
    assert.match(error.message, /Cheapest: L4/);
  });

  it('refuses a spec the model does not fit on, listing the allowed ones and the cheapest', () => {
    const error = refusal(() => selectGpu(catalog, llama70, { body: 'L4' }));
    assert.equal(error.code, 'unsupported_gpu');
    assert.match(error.message, /not supported for this model.*L4/);
    assert.match(error.message, /Supported at 8192 tokens of context, cheapest first: A100-80GB:2, .*H100:4/);
    assert.match(error.message, /L4 cannot hold its weights at any context/);
    assert.match(error.message, /Cheapest: A100-80GB:2 \(\$5\.00\/h\)/);
  });

  it('says how long a context the refused spec would hold, as validate does', () => {
    // Qwen3-32B's whole 40,960-token context does not fit one H100 beside its 65.6 GB of weights.
    const longCatalog = new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS, contextTokens: 40_960 });
    const qwen32 = resolveModel(longCatalog, 'Qwen/Qwen3-32B');
    const error = refusal(() => selectGpu(longCatalog, qwen32, { header: 'H100' }));
    assert.equal(error.code, 'unsupported_gpu');
    const longest = longCatalog.maxContextTokens(qwen32, parse('H100'));
    assert.ok(longest !== undefined && longest > 32_768 && longest < 40_960);
    assert.match(error.message, new RegExp(`H100 holds at most ${longest} tokens of context\\. Supported at 40960 tokens of context`));
  });
});

describe('model resolution', () => {
  it('answers 404 for an unknown model and says where models are listed', () => {
    const error = refusal(() => resolveModel(catalog, 'nobody/nothing'));
    assert.deepEqual([error.code, error.status], ['model_not_found', 404]);
    assert.match(error.message, /GET \/v1\/models/);
  });

  it('resolves fine-tune ids to their base model', () => {
    assert.equal(resolveModel(catalog, 'ft:qwen/qwen3-0.6b:my-run').id, 'Qwen/Qwen3-0.6B');
  });
});
