import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './config-schema.js';

/** Start-up stops with this; the message names each bad key and how to fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  /** Path of the YAML file; `GPUROUTE_CONFIG` when absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides, which beat the environment and the file. */
  flags?: { host?: string | undefined; port?: number | undefined; insecure?: boolean | undefined; pull?: boolean | undefined };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against the config reference in README.md`;
  }
  return `${where}: ${issue.message}`;
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}. Pass an existing file with --config or GPUROUTE_CONFIG.`);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
}

function asObject(raw: unknown, file: string): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return { ...(raw as Record<string, unknown>) };
  throw new ConfigError(`Config file ${file} must hold a YAML mapping (keys such as listen, auth, pools) at the top level.`);
}

function parsePort(text: string, source: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${source}: port must be a whole number from 0 to 65535, got "${text}"`);
  return port;
}

/** File, then environment, then flags; validated once and frozen. */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? process.env;
  const file = sources.file ?? env.GPUROUTE_CONFIG;
  const raw = file ? asObject(readYaml(file), file) : {};

  const listen = { ...((raw.listen as Record<string, unknown> | undefined) ?? {}) };
  if (env.PORT) listen.port = parsePort(env.PORT, 'PORT');
  if (env.GPUROUTE_HOST) listen.host = env.GPUROUTE_HOST;
  if (sources.flags?.port !== undefined) listen.port = sources.flags.port;
  if (sources.flags?.host !== undefined) listen.host = sources.flags.host;
  raw.listen = listen;

  if (env.GPUROUTE_API_KEYS) {
    const keys = env.GPUROUTE_API_KEYS.split(',').map((k) => k.trim()).filter(Boolean);
    raw.auth = { ...((raw.auth as Record<string, unknown> | undefined) ?? {}), api_keys: keys };
  }
  if (sources.flags?.insecure) raw.insecure = true;
  if (sources.flags?.pull) raw.workers = { ...((raw.workers as Record<string, unknown> | undefined) ?? {}), pull: true };

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const origin = file ? `config file ${file}` : 'config';
    throw new ConfigError(`Invalid ${origin}:\n${result.error.issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`);
  }
  return deepFreeze(result.data);
}

export { parsePort };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
