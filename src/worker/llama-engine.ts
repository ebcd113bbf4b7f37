import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';

export interface EngineOptions {
  modelPath: string;
  /** llama.cpp threads; 1 generates fastest on this project's 2-core machines. */
  threads: number;
  contextTokens: number;
  /** "auto" uses a GPU when llama.cpp finds one. */
  gpu: 'auto' | false;
}

export interface Generation {
  history: ChatHistoryItem[];
  maxTokens: number;
  temperature?: number | undefined;
  topP?: number | undefined;
  seed?: number | undefined;
  stop?: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
  onText?: ((text: string) => void) | undefined;
}

export interface GenerationResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
}

/**
 * One GGUF loaded with node-llama-cpp, and one context sequence that generations take
 * in turn. `build: 'never'`: these machines cannot download or compile llama.cpp, so only
 * the prebuilt binaries that npm installed are used.
 */
export class LlamaEngine {
  readonly device: string;
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(llama: Llama, model: LlamaModel, context: LlamaContext) {
    this.#llama = llama;
    this.#model = model;
    this.#context = context;
    this.device = llama.gpu === false ? 'cpu' : llama.gpu;
  }

  static async load(options: EngineOptions): Promise<LlamaEngine> {
    const llama = await getLlama({ gpu: options.gpu, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({ contextSize: Math.min(options.contextTokens, model.trainContextSize), threads: options.threads });
    return new LlamaEngine(llama, model, context);
  }

  get modelName(): string {
    return this.#model.fileInfo.metadata.general?.name ?? 'gguf';
  }

  /** Generations run one at a time; each starts from an empty sequence. */
  generate(request: Generation): Promise<GenerationResult> {
    const run = this.#queue.then(() => this.#generate(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #generate(request: Generation): Promise<GenerationResult> {
    const sequence = this.#context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: 'auto' });
    try {
      const prompt = chat.chatWrapper.generateContextState({ chatHistory: request.history }).contextText;
      let completionTokens = 0;
      const result = await chat.generateResponse(request.history, {
        maxTokens: request.maxTokens,
        temperature: request.temperature ?? 1,
        topP: request.topP,
        seed: request.seed,
        customStopTriggers: request.stop?.length ? request.stop : undefined,
        signal: request.signal,
        stopOnAbortSignal: true,
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
        onTextChunk: request.onText,
      });
      return {
        text: result.response,
        promptTokens: prompt.tokenize(this.#model.tokenizer).length,
        completionTokens,
        finishReason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
      };
    } finally {
      chat.dispose();
      sequence.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.#context.dispose();
    await this.#model.dispose();
    await this.#llama.dispose();
  }
}
