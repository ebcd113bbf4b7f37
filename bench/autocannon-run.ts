// One autocannon run in its own process, so the load generator does not share an event
// loop with anything it measures. argv[2]: JSON options; prints the result summary as JSON.
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const result = await autocannon({ ...options, setupClient: undefined });
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    latency: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    total: result.requests.total,
  })}\n`,
);
