import { ModelCatalog, type CatalogModel } from '../catalog/model-catalog.js';
import { ggufSourceUri } from '../catalog/gguf-sources.js';
import type { Config } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { buildAllowList } from '../gpu/allow-list.js';
import { PullError } from '../pools/pull-error.js';
import { pullSourceFor } from '../pools/pull-source.js';
import { formatBytes, pullWeights, type PullProgress } from '../pools/pull-weights.js';
import { pulledWeightsPath } from '../pools/resolve-weights.js';
import { weightsOnDisk } from '../pools/weights-on-disk.js';

export interface PullFlags {
  model?: string | undefined;
  list: boolean;
  from?: string | undefined;
  quant?: string | undefined;
  config?: string | undefined;
  force: boolean;
  connectTimeoutMs: number;
  stallTimeoutMs: number;
}

/** `gpuroute pull MODEL [--from SOURCE] [--quant Q]` and `gpuroute pull --list` (issue 15 §2). */
export async function pullCommand(flags: PullFlags): Promise<number> {
  const config = loadConfig({ file: flags.config });
  const catalog = new ModelCatalog({
    allowList: buildAllowList(config.gpus.allowed),
    models: config.models,
    contextTokens: config.estimates.context_tokens,
    trainingMethod: config.estimates.training_method,
  });
  if (flags.list) return list(catalog, config);
  if (!flags.model) throw new Error('pull takes MODEL (e.g. gpuroute pull Qwen/Qwen3-0.6B), or --list. See gpuroute help.');
  const model = catalog.resolve(flags.model);
  if (!model) throw new Error(`Unknown model "${flags.model}": gpuroute pull --list shows what is on disk, GET /v1/models lists every model; add others under models in config`);

  try {
    const source = pullSourceFor(model.id, config, { from: flags.from, quant: flags.quant });
    const tty = process.stdout.isTTY === true;
    process.stdout.write(`pulling ${model.id} from ${ggufSourceUri(source)}\n  into ${pulledWeightsPath(model.id, config.workers.models_dir) ?? config.workers.models_dir}\n`);
    const pulled = await pullWeights({
      modelId: model.id,
      source,
      modelsDir: config.workers.models_dir,
      progressBar: tty,
      ...(!tty && { onProgress: progressLines(model.id) }),
      connectTimeoutMs: flags.connectTimeoutMs,
      stallTimeoutMs: flags.stallTimeoutMs,
      force: flags.force,
    });
    const what = `${formatBytes(pulled.bytes)}, ${pulled.quant}, from ${pulled.source}`;
    process.stdout.write(pulled.downloaded ? `saved ${pulled.path} (${what})\n` : `already on disk: ${pulled.path} (${what}); --force downloads it again\n`);
  } catch (error) {
    if (error instanceof PullError) {
      process.stderr.write(`gpuroute pull: ${error.message}\n`);
      // The downloader (ipull) keeps retrying a cancelled range for minutes; its
      // timers would hold the process open, and the `.ipull` part is already saved.
      process.exit(1);
    }
    throw error;
  }
  process.stdout.write(`${usedBy(model, config)}\n`);
  return 0;
}

/** Plain lines for logs and pipes, one per tenth of the file (a bar needs a terminal). */
function progressLines(modelId: string): (progress: PullProgress) => void {
  let printed = -1;
  return (p) => {
    const tenth = Math.floor(p.progress * 10);
    if (p.totalBytes === 0 || tenth <= printed) return;
    printed = tenth;
    const speed = p.speed > 0 ? `, ${formatBytes(p.speed)}/s` : '';
    const eta = p.speed > 0 && p.progress < 1 ? `, ${Math.ceil((p.totalBytes - p.bytes) / p.speed)} s left` : '';
    process.stdout.write(`${modelId}: ${tenth * 10}% ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}${speed}${eta}\n`);
  };
}

/**
 * Local pools of the model under this config: for each GPU it may run on, the first
 * pool entry that serves it (the gateway's rule) must be local.
 */
function usedBy(model: CatalogModel, config: Readonly<Config>): string {
  const serves = (entry: Config['pools'][number]) => entry.models.some((m) => m === '*' || m.toLowerCase() === model.id.toLowerCase());
  const pools = model.inferenceGpus
    .map((spec) => spec.canonical)
    .filter((gpu) => config.pools.find((entry) => serves(entry) && (entry.gpu === '*' || entry.gpu === gpu))?.kind === 'local');
  if (pools.length === 0) return `no local pool serves ${model.id} under this config: its calls go to upstream endpoints`;
  const shown = pools.length > 6 ? `${pools.slice(0, 6).join(', ')} and ${pools.length - 6} more` : pools.join(', ');
  return `local pools of ${model.id} that will load it when they next start: ${shown}\n(a pool already warm keeps the weights it loaded until its worker restarts)`;
}

async function list(catalog: ModelCatalog, config: Readonly<Config>): Promise<number> {
  const models = catalog.list().map((m) => m.id);
  const found = await weightsOnDisk(models, config);
  if (found.length === 0) {
    process.stdout.write(`no weights on disk under ${config.workers.models_dir}: every local pool runs the generated test model. Get some with: gpuroute pull Qwen/Qwen3-0.6B\n`);
    return 0;
  }
  const rows = [['MODEL', 'SIZE', 'QUANT', 'SOURCE', 'PATH'], ...found.map((w) => [w.model, formatBytes(w.bytes), w.quant, w.source, w.path])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
  process.stdout.write(`${models.length - found.length} other models have no weights on disk and run the generated test model\n`);
  return 0;
}
