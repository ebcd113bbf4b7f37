import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/errors/error-codes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';

type Operation = { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, { properties?: Record<string, { enum?: string[] }> }> } }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** `METHOD /path` for every operation in the document. */
function operations(doc: Document): Set<string> {
  return new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
}

describe('GET /openapi.json', () => {
  let gw: RunningGateway;
  let doc: Document;
  before(async () => {
    gw = await startGateway({ pools: [{ gpu: '*', endpoints: ['http://127.0.0.1:9/v1'] }] });
    doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as Document;
  });
  after(() => gw.close());

  it('is an OpenAPI 3.1 document of every route at every prefix', () => {
    assert.equal(doc.openapi, '3.1.0');
    const ops = operations(doc);
    for (const prefix of ['', '/v1', '/api', '/api/v1']) {
      for (const route of ['POST /chat/completions', 'POST /completions', 'POST /embeddings', 'POST /responses', 'GET /models', 'GET /models/{model_id}', 'GET /health']) {
        const [method, path] = route.split(' ');
        assert.ok(ops.has(`${method} ${prefix}${path}`), `${method} ${prefix}${path}`);
      }
    }
    for (const prefix of ['', '/api']) for (const route of ['POST /v1/capabilities/validate', 'GET /v1/capabilities/gpus', 'GET /v1/capabilities/models']) assert.ok(ops.has(route.replace(' ', ` ${prefix}`)), `${prefix} ${route}`);
    for (const prefix of ['', '/api', '/api/v1']) for (const route of ['POST /warmup/{model_id}', 'GET /warmup/status/{model_id}', 'GET /warmup/status']) assert.ok(ops.has(route.replace(' ', ` ${prefix}`)), `${prefix} ${route}`);
    assert.ok(ops.has('GET /metrics'));
  });

  it('documents the GPU header, the body field and the error shape with every code', () => {
    const chat = doc.paths['/v1/chat/completions']!.post!;
    assert.ok(chat.parameters?.some((p) => p.in === 'header' && p.name === 'x-gpu-preference'));
    const body = chat.requestBody!.content['application/json']!.schema.properties;
    for (const field of ['model', 'messages', 'stream', 'gpu_preference']) assert.ok(field in body, field);
    const error = chat.responses['400']!.content!['application/json']!.schema.properties!;
    assert.deepEqual(error.error!.properties!.code!.enum, Object.keys(ERROR_CODES));
    assert.ok('detail' in error);
    for (const path of ['/v1/completions', '/v1/embeddings', '/v1/responses']) {
      const operation = doc.paths[path]!.post!;
      assert.ok(operation.parameters?.some((p) => p.in === 'header' && p.name === 'x-gpu-preference'), path);
      for (const field of ['model', 'gpu_preference']) assert.ok(field in operation.requestBody!.content['application/json']!.schema.properties, `${path} ${field}`);
    }
    const warm = doc.paths['/warmup/{model_id}']!.post!;
    assert.ok(warm.parameters?.some((p) => p.in === 'path' && p.name === 'model_id'));
    assert.ok(warm.parameters?.some((p) => p.in === 'query' && p.name === 'gpu'));
  });

  it('agrees with docs/api.md on the list of routes', () => {
    const docs = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const documented = new Set<string>();
    // Each route section: "### METHOD /path", then a line listing the same route at its other prefixes.
    for (const section of docs.split(/^### /m).slice(1)) {
      const heading = /^(GET|POST) (\/\S*)/.exec(section);
      if (!heading) continue;
      const [, method, path] = heading;
      documented.add(`${method} ${path}`);
      const alsoAt = /^Also at:[^\n]*$/m.exec(section)?.[0] ?? '';
      for (const [, otherMethod, other] of alsoAt.matchAll(/`(GET|POST) (\/[^`\s]*)`/g)) documented.add(`${otherMethod} ${other}`);
    }
    const normalised = new Set([...documented].map((op) => op.replace(/\{[^}]+\}/g, '{model_id}')));
    assert.deepEqual([...normalised].sort(), [...operations(doc)].sort());
  });
});
