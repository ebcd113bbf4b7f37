import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteTopLevel } from '../../src/api/stamp-json.js';

const KEYS = new Set(['model', 'system_fingerprint']);
const MEMBERS = '"model":"asked","system_fingerprint":{"selected_gpu":"L40S"}';

function stamped(text: string): unknown {
  const out = rewriteTopLevel(text, KEYS, MEMBERS);
  assert.ok(out !== undefined, text);
  return JSON.parse(out);
}

describe('rewriting top-level members without parsing', () => {
  it('replaces model and system_fingerprint and keeps every other member as it was', () => {
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'upstream', system_fingerprint: null, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] };
    assert.deepEqual(stamped(JSON.stringify(chunk)), { ...chunk, model: 'asked', system_fingerprint: { selected_gpu: 'L40S' } });
  });

  it('never touches a "model" key or text nested deeper, or inside strings', () => {
    const text = '{"choices":[{"message":{"content":"say \\"model\\": 1, {\\"system_fingerprint\\"}","model":"inner"}}],"tool":{"model":"x"}}';
    const out = stamped(text) as { choices: Array<{ message: { content: string; model: string } }>; tool: { model: string }; model: string };
    assert.equal(out.choices[0]?.message.model, 'inner');
    assert.equal(out.choices[0]?.message.content, 'say "model": 1, {"system_fingerprint"}');
    assert.equal(out.tool.model, 'x');
    assert.equal(out.model, 'asked');
  });

  it('adds the members to an object that lacks them, or is empty', () => {
    assert.deepEqual(stamped('{"a":[1,2,{"b":"]}"}],"c":true}'), { a: [1, 2, { b: ']}' }], c: true, model: 'asked', system_fingerprint: { selected_gpu: 'L40S' } });
    assert.deepEqual(stamped(' { } '), { model: 'asked', system_fingerprint: { selected_gpu: 'L40S' } });
  });

  it('keeps unicode and escapes byte for byte', () => {
    const text = '{"content":"h\\u00e9llo ✓ \\\\ \\n","n":-1.5e3}';
    assert.equal(rewriteTopLevel(text, KEYS, MEMBERS), `{"content":"h\\u00e9llo ✓ \\\\ \\n","n":-1.5e3,${MEMBERS}}`);
  });

  it('tells an escaped quote from an escaped backslash before a closing quote', () => {
    const text = JSON.stringify({ a: 'ends with \\', b: 'quote \\" inside \\\\"', model: 'm' });
    assert.deepEqual(stamped(text), { a: 'ends with \\', b: 'quote \\" inside \\\\"', model: 'asked', system_fingerprint: { selected_gpu: 'L40S' } });
  });

  for (const text of ['', '[1]', '"x"', '<html>', '{"a":1', '{"a" 1}', '{"a":1,}', '{"a":1} trailing', '{a:1}', '{"a":"unterminated}', '{"a":[1,2}']) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.equal(rewriteTopLevel(text, KEYS, MEMBERS), undefined);
    });
  }
});
