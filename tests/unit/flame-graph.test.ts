import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callTree, flameGraphSvg, hottest, type CpuProfile } from '../../bench/flame-graph.js';

// root → handler (ours) → dispatch (undici); root → (idle); root → (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4, 5] },
    { id: 2, callFrame: { functionName: 'handler', url: 'file:///srv/gpuroute/dist/api/routes/chat.js', lineNumber: 9 }, children: [3] },
    { id: 3, callFrame: { functionName: 'dispatch', url: 'file:///srv/gpuroute/node_modules/undici/lib/pool.js', lineNumber: 0 } },
    { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
  ],
  samples: [2, 3, 3, 4, 4, 4, 5],
  timeDeltas: [10, 20, 20, 100, 100, 100, 5],
};

describe('flame graph from a .cpuprofile', () => {
  it('sums time per call path, leaves idle out and says whose code each frame is', () => {
    const root = callTree(profile);
    assert.equal(root.totalUs, 55);
    const [handler, gc] = root.children;
    assert.deepEqual([handler?.name, handler?.kind, handler?.where, handler?.selfUs, handler?.totalUs], ['handler', 'gpuroute', 'chat.js:10', 10, 50]);
    assert.deepEqual([handler?.children[0]?.kind, handler?.children[0]?.where, handler?.children[0]?.totalUs], ['dependency', 'undici', 40]);
    assert.deepEqual([gc?.name, gc?.kind], ['(garbage collector)', 'native']);
    assert.ok(!JSON.stringify(root).includes('(idle)'));
  });

  it('lists the hottest functions by self time', () => {
    assert.deepEqual(
      hottest(callTree(profile), 2).map((f) => [f.name, f.selfUs]),
      [['dispatch', 40], ['handler', 10]],
    );
  });

  it('draws boxes as wide as their time, the root at the bottom, with per-request tooltips', () => {
    const svg = flameGraphSvg(callTree(profile), { title: 't', subtitle: 's', perUnit: 5, width: 1100 });
    const rects = [...svg.matchAll(/<title>([^<]*)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)].map((m) => ({ tip: m[1]!, x: Number(m[2]), y: Number(m[3]), w: Number(m[4]) }));
    const byName = (name: string) => rects.find((r) => r.tip.startsWith(`${name} (`))!;
    assert.equal(byName('(root)').w, 1100);
    assert.equal(byName('handler').w, 1000);
    assert.equal(byName('dispatch').w, 800);
    assert.equal(byName('(garbage collector)').x, 1000);
    assert.ok(byName('(root)').y > byName('handler').y && byName('handler').y > byName('dispatch').y);
    assert.match(byName('handler').tip, /90\.9 %, 10\.00 µs per request \(self 2\.00\)/);
  });
});
