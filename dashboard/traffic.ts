/**
 * Requests/s and gateway overhead over the last minutes, computed here from `GET /metrics`
 * polled every ~2 s: the rate of the sum of `gpuroute_requests_total` over all series, and
 * the mean overhead per interval, Δ`gpuroute_gateway_overhead_seconds_sum` /
 * Δ`gpuroute_gateway_overhead_seconds_count` (no routed call in an interval: a gap).
 */
import { api, errorMessage, POLL_TIMEOUT_MS } from './api.js';
import { drawChart, type Point } from './chart.js';
import { byId, setText } from './dom.js';
import { parsePrometheusText, sumOf } from './prometheus.js';

export const WINDOW_MS = 5 * 60_000;

interface Reading {
  t: number;
  requests: number;
  overheadSum: number;
  overheadCount: number;
}

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(perSecond < 1 ? 2 : 1);
  return Math.round(perSecond).toLocaleString();
}

export function formatSeconds(seconds: number): string {
  if (seconds === 0) return '0';
  if (seconds < 1e-3) return `${Math.round(seconds * 1e6)} µs`;
  if (seconds < 1) return `${Number((seconds * 1e3).toPrecision(3))} ms`;
  return `${Number(seconds.toPrecision(3))} s`;
}

export class TrafficView {
  readonly #readings: Reading[] = [];
  readonly #rps: Point[] = [];
  readonly #overhead: Point[] = [];

  async poll(): Promise<void> {
    const response = await api('/metrics', {}, POLL_TIMEOUT_MS);
    if (!response.ok) throw new Error(await errorMessage(response));
    const samples = parsePrometheusText(await response.text());
    this.add({
      t: Date.now(),
      requests: sumOf(samples, 'gpuroute_requests_total'),
      overheadSum: sumOf(samples, 'gpuroute_gateway_overhead_seconds_sum'),
      overheadCount: sumOf(samples, 'gpuroute_gateway_overhead_seconds_count'),
    });
  }

  add(reading: Reading): void {
    const previous = this.#readings.at(-1);
    this.#readings.push(reading);
    if (previous) {
      const seconds = (reading.t - previous.t) / 1000;
      const requests = reading.requests - previous.requests;
      const count = reading.overheadCount - previous.overheadCount;
      const reset = requests < 0 || count < 0; // the gateway restarted: counters began again
      this.#rps.push({ t: reading.t, v: reset || seconds <= 0 ? null : requests / seconds });
      this.#overhead.push({ t: reading.t, v: reset || count === 0 ? null : (reading.overheadSum - previous.overheadSum) / count });
    }
    const oldest = reading.t - WINDOW_MS - 10_000;
    for (const list of [this.#readings, this.#rps, this.#overhead]) while ((list[0]?.t ?? Infinity) < oldest) list.shift();
    this.draw();
  }

  draw(): void {
    const now = Date.now();
    drawChart(byId<SVGSVGElement>('chart-rps'), this.#rps, { windowMs: WINDOW_MS, now, format: formatRate, minTop: 1, emptyText: 'collecting samples…' });
    drawChart(byId<SVGSVGElement>('chart-overhead'), this.#overhead, { windowMs: WINDOW_MS, now, format: formatSeconds, minTop: 0.0001, emptyText: 'no routed calls in the last 5 minutes' });

    const rps = this.#rps.at(-1)?.v;
    setText(byId('rps-now'), rps === undefined || rps === null ? '—' : `${formatRate(rps)} req/s`);
    const overhead = [...this.#overhead].reverse().find((p) => p.v !== null)?.v;
    setText(byId('overhead-now'), overhead === undefined || overhead === null ? '—' : formatSeconds(overhead));
    const last = this.#readings.at(-1);
    setText(byId('requests-total'), last ? `${Math.round(last.requests).toLocaleString()} requests since the gateway started` : '');
    if (last && last.overheadCount > 0) {
      setText(byId('overhead-total'), `mean ${formatSeconds(last.overheadSum / last.overheadCount)} over ${Math.round(last.overheadCount).toLocaleString()} routed call${last.overheadCount === 1 ? '' : 's'}`);
    }
  }
}
