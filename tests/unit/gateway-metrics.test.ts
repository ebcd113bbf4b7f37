import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayMetrics } from '../../src/api/gateway-metrics.js';

describe('the gateway metrics registry', () => {
  it('has prom-client process metrics by default, and none when a short-lived gateway (the warm-up copy) asks', async () => {
    const full = await new GatewayMetrics(() => []).registry.metrics();
    assert.match(full, /^gpuroute_process_nodejs_eventloop_lag_seconds /m);
    assert.match(full, /^# TYPE gpuroute_requests_total counter/m);

    const lean = await new GatewayMetrics(() => [], () => 0, { processMetrics: false }).registry.metrics();
    assert.doesNotMatch(lean, /gpuroute_process_/);
    assert.match(lean, /^# TYPE gpuroute_requests_total counter/m);
  });
});
