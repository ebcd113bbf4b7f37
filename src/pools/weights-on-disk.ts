import { readFile, stat } from 'node:fs/promises';
import type { Config } from '../config/config-schema.js';
import { configuredSource, resolveWeights, TEST_MODEL_LABEL } from './resolve-weights.js';

/** What `gpuroute pull` writes beside `<id>.gguf` as `<id>.gguf.source.json`, and `pull --list` shows. */
export interface PulledRecord {
  /** The node-llama-cpp URI it came from; "models.<id>.gguf" or "placed by hand" when not pulled. */
  source: string;
  bytes: number;
  /** From the GGUF header's general.file_type, e.g. "Q8_0"; "unknown" when the header has none. */
  quant: string;
}

export interface WeightsOnDisk extends PulledRecord {
  model: string;
  path: string;
}

export function sourceRecordPath(ggufPath: string): string {
  return `${ggufPath}.source.json`;
}

/** Size and quantisation of a GGUF file, read from its header. */
export async function describeGguf(path: string): Promise<PulledRecord> {
  const { readGgufFileInfo, GgufFileType } = await import('node-llama-cpp');
  const [info, { size }] = await Promise.all([readGgufFileInfo(path, { readTensorInfo: false, sourceType: 'filesystem', logWarnings: false }), stat(path)]);
  const fileType = info.metadata.general.file_type;
  const quant = fileType === undefined ? 'unknown' : (GgufFileType[fileType] ?? String(fileType)).replace(/^MOSTLY_/, '');
  return { source: await recordedSource(path), bytes: size, quant };
}

async function recordedSource(path: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(sourceRecordPath(path), 'utf8')) as PulledRecord).source;
  } catch {
    return 'placed by hand';
  }
}

/** `pull --list`: the weights local pools of these models would load, for those that have their own. */
export async function weightsOnDisk(modelIds: readonly string[], config: Pick<Config, 'models' | 'workers'>): Promise<WeightsOnDisk[]> {
  const found: WeightsOnDisk[] = [];
  for (const model of modelIds) {
    const { path, label } = resolveWeights(model, config);
    if (label === TEST_MODEL_LABEL) continue;
    try {
      const described = await describeGguf(path);
      const source = configuredSource(model, config)?.kind === 'path' ? `models.${model}.gguf` : described.source;
      found.push({ model, path, ...described, source });
    } catch (error) {
      found.push({ model, path, source: `unreadable: ${(error as Error).message}`, bytes: 0, quant: 'unknown' });
    }
  }
  return found;
}
