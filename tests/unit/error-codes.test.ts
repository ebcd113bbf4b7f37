import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/errors/error-codes.js';

// Keeps the code table and docs/api.md in step, as fastify's errors test does for its docs.
describe('error codes', () => {
  const docs = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const errorsSection = docs.slice(docs.indexOf('\n## Errors'));
  const documented = new Set([...errorsSection.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]));

  it('documents every code the gateway can answer with', () => {
    for (const code of Object.keys(ERROR_CODES)) assert.ok(documented.has(code), `docs/api.md has no row for ${code}`);
  });

  it('documents no code the gateway does not have', () => {
    for (const code of documented) assert.ok(code !== undefined && code in ERROR_CODES, `docs/api.md documents unknown code ${code}`);
  });

  it('gives every code a 4xx or 5xx status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) assert.ok(status >= 400 && status < 600, code);
  });
});
