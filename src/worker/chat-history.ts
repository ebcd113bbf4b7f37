import type { ChatHistoryItem } from 'node-llama-cpp';
import type { ChatRequest } from '../openai/chat-request.js';

type Message = ChatRequest['messages'][number];

/** OpenAI content is a string or an array of parts; the test model reads text parts only. */
function textOf(message: Message): string {
  const content = (message as { content?: unknown }).content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

/**
 * OpenAI messages as node-llama-cpp chat history, ending in an empty model turn for the
 * reply. `developer` is OpenAI's newer name for `system`; tool results are shown to the
 * model as user text, since the worker offers no function calling.
 */
export function toChatHistory(messages: readonly Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) => {
    const text = textOf(message);
    if (message.role === 'system' || message.role === 'developer') return { type: 'system', text };
    if (message.role === 'assistant') return { type: 'model', response: [text] };
    return { type: 'user', text };
  });
  history.push({ type: 'model', response: [] });
  return history;
}
