import { join } from 'node:path';
import { findFreePort } from '../../runtime/net/port-availability.ts';
import { stopOnSignal } from './stop-on-signal.ts';
import {
  DEFAULT_PULSAR_VERSION,
  defaultCacheDir,
} from '../../runtime/pulsar/standalone/pulsar-distribution.ts';
import {
  PulsarStandalone,
  type StandaloneInstance,
} from '../../runtime/pulsar/standalone/pulsar-standalone.ts';

const root = new URL('../..', import.meta.url).pathname;

/**
 * The broker a benchmark runs on: a fresh standalone in `.knmesh/bench-pulsar` on free ports, or,
 * with KNMESH_BENCH_PULSAR=reuse, the one `knmesh pulsar start` runs (left running).
 */
export async function benchBroker(): Promise<{ instance: StandaloneInstance; stop: () => Promise<void> }> {
  if (process.env['KNMESH_BENCH_PULSAR'] === 'reuse') {
    const status = await PulsarStandalone.status(join(root, '.knmesh', 'pulsar'));
    if (status.state !== 'running' || !status.ready)
      throw new Error('no ready broker; run `npx knmesh pulsar start`');
    return { instance: status.instance, stop: async () => {} };
  }
  const home = join(root, '.knmesh', 'bench-pulsar');
  await PulsarStandalone.stop(home, { timeoutMs: 30_000 });
  const starting = new AbortController();
  const stopBroker = async (): Promise<void> => {
    starting.abort();
    await PulsarStandalone.stop(home, { timeoutMs: 30_000 });
  };
  const forget = stopOnSignal(stopBroker);
  const instance = await PulsarStandalone.start({
    signal: starting.signal,
    home,
    version: process.env['KNMESH_PULSAR_VERSION'] ?? DEFAULT_PULSAR_VERSION,
    cacheDir: defaultCacheDir(process.env),
    brokerPort: await findFreePort(),
    webPort: await findFreePort(),
    deduplication: false,
    functionsWorker: false,
    streamStorage: false,
    memory: '1g',
    fresh: true,
    readyTimeoutMs: 240_000,
    env: process.env,
    onProgress: (line) => console.error(`[pulsar] ${line}`),
  });
  return {
    instance,
    stop: async () => {
      forget();
      await stopBroker();
    },
  };
}
