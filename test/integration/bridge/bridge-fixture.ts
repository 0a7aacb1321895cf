import { afterAll, beforeAll } from 'vitest';
import type { Bridge } from '../../../runtime/bridge/bridge.ts';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import type { LogRecord } from '../host/serve-process.ts';
import { ServeProcess, stopAllServeProcesses } from '../host/serve-process.ts';
import { testBroker } from '../support/test-broker.ts';
import { baseArgs, fixtureFunction, startBridge } from './bridge-kit.ts';

/** What the in-process bridge tests of one file share; usable inside tests (after `beforeAll`). */
export interface BridgeFixture {
  readonly client: PulsarClient;
  readonly admin: PulsarAdmin;
  /** URL of the fixture function (`knmesh serve bridge-function.ts`). */
  readonly functionUrl: string;
  /** Starts a bridge with the test defaults and `args`, delivering to `sink`; stopped after the file. */
  startBridge(
    args: readonly string[],
    sink?: string,
  ): Promise<{ bridge: Bridge; port: number; logs: LogRecord[] }>;
  /** Closes the consumer after the file. */
  track<T extends Consumer>(consumer: T): T;
}

/**
 * Registers the file's `beforeAll`/`afterAll`: a Pulsar client and admin for the test broker and the
 * fixture function behind a real `knmesh serve`, started once; every bridge and tracked consumer is
 * stopped afterwards.
 */
export function useBridgeFixture(
  serve: { readonly args?: readonly string[]; readonly env?: Record<string, string> } = {},
): BridgeFixture {
  let client: PulsarClient | undefined;
  let admin: PulsarAdmin | undefined;
  let fn: ServeProcess | undefined;
  const bridges: Bridge[] = [];
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    client = new PulsarClient({ serviceUrl: testBroker().brokerUrl });
    admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
    fn = await ServeProcess.start(
      [fixtureFunction('bridge-function.ts'), ...(serve.args ?? [])],
      serve.env === undefined ? {} : { env: serve.env },
    );
  });

  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop()));
    await Promise.all(consumers.map((c) => c.close()));
    await client?.close();
    await admin?.close();
    await stopAllServeProcesses();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the bridge fixture is used before beforeAll ran');
    return value;
  };
  return {
    get client() {
      return ready(client);
    },
    get admin() {
      return ready(admin);
    },
    get functionUrl() {
      return ready(fn).url;
    },
    async startBridge(args, sink) {
      const started = await startBridge([...baseArgs(sink ?? ready(fn).url), ...args]);
      bridges.push(started.bridge);
      return started;
    },
    track(consumer) {
      consumers.push(consumer);
      return consumer;
    },
  };
}
