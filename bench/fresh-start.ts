// A gateway that has just started, loaded at once: its first second at a fixed rate with
// startup.warm_calls at its default and at 0, the same second once warm, and what the
// warm-up adds to the time from spawn to listening and to resident memory.
import { join } from 'node:path';
import { runJson } from './bench-process.js';
import { CHAT_BODY, ROOT, startGpuroute } from './bench-targets.js';
import { median } from './percentiles.js';

export interface FirstSecond {
  p50: number;
  p99: number;
  max: number;
}

export interface FreshStart {
  /** Fresh gateway, default warm-up. */
  warmedUp: FirstSecond;
  /** Fresh gateway, startup.warm_calls: 0. */
  cold: FirstSecond;
  /** The same gateway's second run, for reference. */
  warm: FirstSecond;
  /** Spawn to "gpuroute listening", ms. */
  startMs: { warmedUp: number; cold: number };
  /** Resident memory just after the start, MB. */
  rssMb: { warmedUp: number; cold: number };
}

async function oneStart(mockUrl: string, yaml: string, rate: number): Promise<{ fresh: FirstSecond; warm: FirstSecond; startMs: number; rssMb: number }> {
  const started = performance.now();
  const gateway = await startGpuroute(mockUrl, [], yaml);
  const startMs = performance.now() - started;
  const rssMb = gateway.rssMb();
  const options = { url: `${String(gateway.ready.url)}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body: CHAT_BODY, rate, durationMs: 1000, connections: 64, coldConnections: true };
  try {
    const fresh = await runJson<FirstSecond>(join(ROOT, 'bench/fixed-rate-run.ts'), options);
    const warm = await runJson<FirstSecond>(join(ROOT, 'bench/fixed-rate-run.ts'), options);
    return { fresh, warm, startMs, rssMb };
  } finally {
    await gateway.stop();
  }
}

const medianOf = (runs: FirstSecond[]): FirstSecond => ({ p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), max: median(runs.map((r) => r.max)) });

/** `rounds` fresh starts of each kind, interleaved; medians. */
export async function measureFreshStart(mockUrl: string, rounds: number, rate: number): Promise<FreshStart> {
  const warmedUp: Array<Awaited<ReturnType<typeof oneStart>>> = [];
  const cold: typeof warmedUp = [];
  for (let round = 0; round < rounds; round++) {
    warmedUp.push(await oneStart(mockUrl, '', rate));
    cold.push(await oneStart(mockUrl, 'startup:\n  warm_calls: 0\n', rate));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return {
    warmedUp: medianOf(warmedUp.map((r) => r.fresh)),
    cold: medianOf(cold.map((r) => r.fresh)),
    warm: medianOf([...warmedUp, ...cold].map((r) => r.warm)),
    startMs: { warmedUp: median(warmedUp.map((r) => r.startMs)), cold: median(cold.map((r) => r.startMs)) },
    rssMb: { warmedUp: median(warmedUp.map((r) => r.rssMb)), cold: median(cold.map((r) => r.rssMb)) },
  };
}
