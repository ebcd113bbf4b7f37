// Deterministic pseudo-random numbers for the test model's weights. Only integer ops,
// + and * and Math.sqrt (all exactly specified by IEEE 754 / ECMAScript) are used, so a
// seed gives the same float bits on every machine and Node version; Math.log/cos, which
// Box-Muller would need, are not guaranteed to round identically everywhere.

/** mulberry32: a 32-bit state PRNG returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SQRT3 = Math.sqrt(3);

/**
 * Approximately N(0, std^2): the Irwin-Hall sum of 4 uniforms has mean 2 and variance
 * 1/3, so (sum - 2) * sqrt(3) has unit variance. Bounded to +-2*sqrt(3) std, which is
 * fine (even welcome) for weights that only need to keep activations sane.
 */
export function normalish(random: () => number, std: number): number {
  const sum = random() + random() + random() + random();
  return (sum - 2) * SQRT3 * std;
}

/** A Float32Array of `count` normal-ish values. */
export function randomTensorData(random: () => number, count: number, std: number): Float32Array {
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = normalish(random, std);
  return data;
}
