import { GatewayError } from '../errors/gateway-error.js';
import type { Pool } from '../pools/pool.js';
import type { GatewayContext } from './gateway-context.js';

/** The pool for (model, gpu), or a 503 that names what is missing and how to add it. */
export function findPool(ctx: GatewayContext, model: string, aliases: readonly string[], gpu: string): Pool {
  const pool = ctx.pools.find({ model, aliases, gpu });
  if (pool) return pool;
  const noDevices = ctx.pools.noDevicesFor({ model, aliases, gpu });
  if (noDevices) throw new GatewayError('no_capacity', `No pool can serve ${model} on ${gpu}: ${noDevices}. Choose a GPU this host has, or add an upstream pool for ${gpu} after the local one.`, 'gpu_preference');
  const served = ctx.pools.gpusFor(aliases);
  throw new GatewayError(
    'no_pool',
    `No pool serves ${model} on ${gpu}. ${served.length ? `Pools serve it on: ${served.join(', ')}.` : 'No pool serves this model at all.'} Add a pools: entry with gpu: "${gpu}" and models: ["${model}"] (or "*") to the config, or choose another GPU.`,
  );
}
