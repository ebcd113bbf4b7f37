import { startMockUpstream, type MockUpstream } from './mock-upstream.js';
import { startGateway, type RunningGateway } from './gateway-under-test.js';

export interface Fleet {
  url: string;
  gateway: RunningGateway;
  /** One mock upstream per GPU pool, keyed by canonical spec. */
  mocks: Record<string, MockUpstream>;
  /** Labels of the mocks that received a chat request, in order. */
  reached(): string[];
  close(): Promise<void>;
}

/** Default pools: Qwen3-0.6B's default (L4) plus the spec's test GPUs. */
export const FLEET_GPUS = ['L4', 'L40S', 'A100', 'H100:2'];

/** A gateway with one real upstream test server per GPU pool, so a test sees which pool a call reached. */
export async function startFleet(extraConfig: Record<string, unknown> = {}, gpus: readonly string[] = FLEET_GPUS): Promise<Fleet> {
  const mocks: Record<string, MockUpstream> = {};
  for (const gpu of gpus) mocks[gpu] = await startMockUpstream(gpu);
  const gateway = await startGateway({
    pools: gpus.map((gpu) => ({ gpu, models: ['*'], endpoints: [mocks[gpu]!.url] })),
    ...extraConfig,
  });
  return {
    url: gateway.url,
    gateway,
    mocks,
    reached: () =>
      Object.values(mocks)
        .flatMap((m) => m.requests.filter((r) => r.url.endsWith('/chat/completions')).map(() => m.label)),
    async close() {
      await gateway.close();
      await Promise.all(Object.values(mocks).map((m) => m.close()));
    },
  };
}

export const CHAT = { model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'hi' }] };

/** Reads an SSE body into its parsed `data:` payloads (the `[DONE]` marker kept as a string). */
export async function readEvents(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}
