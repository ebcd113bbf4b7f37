/**
 * GPU memory a GGUF file needs, from the file itself (issue 13 §5): a local pool serves
 * quantised weights, so the catalog's bf16 facts would overstate them several times.
 * node-llama-cpp reads the file's header and tensor table (not the weights) and applies
 * llama.cpp's own layout: quantised tensor sizes, KV cache per layer (sliding-window
 * layers at their window), compute buffers.
 */
export interface GgufMemory {
  /** Every layer offloaded to the GPU, GB (1e9 bytes), unrounded. */
  readonly weightsGb: number;
  /** The context: KV cache for `contextTokens` and llama.cpp's compute buffers, GB, unrounded. */
  readonly kvCacheGb: number;
  /** The two summed, GB, unrounded: round for display only. */
  readonly totalGb: number;
}

/**
 * What serving the GGUF at `path` with one sequence of `contextTokens` takes on a GPU.
 * node-llama-cpp is imported here, on first use, so a gateway without real GGUF weights
 * never loads it; no llama.cpp backend is started (GgufInsights uses a backend-less
 * instance). Rejects when the file is missing or not a GGUF.
 */
export async function ggufMemoryGb(path: string, contextTokens: number): Promise<GgufMemory> {
  const { readGgufFileInfo, GgufInsights } = await import('node-llama-cpp');
  const insights = await GgufInsights.from(await readGgufFileInfo(path));
  const gpuLayers = insights.totalLayers;
  // The calculations, not their V2 successors: those simulate on the instance's devices,
  // and the backend-less instance has none, so they would put the whole context in RAM.
  const model = insights.estimateModelResourceRequirements({ gpuLayers });
  const context = insights.estimateContextResourceRequirements({ contextSize: contextTokens, modelGpuLayers: gpuLayers, sequences: 1 });
  return { weightsGb: model.gpuVram / 1e9, kvCacheGb: context.gpuVram / 1e9, totalGb: (model.gpuVram + context.gpuVram) / 1e9 };
}
