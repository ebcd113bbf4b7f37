import { rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ModelDownloader } from 'node-llama-cpp';
import { ggufSourceUri, type GgufSource } from '../catalog/gguf-sources.js';
import type { Config } from '../config/config-schema.js';
import { describeGguf, sourceRecordPath, type PulledRecord } from './weights-on-disk.js';
import { probeSource } from './probe-source.js';
import { PullError } from './pull-error.js';
import { pullSourceFor } from './pull-source.js';
import { pulledWeightsPath, resolveWeights, TEST_MODEL_LABEL, type ResolvedWeights } from './resolve-weights.js';

/** Issue 15 §3: what warm-up status and the dashboard show while weights download. */
export interface PullProgress {
  bytes: number;
  /** 0 until the server has told the size. */
  totalBytes: number;
  /** 0–1; 0 while the size is unknown. */
  progress: number;
  /** Bytes per second since this pull's first byte (a resumed part does not count); 0 at first. */
  speed: number;
}

export interface PullOptions {
  /** The catalog's canonical id: it names the file, `<models_dir>/<id>.gguf`. */
  modelId: string;
  /** An `hf:` or URL source; a path is loaded where it is, never pulled. */
  source: GgufSource;
  modelsDir: string;
  onProgress?: (progress: PullProgress) => void;
  /** node-llama-cpp's own progress bar (size, speed, ETA): for a TTY. */
  progressBar?: boolean;
  /** @default 30 s for the source to answer: connect, resolve the repo, first headers. */
  connectTimeoutMs?: number;
  /** @default 60 s without a new byte before the download is given up (and can be resumed). */
  stallTimeoutMs?: number;
  /** Download again even if `<id>.gguf` is there. */
  force?: boolean;
  signal?: AbortSignal;
}

export interface PulledWeights extends PulledRecord {
  path: string;
  /** False when the file was already there and nothing was downloaded. */
  downloaded: boolean;
}

/**
 * Downloads a model's GGUF through node-llama-cpp's downloader (ipull: parallel ranged
 * connections, resume from a `.ipull` file) to `<id>.gguf.download` beside the target,
 * checks it, and only then renames it to `<models_dir>/<id>.gguf`, so a failed or
 * corrupt pull never leaves a file where the gateway would load it (issue 15 §4).
 */
export async function pullWeights(options: PullOptions): Promise<PulledWeights> {
  const uri = ggufSourceUri(options.source);
  if (options.source.kind === 'path') throw new PullError(`${uri} is a local path: the gateway loads it where it is, there is nothing to pull`);
  const target = pulledWeightsPath(options.modelId, options.modelsDir);
  if (!target) throw new PullError(`model id ${options.modelId} does not name a file inside ${options.modelsDir}`);
  if (!options.force && (await sizeOf(target)) !== undefined) {
    return { ...(await describeGguf(target)), path: target, downloaded: false };
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  if (options.source.kind === 'url') await probeSource(options.source.url, connectTimeoutMs);

  const staging = `${target}.download`;
  const downloader = await createDownloader(uri, staging, options, connectTimeoutMs);
  try {
    await checkSpace(downloader, dirname(target), uri);
    await download(downloader, uri, options);
  } catch (error) {
    // Keep the `.ipull` part: the same command resumes it. The gateway never loads it.
    await downloader.cancel({ deleteTempFile: false });
    throw error;
  }
  await verify(staging, downloader.totalSize, uri);
  const described = await describeGguf(staging);
  const record: PulledRecord = { ...described, source: uri };
  await writeFile(sourceRecordPath(target), `${JSON.stringify(record, null, 2)}\n`);
  await rename(staging, target);
  return { ...record, path: target, downloaded: true };
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Resolving an `hf:` repo and asking the server for the size are bounded too (issue 15 §4). */
async function createDownloader(uri: string, staging: string, options: PullOptions, timeoutMs: number): Promise<ModelDownloader> {
  const { createModelDownloader } = await import('node-llama-cpp');
  const creating = createModelDownloader({
    modelUri: uri,
    dirPath: dirname(staging),
    fileName: basename(staging),
    showCliProgress: options.progressBar ?? false,
    deleteTempFileOnCancel: false,
    ...(options.onProgress && { onProgress: progressReporter(options.onProgress) }),
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new PullError(`${uri}: no answer within ${timeoutMs / 1000} s. Check the network (are you offline?) and the source, then run the same command again.`));
      // The downloader retries on its own; when it does get going, stop it.
      creating.then((d) => d.cancel({ deleteTempFile: false })).catch(() => {});
    }, timeoutMs);
  });
  try {
    return await Promise.race([creating, late]);
  } catch (error) {
    if (error instanceof PullError) throw error;
    throw new PullError(`${uri}: ${(error as Error).message}. Check the repo name and quantisation (e.g. hf:Qwen/Qwen3-0.6B-GGUF:Q8_0), your network, and HF_TOKEN for gated models.`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The downloader's own average speed lags far behind on a fast link (it counts time
 * spent before the first byte), so speed is measured here from the first report.
 */
function progressReporter(onProgress: (progress: PullProgress) => void): (status: { totalSize: number; downloadedSize: number }) => void {
  let first: { at: number; bytes: number } | undefined;
  return ({ totalSize, downloadedSize }) => {
    first ??= { at: Date.now(), bytes: downloadedSize };
    const seconds = (Date.now() - first.at) / 1000;
    onProgress({
      bytes: downloadedSize,
      totalBytes: totalSize,
      progress: totalSize > 0 ? Math.min(1, downloadedSize / totalSize) : 0,
      speed: seconds > 0 ? (downloadedSize - first.bytes) / seconds : 0,
    });
  };
}

/** Refuses before the first byte when the rest of the file does not fit (issue 15 §2). */
async function checkSpace(downloader: ModelDownloader, dir: string, uri: string): Promise<void> {
  const needed = downloader.totalSize - downloader.downloadedSize;
  if (downloader.totalSize <= 0) return; // size unknown: the server did not say
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (needed > free) {
    throw new PullError(`${uri} needs ${formatBytes(needed)} more on ${dir}, which has ${formatBytes(free)} free. Free some space or set workers.models_dir to a larger disk.`);
  }
}

/** The download, given up when no byte arrives for stallTimeoutMs. */
async function download(downloader: ModelDownloader, uri: string, options: PullOptions): Promise<void> {
  const stallMs = options.stallTimeoutMs ?? 60_000;
  const stop = new AbortController();
  let seen = downloader.downloadedSize;
  let lastByteAt = Date.now();
  const watchdog = setInterval(() => {
    if (downloader.downloadedSize !== seen) {
      seen = downloader.downloadedSize;
      lastByteAt = Date.now();
    } else if (Date.now() - lastByteAt >= stallMs) {
      stop.abort(new PullError(`${uri}: the download stalled (no data for ${stallMs / 1000} s) at ${formatBytes(seen)} of ${formatBytes(downloader.totalSize)}. Check the network, then run the same command again: it resumes where it stopped.`));
    }
  }, Math.min(1000, stallMs / 4));
  const onCallerAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const stopped = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
  try {
    // Raced as well: a stalled socket must not keep the pull waiting for the downloader.
    await Promise.race([downloader.download({ signal: stop.signal }), stopped]);
  } catch (error) {
    if (error instanceof PullError || stop.signal.aborted) throw error;
    throw new PullError(`${uri}: the download failed: ${describeFailure(error)}. Run the same command again to resume; if it keeps failing, check the source.`);
  } finally {
    clearInterval(watchdog);
    options.signal?.removeEventListener('abort', onCallerAbort);
    stopped.catch(() => {});
  }
}

function describeFailure(error: unknown): string {
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  return statusCode ? `the server answered HTTP ${statusCode}` : (message ?? String(error));
}

/** Issue 15 §2: the size matches and the GGUF header parses; a bad file is removed. */
async function verify(staging: string, totalBytes: number, uri: string): Promise<void> {
  const size = (await sizeOf(staging)) ?? 0;
  if (totalBytes > 0 && size !== totalBytes) {
    await rm(staging, { force: true });
    throw new PullError(`${uri}: the file arrived truncated (${formatBytes(size)} of ${formatBytes(totalBytes)}); it was removed. Run the same command again.`);
  }
  const { readGgufFileInfo } = await import('node-llama-cpp');
  try {
    await readGgufFileInfo(staging, { readTensorInfo: true, sourceType: 'filesystem', logWarnings: false });
  } catch (error) {
    await rm(staging, { force: true });
    throw new PullError(`${uri} is not a valid GGUF file (${(error as Error).message}); it was removed. Check that the source points at a .gguf file (e.g. hf:Qwen/Qwen3-0.6B-GGUF:Q8_0).`);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

const inFlight = new Map<string, { done: Promise<ResolvedWeights>; listeners: Set<(progress: PullProgress) => void> }>();

/**
 * For a local pool's warm-up under `workers.pull` (issue 15 §3): the weights
 * {@link resolveWeights} finds, after downloading them from the model's source
 * (`models.<id>.gguf`, else the catalog's) when only the test model was there. Pools of
 * one model on several GPUs share one download; each hears its progress. `signal`
 * stops this caller's wait, not the shared download, which lands on disk for the next.
 * Throws {@link PullError} when the model has no source or the pull fails.
 */
export async function pullPoolWeights(
  modelId: string,
  config: Pick<Config, 'models' | 'workers'>,
  { onProgress, signal }: { onProgress?: (progress: PullProgress) => void; signal?: AbortSignal } = {},
): Promise<ResolvedWeights> {
  const found = resolveWeights(modelId, config);
  if (found.label !== TEST_MODEL_LABEL) return found;
  const key = pulledWeightsPath(modelId, config.workers.models_dir) ?? modelId;
  let pull = inFlight.get(key);
  if (!pull) {
    const listeners = new Set<(progress: PullProgress) => void>();
    const done = pullWeights({
      modelId,
      source: pullSourceFor(modelId, config),
      modelsDir: config.workers.models_dir,
      onProgress: (progress) => listeners.forEach((listener) => listener(progress)),
    }).then(() => resolveWeights(modelId, config));
    pull = { done, listeners };
    inFlight.set(key, pull);
    void done.finally(() => inFlight.delete(key)).catch(() => {});
  }
  if (onProgress) pull.listeners.add(onProgress);
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal!.reason as Error);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pull.done, abandoned]);
  } finally {
    if (onProgress) pull.listeners.delete(onProgress);
    signal?.removeEventListener('abort', onAbort!);
    abandoned.catch(() => {});
  }
}
