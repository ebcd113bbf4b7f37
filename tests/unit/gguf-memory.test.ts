import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { before, describe, test } from 'node:test';

import { readGgufFileInfo } from 'node-llama-cpp';
import { ggufMemoryGb } from '../../src/pools/gguf-memory.js';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { modelsDirWithTestModel } from '../helpers/test-model.js';

let model: string;
before(async () => {
  model = testModelPath(await modelsDirWithTestModel());
});

describe('GPU memory of a GGUF file, from node-llama-cpp insights on the file', () => {
  test('the weights are the file\'s own tensors, at their stored (quantised) size', async () => {
    const memory = await ggufMemoryGb(model, 2048);
    const fileGb = statSync(model).size / 1e9;
    // llama.cpp keeps the token embeddings in RAM, so the GPU holds a little less than the file.
    assert.ok(memory.weightsGb > 0.8 * fileGb && memory.weightsGb <= fileGb, `${memory.weightsGb} GB of a ${fileGb} GB file`);
  });

  test('the context holds at least the KV cache for its tokens and grows with them', async () => {
    const { architectureMetadata: arch } = await readGgufFileInfo(model);
    const layers = Number(arch.block_count);
    const kvHeads = Number(arch.attention?.head_count_kv ?? arch.attention?.head_count);
    const headDim = Number(arch.embedding_length) / Number(arch.attention?.head_count);
    for (const tokens of [2048, 8192]) {
      const memory = await ggufMemoryGb(model, tokens);
      // K and V in f16, per layer, per KV head, per token.
      const kvBytes = 2 * layers * kvHeads * headDim * 2 * tokens;
      assert.ok(memory.kvCacheGb * 1e9 >= kvBytes, `${tokens} tokens: ${memory.kvCacheGb * 1e9} bytes < ${kvBytes}`);
      assert.equal(memory.totalGb, memory.weightsGb + memory.kvCacheGb);
    }
    assert.ok((await ggufMemoryGb(model, 8192)).kvCacheGb > (await ggufMemoryGb(model, 2048)).kvCacheGb);
  });

  test('a missing file is a rejection, not a crash', async () => {
    await assert.rejects(ggufMemoryGb(join(tmpdir(), 'gpuroute-no-such-model.gguf'), 2048));
  });
});
