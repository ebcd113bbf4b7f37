/**
 * Enough of the Prometheus text format (version 0.0.4) to read the gateway's /metrics:
 * one sample per line, `name{label="value",…} value [timestamp]`; `#` lines are comments.
 * Label values may hold any character, with `\\`, `\"` and `\n` escaped.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): Sample | null {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) {
        rest = rest.slice(1);
        break;
      }
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) return null;
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) return null;
      let value = '';
      let i = 2;
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] === '\\' && i + 1 < rest.length) {
          i++;
          value += rest[i] === 'n' ? '\n' : rest[i];
        } else value += rest[i];
      }
      if (i >= rest.length) return null; // unterminated value
      labels[label] = value;
      rest = rest.slice(i + 1).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
    }
  }
  const token = rest.trim().split(/\s+/)[0] ?? '';
  const value = token === '+Inf' ? Infinity : token === '-Inf' ? -Infinity : Number(token);
  if (token === '' || (Number.isNaN(value) && token !== 'NaN')) return null;
  return { name, labels, value };
}

/** The sum of every series of one metric (all label sets); 0 when it has none yet. */
export function sumOf(samples: readonly Sample[], name: string): number {
  let sum = 0;
  for (const sample of samples) if (sample.name === name && Number.isFinite(sample.value)) sum += sample.value;
  return sum;
}
