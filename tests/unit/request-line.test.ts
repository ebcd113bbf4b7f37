import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { requestLineWriter } from '../../src/api/request-line.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      writes.push(String(chunk));
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, writes, logger: pino({ name: 'gpuroute', base: { pid: 42 }, level }, stream) };
}

const withoutTime = (line: string) => {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(typeof parsed.time, 'number');
  delete parsed.time;
  return parsed;
};

// The hand-built line must stay the line pino would write, field for field.
describe('request log line', () => {
  it('matches what pino writes for the same fields', async () => {
    const { lines, logger } = capture();
    const write = requestLineWriter(logger);
    const odd = 'id-"quoted"\\\u2028';
    write({ reqId: odd, route: '/v1/chat/completions', method: 'POST', model: 'Qwen/Qwen3-0.6B', gpu: 'H100:2', status: 200, totalMs: 1.23456, overheadMs: 0.0499 });
    logger.child({ reqId: odd }).info({ route: '/v1/chat/completions', method: 'POST', model: 'Qwen/Qwen3-0.6B', gpu: 'H100:2', status: 200, total_ms: 1.235, overhead_ms: 0.05 }, 'request');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lines.length, 2);
    assert.deepEqual(withoutTime(lines[0]!), withoutTime(lines[1]!));
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object), Object.keys(JSON.parse(lines[1]!) as object));
  });

  it('leaves out what an unrouted request does not have', async () => {
    const { lines, logger } = capture();
    requestLineWriter(logger)({ reqId: 'r1', route: 'unmatched', method: 'GET', model: undefined, gpu: undefined, status: 404, totalMs: 0.2, overheadMs: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(withoutTime(lines[0]!), { level: 30, pid: 42, name: 'gpuroute', reqId: 'r1', route: 'unmatched', method: 'GET', status: 404, total_ms: 0.2, msg: 'request' });
  });

  it('hands the lines of one event-loop turn to the stream as one write, in order', async () => {
    const { lines, writes, logger } = capture();
    const write = requestLineWriter(logger);
    for (const reqId of ['a', 'b', 'c']) write({ reqId, route: '/health', method: 'GET', model: undefined, gpu: undefined, status: 200, totalMs: 0.1, overheadMs: undefined });
    assert.equal(writes.length, 0, 'nothing is written before the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    write({ reqId: 'd', route: '/health', method: 'GET', model: undefined, gpu: undefined, status: 200, totalMs: 0.1, overheadMs: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 2);
    assert.deepEqual(lines.map((line) => (JSON.parse(line) as { reqId: string }).reqId), ['a', 'b', 'c', 'd']);
  });

  it('writes nothing when the level is above info', async () => {
    const { lines, logger } = capture('warn');
    requestLineWriter(logger)({ reqId: 'r2', route: '/health', method: 'GET', model: undefined, gpu: undefined, status: 200, totalMs: 0.1, overheadMs: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lines.length, 0);
  });
});
