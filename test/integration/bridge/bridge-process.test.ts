import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { runCli } from '../../support/run-cli.ts';
import { ServeProcess, stopAllServeProcesses } from '../host/serve-process.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';
import {
  BridgeProcess,
  baseArgs,
  collect,
  command,
  fixtureFunction,
  json,
  produce,
  stopAllBridgeProcesses,
} from './bridge-kit.ts';

let client: PulsarClient;
let admin: PulsarAdmin;
let fn: ServeProcess;

beforeAll(async () => {
  client = new PulsarClient({ serviceUrl: testBroker().brokerUrl });
  admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
  fn = await ServeProcess.start([fixtureFunction('bridge-function.ts')]);
});

afterAll(async () => {
  await stopAllBridgeProcesses();
  await client.close();
  await admin.close();
  await stopAllServeProcesses();
});

describe('knmesh bridge (the command)', () => {
  it('refuses unusable configurations with exit status 2, naming the problem', async () => {
    const missing = await runCli(['bridge', '--pulsar-url', 'pulsar://127.0.0.1:1']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('option --subscription is required');
    expect(missing.stderr).toContain('option --sink is required (or set KNMESH_SINK or K_SINK)');
    const inputs = await runCli(['bridge', ...baseArgs('http://127.0.0.1:1'), '--subscription', 's']);
    expect([inputs.status, inputs.stderr]).toEqual([
      2,
      expect.stringContaining('--input (repeatable) or --input-pattern') as unknown,
    ]);
    const eo = await runCli([
      'bridge',
      ...baseArgs('http://127.0.0.1:1'),
      '--subscription',
      's',
      '--input',
      'in',
      '--guarantee',
      'effectively_once',
    ]);
    expect(eo.stderr).toContain('effectively_once needs --subscription-type failover or exclusive');
    const help = await runCli(['bridge', '--help']);
    expect([help.status, help.stdout]).toEqual([0, expect.stringContaining('--max-in-flight') as unknown]);
  });

  it('reads its configuration from KNMESH_* variables and Function Mesh keys, as the translator writes them', async () => {
    const input = uniqueTopic('p-env-in');
    const output = uniqueTopic('p-env-out');
    const out = await client.subscribe({ topic: output, subscription: 'check', initialPosition: 'earliest' });
    const bridge = new BridgeProcess([], {
      brokerServiceURL: testBroker().brokerUrl,
      webServiceURL: testBroker().adminUrl,
      K_SINK: fn.url,
      KNMESH_INPUT: input,
      KNMESH_OUTPUT: output,
      KNMESH_SUBSCRIPTION: 'public/default/env-fn',
      KNMESH_PORT: '0',
      KNMESH_HOST: '127.0.0.1',
    });
    const listening = await bridge.waitForLog((r) => r.msg === 'listening');
    expect(listening['port']).toBeGreaterThan(0);
    await bridge.waitForLog((r) => r.msg === 'bridge ready');
    expect((await fetch(`http://127.0.0.1:${String(listening['port'])}/readyz`)).status).toBe(200);
    await produce(client, input, [command({ id: 'env' })]);
    expect((await collect(out, 1)).map((m) => json(m)['id'])).toEqual(['env']);
    bridge.signal('SIGTERM');
    expect(await bridge.exited).toBe(0);
    await out.close();
  });

  it('on SIGTERM stops pulling, finishes what is in flight, releases the rest and exits 0', async () => {
    const input = uniqueTopic('p-drain-in');
    const output = uniqueTopic('p-drain-out');
    const out = await client.subscribe({ topic: output, subscription: 'check', initialPosition: 'earliest' });
    const args = [...baseArgs(fn.url), '--input', input, '--output', output, '--subscription', 'fn'];
    const bridge = new BridgeProcess([
      ...args,
      '--subscription-type',
      'key_shared',
      '--grace-period-ms',
      '10000',
    ]);
    await bridge.waitForLog((r) => r.msg === 'bridge ready');
    // One slow message in flight, two more of the same key waiting behind it.
    await produce(
      client,
      input,
      [
        command({ id: 'slow', action: 'sleep', ms: 1500 }, 'k'),
        command({ id: 'next-1' }, 'k'),
        command({ id: 'next-2' }, 'k'),
      ],
      false,
    );
    await new Promise((r) => setTimeout(r, 500));
    bridge.signal('SIGTERM');
    expect(await bridge.exited).toBe(0);
    const stopped = bridge.logs.find((r) => r.msg === 'stopped');
    expect(stopped).toMatchObject({ drained: true, released: 2, producersFlushed: true });
    expect((await collect(out, 1)).map((m) => json(m)['id'])).toEqual(['slow']);
    expect(await admin.backlog(input, 'fn')).toBe(2); // unbatched: the backlog counts messages
    // Another replica gets what was released.
    const next = new BridgeProcess(args);
    expect((await collect(out, 2)).map((m) => json(m)['id'])).toEqual(['next-1', 'next-2']);
    next.signal('SIGTERM');
    expect(await next.exited).toBe(0);
    await out.close();
  });
});
