import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import { GatewayError } from '../errors/gateway-error.js';

/** An OpenAI chat message as the worker reads it (the gateway has checked `role` is a string). */
export type OpenAIMessage = { role: string } & Record<string, unknown>;

interface ToolCallIn {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

/**
 * The text of OpenAI content: a string, or text parts. The engine reads text only, so
 * any other part is a 400 rather than dropped without a word (issue 12).
 */
export function textOf(content: unknown, at: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new GatewayError('invalid_request', `${at} must be a string or an array of text parts.`, at);
  return content
    .map((part: unknown, i) => {
      const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
      if ((type === 'text' || type === 'input_text' || type === 'output_text') && typeof text === 'string') return text;
      throw new GatewayError('invalid_request', `${at}[${i}] is a "${String(type)}" part: this model takes text only. Send text parts ({"type": "text", "text": "..."}).`, `${at}[${i}]`);
    })
    .join('');
}

function parseArguments(text: unknown, at: string): unknown {
  if (typeof text !== 'string') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', `${at} must be a JSON string of the call's arguments.`, at);
  }
}

/**
 * OpenAI messages as node-llama-cpp chat history, ending in an empty model turn for the
 * reply. `developer` is OpenAI's newer name for `system`. An assistant's `tool_calls`
 * become function calls in its turn, each with the result a later `tool` message gives
 * for its id, so the chat wrapper renders them in the model's own call syntax.
 */
export function toChatHistory(messages: readonly OpenAIMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const callsById = new Map<string, ChatModelFunctionCall>();
  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    const text = textOf(message.content, `${at}.content`);
    switch (message.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text });
        return;
      case 'user':
        history.push({ type: 'user', text });
        return;
      case 'assistant': {
        const response: ChatModelResponse['response'] = text ? [text] : [];
        const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as ToolCallIn[]) : [];
        calls.forEach((toolCall, j) => {
          const name = toolCall.function?.name;
          if (typeof name !== 'string') throw new GatewayError('invalid_request', `${at}.tool_calls[${j}].function.name must be the called function's name.`, `${at}.tool_calls[${j}].function.name`);
          const call: ChatModelFunctionCall = { type: 'functionCall', name, params: parseArguments(toolCall.function?.arguments, `${at}.tool_calls[${j}].function.arguments`), result: undefined };
          if (typeof toolCall.id === 'string') callsById.set(toolCall.id, call);
          response.push(call);
        });
        history.push({ type: 'model', response });
        return;
      }
      case 'tool': {
        const call = typeof message.tool_call_id === 'string' ? callsById.get(message.tool_call_id) : undefined;
        if (!call) throw new GatewayError('invalid_request', `${at} answers tool_call_id ${JSON.stringify(message.tool_call_id)}, which no earlier assistant message called.`, `${at}.tool_call_id`);
        call.result = text;
        return;
      }
      default:
        throw new GatewayError('invalid_request', `${at}.role must be system, developer, user, assistant or tool, got ${JSON.stringify(message.role)}.`, `${at}.role`);
    }
  });
  // After calls and their results the reply goes on in the same model turn, as the
  // model's own function calling would have it.
  const last = history.at(-1);
  if (last?.type === 'model' && typeof last.response.at(-1) === 'object') return history;
  history.push({ type: 'model', response: [] });
  return history;
}

/** The history with its last (model) turn started with `text`, which the model continues. */
export function withReplyStarted(history: readonly ChatHistoryItem[], text: string): ChatHistoryItem[] {
  const last = history.at(-1);
  const response = last?.type === 'model' ? last.response : [];
  return [...history.slice(0, -1), { type: 'model', response: [...response, text] }];
}
