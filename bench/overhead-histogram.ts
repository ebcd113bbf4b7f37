// The gateway's own overhead histogram (gpuroute_gateway_overhead_seconds on /metrics),
// read before and after a run, so the report can show the gateway's work apart from the
// time its requests spend waiting for a turn on the shared cores.

/** Cumulative counts by upper bound (seconds) for the chat route. */
export type Buckets = Map<number, number>;

const LINE = /^gpuroute_gateway_overhead_seconds_bucket\{le="([^"]+)",route="\/v1\/chat\/completions"\} (\d+)/;

export async function scrapeOverhead(gatewayUrl: string): Promise<Buckets> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const buckets: Buckets = new Map();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (match) buckets.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2]));
  }
  return buckets;
}

/** after − before, bucket by bucket, added onto `into`. */
export function addDifference(into: Buckets, before: Buckets, after: Buckets): void {
  for (const [le, count] of after) into.set(le, (into.get(le) ?? 0) + count - (before.get(le) ?? 0));
}

/** The smallest bucket bound, in ms, that holds the q-quantile. */
export function quantileBoundMs(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return Number.NaN;
  const bound = bounds.find((le) => (buckets.get(le) ?? 0) >= q * total);
  return (bound ?? Number.POSITIVE_INFINITY) * 1000;
}
