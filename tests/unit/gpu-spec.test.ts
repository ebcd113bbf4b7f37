import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ALLOWED_GPUS, buildAllowList } from '../../src/gpu/allow-list.js';
import { parseGpuSpec } from '../../src/gpu/gpu-spec.js';

function canonical(text: string): string {
  const result = parseGpuSpec(text);
  assert.ok(result.ok, `expected ${text} to parse`);
  return result.spec.canonical;
}

function errorKind(text: string): string {
  const result = parseGpuSpec(text);
  assert.ok(!result.ok, `expected ${text} to be refused`);
  return result.error.kind;
}

describe('GPU spec grammar TYPE[:N]', () => {
  it('accepts every type in any case and writes it in canonical upper case', () => {
    assert.equal(canonical('l40s'), 'L40S');
    assert.equal(canonical('a100-80gb:2'), 'A100-80GB:2');
    assert.equal(canonical('H100:8'), 'H100:8');
  });

  it('omits :1 from the canonical form', () => {
    assert.equal(canonical('h100:1'), 'H100');
  });

  it('refuses counts other than 1, 2, 4 and 8', () => {
    for (const text of ['H100:0', 'H100:3', 'H100:9', 'H100:16']) assert.equal(errorKind(text), 'bad_count', text);
  });

  it('refuses more A10Gs than one machine holds', () => {
    assert.equal(canonical('A10G:4'), 'A10G:4');
    assert.equal(errorKind('A10G:8'), 'bad_count');
  });

  it('tells an unknown type from junk', () => {
    assert.equal(errorKind('X100'), 'unknown_type');
    for (const text of ['', 'H100:-1', 'h100 ', 'A100;rm', 'H100:2:2', ':2', 'H100:', 'x'.repeat(1_000_000)]) assert.equal(errorKind(text), 'junk', JSON.stringify(text.slice(0, 20)));
  });

  it('never throws, and keeps echoed input short', () => {
    const result = parseGpuSpec(`${'Z'.repeat(30)}`);
    assert.ok(!result.ok);
    assert.ok(result.error.message.length < 200);
  });

  it('names the known types when the type is unknown', () => {
    const result = parseGpuSpec('V100');
    assert.ok(!result.ok);
    assert.match(result.error.message, /V100.*A10G, L4, L40S, A100, A100-80GB, H100, H200, B200/);
  });
});

describe('the allow-list', () => {
  it('holds every type at 1, 2, 4 and 8 GPUs, A10G only up to 4', () => {
    const specs = DEFAULT_ALLOWED_GPUS.map((s) => s.canonical);
    assert.equal(specs.length, 7 * 4 + 3);
    for (const spec of ['A10G', 'A10G:4', 'L4:8', 'L40S:2', 'A100', 'A100-80GB:8', 'H100:4', 'H200:2', 'B200:8']) assert.ok(specs.includes(spec), spec);
    assert.ok(!specs.includes('A10G:8'));
  });

  it('can be narrowed by config, and a bad entry is refused', () => {
    assert.deepEqual(buildAllowList(['l40s', 'H100:2']).map((s) => s.canonical), ['L40S', 'H100:2']);
    assert.throws(() => buildAllowList(['H100:3']), /GPU count must be 1, 2, 4 or 8/);
  });
});
