import type { ChatModelFunctions } from 'node-llama-cpp';
import { toGrammarSchema } from './json-schema-grammar.js';
import { bad } from './engine-request.js';
import type { ChatOutput } from './llama-engine.js';

/** A function tool, as Chat Completions (`{function: {...}}`) and Responses (flat) both carry it. */
export interface FunctionTool {
  name: unknown;
  description?: unknown;
  parameters?: unknown;
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Tools as node-llama-cpp functions, each parameters schema checked so it can become a grammar. */
export function functionsOf(tools: readonly FunctionTool[], at: (i: number) => string): ChatModelFunctions {
  const functions: Record<string, ChatModelFunctions[string]> = {};
  tools.forEach((tool, i) => {
    if (typeof tool.name !== 'string' || !NAME.test(tool.name)) bad(`${at(i)}.name`, `${at(i)}.name must be 1 to 64 letters, digits, _ or -.`);
    functions[tool.name] = {
      ...(typeof tool.description === 'string' && { description: tool.description }),
      ...(tool.parameters !== undefined && tool.parameters !== null && { params: toGrammarSchema(tool.parameters, `${at(i)}.parameters`) }),
    };
  });
  return functions;
}

export interface OutputRequest {
  functions: ChatModelFunctions | undefined;
  /** "none" | "auto" | "required", or the name of the function to call. */
  toolChoice: { mode: 'none' | 'auto' | 'required' } | { name: string } | undefined;
  parallelToolCalls: boolean;
  /** The JSON schema to answer in, true for any JSON object, undefined for text. */
  json: { schema?: unknown; at: string; schemaAt?: string } | undefined;
}

/** What the engine must produce: text, JSON under a grammar, a choice of tools, or a forced call. */
export function chatOutputOf(request: OutputRequest): ChatOutput {
  const { functions, toolChoice, json } = request;
  const mode = toolChoice === undefined ? (functions ? 'auto' : 'none') : 'mode' in toolChoice ? toolChoice.mode : 'named';
  if (mode !== 'none' && !functions) bad('tool_choice', 'tool_choice needs tools: send the functions to choose from in tools.');
  if (mode === 'named') {
    const name = (toolChoice as { name: string }).name;
    if (!functions![name]) bad('tool_choice', `tool_choice names ${JSON.stringify(name)}, which is not among tools (${Object.keys(functions!).join(', ')}).`);
    return { type: 'tool_call', functions: functions!, name };
  }
  if (mode === 'required') return { type: 'tool_call', functions: functions! };
  if (mode === 'auto') {
    if (json) bad(json.at, `${json.at} cannot be combined with tools the model may call (tool_choice "auto"); set tool_choice to "none" or "required", or leave one out.`);
    return { type: 'tools', functions: functions!, parallel: request.parallelToolCalls };
  }
  if (json) return { type: 'json', schema: json.schema === undefined ? undefined : toGrammarSchema(json.schema, json.schemaAt ?? `${json.at}.schema`) };
  return { type: 'text' };
}

/** `response_format` of Chat Completions (`text.format` of Responses has the same content, flattened). */
export function jsonRequestOf(format: unknown, at: string): OutputRequest['json'] {
  if (format === undefined || format === null) return undefined;
  const { type, json_schema: nested, schema } = format as { type?: unknown; json_schema?: { schema?: unknown }; schema?: unknown };
  if (type === 'text') return undefined;
  if (type === 'json_object') return { at };
  if (type === 'json_schema') {
    if (nested?.schema !== undefined) return { schema: nested.schema, at, schemaAt: `${at}.json_schema.schema` };
    if (schema !== undefined) return { schema, at, schemaAt: `${at}.schema` };
    bad(at, `${at} of type json_schema needs the schema to answer in.`);
  }
  return bad(`${at}.type`, `${at}.type must be "text", "json_object" or "json_schema", got ${JSON.stringify(type)}.`);
}

/** tool_choice in either API's shape. */
export function toolChoiceOf(choice: unknown): OutputRequest['toolChoice'] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'none' || choice === 'auto' || choice === 'required') return { mode: choice };
  const { type, function: fn, name } = choice as { type?: unknown; function?: { name?: unknown }; name?: unknown };
  const named = fn?.name ?? name;
  if (type === 'function' && typeof named === 'string') return { name: named };
  return bad('tool_choice', 'tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": "..."}}.');
}
