/**
 * The playground: one streamed chat (`POST /v1/chat/completions`, `stream: true`) on a
 * chosen model and GPU, shown as it arrives, with the GPU the gateway selected (the
 * X-Selected-GPU header, then each chunk's `system_fingerprint.selected_gpu`).
 */
import { api, errorMessage, type CatalogModel } from './api.js';
import { byId, fillSelect, setText } from './dom.js';
import { SseDecoder } from './sse.js';

interface Chunk {
  system_fingerprint?: { selected_gpu?: unknown } | null;
  choices?: Array<{ delta?: { content?: unknown }; message?: { content?: unknown }; finish_reason?: unknown }>;
  error?: { message?: unknown };
  detail?: unknown;
}

const AUTO = '';

export class Playground {
  readonly #model = byId<HTMLSelectElement>('chat-model');
  readonly #gpu = byId<HTMLSelectElement>('chat-gpu');
  readonly #prompt = byId<HTMLTextAreaElement>('chat-prompt');
  readonly #maxTokens = byId<HTMLInputElement>('chat-max-tokens');
  readonly #send = byId<HTMLButtonElement>('chat-send');
  readonly #stop = byId<HTMLButtonElement>('chat-stop');
  readonly #output = byId('chat-output');
  readonly #selected = byId('chat-selected-gpu');
  readonly #status = byId('chat-status');
  #catalog: CatalogModel[] = [];
  #abort: AbortController | null = null;
  /** Called when a chat has finished, so the page can refresh the pools at once. */
  onDone: () => void = () => undefined;

  constructor() {
    byId('chat-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    this.#stop.addEventListener('click', () => this.#abort?.abort());
    this.#model.addEventListener('change', () => this.#fillGpus());
  }

  setCatalog(models: CatalogModel[]): void {
    this.#catalog = models;
    fillSelect(this.#model, models.map((m) => ({ value: m.id })), 'Qwen/Qwen3-0.6B');
    this.#fillGpus();
    this.#send.disabled = false;
  }

  #fillGpus(): void {
    const model = this.#catalog.find((m) => m.id === this.#model.value);
    const auto = { value: AUTO, label: `auto${model?.default_gpu ? ` (warm, else ${model.default_gpu})` : ''}` };
    fillSelect(this.#gpu, [auto, ...(model?.inference_gpus ?? []).map((g) => ({ value: g }))], AUTO);
  }

  async send(): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    const started = performance.now();
    let firstTokenAt: number | null = null;
    let chunks = 0;
    let finish: string | null = null;
    this.#output.textContent = '';
    this.#output.classList.remove('error');
    setText(this.#selected, '…');
    this.#selected.dataset.gpu = '';
    this.#status.textContent = 'Sending…';
    this.#send.disabled = true;
    this.#stop.disabled = false;

    const showGpu = (gpu: unknown) => {
      if (typeof gpu === 'string' && gpu && this.#selected.dataset.gpu !== gpu) {
        this.#selected.dataset.gpu = gpu;
        setText(this.#selected, gpu);
      }
    };
    const fail = (message: string) => {
      this.#output.classList.add('error');
      this.#output.textContent = message;
    };

    const body: Record<string, unknown> = {
      model: this.#model.value,
      messages: [{ role: 'user', content: this.#prompt.value }],
      stream: true,
      max_tokens: Math.max(1, Math.min(4096, Number(this.#maxTokens.value) || 32)),
    };
    if (this.#gpu.value !== AUTO) body.gpu_preference = this.#gpu.value;

    try {
      const response = await api('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(body),
        signal: abort.signal,
      });
      showGpu(response.headers.get('x-selected-gpu'));
      if (!response.ok) {
        fail(await errorMessage(response));
        this.#status.textContent = `Failed: HTTP ${response.status}`;
        return;
      }
      this.#status.textContent = 'Waiting for the first token…';
      const chunkOf = (payload: string): boolean => {
        if (payload === '[DONE]') return false;
        const chunk = JSON.parse(payload) as Chunk;
        if (chunk.error) {
          fail(String(chunk.error.message ?? chunk.detail ?? 'The stream failed.'));
          return false;
        }
        chunks++;
        showGpu(chunk.system_fingerprint?.selected_gpu);
        const choice = chunk.choices?.[0];
        const text = choice?.delta?.content ?? choice?.message?.content;
        if (typeof text === 'string' && text) {
          firstTokenAt ??= performance.now();
          this.#output.textContent += text;
        }
        if (typeof choice?.finish_reason === 'string') finish = choice.finish_reason;
        this.#status.textContent = `Streaming… ${chunks} chunk${chunks === 1 ? '' : 's'}`;
        return true;
      };

      if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        chunkOf(await response.text()); // an upstream that ignored stream: true
      } else if (response.body) {
        const decoder = new SseDecoder();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let open = true;
        while (open) {
          const { done, value } = await reader.read();
          const payloads = done ? decoder.end() : decoder.push(value);
          for (const payload of payloads) if (!chunkOf(payload)) open = false;
          if (done) break;
        }
        if (!open) await reader.cancel();
      }
      if (!this.#output.classList.contains('error')) {
        if (!this.#output.textContent) this.#output.textContent = '(empty answer)';
        const seconds = (performance.now() - started) / 1000;
        const ttft = firstTokenAt === null ? '' : ` · first token ${((firstTokenAt - started) / 1000).toFixed(2)} s`;
        this.#status.textContent = `Done in ${seconds.toFixed(2)} s${ttft} · ${chunks} chunks${finish ? ` · finish_reason: ${finish}` : ''}`;
      } else this.#status.textContent = 'Failed mid-stream';
    } catch (error) {
      if (abort.signal.aborted) this.#status.textContent = 'Stopped';
      else {
        fail(`The call failed: ${(error as Error).message}`);
        this.#status.textContent = 'Failed';
      }
    } finally {
      if (this.#abort === abort) {
        this.#abort = null;
        this.#send.disabled = false;
        this.#stop.disabled = true;
      }
      this.onDone();
    }
  }
}
