import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Bridge } from '../../../runtime/bridge/bridge.ts';
import { bridgeOptions } from '../../../runtime/bridge/bridge-options.ts';
import { parseOptions } from '../../../runtime/config/parse-options.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import type { Message } from '../../../runtime/pulsar/consumer/message.ts';
import type { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import type { LogRecord } from '../host/serve-process.ts';
import { testBroker } from '../support/test-broker.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of a function under test/integration/fixtures. */
export function fixtureFunction(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** The flags every test bridge gets: the test broker, loopback, an ephemeral port. */
export function baseArgs(sink: string): string[] {
  const broker = testBroker();
  return [
    '--pulsar-url',
    broker.brokerUrl,
    '--admin-url',
    broker.adminUrl,
    '--sink',
    sink,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
  ];
}

/** An in-process bridge from command-line flags (the real option table), with its log lines kept. */
export async function startBridge(
  args: readonly string[],
): Promise<{ bridge: Bridge; port: number; logs: LogRecord[] }> {
  const { config } = parseOptions(bridgeOptions, { argv: args, env: {} });
  const logs: LogRecord[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) },
  );
  const bridge = new Bridge({ config, logger });
  const { port } = await bridge.listen();
  await bridge.start();
  return { bridge, port, logs };
}

/** A JSON command for the fixture function, as a message with a JSON content type. */
export function command(
  body: Record<string, unknown>,
  key?: string,
  properties: Record<string, string> = {},
) {
  return {
    payload: Buffer.from(JSON.stringify(body)),
    ...(key === undefined ? {} : { key }),
    properties: { 'content-type': 'application/json', ...properties },
  };
}

/** Produces messages (awaiting each batch of sends) and returns when all are stored. */
export async function produce(
  client: PulsarClient,
  topic: string,
  messages: readonly ReturnType<typeof command>[],
  batching = true,
): Promise<void> {
  const producer = await client.createProducer({ topic, batching: { enabled: batching, maxDelayMs: 1 } });
  await Promise.all(messages.map((m) => producer.send(m)));
  await producer.close();
}

/** Collects messages of a topic until `count` arrived or `timeoutMs` passed; acknowledges them. */
export async function collect(consumer: Consumer, count: number, timeoutMs = 60_000): Promise<Message[]> {
  const out: Message[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < until) {
    const m = await consumer.tryReceive(Math.max(1, Math.min(1000, until - Date.now())));
    if (m === undefined) continue;
    consumer.ack(m);
    out.push(m);
  }
  return out;
}

/** Whatever else arrives within `ms` (to prove nothing more comes). */
export async function drainFor(consumer: Consumer, ms: number): Promise<Message[]> {
  const out: Message[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const m = await consumer.tryReceive(Math.max(1, until - Date.now()));
    if (m === undefined) break;
    consumer.ack(m);
    out.push(m);
  }
  return out;
}

export function json(m: Message): Record<string, unknown> {
  return JSON.parse(m.payload.toString()) as Record<string, unknown>;
}

const running = new Set<BridgeProcess>();

/** A real `knmesh bridge` child process (for the CLI, signals and SIGKILL). */
export class BridgeProcess {
  readonly logs: LogRecord[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.#child = spawn(process.execPath, ['adapter/cli/knmesh.js', 'bridge', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.#child.once('close', (code) => resolve(code)));
    this.#child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogRecord);
      } catch {
        // not a log line
      }
    });
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  /** Waits for a log line; throws after `timeoutMs` or when the process exits first. */
  async waitForLog(predicate: (r: LogRecord) => boolean, timeoutMs = 60_000): Promise<LogRecord> {
    const until = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < until) {
      const found = this.logs.find(predicate);
      if (found !== undefined) return found;
      if (exited) throw new Error(`bridge exited first: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`bridge log line not seen within ${timeoutMs} ms: ${this.stderr}`);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#child.exitCode === null) this.#child.kill(signal);
  }
}

/** For afterAll: no bridge child outlives its test file. */
export async function stopAllBridgeProcesses(): Promise<void> {
  const all = [...running];
  for (const b of all) b.signal('SIGKILL');
  await Promise.all(all.map((b) => b.exited));
}
