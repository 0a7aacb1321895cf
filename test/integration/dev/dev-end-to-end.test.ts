import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../../runtime/net/port-availability.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { testBroker } from '../support/test-broker.ts';
import { DevProcess, isAlive, type DevEvent } from './dev-process.ts';

interface ReadyEvent extends DevEvent {
  readonly ingresses: { url: string; topic: string }[];
  readonly outputTopics: string[];
  readonly processes: { name: string; role: string; pid: number }[];
}

const started: DevProcess[] = [];
afterAll(async () => {
  for (const dev of started) {
    dev.signal('SIGKILL');
    await dev.exited;
  }
});

function dev(
  args: readonly string[],
  env?: Record<string, string | undefined>,
  options?: { ownGroup?: boolean },
): DevProcess {
  const process = new DevProcess(args, env, options);
  started.push(process);
  return process;
}

/** `knmesh dev` of the exclamation example against the test broker, logging into `logDir`. */
function exclamationArgs(broker: { brokerUrl: string; adminUrl: string }, logDir: string): string[] {
  return [
    '-f',
    'manifests/examples/exclamation/function.yaml',
    '--pulsar-url',
    broker.brokerUrl,
    '--admin-url',
    broker.adminUrl,
    '--ingress-port',
    '0',
    '--log-dir',
    logDir,
  ];
}

/** Sends `count` text events through the ingress and waits for their `!` replies on the output topic. */
async function roundTrip(
  ready: ReadyEvent,
  pulsarUrl: string,
  count: number,
): Promise<{ accepted: number; replies: Set<string> }> {
  const run = randomUUID().slice(0, 8);
  const client = new PulsarClient({ serviceUrl: pulsarUrl });
  const consumer = await client.subscribe({
    topic: ready.outputTopics[0]!,
    subscription: `dev-test-${run}`,
    type: 'Exclusive',
    initialPosition: 'latest',
  });
  const replies = new Set<string>();
  const reading = (async () => {
    for await (const message of consumer) {
      const text = message.payload.toString('utf8');
      if (text.startsWith(`${run}-`)) replies.add(text);
      consumer.ack(message);
      if (replies.size === count) return;
    }
  })();
  const ingress = new URL(ready.ingresses[0]!.url);
  const pool = new Pool(ingress.origin, { connections: 20 });
  let accepted = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const response = await pool.request({
        method: 'POST',
        path: ingress.pathname,
        headers: {
          'ce-specversion': '1.0',
          'ce-id': `${run}-${i}`,
          'ce-source': '/test/dev',
          'ce-type': 'dev.knmesh.test',
          'content-type': 'text/plain',
        },
        body: `${run}-${i}`,
      });
      await response.body.dump();
      if (response.statusCode === 202) accepted++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  await Promise.race([reading, new Promise((r) => setTimeout(r, 120_000))]);
  await consumer.unsubscribe();
  await client.close();
  await pool.close();
  return { accepted, replies };
}

describe('knmesh dev', () => {
  it('runs a Function Mesh spec end to end: 1,000 events in through the ingress, 1,000 replies out, then stops cleanly', async () => {
    const broker = testBroker();
    const logDir = await mkdtemp(join(tmpdir(), 'knmesh-dev-'));
    const process = dev(exclamationArgs(broker, logDir));
    const ready = (await process.ready(120_000)) as ReadyEvent | undefined;
    expect(ready, process.stderr).toBeDefined();
    expect(ready!.processes.map((p) => `${p.role} ${p.name}`)).toEqual([
      'serve exclamation',
      'bridge exclamation-bridge',
      'ingress exclamation-dev-ingress',
    ]);
    expect(ready!.ingresses[0]!.topic).toBe('persistent://public/default/exclamation-input');
    expect(ready!.outputTopics).toEqual(['persistent://public/default/exclamation-output']);

    const { accepted, replies } = await roundTrip(ready!, broker.brokerUrl, 1000);
    expect(accepted).toBe(1000);
    expect(replies.size).toBe(1000);
    expect([...replies].every((r) => r.endsWith('!'))).toBe(true);

    process.signal('SIGTERM');
    expect(await process.exited).toBe(0);
    expect(process.events.at(-1)?.event).toBe('stopped');
    expect(ready!.processes.filter((p) => isAlive(p.pid)).map((p) => p.name)).toEqual([]);
  });

  it("on a terminal's Ctrl-C (SIGINT to the whole group) stops each process in order, each draining once", async () => {
    const broker = testBroker();
    const logDir = await mkdtemp(join(tmpdir(), 'knmesh-dev-ctrl-c-'));
    const process = dev(exclamationArgs(broker, logDir), undefined, { ownGroup: true });
    const ready = (await process.ready(120_000)) as ReadyEvent | undefined;
    expect(ready, process.stderr).toBeDefined();
    const { replies } = await roundTrip(ready!, broker.brokerUrl, 20);
    expect(replies.size).toBe(20);

    process.signalGroup('SIGINT');
    expect(await process.exited).toBe(0);
    expect(ready!.processes.filter((p) => isAlive(p.pid)).map((p) => p.name)).toEqual([]);
    const logs = await Promise.all(
      (await readdir(logDir)).map(async (f) => [f, await readFile(join(logDir, f), 'utf8')] as const),
    );
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const [file, text] of logs) {
      // Each child got dev's one SIGTERM (not the terminal's SIGINT too) and finished its drain.
      expect(text, file).toContain('"msg":"stopped"');
      expect(text, file).not.toContain('second signal');
    }
    // Stopped in order: the ingress first, then the bridge, then the function it delivers to.
    const stoppedAt = (role: string): number => {
      const entry = logs.find(([f]) => f.includes(role))?.[1] ?? '';
      const line = entry.split('\n').find((l) => l.includes('"msg":"stopped"')) ?? '{}';
      return Date.parse(String((JSON.parse(line) as { time?: string }).time));
    };
    expect(stoppedAt('ingress')).toBeLessThanOrEqual(stoppedAt('bridge'));
    expect(stoppedAt('bridge')).toBeLessThanOrEqual(stoppedAt('exclamation.log'));
  });

  it('leaves no orphan behind when dev itself is killed: the children see their supervisor gone and stop', async () => {
    const broker = testBroker();
    const logDir = await mkdtemp(join(tmpdir(), 'knmesh-dev-orphans-'));
    const process = dev(exclamationArgs(broker, logDir));
    const ready = (await process.ready(120_000)) as ReadyEvent | undefined;
    expect(ready, process.stderr).toBeDefined();
    const pids = ready!.processes.map((p) => p.pid);
    expect(pids.filter(isAlive)).toHaveLength(3);

    process.signal('SIGKILL');
    await process.exited;
    const until = Date.now() + 30_000;
    while (pids.some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('starts the embedded broker when given none, and stops it with everything else', async () => {
    const home = await mkdtemp(join(tmpdir(), 'knmesh-dev-pulsar-'));
    const [brokerPort, webPort] = [await findFreePort(), await findFreePort()];
    const process = dev([
      '-f',
      'manifests/examples/exclamation/function.yaml',
      '--pulsar-home',
      home,
      '--pulsar-broker-port',
      String(brokerPort),
      '--pulsar-web-port',
      String(webPort),
      '--ingress-port',
      '0',
      '--log-dir',
      join(home, 'logs'),
    ]);
    const ready = (await process.ready(240_000)) as ReadyEvent | undefined;
    expect(ready, process.stderr).toBeDefined();
    const brokerPid = (JSON.parse(await readFile(join(home, 'instance.json'), 'utf8')) as { pid: number })
      .pid;
    expect(isAlive(brokerPid)).toBe(true);

    const { accepted, replies } = await roundTrip(ready!, `pulsar://127.0.0.1:${brokerPort}`, 20);
    expect([accepted, replies.size]).toEqual([20, 20]);

    process.signal('SIGINT');
    expect(await process.exited).toBe(0);
    expect([brokerPid, ...ready!.processes.map((p) => p.pid)].filter(isAlive)).toEqual([]);
  });

  it('reports a function module that does not load, and exits 1 with nothing left running', async () => {
    const broker = testBroker();
    const dir = await mkdtemp(join(tmpdir(), 'knmesh-dev-bad-'));
    await writeFile(join(dir, 'broken.ts'), 'export default function (: unknown {\n');
    const cr = (await readFile('manifests/examples/exclamation/function.yaml', 'utf8')).replace(
      'manifests/examples/exclamation/exclamation.ts',
      'broken.ts',
    );
    await writeFile(join(dir, 'function.yaml'), cr);
    const process = dev([
      '-f',
      join(dir, 'function.yaml'),
      '--pulsar-url',
      broker.brokerUrl,
      '--admin-url',
      broker.adminUrl,
      '--ingress-port',
      '0',
      '--log-dir',
      dir,
    ]);
    expect(await process.exited).toBe(1);
    expect(process.stderr).toContain('exclamation exited (exit code 1) before it was ready');
    expect(process.stderr).toContain('KNMESH_HOST_LOAD_FAILED');
    expect(process.events.find((e) => e.event === 'ready')).toBeUndefined();
  });

  it('refuses an ingress port that is taken, before starting anything', async () => {
    const broker = testBroker();
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const process = dev([
        '-f',
        'manifests/examples/exclamation/function.yaml',
        '--pulsar-url',
        broker.brokerUrl,
        '--admin-url',
        broker.adminUrl,
        '--ingress-port',
        String(port),
      ]);
      expect(await process.exited).toBe(1);
      expect(process.stderr).toContain(
        `port ${port} on 127.0.0.1 is taken; choose another with --ingress-port`,
      );
      expect(process.stderr).not.toContain('starting exclamation');
    } finally {
      server.close();
    }
  });

  it('says what to install when the embedded broker needs Java and there is none', async () => {
    const home = await mkdtemp(join(tmpdir(), 'knmesh-dev-nojava-'));
    const process = dev(
      [
        '-f',
        'manifests/examples/exclamation/function.yaml',
        '--pulsar-home',
        home,
        '--pulsar-broker-port',
        String(await findFreePort()),
        '--pulsar-web-port',
        String(await findFreePort()),
      ],
      { ...globalThis.process.env, JAVA_HOME: join(home, 'no-such-jdk') },
    );
    expect(await process.exited).toBe(1);
    expect(process.stderr).toContain('Java 17 or newer is needed to run the embedded Pulsar broker');
    expect(process.stderr).toContain('--pulsar-url');
  });
});
