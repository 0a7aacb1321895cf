import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../runtime/observability/create-logger.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { receiveN } from '../support/receive-n.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';

interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A client whose log lines are kept for the test to read. */
function clientWithLog(options: { keepAliveIntervalMs: number }): { client: PulsarClient; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  const client = new PulsarClient({ serviceUrl: testBroker().brokerUrl, logger, ...options });
  clients.push(client);
  return { client, lines };
}

const clients: PulsarClient[] = [];
let stoppedBroker: number | undefined;

afterEach(async () => {
  if (stoppedBroker !== undefined) process.kill(stoppedBroker, 'SIGCONT');
  stoppedBroker = undefined;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/**
 * The socket inodes of this process's established TCP connections to `port` (from /proc): what the
 * kernel sees, whatever the client believes.
 */
function connectionsTo(port: number): string[] {
  const ours = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(join('/proc/self/fd', fd));
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined) ours.add(inode);
    } catch {
      // closed while listing
    }
  }
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const remotePort = parseInt(f[2]!.split(':')[1]!, 16);
      const established = f[3] === '01';
      if (established && remotePort === port && ours.has(f[9]!)) found.push(f[9]!);
    }
  }
  return found;
}

const brokerPort = (): number => Number(new URL(testBroker().brokerUrl).port);

function brokerPid(): number | undefined {
  const home = testBroker().home;
  if (home === undefined) return undefined;
  return (JSON.parse(readFileSync(join(home, 'instance.json'), 'utf8')) as { pid: number }).pid;
}

describe('connection pooling and keep-alive against the real broker', () => {
  it('serves every producer and consumer of one broker over one pooled connection', async () => {
    const { client } = clientWithLog({ keepAliveIntervalMs: 30_000 });
    const topics = [uniqueTopic('pool'), uniqueTopic('pool'), uniqueTopic('pool')];
    const consumers = await Promise.all(
      topics.slice(0, 2).map((topic) => client.subscribe({ topic, subscription: 'sub' })),
    );
    const producers = await Promise.all(topics.map((topic) => client.createProducer({ topic })));
    await Promise.all(producers.map((p, i) => p.send({ payload: Buffer.from(`to ${i}`) })));
    for (const [i, consumer] of consumers.entries()) {
      const [m] = await receiveN(consumer, 1);
      expect(m?.payload.toString()).toBe(`to ${i}`);
    }
    expect(connectionsTo(brokerPort())).toHaveLength(1);
  });

  it('keeps the connection over many keep-alive intervals: the broker answers every PING', async () => {
    const { client, lines } = clientWithLog({ keepAliveIntervalMs: 100 });
    const topic = uniqueTopic('keep-alive');
    const consumer = await client.subscribe({ topic, subscription: 'sub' });
    const producer = await client.createProducer({ topic });
    const before = connectionsTo(brokerPort());
    expect(before).toHaveLength(1);
    // 25 intervals with idle gaps: a missing PONG would drop the connection after two of them.
    await new Promise((r) => setTimeout(r, 2_500));
    await producer.send({ payload: Buffer.from('still here') });
    const [m] = await receiveN(consumer, 1);
    expect(m?.payload.toString()).toBe('still here');
    expect(connectionsTo(brokerPort())).toEqual(before);
    expect(lines.filter((l) => l.msg.startsWith('pulsar: connection lost'))).toEqual([]);
  });
});

describe.skipIf(testBroker().home === undefined)('a broker that stops answering', () => {
  it('is detected by keep-alive, sends time out, and the client reconnects once it answers again', async () => {
    const { client, lines } = clientWithLog({ keepAliveIntervalMs: 200 });
    const topic = uniqueTopic('frozen');
    const consumer = await client.subscribe({ topic, subscription: 'sub' });
    const producer = await client.createProducer({ topic, sendTimeoutMs: 800 });
    await producer.send({ payload: Buffer.from('before') });

    const pid = brokerPid()!;
    process.kill(pid, 'SIGSTOP'); // the sockets stay open, nothing answers
    stoppedBroker = pid;
    const started = Date.now();
    const failed = await producer.send({ payload: Buffer.from('lost in time') }).then(
      () => undefined,
      (error: unknown) => error as { code?: string },
    );
    expect(failed?.code).toBe('KNMESH_PULSAR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    const until = Date.now() + 10_000;
    const lost = (): LogLine | undefined =>
      lines.find((l) => l.msg === 'pulsar: connection lost, reconnecting');
    while (lost() === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(lost()?.['reason']).toMatch(/no answer from .* for 200 ms/);

    process.kill(pid, 'SIGCONT');
    stoppedBroker = undefined;
    // Reconnected by itself: the same producer and consumer work again.
    await producer.send({ payload: Buffer.from('after') });
    // ('lost in time' may still be stored: the broker reads what sat in its socket buffer.)
    const got: string[] = [];
    const deadline = Date.now() + 60_000;
    while (!got.includes('after') && Date.now() < deadline) {
      const m = await consumer.tryReceive(1_000);
      if (m !== undefined) got.push(m.payload.toString());
    }
    expect(got[0]).toBe('before');
    expect(got).toContain('after');
  });
});
