/** A small time-series line chart drawn as inline SVG: y grid with labels, minute ticks, a line with its area. */
import { svg } from './dom.js';

export interface Point {
  /** ms since the epoch (browser clock) */
  t: number;
  /** null: no value in that interval (a gap in the line) */
  v: number | null;
}

export interface ChartOptions {
  windowMs: number;
  now: number;
  /** Formats a y-axis value, e.g. "1.5" or "250 µs". */
  format: (value: number) => string;
  /** The y axis reaches at least this, so a flat line near 0 does not fill the chart with noise. */
  minTop: number;
  /** Shown while there is no value in the window. */
  emptyText: string;
}

const W = 560;
const H = 170;
const M = { left: 58, right: 10, top: 10, bottom: 24 };

/** 1, 2, 2.5 or 5 × 10^k: a step giving about `count` grid lines up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

export function drawChart(target: SVGSVGElement, points: readonly Point[], options: ChartOptions): void {
  const { windowMs, now, format } = options;
  const values = points.map((p) => p.v).filter((v): v is number => v !== null && Number.isFinite(v));
  const step = niceStep(Math.max(options.minTop, ...values), 4);
  const top = step * Math.max(1, Math.ceil(Math.max(options.minTop, ...values) / step));
  const x = (t: number) => M.left + ((t - (now - windowMs)) / windowMs) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / top) * (H - M.top - M.bottom);

  const parts: SVGElement[] = [];
  for (let i = 0; i * step <= top * (1 + 1e-9); i++) {
    const v = i * step;
    parts.push(svg('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    parts.push(svg('text', { class: 'axis', x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  const minutes = Math.round(windowMs / 60_000);
  for (let m = 0; m <= minutes; m++) {
    const t = now - m * 60_000;
    parts.push(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: H - M.bottom, y2: H - M.bottom + 4 }));
    parts.push(svg('text', { class: 'axis', x: x(t), y: H - 6, 'text-anchor': m === 0 ? 'end' : 'middle' }, m === 0 ? 'now' : `−${m} min`));
  }

  // Runs of consecutive values; a null ends a run.
  const runs: Point[][] = [];
  let run: Point[] = [];
  for (const point of points) {
    if (point.v === null || !Number.isFinite(point.v) || point.t < now - windowMs) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(point);
  }
  if (run.length) runs.push(run);
  for (const r of runs) {
    if (r.length === 1) {
      const only = r[0] as Point;
      parts.push(svg('circle', { class: 'dot', cx: x(only.t), cy: y(only.v as number), r: 3 }));
      continue;
    }
    const line = r.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v as number).toFixed(1)}`).join('');
    const first = r[0] as Point;
    const last = r[r.length - 1] as Point;
    parts.push(svg('path', { class: 'area', d: `${line}L${x(last.t).toFixed(1)},${y(0)}L${x(first.t).toFixed(1)},${y(0)}Z` }));
    parts.push(svg('path', { class: 'line', d: line }));
  }
  const latest = points.at(-1);
  if (latest && latest.v !== null && Number.isFinite(latest.v)) parts.push(svg('circle', { class: 'dot', cx: x(latest.t), cy: y(latest.v), r: 3 }));
  if (values.length === 0) parts.push(svg('text', { class: 'empty', x: (M.left + W - M.right) / 2, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle' }, options.emptyText));

  target.setAttribute('viewBox', `0 0 ${W} ${H}`);
  target.replaceChildren(...parts);
}
