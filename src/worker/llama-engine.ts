import {
  getLlama,
  LlamaLogLevel,
  LlamaText,
  TokenBias,
  type ChatHistoryItem,
  type ChatModelFunctions,
  type GbnfJsonSchema,
  type Llama,
  type LlamaContext,
  type LlamaEmbeddingContext,
  type LlamaGrammar,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { withReplyStarted } from './chat-history.js';
import { SequencePool, type Slot } from './sequence-pool.js';
import { TokenProbe, type ProbedToken } from './token-probe.js';

export interface EngineOptions {
  modelPath: string;
  /** llama.cpp threads; 1 generates fastest on this project's 2-core machines. */
  threads: number;
  /** Context tokens of each sequence. */
  contextTokens: number;
  /** Sequences generated at once, batched in one context. */
  parallel: number;
  /** "auto" uses a GPU when llama.cpp finds one. */
  gpu: 'auto' | false;
  /** "max" offloads every layer (the gateway asks for it when it gave the worker devices); unset lets llama.cpp choose. */
  gpuLayers?: 'max' | undefined;
}

/** How tokens are picked; the request's fields, already checked. */
export interface Sampling {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  stop: readonly string[];
  presencePenalty: number;
  frequencyPenalty: number;
  /** Token id → bias from -100 (never) to 100. */
  logitBias?: ReadonlyMap<number, number> | undefined;
  /** Alternatives per token when logprobs are asked for; undefined when they are not. */
  topLogprobs?: number | undefined;
}

/** What a chat answer must be. */
export type ChatOutput =
  | { type: 'text' }
  | { type: 'json'; schema?: GbnfJsonSchema | undefined }
  | { type: 'tools'; functions: ChatModelFunctions; parallel: boolean }
  | { type: 'tool_call'; functions: ChatModelFunctions; name?: string | undefined };

export interface ToolCallDelta {
  index: number;
  /** Set on the first delta of a call. */
  name?: string;
  arguments: string;
}

export interface ChatCall {
  history: ChatHistoryItem[];
  output: ChatOutput;
  sampling: Sampling;
  signal?: AbortSignal | undefined;
  /** Each released piece of text, with its tokens' probabilities when logprobs were asked for. */
  onText?: TextListener | undefined;
  onToolCall?: ((delta: ToolCallDelta) => void) | undefined;
}

export interface CompletionCall {
  prompt: Token[];
  sampling: Sampling;
  signal?: AbortSignal | undefined;
  onText?: TextListener | undefined;
}

export type TextListener = (text: string, logprobs: ProbedToken[] | undefined) => void;

export interface GenerationResult {
  text: string;
  toolCalls: Array<{ name: string; arguments: string }>;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** The kept tokens with their probabilities, when logprobs were asked for. */
  logprobs?: ProbedToken[] | undefined;
}

const NAME_TOKENS = 64;

/**
 * onToken/onTextChunk callbacks that keep every released token and hand `onText` each
 * text piece with its tokens' probabilities: node-llama-cpp reports a release's tokens
 * just before its text.
 */
function releases(slot: Slot, onText: TextListener | undefined) {
  const kept: Token[] = [];
  const probed: ProbedToken[] = [];
  let pending: ProbedToken[] = [];
  return {
    kept,
    probed: () => (slot.probe ? probed : undefined),
    onToken: (tokens: Token[]) => {
      kept.push(...tokens);
      pending = slot.probe ? tokens.map((token) => slot.probe!.take(token)) : [];
      probed.push(...pending);
    },
    onTextChunk: (text: string) => {
      onText?.(text, slot.probe && pending);
      pending = [];
    },
  };
}

/**
 * One GGUF loaded with node-llama-cpp, and one context whose sequences serve that many
 * calls at once (SequencePool). `build: 'never'`: these machines cannot download or
 * compile llama.cpp, so only the prebuilt binaries that npm installed are used.
 */
export class LlamaEngine {
  readonly device: string;
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #pool: SequencePool;
  readonly #threads: number;
  #embeddings: Promise<LlamaEmbeddingContext> | undefined;

  private constructor(llama: Llama, model: LlamaModel, context: LlamaContext, threads: number) {
    this.#llama = llama;
    this.#model = model;
    this.#context = context;
    this.#threads = threads;
    this.#pool = new SequencePool(context);
    this.device = llama.gpu === false ? 'cpu' : llama.gpu;
  }

  static async load(options: EngineOptions): Promise<LlamaEngine> {
    const llama = await getLlama({ gpu: options.gpu, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: options.modelPath, ...(options.gpuLayers && { gpuLayers: options.gpuLayers }) });
    const context = await model.createContext({
      contextSize: Math.min(options.contextTokens, model.trainContextSize),
      sequences: options.parallel,
      threads: options.threads,
    });
    return new LlamaEngine(llama, model, context, options.threads);
  }

  get modelName(): string {
    return this.#model.fileInfo.metadata.general?.name ?? 'gguf';
  }

  /** Tokens one sequence holds: prompt plus completion must fit. */
  get contextTokens(): number {
    return this.#context.contextSize;
  }

  /** Token ids run from 0 to this, less one (logit_bias keys). */
  get vocabularySize(): number {
    return this.#model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  }

  tokenize(text: string): Token[] {
    return this.#model.tokenize(text);
  }

  detokenize(tokens: readonly Token[]): string {
    return this.#model.detokenize(tokens);
  }

  /** The prompt a chat call evaluates, as tokens: what the context check counts. */
  chatPrompt(history: ChatHistoryItem[], output: ChatOutput): Token[] {
    const functions = output.type === 'tools' || output.type === 'tool_call' ? output.functions : undefined;
    const wrapper = this.#pool.chatWrapper;
    return wrapper.generateContextState({ chatHistory: history, availableFunctions: functions, documentFunctionParams: true }).contextText.tokenize(this.#model.tokenizer);
  }

  chat(call: ChatCall, prompt: Token[]): Promise<GenerationResult> {
    return this.#pool.use(prompt, async (slot, cachedTokens) => {
      const result = await this.#chatOn(slot, call);
      return { ...result, promptTokens: prompt.length, cachedTokens };
    });
  }

  complete(call: CompletionCall): Promise<GenerationResult> {
    return this.#pool.use(call.prompt, async (slot, cachedTokens) => {
      slot.probe = call.sampling.topLogprobs === undefined ? undefined : new TokenProbe(call.sampling.topLogprobs);
      const released = releases(slot, call.onText);
      const result = await slot.completion.generateCompletionWithMeta(call.prompt, {
        ...this.#samplerOptions(call.sampling),
        signal: call.signal,
        stopOnAbortSignal: true,
        onToken: released.onToken,
        onTextChunk: released.onTextChunk,
      });
      return {
        text: result.response,
        toolCalls: [],
        promptTokens: call.prompt.length,
        cachedTokens,
        completionTokens: released.kept.length,
        finishReason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        logprobs: released.probed(),
      };
    });
  }

  /** One vector per input, from an embedding context made on first use. */
  async embed(inputs: ReadonlyArray<string | Token[]>): Promise<Array<{ vector: readonly number[]; tokens: number }>> {
    this.#embeddings ??= this.#model.createEmbeddingContext({ contextSize: this.#context.contextSize, threads: this.#threads });
    const context = await this.#embeddings;
    const out = [];
    for (const input of inputs) {
      const tokens = typeof input === 'string' ? this.tokenize(input) : input;
      out.push({ vector: (await context.getEmbeddingFor(tokens)).vector, tokens: tokens.length });
    }
    return out;
  }

  #samplerOptions(sampling: Sampling) {
    const penalised = sampling.presencePenalty !== 0 || sampling.frequencyPenalty !== 0;
    let tokenBias: TokenBias | undefined;
    if (sampling.logitBias?.size) {
      tokenBias = new TokenBias(this.#model.tokenizer);
      for (const [token, bias] of sampling.logitBias) tokenBias.set(token as Token, bias <= -100 ? 'never' : { logit: bias });
    }
    return {
      maxTokens: sampling.maxTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      // OpenAI samples from the whole vocabulary; llama.cpp's default keeps the top 40.
      topK: 0,
      seed: sampling.seed,
      customStopTriggers: sampling.stop.length ? sampling.stop : undefined,
      repeatPenalty: penalised ? { penalty: 1, presencePenalty: sampling.presencePenalty, frequencyPenalty: sampling.frequencyPenalty } : (false as const),
      tokenBias,
    };
  }

  async #chatOn(slot: Slot, call: ChatCall): Promise<Omit<GenerationResult, 'promptTokens' | 'cachedTokens'>> {
    const { output, sampling } = call;
    if (output.type === 'tool_call') return this.#forcedToolCall(slot, call, output);
    slot.probe = sampling.topLogprobs === undefined ? undefined : new TokenProbe(sampling.topLogprobs);
    const { kept, probed, onToken, onTextChunk } = releases(slot, call.onText);
    const common = { ...this.#samplerOptions(sampling), signal: call.signal, stopOnAbortSignal: true, onToken, onTextChunk };
    if (output.type === 'tools') {
      const seen = new Set<number>();
      let paramsTokens = 0;
      const result = await slot.chat.generateResponse(call.history, {
        ...common,
        functions: output.functions,
        documentFunctionParams: true,
        maxParallelFunctionCalls: output.parallel ? undefined : 1,
        onFunctionCallParamsChunk: (chunk) => {
          paramsTokens += chunk.paramsChunk ? 1 : 0;
          const first = !seen.has(chunk.callIndex);
          seen.add(chunk.callIndex);
          call.onToolCall?.({ index: chunk.callIndex, ...(first && { name: chunk.functionName }), arguments: chunk.paramsChunk });
        },
      });
      const toolCalls = (result.functionCalls ?? []).map((fc) => ({ name: fc.functionName, arguments: JSON.stringify(fc.params ?? {}) }));
      return {
        text: result.response,
        toolCalls,
        completionTokens: kept.length + toolCalls.reduce((sum, tc) => sum + this.tokenize(tc.name + tc.arguments).length, 0),
        finishReason: toolCalls.length ? 'tool_calls' : result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        logprobs: probed(),
      };
    }
    const grammar = output.type === 'json' ? await this.#jsonGrammar(output.schema) : undefined;
    const result = await slot.chat.generateResponse(call.history, { ...common, grammar });
    return { text: result.response, toolCalls: [], completionTokens: kept.length, finishReason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop', logprobs: probed() };
  }

  #jsonGrammar(schema: GbnfJsonSchema | undefined): Promise<LlamaGrammar> {
    // The schema was built at run time, so its TypeScript type cannot be narrowed to a literal.
    return schema ? this.#llama.createGrammarForJsonSchema(schema as never) : this.#llama.getGrammarFor('json');
  }

  /**
   * tool_choice "required" or a named function: the answer is a call in the chat
   * wrapper's own syntax (for ChatML `||call: name({...})`), so the reply is started
   * with the call prefix, the name is picked under a grammar of the offered names, and
   * the arguments are generated under the function's parameters schema.
   */
  async #forcedToolCall(slot: Slot, call: ChatCall, output: Extract<ChatOutput, { type: 'tool_call' }>) {
    const settings = slot.chat.chatWrapper.settings.functions.call;
    const prefix = LlamaText(settings.prefix).toString();
    const withReply = (started: string) => withReplyStarted(call.history, started);
    const names = Object.keys(output.functions);
    const options = { ...this.#samplerOptions(call.sampling), customStopTriggers: undefined, signal: call.signal, stopOnAbortSignal: true };
    let completionTokens = 0;
    let name = output.name ?? (names.length === 1 ? names[0]! : undefined);
    if (name === undefined) {
      const grammar = await this.#llama.createGrammar({ grammar: `root ::= ${names.map((n) => JSON.stringify(n)).join(' | ')}` });
      name = (await slot.chat.generateResponse(withReply(prefix), { ...options, maxTokens: NAME_TOKENS, grammar })).response;
      completionTokens += this.tokenize(name).length;
    }
    call.onToolCall?.({ index: 0, name, arguments: '' });
    const grammar = await this.#jsonGrammar(output.functions[name]?.params ?? { type: 'object', additionalProperties: true } as GbnfJsonSchema);
    const kept: Token[] = [];
    const result = await slot.chat.generateResponse(withReply(`${prefix}${name}${LlamaText(settings.paramsPrefix).toString()}`), {
      ...options,
      grammar,
      onToken: (tokens) => kept.push(...tokens),
      onTextChunk: (text) => call.onToolCall?.({ index: 0, arguments: text }),
    });
    const length = result.metadata.stopReason === 'maxTokens';
    return {
      text: '',
      toolCalls: [{ name, arguments: result.response }],
      completionTokens: completionTokens + kept.length,
      finishReason: length ? ('length' as const) : ('tool_calls' as const),
    };
  }

  async dispose(): Promise<void> {
    this.#pool.dispose();
    await (await this.#embeddings)?.dispose();
    await this.#context.dispose();
    await this.#model.dispose();
    await this.#llama.dispose();
  }
}
