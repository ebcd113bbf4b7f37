import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, get, request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHAT, readEvents } from '../helpers/fleet.js';
import { post } from '../helpers/gateway-under-test.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';

// Runs dist/ through bin/gpuroute.js: `npm run build` first.

let mock: MockUpstream;
before(async () => {
  mock = await startMockUpstream('L4');
});
after(() => mock.close());

function serveWith(yaml: string): Promise<ServingProcess> {
  const config = join(mkdtempSync(join(tmpdir(), 'gpuroute-drain-')), 'gpuroute.yaml');
  writeFileSync(config, `pools:\n  - gpu: "*"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n${yaml}`);
  return startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0'], { GPUROUTE_API_KEYS: '' });
}

function proxyTo(target: string): Promise<ServingProcess> {
  return startServing(process.execPath, [BIN, 'proxy', '--target', target, '--port', '0', '--prefix', '/'], {}, 60_000, 'gpuroute proxy listening');
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exitOf(server: ServingProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return once(server.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
}

/** Held chat calls and streams through `url`; resolves once the mock holds them all. */
async function holdCalls(url: string, plain: number, streams: number) {
  const before = mock.requests.length;
  mock.mode = 'hold';
  const answers = [
    ...Array.from({ length: plain }, () => post(`${url}/v1/chat/completions`, CHAT).then(async (r) => r.status === 200 && (await r.json()).choices !== undefined)),
    ...Array.from({ length: streams }, () => post(`${url}/v1/chat/completions`, { ...CHAT, stream: true }).then(async (r) => r.status === 200 && (await readEvents(r)).at(-1) === '[DONE]')),
  ];
  await until(() => mock.requests.length - before >= plain + streams, 'the mock to hold every call');
  return answers;
}

function release() {
  mock.mode = 'ok';
  mock.release();
}

describe('a signal repeated during the drain', { timeout: 120_000 }, () => {
  for (const target of ['gateway', 'proxy'] as const) {
    it(`${target}: a second and third SIGTERM are logged and ignored; every held call and stream is answered`, async () => {
      const server = target === 'gateway' ? await serveWith('') : await proxyTo(new URL(mock.url).origin);
      try {
        const answers = await holdCalls(server.url, 20, 5);
        const exited = exitOf(server);
        server.child.kill('SIGTERM');
        await until(() => /shutting down/.test(server.output()), 'the drain to start');
        // The case: 100 of 100 were reset with a 250 ms gap between the signals.
        await pause(250);
        server.child.kill('SIGTERM');
        await pause(250);
        server.child.kill('SIGTERM');
        await until(() => (server.output().match(/ignoring this signal/g) ?? []).length === 2, 'both repeats to be logged');
        release();
        assert.deepEqual(await Promise.all(answers), Array(25).fill(true));
        assert.deepEqual(await exited, [0, null]);
      } finally {
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
        release();
      }
    });
  }

  it('a second SIGINT exits at once (130), as terminals teach', async () => {
    const server = await serveWith('');
    try {
      // The held call is cut by the forced exit.
      const answers = (await holdCalls(server.url, 1, 0)).map((answer) => answer.catch(() => false));
      const exited = exitOf(server);
      server.child.kill('SIGINT');
      await until(() => /shutting down/.test(server.output()), 'the drain to start');
      server.child.kill('SIGINT');
      assert.deepEqual(await exited, [130, null]);
      await Promise.allSettled(answers);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      release();
    }
  });
});

interface RawAnswer {
  sent: boolean;
  head: string;
  error?: string;
}

/** One request on a fresh connection; what came back (or the socket error). */
function oneShot(port: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const answer: RawAnswer = { sent: false, head: '' };
    socket.on('connect', () => {
      socket.write('GET /v1/models HTTP/1.1\r\nHost: gateway\r\n\r\n', () => (answer.sent = true));
    });
    socket.on('data', (chunk: Buffer) => (answer.head += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (answer.error = error.code ?? error.message));
    socket.on('close', () => resolve(answer));
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer within 15 s')));
  });
}

describe('SIGTERM in the middle of a burst of new connections', { timeout: 120_000 }, () => {
  it('resets none: every request that was sent is answered, those after the signal with Connection: close', async () => {
    const server = await serveWith('');
    try {
      const port = Number(new URL(server.url).port);
      const exited = exitOf(server);
      const shots: Array<Promise<RawAnswer>> = [];
      for (let i = 0; i < 200; i++) {
        if (i === 100) server.child.kill('SIGTERM');
        shots.push(oneShot(port));
      }
      const answers = await Promise.all(shots);
      const failed = answers.filter((a) => a.error !== undefined || !a.head.startsWith('HTTP/1.1 200'));
      const resets = failed.filter((a) => a.error === 'ECONNRESET').length;
      assert.deepEqual(failed, [], `${failed.length} of ${answers.length} not answered 200 (${resets} reset)`);
      assert.ok(answers.every((a) => a.sent));
      assert.ok(answers.slice(100).every((a) => /\r\nconnection: close\r\n/i.test(a.head)), 'answers after the signal close their connection');
      assert.deepEqual(await exited, [0, null]);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});

function getWith(agent: Agent | false, url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response: IncomingMessage) => {
      let body = '';
      response.on('data', (d: Buffer) => (body += d));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
    }).on('error', reject);
  });
}

function postWith(agent: Agent, url: string, body: unknown): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response: IncomingMessage) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
    });
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

describe('a drain with idle keep-alive connections', { timeout: 120_000 }, () => {
  it('closes them once idle (held calls answered with Connection: close) and exits within 2 s, not at drain_ms; /health says draining meanwhile', async () => {
    // The bound with the default accept_grace_ms (1 s) and drain_ms (30 s).
    const server = await serveWith('');
    const agent = new Agent({ keepAlive: true });
    try {
      await Promise.all(Array.from({ length: 10 }, () => getWith(agent, `${server.url}/v1/models`)));
      const idle = Object.values(agent.freeSockets).flat();
      assert.equal(idle.length, 10, 'ten idle keep-alive sockets');
      const closed = Promise.all(idle.map((socket) => once(socket!, 'close')));
      // Calls in flight at the signal: their sockets turn idle only after the answer
      // (before, those answers said keep-alive and the drain ran to drain_ms).
      mock.mode = 'hold';
      const held = mock.requests.length;
      const calls = Array.from({ length: 3 }, () => postWith(agent, `${server.url}/v1/chat/completions`, CHAT));
      await until(() => mock.requests.length - held === 3, 'the mock to hold the calls');
      const exited = exitOf(server);
      const signalled = performance.now();
      server.child.kill('SIGTERM');
      await until(() => /shutting down/.test(server.output()), 'the drain to start');
      const health = await getWith(false, `${server.url}/health`);
      assert.deepEqual([health.status, health.connection, JSON.parse(health.body)], [503, 'close', { status: 'draining' }]);
      release();
      assert.deepEqual(await Promise.all(calls), Array(3).fill({ status: 200, connection: 'close' }));
      await closed;
      assert.deepEqual(await exited, [0, null]);
      const ms = performance.now() - signalled;
      assert.ok(ms < 2_000, `exited ${Math.round(ms)} ms after SIGTERM`);
      assert.doesNotMatch(server.output(), /still open/);
    } finally {
      agent.destroy();
      release();
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});
