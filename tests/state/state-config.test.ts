import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

function load(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'gpuroute-config-')), 'gpuroute.yaml');
  writeFileSync(file, text);
  return loadConfig({ file, env: {} });
}

describe('the state: config key', () => {
  it('keeps state in memory unless told otherwise', () => {
    assert.deepEqual(load('{}').state, { store: 'memory', url: 'redis://127.0.0.1:6379', key_prefix: 'gpuroute:', claim_ttl_ms: 15_000 });
  });

  it('takes the issue’s Redis shape, with defaults for the rest', () => {
    assert.deepEqual(load('state: { store: redis, url: "redis://127.0.0.1:6379" }').state, { store: 'redis', url: 'redis://127.0.0.1:6379', key_prefix: 'gpuroute:', claim_ttl_ms: 15_000 });
    assert.equal(load('state: { store: redis, url: "rediss://:secret@10.0.0.7:6380/2", key_prefix: "fleet-a:", claim_ttl_ms: 5000 }').state.key_prefix, 'fleet-a:');
  });

  for (const [text, message] of [
    ['state: { store: redsi }', /state\.store: must be "memory" \(one process\) or "redis"/],
    ['state: { store: redis, url: "http://10.0.0.7:6379" }', /state\.url: must be a redis:\/\/ or rediss:\/\/ URL, e\.g\./],
    ['state: { key_prefix: "" }', /state\.key_prefix: cannot be empty/],
    ['state: { claim_ttl_ms: 100 }', /state\.claim_ttl_ms: must be at least 300 ms/],
    ['state: { ttl: 5 }', /state: unknown key "ttl"/],
  ] as const) {
    it(`refuses ${text}, naming the key and the fix`, () => {
      assert.throws(() => load(text), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});
