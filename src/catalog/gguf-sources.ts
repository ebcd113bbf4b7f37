/**
 * Where GGUF weights for a model come from (issue 15 §1), as node-llama-cpp model URIs:
 * `hf:<user>/<repo>:<quant>`, `hf:<user>/<repo>/<file>` or an http(s) URL.
 */
export type GgufSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'hf'; readonly repo: string; readonly quant?: string; readonly file?: string }
  | { readonly kind: 'url'; readonly url: string };

interface DefaultSource {
  /** Hugging Face repo holding GGUF files. */
  readonly repo: string;
  /** Quantisation tag, or a file in the repo when it holds one GGUF only. */
  readonly quant?: string;
  readonly file?: string;
}

/**
 * Quantisation by size: 8-bit keeps small models close to their 16-bit answers at a size
 * that still downloads quickly; from ~3B up, Q4_K_M is the usual trade of quality for
 * memory and download size.
 */
const SMALL = 'Q8_0';
const LARGE = 'Q4_K_M';

/**
 * Each model's default source: the publisher's own GGUF repo where one exists, else
 * bartowski's (the most downloaded quantisations on the Hub). Qwen2.5 7B+ from Qwen come
 * split into several files, which one `<id>.gguf` cannot hold, hence bartowski's.
 * Models left out (base OLMo 2 models, gpt-oss-120b) have no single-file GGUF we could
 * name with confidence: `models.<id>.gguf` or `pull --from` gives one.
 */
const DEFAULT_SOURCES: Readonly<Record<string, DefaultSource>> = {
  'Qwen/Qwen3-0.6B': { repo: 'Qwen/Qwen3-0.6B-GGUF', quant: SMALL },
  'Qwen/Qwen3-1.7B': { repo: 'Qwen/Qwen3-1.7B-GGUF', quant: SMALL },
  'Qwen/Qwen3-4B': { repo: 'Qwen/Qwen3-4B-GGUF', quant: LARGE },
  'Qwen/Qwen3-8B': { repo: 'Qwen/Qwen3-8B-GGUF', quant: LARGE },
  'Qwen/Qwen3-14B': { repo: 'Qwen/Qwen3-14B-GGUF', quant: LARGE },
  'Qwen/Qwen3-32B': { repo: 'Qwen/Qwen3-32B-GGUF', quant: LARGE },
  'Qwen/Qwen3-30B-A3B': { repo: 'Qwen/Qwen3-30B-A3B-GGUF', quant: LARGE },
  'Qwen/Qwen2.5-0.5B-Instruct': { repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF', quant: SMALL },
  'Qwen/Qwen2.5-1.5B-Instruct': { repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF', quant: SMALL },
  'Qwen/Qwen2.5-3B-Instruct': { repo: 'Qwen/Qwen2.5-3B-Instruct-GGUF', quant: LARGE },
  'Qwen/Qwen2.5-7B-Instruct': { repo: 'bartowski/Qwen2.5-7B-Instruct-GGUF', quant: LARGE },
  'Qwen/Qwen2.5-14B-Instruct': { repo: 'bartowski/Qwen2.5-14B-Instruct-GGUF', quant: LARGE },
  'Qwen/Qwen2.5-32B-Instruct': { repo: 'bartowski/Qwen2.5-32B-Instruct-GGUF', quant: LARGE },
  'Qwen/Qwen2.5-72B-Instruct': { repo: 'bartowski/Qwen2.5-72B-Instruct-GGUF', quant: LARGE },
  'allenai/OLMo-2-0425-1B-Instruct': { repo: 'allenai/OLMo-2-0425-1B-Instruct-GGUF', quant: SMALL },
  'allenai/OLMo-2-1124-7B-Instruct': { repo: 'allenai/OLMo-2-1124-7B-Instruct-GGUF', quant: LARGE },
  'allenai/OLMo-2-1124-13B-Instruct': { repo: 'allenai/OLMo-2-1124-13B-Instruct-GGUF', quant: LARGE },
  'openai/gpt-oss-20b': { repo: 'ggml-org/gpt-oss-20b-GGUF', file: 'gpt-oss-20b-mxfp4.gguf' },
  'meta-llama/Llama-3.1-8B-Instruct': { repo: 'bartowski/Meta-Llama-3.1-8B-Instruct-GGUF', quant: LARGE },
  'meta-llama/Llama-3.1-70B-Instruct': { repo: 'bartowski/Meta-Llama-3.1-70B-Instruct-GGUF', quant: LARGE },
};

const HF = /^hf:([\w.-]+\/[\w.-]+)(?::([\w.-]+))?$/;
const HF_FILE = /^hf:([\w.-]+\/[\w.-]+)\/(\S+\.gguf)$/;

/**
 * `models.<id>.gguf` and `pull --from`: a path, `hf:<repo>[:<quant>]`,
 * `hf:<repo>/<file>.gguf`, or an http(s) URL. Returns an error message for a source
 * that names a scheme but is malformed.
 */
export function parseGgufSource(text: string): GgufSource | { error: string } {
  if (text.startsWith('hf:')) {
    const file = HF_FILE.exec(text);
    if (file) return { kind: 'hf', repo: file[1]!, file: file[2]! };
    const match = HF.exec(text);
    if (match) return { kind: 'hf', repo: match[1]!, ...(match[2] && { quant: match[2] }) };
    return { error: `"${text}" is not a Hugging Face source: write hf:<user>/<repo>, hf:<user>/<repo>:<quant> (e.g. hf:Qwen/Qwen3-0.6B-GGUF:Q8_0) or hf:<user>/<repo>/<file>.gguf` };
  }
  if (/^https?:\/\//i.test(text)) {
    return URL.canParse(text) ? { kind: 'url', url: text } : { error: `"${text}" is not a valid URL` };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { error: `"${text}": only http://, https:// and hf: sources can be downloaded; a local file is written as a path` };
  return { kind: 'path', path: text };
}

/** The catalog's source for a model (case-insensitive id). */
export function defaultGgufSource(modelId: string): GgufSource | undefined {
  const entry = Object.entries(DEFAULT_SOURCES).find(([id]) => id.toLowerCase() === modelId.toLowerCase())?.[1];
  return entry && { kind: 'hf', ...entry };
}

/** `--quant`: another quantisation from the same Hugging Face repo. */
export function withQuant(source: GgufSource, quant: string): GgufSource | { error: string } {
  if (source.kind !== 'hf') return { error: `--quant picks a file in a Hugging Face repo; ${ggufSourceUri(source)} is one file already` };
  if (!/^[\w.-]+$/.test(quant)) return { error: `--quant "${quant}" is not a quantisation tag, e.g. Q4_K_M or Q8_0` };
  return { kind: 'hf', repo: source.repo, quant };
}

/** The URI node-llama-cpp's downloader takes, and how the source is shown. */
export function ggufSourceUri(source: GgufSource): string {
  switch (source.kind) {
    case 'path':
      return source.path;
    case 'url':
      return source.url;
    case 'hf':
      return source.file ? `hf:${source.repo}/${source.file}` : `hf:${source.repo}${source.quant ? `:${source.quant}` : ''}`;
  }
}
