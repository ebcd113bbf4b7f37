import type { GbnfJsonSchema } from 'node-llama-cpp';
import { GatewayError } from '../errors/gateway-error.js';

/** Keywords that only describe; a grammar can leave them out and still match the schema. */
const DESCRIPTIVE = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples', 'strict', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
/** Keywords node-llama-cpp's JSON-schema grammar enforces (anyOf is read as oneOf). */
const ENFORCED = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems', 'enum', 'const',
  'oneOf', 'anyOf', '$ref', '$defs', 'definitions', 'minLength', 'maxLength', 'format', 'minProperties', 'maxProperties',
]);
const FORMATS = new Set(['date-time', 'time', 'date']);

const ANY: GbnfJsonSchema = { type: ['string', 'number', 'boolean', 'null'] } as GbnfJsonSchema;

type Json = Record<string, unknown>;

function convert(schema: unknown, at: string): GbnfJsonSchema {
  if (schema === true || (schema && typeof schema === 'object' && Object.keys(schema).every((key) => DESCRIPTIVE.has(key)))) {
    return { oneOf: [ANY, { type: 'object', additionalProperties: true }, { type: 'array' }] } as GbnfJsonSchema;
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new GatewayError('invalid_request', `${at} must be a JSON Schema object.`, at);
  }
  const source = schema as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (DESCRIPTIVE.has(key)) continue;
    if (!ENFORCED.has(key)) {
      throw new GatewayError('invalid_request', `${at}.${key}: the built-in engine cannot constrain output by "${key}"; leave it out, or use an upstream pool.`, at);
    }
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([name, sub]) => [name, convert(sub, `${at}.properties.${name}`)]));
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = convert(value, `${at}.${key}`);
    } else if (key === 'oneOf' || key === 'anyOf' || key === 'prefixItems') {
      out[key === 'prefixItems' ? key : 'oneOf'] = (value as unknown[]).map((sub, i) => convert(sub, `${at}.${key}[${i}]`));
    } else if (key === '$defs' || key === 'definitions') {
      out.$defs = Object.fromEntries(Object.entries(value as Json).map(([name, sub]) => [name, convert(sub, `${at}.${key}.${name}`)]));
    } else if (key === '$ref') {
      out.$ref = String(value).replace('#/definitions/', '#/$defs/');
    } else if (key === 'format' && !FORMATS.has(String(value))) {
      continue; // other formats (email, uri) still match any string the grammar allows
    } else {
      out[key] = value;
    }
  }
  if (out.properties && out.type === undefined) out.type = 'object';
  // JSON Schema allows any property unless told otherwise; the grammar's default is none.
  if (out.type === 'object' && !out.properties && out.additionalProperties === undefined) out.additionalProperties = true;
  return out as GbnfJsonSchema;
}

/**
 * An OpenAI JSON Schema (`response_format.json_schema.schema`, a tool's `parameters`) as
 * the schema node-llama-cpp builds a grammar from. A keyword the grammar cannot enforce
 * (pattern, minimum, allOf…) is a 400 naming it, not a constraint silently dropped.
 * @param at the request field the schema came from, for the 400
 */
export function toGrammarSchema(schema: unknown, at: string): GbnfJsonSchema {
  return convert(schema, at);
}
