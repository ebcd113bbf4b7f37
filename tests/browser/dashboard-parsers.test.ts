import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, sumOf } from '../../dashboard/prometheus.js';
import { SseDecoder } from '../../dashboard/sse.js';

// The dashboard's pure parts, run under Node: what the page reads from /metrics and from a stream.
describe('dashboard parsers', () => {
  it('sums every series of a metric in the Prometheus text format', () => {
    const text = [
      '# HELP gpuroute_requests_total HTTP requests by route pattern, status, model and selected GPU.',
      '# TYPE gpuroute_requests_total counter',
      'gpuroute_requests_total{route="/v1/chat/completions",method="POST",status="200",model="Qwen/Qwen3-0.6B",gpu="L40S"} 3',
      'gpuroute_requests_total{route="/warmup/status",method="GET",status="401",model="none",gpu="none"} 12',
      'gpuroute_requests_total{route="a \\"quoted\\" } brace, comma",method="GET",status="200",model="none",gpu="none"} 1 1764230000000',
      'gpuroute_gateway_overhead_seconds_bucket{le="+Inf",route="/v1/chat/completions"} 4',
      'gpuroute_gateway_overhead_seconds_sum{route="/v1/chat/completions"} 0.0012',
      'gpuroute_gateway_overhead_seconds_sum{route="/api/chat/completions"} 1e-4',
      'gpuroute_gateway_overhead_seconds_count{route="/v1/chat/completions"} 4',
      'gpuroute_process_cpu_seconds_total 1.5',
      'gpuroute_requests_total_not_this 100',
      'broken{route="unterminated} 5',
    ].join('\n');
    const samples = parsePrometheusText(text);
    assert.equal(sumOf(samples, 'gpuroute_requests_total'), 16);
    assert.ok(Math.abs(sumOf(samples, 'gpuroute_gateway_overhead_seconds_sum') - 0.0013) < 1e-12);
    assert.equal(sumOf(samples, 'gpuroute_gateway_overhead_seconds_count'), 4);
    assert.equal(sumOf(samples, 'gpuroute_missing'), 0);
    assert.equal(samples.find((s) => s.labels.route?.startsWith('a '))?.labels.route, 'a "quoted" } brace, comma');
    assert.equal(samples.find((s) => s.name.endsWith('_bucket'))?.labels.le, '+Inf');
    assert.equal(samples.some((s) => s.name === 'broken'), false);
  });

  it('decodes server-sent events split anywhere', () => {
    const stream = 'data: {"a":1}\n\n: comment\n\ndata: {"b":\ndata: 2}\r\n\r\ndata: [DONE]\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new SseDecoder();
      const payloads = [...decoder.push(stream.slice(0, cut)), ...decoder.push(stream.slice(cut)), ...decoder.end()];
      assert.deepEqual(payloads, ['{"a":1}', '{"b":\n2}', '[DONE]'], `cut at ${cut}`);
    }
    const unterminated = new SseDecoder();
    assert.deepEqual(unterminated.push('data: {"error":{}}'), []);
    assert.deepEqual(unterminated.end(), ['{"error":{}}']);
  });
});
