import { GatewayClient, type ClientFlags } from './gateway-client.js';

export interface ChatFlags extends ClientFlags {
  model: string;
  prompt: string;
  gpu?: string | undefined;
  stream: boolean;
  maxTokens?: number | undefined;
}

interface Completion {
  choices: Array<{ message?: { content?: string }; delta?: { content?: string } }>;
  system_fingerprint?: { selected_gpu?: string };
}

/** `gpuroute chat MODEL "prompt" [--gpu X] [--stream]`: the answer on stdout, the GPU on stderr. */
export async function chatCommand(flags: ChatFlags): Promise<number> {
  const client = new GatewayClient(flags);
  const body = {
    model: flags.model,
    messages: [{ role: 'user', content: flags.prompt }],
    stream: flags.stream,
    ...(flags.gpu && { gpu_preference: flags.gpu }),
    ...(flags.maxTokens !== undefined && { max_tokens: flags.maxTokens }),
  };
  const response = await client.request('POST', '/v1/chat/completions', body);
  const gpu = response.headers.get('x-selected-gpu');
  if (!flags.stream) {
    const completion = (await response.json()) as Completion;
    process.stdout.write(`${completion.choices[0]?.message?.content ?? ''}\n`);
  } else {
    let carry = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const lines = (carry + decoder.decode(chunk, { stream: true })).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        const data = line.startsWith('data:') ? line.slice(5).trim() : '';
        if (!data || data === '[DONE]') continue;
        const event = JSON.parse(data) as Completion & { detail?: string };
        if (event.detail) throw new Error(`stream failed: ${event.detail}`);
        process.stdout.write(event.choices[0]?.delta?.content ?? '');
      }
    }
    process.stdout.write('\n');
  }
  process.stderr.write(`selected_gpu: ${gpu}\n`);
  return 0;
}
