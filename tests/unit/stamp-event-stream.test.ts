import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStamp, stampEventStream, stampJson } from '../../src/api/shape-response.js';

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

async function relay(chunks: Buffer[], maxEventBytes = MAX): Promise<string> {
  async function* source() {
    yield* chunks;
  }
  // Pieces of a long line are the upstream's own bytes, cut anywhere: decode them together.
  const out: Buffer[] = [];
  for await (const piece of stampEventStream(source(), STAMP, { ...hooks, maxEventBytes })) out.push(typeof piece === 'string' ? Buffer.from(piece) : piece);
  return Buffer.concat(out).toString('utf8');
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

  // With a 512-byte limit a line is scanned as bytes past 64: every line here is longer,
  // so cut into small pieces it takes that path, and whole (one chunk) the text path.
  const LONG_LINES = [
    `data: {"id":"l1","model":"up","choices":[{"index":0,"delta":{"content":"${'é✓😀'.repeat(8)}"},"finish_reason":null}],"system_fingerprint":"fp"}`,
    `data:{"a":"quote \\" and backslash \\\\ and \\\\\\" end","model" : "up" ,"n":-1.5e3,"t":true,"z":null,"o":{"model":"inner","x":[1,{"y":"}]"}]}}\r`,
    `data:   {  "model":"up",  "usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21} , "k" : [ ] }   `,
    `data: {}${' '.repeat(70)}`,
    `data: {"id":"bad", "trailing": "comma", "x": "${'x'.repeat(20)}",}`,
    `data: {"id":"bad" "missing":"colon and comma", "x": "${'x'.repeat(20)}"}`,
    `data: {"id":"two objects", "x": "${'x'.repeat(20)}"} {"y":1}`,
    `data: ["not","an","object","${'x'.repeat(60)}"]`,
    `data: [DONE]${' '.repeat(70)}`,
    `: a long comment ${'c'.repeat(70)}`,
    `event: message-${'m'.repeat(70)}`,
  ];

  it('stamps a long line arriving in pieces exactly as a whole one, keys nested or escaped and bad JSON included', async () => {
    const stream = Buffer.from(LONG_LINES.map((line) => `${line}\n\n`).join(''));
    const whole = await relay([stream], 512);
    const expected = LONG_LINES.map((line) => {
      if (!line.startsWith('data:')) return line;
      const stamped = stampJson(line.slice(5).trimStart(), STAMP);
      return stamped === undefined ? line : `data: ${stamped}`;
    });
    assert.equal(whole, expected.map((line) => `${line}\n\n`).join(''));
    assert.equal(whole.split('"model":"asked"').length - 1, 4, 'the four good objects are stamped once each, the inner "model" is not');
    for (let size = 1; size <= 90; size++) assert.equal(await relay(cut(stream, size), 512), whole, `pieces of ${size} bytes`);
  });

  it('relays a long last line without a newline, and refuses one past the limit with nothing of it sent', async () => {
    const line = `data: {"id":"end","c":"${'é'.repeat(100)}"}`;
    assert.equal(await relay(cut(Buffer.from(line), 7), 512), `data: {"id":"end","c":"${'é'.repeat(100)}","model":"asked","system_fingerprint":{"selected_gpu":"L40S"}}\n\n`);
    const out = await relay(cut(Buffer.from(`data: {"id":"ok"}\n\ndata: {"c":"${'é'.repeat(300)}"}\n\n`), 50), 512);
    assert.match(out, /^data: \{"id":"ok","model":"asked"[^\n]*\n\n\n\ndata: \{"detail":"[^"]*max_event_bytes/);
    assert.ok(!out.includes('é'));
  });
});
