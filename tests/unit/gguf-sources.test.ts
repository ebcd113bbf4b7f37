import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultGgufSource, ggufSourceUri, parseGgufSource, withQuant } from '../../src/catalog/gguf-sources.js';
import { MODEL_FACTS } from '../../src/catalog/model-facts.js';
import { configSchema } from '../../src/config/config-schema.js';
import { pullSourceFor } from '../../src/pools/pull-source.js';

describe('GGUF sources', () => {
  it('reads a path, hf:<repo>[:<quant>], hf:<repo>/<file> and an http(s) URL', () => {
    assert.deepEqual(parseGgufSource('./models/q.gguf'), { kind: 'path', path: './models/q.gguf' });
    assert.deepEqual(parseGgufSource('hf:Qwen/Qwen3-0.6B-GGUF:Q8_0'), { kind: 'hf', repo: 'Qwen/Qwen3-0.6B-GGUF', quant: 'Q8_0' });
    assert.deepEqual(parseGgufSource('hf:Qwen/Qwen3-0.6B-GGUF'), { kind: 'hf', repo: 'Qwen/Qwen3-0.6B-GGUF' });
    assert.deepEqual(parseGgufSource('hf:ggml-org/gpt-oss-20b-GGUF/gpt-oss-20b-mxfp4.gguf'), { kind: 'hf', repo: 'ggml-org/gpt-oss-20b-GGUF', file: 'gpt-oss-20b-mxfp4.gguf' });
    assert.deepEqual(parseGgufSource('https://example.com/q.gguf'), { kind: 'url', url: 'https://example.com/q.gguf' });
  });

  it('refuses a malformed hf: source and other schemes, saying what is accepted', () => {
    assert.match((parseGgufSource('hf:Qwen') as { error: string }).error, /write hf:<user>\/<repo>/);
    assert.match((parseGgufSource('ftp://example.com/q.gguf') as { error: string }).error, /only http:\/\/, https:\/\/ and hf:/);
    const result = configSchema.safeParse({ models: { 'Qwen/Qwen3-0.6B': { gguf: 'hf:nope' } } });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0]?.path, ['models', 'Qwen/Qwen3-0.6B', 'gguf']);
  });

  it('gives Qwen3-0.6B the publisher\'s own Q8_0, and a source to every built-in model with a single-file GGUF', () => {
    assert.equal(ggufSourceUri(defaultGgufSource('qwen/qwen3-0.6b')!), 'hf:Qwen/Qwen3-0.6B-GGUF:Q8_0');
    assert.equal(ggufSourceUri(defaultGgufSource('Qwen/Qwen3-8B')!), 'hf:Qwen/Qwen3-8B-GGUF:Q4_K_M');
    const without = MODEL_FACTS.filter((f) => !defaultGgufSource(f.id)).map((f) => f.id);
    assert.deepEqual(without, ['allenai/OLMo-2-0425-1B', 'allenai/OLMo-2-1124-7B', 'allenai/OLMo-2-1124-13B', 'openai/gpt-oss-120b']);
  });

  it('--quant picks another file of a repo, and is refused for a URL', () => {
    assert.equal(ggufSourceUri(withQuant(defaultGgufSource('Qwen/Qwen3-0.6B')!, 'Q4_K_M') as never), 'hf:Qwen/Qwen3-0.6B-GGUF:Q4_K_M');
    assert.match((withQuant({ kind: 'url', url: 'https://example.com/q.gguf' }, 'Q4_K_M') as { error: string }).error, /is one file already/);
  });

  it('pull takes --from, then models.<id>.gguf, then the catalog', () => {
    const config = configSchema.parse({ models: { 'Qwen/Qwen3-8B': { gguf: 'https://example.com/8b.gguf' }, 'Qwen/Qwen3-4B': { gguf: '/data/4b.gguf' } } });
    assert.equal(ggufSourceUri(pullSourceFor('Qwen/Qwen3-8B', config, { from: 'hf:me/mine-GGUF:Q8_0' })), 'hf:me/mine-GGUF:Q8_0');
    assert.equal(ggufSourceUri(pullSourceFor('Qwen/Qwen3-8B', config)), 'https://example.com/8b.gguf');
    assert.equal(ggufSourceUri(pullSourceFor('Qwen/Qwen3-0.6B', config, { quant: 'Q6_K' })), 'hf:Qwen/Qwen3-0.6B-GGUF:Q6_K');
    assert.throws(() => pullSourceFor('Qwen/Qwen3-4B', config), /models\.Qwen\/Qwen3-4B\.gguf is a local path .* or remove models\.Qwen\/Qwen3-4B\.gguf/);
    assert.throws(() => pullSourceFor('allenai/OLMo-2-0425-1B', config), /has no default GGUF source: pass --from/);
  });
});
