import { GatewayClient, type ClientFlags } from './gateway-client.js';

export interface ValidateFlags extends ClientFlags {
  model: string;
  gpu?: string | undefined;
  task: 'inference' | 'training';
}

interface Report {
  valid: boolean;
  errors: string[];
  suggestions: string[];
  gpu: string | null;
  memory: { required_gb: number | null; available_gb: number | null };
}

/** `gpuroute validate MODEL --gpu X [--task training]`: exit 0 when it would run, 1 when not. */
export async function validateCommand(flags: ValidateFlags): Promise<number> {
  const client = new GatewayClient(flags);
  const report = await client.json<Report>('POST', '/v1/capabilities/validate', { model: flags.model, gpu: flags.gpu, task_type: flags.task });
  const memory = report.memory.required_gb === null ? '' : ` (needs ${report.memory.required_gb} GB of ${report.memory.available_gb} GB usable)`;
  process.stdout.write(`${report.valid ? 'valid' : 'not valid'}: ${flags.model} on ${report.gpu ?? flags.gpu} for ${flags.task}${memory}\n`);
  for (const error of report.errors) process.stdout.write(`  error: ${error}\n`);
  for (const suggestion of report.suggestions) process.stdout.write(`  suggestion: ${suggestion}\n`);
  return report.valid ? 0 : 1;
}
