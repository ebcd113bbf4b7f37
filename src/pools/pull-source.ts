import { defaultGgufSource, parseGgufSource, withQuant, type GgufSource } from '../catalog/gguf-sources.js';
import type { Config } from '../config/config-schema.js';
import { PullError } from './pull-error.js';
import { configuredSource } from './resolve-weights.js';

export interface SourceChoice {
  /** `pull --from`: beats config and the catalog. */
  from?: string | undefined;
  /** `pull --quant`: another quantisation from the chosen Hugging Face repo. */
  quant?: string | undefined;
}

/** Where a model's weights are pulled from: `--from`, then `models.<id>.gguf`, then the catalog's default. */
export function pullSourceFor(modelId: string, config: Pick<Config, 'models'>, choice: SourceChoice = {}): GgufSource {
  let source: GgufSource | undefined;
  if (choice.from !== undefined) {
    const parsed = parseGgufSource(choice.from);
    if ('error' in parsed) throw new PullError(`--from ${parsed.error}`);
    source = parsed;
  } else {
    source = configuredSource(modelId, config) ?? defaultGgufSource(modelId);
  }
  if (!source) {
    throw new PullError(`${modelId} has no default GGUF source: pass --from hf:<user>/<repo>:<quant> or --from https://…/file.gguf, or set models.${modelId}.gguf to one`);
  }
  if (source.kind === 'path') {
    const origin = choice.from === undefined ? `models.${modelId}.gguf` : '--from';
    throw new PullError(`${origin} is a local path (${source.path}): the gateway loads it where it is. To download instead, pass --from hf:<user>/<repo>:<quant> or an https:// URL${choice.from === undefined ? `, or remove models.${modelId}.gguf` : ''}.`);
  }
  if (choice.quant === undefined) return source;
  const quantised = withQuant(source, choice.quant);
  if ('error' in quantised) throw new PullError(quantised.error);
  return quantised;
}
