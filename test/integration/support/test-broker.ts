import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { PulsarStandalone } from '../../../runtime/pulsar/standalone/pulsar-standalone.ts';

/** The broker the integration run talks to (see pulsar-global-setup.ts). */
export interface TestBroker {
  readonly brokerUrl: string;
  readonly adminUrl: string;
  /** Instance directory when the run manages the broker (restart tests need it). */
  readonly home: string | undefined;
  /** Unpacked Apache Pulsar distribution, for the Java tools (`bin/pulsar-client`, `bin/pulsar-perf`). */
  readonly distribution: string | undefined;
  /**
   * Base64 HS256 key the broker verifies tokens with, when it runs with token authentication
   * (anonymous clients are still let in, so other tests need no token).
   */
  readonly tokenSecretKey?: string | undefined;
  /** TLS listeners of the broker (certificate signed by a CA made for the run), when it has them. */
  readonly tls?:
    { readonly brokerUrl: string; readonly adminUrl: string; readonly caFile: string } | undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pulsar: TestBroker;
  }
}

export function testBroker(): TestBroker {
  return inject('pulsar');
}

/** A topic name no other test uses: `persistent://public/default/<prefix>-<uuid>`. */
export function uniqueTopic(prefix: string): string {
  return `persistent://public/default/${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Restarts the managed broker keeping its data; undefined when the broker is external. */
export async function restartTestBroker(): Promise<boolean> {
  const { home } = testBroker();
  if (home === undefined) return false;
  await PulsarStandalone.restart(home, { env: process.env });
  return true;
}

/** The broker's `maxMessageSize` as it runs (5 MiB unless configured otherwise). */
export async function brokerMaxMessageSize(): Promise<number> {
  const runtime = await fetch(`${testBroker().adminUrl}/admin/v2/brokers/configuration/runtime`);
  const size = Number(((await runtime.json()) as Record<string, string>)['maxMessageSize']);
  if (!(size > 0)) throw new Error(`the broker reports no maxMessageSize (${String(size)})`);
  return size;
}
