import { randomUUID } from 'node:crypto';
import type { ToolCallDelta } from './llama-engine.js';

const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

type MessageItem = { type: 'message'; id: string; status: string; role: 'assistant'; content: Array<{ type: 'output_text'; text: string; annotations: [] }> };
type CallItem = { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: string };
type Item = MessageItem | CallItem;

/**
 * The output items of one Responses API answer, built from the engine's text and
 * tool-call deltas. With `emit` it also says each step as the stream events OpenAI
 * sends (response.output_item.added, response.output_text.delta…), so the streamed and
 * the plain answer are the same items.
 */
export class ResponseBuilder {
  readonly items: Item[] = [];
  #message: MessageItem | undefined;
  readonly #calls = new Map<number, CallItem>();

  constructor(private readonly emit?: (type: string, data: Record<string, unknown>) => void) {}

  text(delta: string): void {
    if (!this.#message) {
      this.#message = { type: 'message', id: newId('msg'), status: 'in_progress', role: 'assistant', content: [] };
      this.emit?.('response.output_item.added', { output_index: this.items.length, item: { ...this.#message } });
      this.items.push(this.#message);
      this.#message.content.push({ type: 'output_text', text: '', annotations: [] });
      this.emit?.('response.content_part.added', { item_id: this.#message.id, output_index: this.items.length - 1, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    }
    if (!delta) return;
    this.#message.content[0]!.text += delta;
    this.emit?.('response.output_text.delta', { item_id: this.#message.id, output_index: this.items.indexOf(this.#message), content_index: 0, delta, logprobs: [] });
  }

  toolCall(delta: ToolCallDelta): void {
    let call = this.#calls.get(delta.index);
    if (!call) {
      call = { type: 'function_call', id: newId('fc'), call_id: newId('call'), name: delta.name ?? '', arguments: '', status: 'in_progress' };
      this.#calls.set(delta.index, call);
      this.emit?.('response.output_item.added', { output_index: this.items.length, item: { ...call } });
      this.items.push(call);
    }
    if (!delta.arguments) return;
    call.arguments += delta.arguments;
    this.emit?.('response.function_call_arguments.delta', { item_id: call.id, output_index: this.items.indexOf(call), delta: delta.arguments });
  }

  /** Closes every item; a call's arguments become the engine's final (parsed) JSON. */
  finish(finalCalls: ReadonlyArray<{ name: string; arguments: string }>): void {
    finalCalls.forEach((final, i) => {
      if (!this.#calls.has(i)) this.toolCall({ index: i, name: final.name, arguments: '' });
      this.#calls.get(i)!.arguments = final.arguments;
    });
    if (this.items.length === 0) this.text('');
    this.items.forEach((item, outputIndex) => {
      item.status = 'completed';
      if (item.type === 'message') {
        const part = item.content[0]!;
        this.emit?.('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text: part.text, logprobs: [] });
        this.emit?.('response.content_part.done', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
      } else {
        this.emit?.('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
      }
      this.emit?.('response.output_item.done', { output_index: outputIndex, item });
    });
  }
}
