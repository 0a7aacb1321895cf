import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testBroker } from './test-broker.ts';

const run = promisify(execFile);

/** Runs `bin/<tool>` of the broker's distribution (the Java client tools) and returns its output. */
export async function runJavaTool(
  tool: 'pulsar-client' | 'pulsar-perf' | 'pulsar-admin',
  args: string[],
): Promise<string> {
  const { distribution } = testBroker();
  if (distribution === undefined) throw new Error('no Pulsar distribution known for this broker');
  const { stdout, stderr } = await run(join(distribution, 'bin', tool), args, {
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PULSAR_MEM: '-Xms64m -Xmx256m' },
  });
  return `${stdout}${stderr}`;
}
