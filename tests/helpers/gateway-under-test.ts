import { configSchema, type Config } from '../../src/config/config-schema.js';
import type { Logger } from 'pino';
import { createGateway, type Gateway } from '../../src/gateway.js';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/** Starts the real app on an ephemeral 127.0.0.1 port from a config object. */
export async function startGateway(raw: unknown, env: NodeJS.ProcessEnv = {}, logger: Logger | false = false): Promise<RunningGateway> {
  const config: Config = configSchema.parse(raw);
  const gateway = await createGateway(config, logger, env);
  const url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return { url, gateway, close: () => gateway.close() };
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A pino logger whose JSON lines land in `lines`, for tests that read the log. */
export async function capturingLogger(): Promise<{ logger: Logger; lines: Array<Record<string, unknown>> }> {
  const { pino } = await import('pino');
  const { Writable } = await import('node:stream');
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(sink), lines };
}
