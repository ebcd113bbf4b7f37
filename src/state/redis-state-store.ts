import { Redis } from 'ioredis';
import { poolId, type PoolKey, type PoolRecord, type PoolSnapshot, type PoolStateStore } from './pool-state-store.js';

export interface RedisStateOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Starts every key and the change channel, so one Redis can hold several fleets (and tests). */
  keyPrefix: string;
}

/** Every call is bounded: a Redis that stops answering fails the call, never hangs a request. */
// A command that times out sends the replica to its local state (ResilientStateStore),
// where it may start a pool another replica is starting. At 500 ms a CPU-starved host
// (six test gateways on 2 cores) timed out healthy Redis calls and started pools twice;
// 2 s still ends a frozen Redis's hold on calls quickly.
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;
const RECONNECT_MAX_MS = 1_000;

/**
 * Writes the record unless (ARGV[2] = "1") the stored one is newer; keeps the larger
 * lastUsed; indexes the key; tells the other replicas. One script, so a reader never
 * sees half a record.
 */
const PUT = `
local since = redis.call('HGET', KEYS[1], 'since')
if ARGV[2] == '1' and since and tonumber(since) > tonumber(ARGV[3]) then return 0 end
local stored = redis.call('HGET', KEYS[1], 'lastUsed') or '0'
local lastUsed = ARGV[4]
if (tonumber(stored) or 0) > (tonumber(lastUsed) or 0) then lastUsed = stored end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'record', ARGV[5], 'since', ARGV[3], 'lastUsed', lastUsed)
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[5])
return 1`;

const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[1], 'lastUsed') or '0') or 0
if tonumber(ARGV[1]) > stored then redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1]) end
return 1`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const STATES = new Set(['cold', 'downloading', 'warming', 'warmed', 'failed']);

/** Records come from other processes: anything not shaped like one is ignored, not trusted. */
function isPoolRecord(value: unknown): value is PoolRecord {
  const r = value as Partial<PoolRecord> | null;
  return (
    typeof r === 'object' && r !== null &&
    typeof r.model === 'string' && typeof r.gpu === 'string' && typeof r.replica === 'string' &&
    (r.kind === 'local' || r.kind === 'upstream') && STATES.has(r.state as string) &&
    typeof r.since === 'number' && (r.lastUsed === null || typeof r.lastUsed === 'number') &&
    typeof r.device === 'string' && typeof r.weights === 'string' &&
    [r.host, r.error, r.endpoint, r.claim].every((field) => field === undefined || typeof field === 'string')
  );
}

function parseRecord(hash: Record<string, string> | null | undefined): PoolRecord | undefined {
  if (!hash?.record) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(hash.record);
  } catch {
    return undefined;
  }
  if (!isPoolRecord(record)) return undefined;
  const lastUsed = Number(hash.lastUsed);
  return { ...record, lastUsed: lastUsed > 0 ? lastUsed : record.lastUsed };
}

/** Pipeline and MULTI replies are [error, value] pairs; the first error fails the call. */
function values(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (!replies) throw new Error('Redis transaction was discarded');
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/**
 * Pool state in Redis (ioredis). Layout under the key prefix:
 * `pool:<id>` a hash (record JSON, since, lastUsed), `claim:<id>` the warm-up claim
 * (token, PX ttl), `pools` the set of pool keys, and the pub/sub channel `changes`; the
 * id is `<model>@<gpu>`, plus `@<host>` for local pools (see `poolId`). Calls reject when Redis is unreachable; `ResilientStateStore` turns that
 * into a local fallback.
 */
export class RedisStateStore implements PoolStateStore {
  readonly shared = true;
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #listeners: Array<(record: PoolRecord) => void> = [];
  #closed = false;

  constructor(options: RedisStateOptions) {
    this.#prefix = options.keyPrefix;
    this.#channel = `${options.keyPrefix}changes`;
    this.#client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(100 * times, RECONNECT_MAX_MS),
    });
    this.#subscriber = this.#client.duplicate();
    // ioredis prints unhandled 'error' events; calls reject on their own, and the
    // resilient store reports an outage once.
    this.#client.on('error', () => undefined);
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('ready', () => void this.#subscriber.subscribe(this.#channel).catch(() => undefined));
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const record = parseRecord({ record: message });
      if (record) for (const listener of this.#listeners) listener(record);
    });
  }

  /** The command connection, for connection events ('ready', 'close', 'error'). */
  get client(): Redis {
    return this.#client;
  }

  /** Opens both connections; rejects if Redis does not answer (ioredis keeps retrying). */
  async connect(): Promise<void> {
    void this.#subscriber.connect().catch(() => undefined);
    await this.#client.connect();
  }

  async get(key: PoolKey): Promise<PoolSnapshot> {
    const [hash, holder] = values(await this.#client.multi().hgetall(this.#poolKey(key)).get(this.#claimKey(key)).exec());
    return { record: parseRecord(hash as Record<string, string>), holder: (holder as string | null) ?? undefined };
  }

  put(record: PoolRecord): Promise<void> {
    return this.#put(record, false).then(() => undefined);
  }

  /** Writes `record` unless Redis holds a newer state for the pool (re-sync after an outage). */
  putIfNewer(record: PoolRecord): Promise<boolean> {
    return this.#put(record, true);
  }

  async touch(key: PoolKey, at: number): Promise<void> {
    await this.#client.eval(TOUCH, 1, this.#poolKey(key), String(at));
  }

  async list(): Promise<Array<PoolSnapshot & { record: PoolRecord }>> {
    const keys = await this.#client.smembers(this.#indexKey());
    if (keys.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const key of keys) pipeline.hgetall(key).get(this.#prefix + key.slice(this.#prefix.length).replace(/^pool:/, 'claim:'));
    const replies = values(await pipeline.exec());
    const snapshots: Array<PoolSnapshot & { record: PoolRecord }> = [];
    for (let i = 0; i < keys.length; i++) {
      const record = parseRecord(replies[2 * i] as Record<string, string>);
      if (record) snapshots.push({ record, holder: (replies[2 * i + 1] as string | null) ?? undefined });
    }
    return snapshots;
  }

  async claim(key: PoolKey, token: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.set(this.#claimKey(key), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renewClaim(key: PoolKey, token: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.eval(RENEW, 1, this.#claimKey(key), token, String(ttlMs))) === 1;
  }

  async releaseClaim(key: PoolKey, token: string): Promise<void> {
    await this.#client.eval(RELEASE, 1, this.#claimKey(key), token);
  }

  onChange(listener: (record: PoolRecord) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#subscriber, this.#client].map((c) => c.quit().catch(() => c.disconnect())));
  }

  async #put(record: PoolRecord, onlyIfNewer: boolean): Promise<boolean> {
    const json = JSON.stringify(record);
    const written = await this.#client.eval(PUT, 2, this.#poolKey(record), this.#indexKey(), this.#channel, onlyIfNewer ? '1' : '0', String(record.since), String(record.lastUsed ?? 0), json);
    return written === 1;
  }

  #poolKey(key: PoolKey): string {
    return `${this.#prefix}pool:${poolId(key)}`;
  }

  #claimKey(key: PoolKey): string {
    return `${this.#prefix}claim:${poolId(key)}`;
  }

  #indexKey(): string {
    return `${this.#prefix}pools`;
  }
}
