import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// The pure-JS GGUF parser only; the native llama.cpp addon is loaded in the child alone.
import { readGgufFileInfo } from 'node-llama-cpp';
import { encodeGguf, float32ToFloat16Bits, gguf } from '../../src/worker/test-model/gguf-writer.js';
import {
  TEST_MODEL_CHAT_TEMPLATE,
  TEST_MODEL_SEED,
  encodeTestModel,
  ensureTestModel,
  makeTestModel,
} from '../../src/worker/test-model/make-test-model.js';
import type { ProbeReport } from './test-model-probe.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probeScript = join(root, 'tests/unit/test-model-probe.ts');
const execFileAsync = promisify(execFile);

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gpuroute-test-model-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GGUF writer', () => {
  it('writes the v3 header, metadata and 32-byte aligned tensor data', () => {
    const file = encodeGguf({
      metadata: [
        ['a.u32', gguf.u32(7)],
        ['a.str', gguf.str('hé')],
      ],
      tensors: [
        { name: 'odd', dims: [3], type: 'F32', data: new Float32Array([1, 2, 3]) },
        { name: 'half', dims: [2, 2], type: 'F16', data: new Float32Array([1, -2, 0.5, 65504]) },
      ],
    });
    assert.equal(file.subarray(0, 4).toString('latin1'), 'GGUF');
    assert.equal(file.readUInt32LE(4), 3);
    assert.equal(file.readBigUInt64LE(8), 2n); // tensors
    assert.equal(file.readBigUInt64LE(16), 2n); // key/values
    // The 12-byte F32 tensor is padded to 32, so the F16 tensor starts 32 bytes in and
    // the file ends after its 8 bytes plus padding.
    assert.equal(file.length % 32, 0);
    const dataStart = file.length - 64;
    assert.deepEqual([0, 1, 2].map((i) => file.readFloatLE(dataStart + i * 4)), [1, 2, 3]);
    assert.deepEqual([0, 1, 2, 3].map((i) => file.readUInt16LE(dataStart + 32 + i * 2)), [0x3c00, 0xc000, 0x3800, 0x7bff]);
  });

  it('converts float32 to float16 with round-to-nearest-even, subnormals and overflow', () => {
    assert.equal(float32ToFloat16Bits(0), 0);
    assert.equal(float32ToFloat16Bits(-0), 0x8000);
    assert.equal(float32ToFloat16Bits(0.1), 0x2e66);
    assert.equal(float32ToFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
    assert.equal(float32ToFloat16Bits(2 ** -25), 0); // halfway to 0x0001: ties to even
    assert.equal(float32ToFloat16Bits(2 ** -14), 0x0400); // smallest normal
    assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00); // halfway: ties to even
    assert.equal(float32ToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(float32ToFloat16Bits(65520), 0x7c00); // rounds up to infinity
    assert.equal(float32ToFloat16Bits(Number.NaN) & 0x7c00, 0x7c00);
  });

  it('refuses data that does not match the dims, and duplicate keys', () => {
    const tensor = { name: 't', dims: [2, 2], type: 'F32' as const, data: new Float32Array(3) };
    assert.throws(() => encodeGguf({ metadata: [], tensors: [tensor] }), /dims hold 4 elements/);
    assert.throws(
      () => encodeGguf({ metadata: [['k', gguf.u32(1)], ['k', gguf.u32(2)]], tensors: [] }),
      /duplicate metadata key/,
    );
  });
});

describe('test model file', () => {
  it('is a small GGUF v3 llama with the metadata llama.cpp needs', async () => {
    const path = join(dir, 'model.gguf');
    await makeTestModel(path);
    const bytes = await readFile(path);
    assert.ok(bytes.length < 20 * 1024 * 1024, `${bytes.length} bytes`);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'GGUF');
    assert.equal(bytes.readUInt32LE(4), 3);

    const info = await readGgufFileInfo(path);
    const meta = info.metadata as unknown as {
      general: { architecture: string; name: string };
      llama: { embedding_length: number; attention: { head_count: number }; rope: { dimension_count: number } };
      tokenizer: { chat_template: string; ggml: { model: string; tokens: string[]; eos_token_id: number } };
    };
    assert.equal(meta.general.architecture, 'llama');
    assert.equal(meta.general.name, 'gpuroute test model');
    assert.equal(meta.llama.rope.dimension_count, meta.llama.embedding_length / meta.llama.attention.head_count);
    assert.equal(meta.tokenizer.ggml.model, 'llama');
    assert.equal(meta.tokenizer.ggml.tokens[meta.tokenizer.ggml.eos_token_id], '<|im_end|>');
    assert.equal(meta.tokenizer.chat_template, TEST_MODEL_CHAT_TEMPLATE);
    for (const tensor of info.tensorInfo ?? []) assert.equal(Number(tensor.offset) % 32, 0, tensor.name);
  });

  it('has identical bytes for the same seed and different bytes for another seed', async () => {
    const first = join(dir, 'seeded-1.gguf');
    const second = join(dir, 'seeded-2.gguf');
    await makeTestModel(first, { seed: TEST_MODEL_SEED });
    await makeTestModel(second, { seed: TEST_MODEL_SEED });
    assert.ok((await readFile(first)).equals(await readFile(second)));
    assert.ok(!encodeTestModel({ seed: TEST_MODEL_SEED + 1 }).equals(await readFile(first)));
  });

  it('ensureTestModel creates the directory, writes once and leaves no temp files behind', async () => {
    const modelDir = join(dir, 'nested', 'models');
    const path = join(modelDir, 'ensured.gguf');
    const results = await Promise.all([ensureTestModel(path), ensureTestModel(path), ensureTestModel(path)]);
    assert.ok(results.some((result) => result.created));
    assert.ok((await readFile(path)).equals(encodeTestModel()));
    assert.deepEqual(await readdir(modelDir), ['ensured.gguf']);
    const before = (await stat(path)).mtimeMs;
    assert.deepEqual(await ensureTestModel(path), { created: false });
    assert.equal((await stat(path)).mtimeMs, before);
  });
});

describe('test model under node-llama-cpp (child process)', () => {
  it('loads, round-trips text and generates the same text twice with greedy sampling', async () => {
    const path = join(dir, 'probe.gguf');
    await makeTestModel(path);
    // A child, because llama.cpp aborts the process (exit 134) on some malformed files.
    // execFile rejects on a non-zero exit, which fails the test with the child's stderr.
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', probeScript, path, '--threads', '1', '--max-tokens', '16', '--runs', '2'],
      { cwd: root, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ProbeReport;

    assert.equal(report.chatWrapper, 'ChatML');
    assert.equal(report.trainContextSize, 2048);
    for (const trip of report.roundTrips) assert.equal(trip.detokenized, trip.text);
    assert.equal(report.specialTokens.imEnd.length, 1);
    assert.equal(report.specialTokens.eos, report.specialTokens.imEnd[0]);

    const [first, second] = report.generations;
    assert.ok(first && second);
    assert.ok(first.text.length > 0);
    assert.equal(first.tokens, 16);
    assert.equal(second.text, first.text);
  });
});
