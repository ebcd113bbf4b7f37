import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// STYLE.md §1–2: small files, one job each. Pool lifecycle code grew past 400 lines once
// (src/pools/pool.ts); these folders stay well under that.

const MAX_LINES = 300;
const src = fileURLToPath(new URL('../../src/', import.meta.url));

describe('pool and state modules stay small', () => {
  for (const folder of ['pools', 'state']) {
    it(`keeps every file under src/${folder}/ within ${MAX_LINES} lines`, () => {
      const sizes = readdirSync(join(src, folder))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => [name, readFileSync(join(src, folder, name), 'utf8').split('\n').length] as const);
      assert.deepEqual(sizes.filter(([, lines]) => lines > MAX_LINES), []);
    });
  }
});
