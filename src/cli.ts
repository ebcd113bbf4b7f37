import { parseArgs } from 'node:util';
import { chatCommand } from './commands/chat-command.js';
import { proxyCommand } from './commands/proxy-command.js';
import { pullCommand } from './commands/pull-command.js';
import { serveCommand } from './commands/serve-command.js';
import { validateCommand } from './commands/validate-command.js';
import { warmupCommand } from './commands/warmup-command.js';
import { parsePort } from './config/load-config.js';
import { testModelPath } from './pools/resolve-weights.js';
import { ensureTestModel, makeTestModel } from './worker/test-model/make-test-model.js';

const USAGE = `Usage: gpuroute <command> [options]

Commands:
  serve     Run the gateway.
            --config FILE   YAML config (or GPUROUTE_CONFIG)
            --host HOST     listen address (default 127.0.0.1)
            --port N        listen port (default 8000; 0 picks a free one)
            --insecure      allow a non-loopback address without API keys
            --pull          download missing weights on a local pool's first warm-up
  proxy     Edge proxy: forward every path under --prefix to a gateway, headers intact.
            --target URL    the gateway, e.g. http://127.0.0.1:8000 (required)
            --host HOST     listen address (default 127.0.0.1, or GPUROUTE_HOST)
            --port N        listen port (default 8080, or PORT; 0 picks a free one)
            --prefix PATH   paths to forward, kept as they are (default /api; / for all)
            --cors-origins LIST   * (default, no credentials) or comma-separated origins
            --timeout-ms N  wait for response headers and between body chunks (default 300000)
            --connect-timeout-ms N  wait to connect to the target (default 5000)
            --insecure      listen on a public address even if the target needs no key
            --warm-calls N  calls through a throwaway copy before listening (default 2000; 0 skips)
  worker    Serve one GGUF as an OpenAI-compatible server (the gateway starts these).
            --model FILE    GGUF weights (required)
            --port N        listen port (default 0: a free one, reported to the parent)
            --host HOST     listen address (default 127.0.0.1)
            --threads N     llama.cpp threads (default 1)
            --context N     context tokens per sequence (default 2048)
            --parallel N    sequences generated at once, batched in one context (default 4)
            --label TEXT    model name to report (default the --model path)
            --weights-label TEXT  what /health reports as weights (default the path)
            --cpu           never use a GPU even if one is found
            --gpu-layers max  offload every layer (the gateway passes it with devices)
  warmup MODEL [--gpu X] [--wait] [--timeout S]
            Warm a model on a GPU; --wait shows its state until warmed (exit 1 if it fails).
  chat MODEL "prompt" [--gpu X] [--stream] [--max-tokens N]
            Send one chat message and print the answer.
  validate MODEL [--gpu X] [--task inference|training]
            Would MODEL run on X? Exit 0 if valid, 1 if not.
            Client commands take --url (or GPUROUTE_URL, default http://127.0.0.1:8000)
            and --api-key (or GPUROUTE_API_KEY).
  pull MODEL [--from SOURCE] [--quant Q] [--force]
            Download MODEL's GGUF weights to <workers.models_dir>/<id>.gguf.
            --from SOURCE   hf:<user>/<repo>[:<quant>] or an http(s):// URL
                            (default models.<id>.gguf, else the catalog's source)
            --quant Q       another quantisation from the Hugging Face repo, e.g. Q4_K_M
            --config FILE   YAML config (or GPUROUTE_CONFIG), for models_dir and pools
            --connect-timeout S  wait for the source to answer (default 30)
            --stall-timeout S    give up when no data arrives for S seconds (default 60);
                            running the same command again resumes the download
  pull --list [--config FILE]
            Show the weights on disk per model: size, quantisation, source.
  gpu-check [--models-dir DIR] [--tokens N]
            On a machine with an NVIDIA GPU: list the devices, run the built-in worker on
            the first one with the test model, and print tokens/s on the GPU and the CPU.
  make-test-model [--out FILE] [--force]
            Write the generated GGUF test model (default ./models/gpuroute-test-model-v1.gguf);
            serve does this by itself when a local pool needs it.
  help      Show this text.
`;

const CLIENT_OPTIONS = { url: { type: 'string' }, 'api-key': { type: 'string' }, gpu: { type: 'string' } } as const;

function positionals(values: string[], names: string[], command: string): string[] {
  if (values.length !== names.length) throw new Error(`${command} takes ${names.join(' ')}; got ${values.length} argument(s). See gpuroute help.`);
  return values;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number of at least 1, got "${text}"`);
  return n;
}

function gpuLayers(text: string | undefined): 'max' | undefined {
  if (text === undefined || text === 'max') return text;
  throw new Error(`--gpu-layers takes "max" (every layer on the GPU), got "${text}"; leave it out for llama.cpp's own choice`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, insecure: { type: 'boolean' }, pull: { type: 'boolean' } },
        strict: true,
      });
      return serveCommand(values);
    }
    case 'pull': {
      const { values, positionals: args } = parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: {
          list: { type: 'boolean', default: false },
          from: { type: 'string' },
          quant: { type: 'string' },
          config: { type: 'string' },
          force: { type: 'boolean', default: false },
          'connect-timeout': { type: 'string', default: '30' },
          'stall-timeout': { type: 'string', default: '60' },
        },
      });
      const [model] = values.list ? positionals(args, [], 'pull --list') : positionals(args, ['MODEL'], 'pull');
      return pullCommand({
        model,
        list: values.list,
        from: values.from,
        quant: values.quant,
        config: values.config,
        force: values.force,
        connectTimeoutMs: positiveInt(values['connect-timeout'], '--connect-timeout') * 1000,
        stallTimeoutMs: positiveInt(values['stall-timeout'], '--stall-timeout') * 1000,
      });
    }
    case 'proxy': {
      const { values } = parseArgs({
        args: rest,
        options: {
          target: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'string' },
          prefix: { type: 'string' },
          'cors-origins': { type: 'string' },
          'timeout-ms': { type: 'string' },
          'connect-timeout-ms': { type: 'string' },
          insecure: { type: 'boolean', default: false },
          'warm-calls': { type: 'string' },
        },
        strict: true,
      });
      return proxyCommand(values);
    }
    case 'worker': {
      const { values } = parseArgs({
        args: rest,
        options: {
          model: { type: 'string' },
          host: { type: 'string', default: '127.0.0.1' },
          port: { type: 'string', default: '0' },
          threads: { type: 'string', default: '1' },
          context: { type: 'string', default: '2048' },
          parallel: { type: 'string', default: '4' },
          label: { type: 'string' },
          'weights-label': { type: 'string' },
          cpu: { type: 'boolean', default: false },
          'gpu-layers': { type: 'string' },
        },
        strict: true,
      });
      if (!values.model) throw new Error('worker needs --model FILE (a GGUF file)');
      // Loaded only here: node-llama-cpp is heavy, and the gateway never runs a model itself.
      const { workerCommand } = await import('./commands/worker-command.js');
      return workerCommand({
        model: values.model,
        host: values.host,
        port: parsePort(values.port, '--port'),
        threads: positiveInt(values.threads, '--threads'),
        context: positiveInt(values.context, '--context'),
        parallel: positiveInt(values.parallel, '--parallel'),
        label: values.label ?? values.model,
        weightsLabel: values['weights-label'] ?? values.model,
        gpu: values.cpu ? false : 'auto',
        gpuLayers: gpuLayers(values['gpu-layers']),
      });
    }
    case 'warmup': {
      const { values, positionals: args } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...CLIENT_OPTIONS, wait: { type: 'boolean', default: false }, timeout: { type: 'string', default: '300' } } });
      const [model] = positionals(args, ['MODEL'], 'warmup');
      return warmupCommand({ model: model!, gpu: values.gpu, wait: values.wait, timeoutMs: positiveInt(values.timeout, '--timeout') * 1000, url: values.url, apiKey: values['api-key'] });
    }
    case 'chat': {
      const { values, positionals: args } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...CLIENT_OPTIONS, stream: { type: 'boolean', default: false }, 'max-tokens': { type: 'string' } } });
      const [model, prompt] = positionals(args, ['MODEL', '"prompt"'], 'chat');
      const maxTokens = values['max-tokens'] === undefined ? undefined : positiveInt(values['max-tokens'], '--max-tokens');
      return chatCommand({ model: model!, prompt: prompt!, gpu: values.gpu, stream: values.stream, maxTokens, url: values.url, apiKey: values['api-key'] });
    }
    case 'validate': {
      const { values, positionals: args } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...CLIENT_OPTIONS, task: { type: 'string', default: 'inference' } } });
      const [model] = positionals(args, ['MODEL'], 'validate');
      if (values.task !== 'inference' && values.task !== 'training') throw new Error(`--task must be inference or training, got "${values.task}"`);
      return validateCommand({ model: model!, gpu: values.gpu, task: values.task, url: values.url, apiKey: values['api-key'] });
    }
    case 'gpu-check': {
      const { values } = parseArgs({ args: rest, strict: true, options: { 'models-dir': { type: 'string', default: './models' }, tokens: { type: 'string', default: '128' } } });
      const { gpuCheckCommand } = await import('./commands/gpu-check-command.js');
      return gpuCheckCommand({ modelsDir: values['models-dir'], tokens: positiveInt(values.tokens, '--tokens') });
    }
    case 'make-test-model': {
      const { values } = parseArgs({ args: rest, strict: true, options: { out: { type: 'string', default: testModelPath('./models') }, force: { type: 'boolean', default: false } } });
      if (values.force) await makeTestModel(values.out);
      const { created } = values.force ? { created: true } : await ensureTestModel(values.out);
      process.stdout.write(`${created ? 'wrote' : 'kept existing'} ${values.out}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gpuroute: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  },
);
