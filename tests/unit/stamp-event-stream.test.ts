import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStamp, stampEventStream } from '../../src/api/shape-response.js';

/**
 * Issue 14 §6: the relay cuts event-stream lines as bytes and decodes each line whole, so
 * a chunk boundary anywhere (inside a UTF-8 sequence, between \r and \n) changes nothing.
 */
const STAMP = createStamp('asked', 'L40S');
const MAX = 1024;

const hooks = {
  describeFailure: (error: unknown) => ({ detail: (error as Error).message, error: { message: (error as Error).message, type: 'api_error', param: null, code: (error as { code?: string }).code ?? '' } }),
  onFirstChunk: () => undefined,
  maxEventBytes: MAX,
};

async function relay(chunks: Buffer[]): Promise<string> {
  async function* source() {
    yield* chunks;
  }
  let out = '';
  for await (const piece of stampEventStream(source(), STAMP, hooks)) out += piece;
  return out;
}

/** The stream cut into pieces of `size` bytes. */
function cut(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return pieces;
}

const STREAM = Buffer.from(
  'data: {"id":"a","model":"up","choices":[{"delta":{"content":"héllo ✓ 😀"}}]}\r\n\r\n' +
    ': a comment\n\n' +
    'data: {"id":"b","choices":[{"delta":{"content":"\\"quoted\\" {not a key}"}}]}\n\n' +
    'data: [DONE]\n\n',
);

describe('stamping an event stream cut anywhere', () => {
  it('gives the same events for every chunk size, multi-byte characters and CRLF included', async () => {
    const whole = await relay([STREAM]);
    const events = whole.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as { model: string; system_fingerprint: unknown; choices: Array<{ delta: { content: string } }> });
    assert.deepEqual(
      events.map((e) => [e.model, e.system_fingerprint, e.choices[0]!.delta.content]),
      [
        ['asked', { selected_gpu: 'L40S' }, 'héllo ✓ 😀'],
        ['asked', { selected_gpu: 'L40S' }, '"quoted" {not a key}'],
      ],
    );
    assert.match(whole, /\n: a comment\n\ndata: \{"id":"b"/);
    assert.match(whole, /data: \[DONE\]\n\n$/);
    for (let size = 1; size <= 9; size++) assert.equal(await relay(cut(STREAM, size)), whole, `pieces of ${size} bytes`);
  });

  it('stamps a last line that has no newline', async () => {
    const out = await relay([Buffer.from('data: {"id":"c"}')]);
    assert.equal(out, 'data: {"id":"c","model":"asked","system_fingerprint":{"selected_gpu":"L40S"}}\n\n');
  });

  it('ends with one upstream_too_large event once a line outgrows maxEventBytes, whether it arrives in pieces or at once', async () => {
    const first = 'data: {"id":"ok"}\n\n';
    const long = `data: {"id":"long","c":"${'x'.repeat(MAX)}"}\n\n`;
    for (const chunks of [cut(Buffer.from(first + long), 100), [Buffer.from(first + long)]]) {
      const out = await relay(chunks);
      const lines = out.split('\n').filter((line) => line.startsWith('data:'));
      assert.equal(lines.length, 2, out.slice(0, 300));
      assert.match(lines[0]!, /"id":"ok"/);
      const failure = JSON.parse(lines[1]!.slice(5)) as { error: { code: string }; detail: string };
      assert.match(failure.detail, /limits\.max_event_bytes \(1024 bytes\)/);
      assert.ok(!out.includes('xxxx'), 'nothing of the long line went out');
    }
  });

  it('relays a line of exactly maxEventBytes', async () => {
    const line = `data: {"c":"${'y'.repeat(MAX - 'data: {"c":""}'.length)}"}`;
    assert.equal(Buffer.byteLength(line), MAX);
    const out = await relay(cut(Buffer.from(`${line}\n\n`), 64));
    assert.match(out, /^data: \{"c":"y+","model":"asked"/);
  });
});
