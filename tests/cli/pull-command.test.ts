import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '../helpers/closed-port.js';
import { paddedTestModel, startGgufFileServer, type GgufFileServer } from '../helpers/gguf-file-server.js';
import { runCli } from '../helpers/spawn-cli.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const CHUNK = 5 * 1024 * 1024; // node-llama-cpp's downloader saves progress per 5 MiB chunk

/** A fresh models_dir and a config file pointing at it. */
function workspace(): { dir: string; config: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuroute-pull-'));
  const config = join(dir, 'gpuroute.yaml');
  writeFileSync(config, `workers:\n  models_dir: ${join(dir, 'models')}\n`);
  return { dir, config, target: join(dir, 'models', 'Qwen', 'Qwen3-0.6B.gguf') };
}

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Start offsets of the ranged reads, leaving out the pull's one-byte probe. */
function rangeStarts(server: GgufFileServer): number[] {
  return server.requests.flatMap((r) => (r.range && r.range !== 'bytes=0-0' ? [Number(/^bytes=(\d+)-/.exec(r.range)![1])] : []));
}

describe('gpuroute pull (against a file server on 127.0.0.1)', () => {
  let file: Buffer;
  let server: GgufFileServer;
  before(async () => {
    file = await paddedTestModel();
    const corrupt = Buffer.from(file);
    corrupt.write('NOPE', 0); // no GGUF magic: the header cannot parse
    server = await startGgufFileServer(
      { '/model.gguf': file, '/corrupt.gguf': corrupt, '/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf': file },
      { '/v2/Qwen/Qwen3-0.6B-GGUF/manifests/Q8_0': 'Qwen3-0.6B-Q8_0.gguf' },
    );
  });
  after(() => server.close());

  describe('a pull by URL', () => {
    const ws = workspace();
    let result: Awaited<ReturnType<typeof runCli>>;
    before(async () => {
      result = await runCli(['pull', MODEL, '--from', `${server.url}/model.gguf`, '--config', ws.config]);
    });

    it('stores the file at <models_dir>/<id>.gguf, byte for byte, and says where it went', () => {
      assert.equal(result.code, 0, result.stderr);
      assert.ok(readFileSync(ws.target).equals(file), 'the stored file differs from the served one');
      assert.ok(result.stdout.includes(`saved ${ws.target} (12.6 MB, ALL_F32, from ${server.url}/model.gguf)`), result.stdout);
      assert.deepEqual(filesIn(join(ws.dir, 'models', 'Qwen')).sort(), ['Qwen3-0.6B.gguf', 'Qwen3-0.6B.gguf.source.json']);
    });

    it('names the local pools that will use it', () => {
      assert.match(result.stdout, /local pools of Qwen\/Qwen3-0\.6B that will load it when they next start: L4, /);
    });

    it('prints plain progress lines when stdout is not a terminal', () => {
      const lines = result.stdout.split('\n').filter((l) => l.startsWith(`${MODEL}: `));
      assert.ok(lines.length >= 2, result.stdout);
      for (const line of lines) assert.match(line, /^Qwen\/Qwen3-0\.6B: \d{1,3}% [\d.]+ [kM]?B of 12\.6 MB/);
      assert.match(lines.at(-1)!, /: 100% 12\.6 MB of 12\.6 MB/);
    });

    it('pull --list shows its source, size and quantisation', async () => {
      const listed = await runCli(['pull', '--list', '--config', ws.config]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^MODEL +SIZE +QUANT +SOURCE +PATH$/m);
      const row = listed.stdout.split('\n').find((l) => l.startsWith(MODEL));
      assert.ok(row, listed.stdout);
      assert.deepEqual(row.split(/ {2,}/), [MODEL, '12.6 MB', 'ALL_F32', `${server.url}/model.gguf`, ws.target]);
      assert.match(listed.stdout, /^\d+ other models have no weights on disk and run the generated test model$/m);
    });

    it('a second pull keeps the file it has', async () => {
      const again = await runCli(['pull', MODEL, '--from', `${server.url}/model.gguf`, '--config', ws.config]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already on disk: .*--force downloads it again/);
    });
  });

  it('a download cut off halfway fails with what to do, then resumes where it stopped', async () => {
    const ws = workspace();
    const args = ['pull', MODEL, '--from', `${server.url}/model.gguf`, '--config', ws.config, '--stall-timeout', '1'];
    server.cutAt = CHUNK + 1024 * 1024;
    server.requests.length = 0;
    try {
      const cut = await runCli(args);
      assert.equal(cut.code, 1, cut.stdout);
      assert.match(cut.stderr, /model\.gguf: the download stalled \(no data for 1 s\).*run the same command again: it resumes/);
      assert.equal(existsSync(ws.target), false, 'a half file sits where the gateway loads weights');
    } finally {
      server.cutAt = undefined;
    }

    server.requests.length = 0;
    const resumed = await runCli(args);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(readFileSync(ws.target).equals(file), 'the resumed file differs from the served one');
    const starts = rangeStarts(server);
    assert.ok(starts.length > 0, 'the resumed download sent no Range request');
    assert.ok(
      starts.every((start) => start >= CHUNK),
      `the resumed download fetched the first chunk again: ${JSON.stringify(server.requests)}`,
    );
  });

  it('refuses a file that is not GGUF and leaves nothing the gateway would load', async () => {
    const ws = workspace();
    const result = await runCli(['pull', MODEL, '--from', `${server.url}/corrupt.gguf`, '--config', ws.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${server.url}/corrupt\\.gguf is not a valid GGUF file .*it was removed`));
    assert.deepEqual(filesIn(join(ws.dir, 'models', 'Qwen')), []);
  });

  it('names the source and the fix when the file is missing, the server fails, or nothing answers', async () => {
    const ws = workspace();
    const pull = (url: string) => runCli(['pull', MODEL, '--from', url, '--config', ws.config]);
    const missing = await pull(`${server.url}/nothing-here.gguf`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nothing-here\.gguf: no such file \(HTTP 404\)\. Check the URL\./);
    const failing = await pull(`${server.url}/broken.gguf`);
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /broken\.gguf: the server answered HTTP 500; it failed on its side, try again later/);
    const offline = await pull(`http://127.0.0.1:${await closedPort()}/model.gguf`);
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /model\.gguf: cannot connect \(ECONNREFUSED\)\. Check the network \(are you offline\?\)/);
    assert.equal(existsSync(join(ws.dir, 'models', 'Qwen')), false);
  });

  it('with no --from, pulls the catalog\'s source from the hub (HF_ENDPOINT here), and names a quantisation the repo lacks', async () => {
    const ws = workspace();
    const hub = { HF_ENDPOINT: `${server.url}/` };
    const result = await runCli(['pull', MODEL, '--config', ws.config], hub);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^pulling Qwen\/Qwen3-0\.6B from hf:Qwen\/Qwen3-0\.6B-GGUF:Q8_0$/m);
    assert.ok(readFileSync(ws.target).equals(file));
    const other = await runCli(['pull', MODEL, '--quant', 'Q2_K', '--force', '--config', ws.config], hub);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /hf:Qwen\/Qwen3-0\.6B-GGUF:Q2_K: Cannot get quantization "Q2_K" for model "hf:Qwen\/Qwen3-0\.6B-GGUF" or it does not exist\. Check the repo name and quantisation/);
    assert.ok(readFileSync(ws.target).equals(file), 'a failed pull --force touched the file on disk');
  });

  it('refuses up front when the disk lacks the space', async () => {
    const ws = workspace();
    const result = await runCli(['pull', MODEL, '--from', `${server.url}/huge.gguf`, '--config', ws.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /huge\.gguf needs 10000\.00 GB more on .*Qwen, which has [\d.]+ [kMG]?B free\. Free some space or set workers\.models_dir/);
    assert.equal(existsSync(ws.target), false);
    const reads = server.requests.filter((r) => r.path === '/huge.gguf' && r.range && r.range !== 'bytes=0-0');
    assert.deepEqual(reads, [], 'it started downloading');
  });

  it('--list on an empty models_dir says every pool runs the test model', async () => {
    const result = await runCli(['pull', '--list', '--config', workspace().config]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no weights on disk under .*every local pool runs the generated test model\. Get some with: gpuroute pull Qwen\/Qwen3-0\.6B/);
  });
});
