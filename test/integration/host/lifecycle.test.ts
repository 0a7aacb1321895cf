import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatchResults } from '../../../runtime/cloudevents/batch-results.ts';
import { GateServer } from './gate-server.ts';
import { CE_HEADERS, get, json, post } from './http-kit.ts';
import { eventually, fixture, ServeProcess, stopAllServeProcesses } from './serve-process.ts';

let scratch: string;
let gate: GateServer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'knmesh-lifecycle-'));
});

afterEach(async () => {
  await stopAllServeProcesses();
  await gate?.close();
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const asJson = { ...CE_HEADERS, 'content-type': 'application/json' };

/** Writes an HTTP request on a connection opened earlier; resolves with the raw answer. */
function finishRawRequest(socket: ReturnType<typeof connect>, rest: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(rest);
  });
}

describe('knmesh serve: start-up and graceful shutdown', () => {
  it('is live but not ready while init() runs, refuses events with 503 meanwhile, then turns ready', async () => {
    gate = await GateServer.start();
    const serve = await ServeProcess.start([fixture('lifecycle.ts')], {
      waitFor: 'listening',
      env: { INIT_GATE: gate.url },
    });
    await eventually(() => gate.arrivals === 1, 'init() waiting on the gate');
    expect((await get(`${serve.url}/health/liveness`)).status).toBe(200);
    const readiness = await get(`${serve.url}/health/readiness`);
    expect([readiness.status, json(readiness)]).toEqual([503, { status: 'starting' }]);
    const early = await post(serve.url, asJson, '{"n":1}');
    expect([early.status, json(early)['code'], json(early)['retryable']]).toEqual([
      503,
      'KNMESH_HOST_NOT_READY',
      true,
    ]);

    gate.open();
    await eventually(
      async () => (await get(`${serve.url}/health/readiness`)).status === 200,
      'readiness after init',
    );
    expect(json(await post(serve.url, asJson, '{"n":1}'))).toEqual({ n: 1, done: true });
    expect(serve.logs.findIndex((r) => r.msg === 'init done')).toBeLessThan(
      serve.logs.findIndex((r) => r.msg === 'ready'),
    );
  });

  it('on SIGTERM: readiness false, no new connections, every in-flight request completes, shutdown() runs, exit 0', async () => {
    gate = await GateServer.start();
    const marker = join(scratch, 'shutdown-1');
    const serve = await ServeProcess.start([fixture('lifecycle.ts')], { env: { SHUTDOWN_MARKER: marker } });
    const inFlight = Array.from({ length: 5 }, (_, n) =>
      post(serve.url, asJson, JSON.stringify({ gate: gate.url, n })),
    );
    await eventually(() => gate.arrivals === 5, 'five invocations waiting on the gate');
    const metrics = (await get(`${serve.url}/metrics`)).text;
    expect(metrics).toMatch(/^knmesh_host_requests_in_flight\{[^}]*\} 5$/m);
    // A connection that has begun a request before SIGTERM, to probe readiness during the drain.
    const probe = connect(serve.port, '127.0.0.1');
    await new Promise((resolve) => probe.once('connect', resolve));
    probe.write('GET /health/readiness HTTP/1.1\r\nHost: x\r\n');

    serve.signal('SIGTERM');
    await serve.waitForLog((r) => r.msg === 'draining');
    expect(serve.logs.find((r) => r.msg === 'draining')?.['inFlight']).toBe(5);
    const raw = await finishRawRequest(probe, '\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 503/);
    expect(raw).toContain('"status":"draining"');
    expect(raw.toLowerCase()).toContain('connection: close');
    await expect(fetch(`${serve.url}/health/liveness`)).rejects.toThrow(); // the listener is closed

    gate.open();
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => [a.status, json(a)['n']])).toEqual([0, 1, 2, 3, 4].map((n) => [200, n]));
    expect(await serve.exited).toBe(0);
    expect(await readFile(marker, 'utf8')).toBe('shutdown ran');
    expect(serve.logs.find((r) => r.msg === 'stopped')).toMatchObject({
      drained: true,
      abandoned: 0,
      shutdownHookOk: true,
    });
  });

  it('when the grace period ends first, unfinished requests get a retryable 503 and shutdown() still runs', async () => {
    gate = await GateServer.start();
    const marker = join(scratch, 'shutdown-2');
    const serve = await ServeProcess.start([fixture('lifecycle.ts'), '--grace-period-ms', '300'], {
      env: { SHUTDOWN_MARKER: marker },
    });
    const stuck = [
      post(serve.url, asJson, JSON.stringify({ gate: gate.url, n: 1 })),
      post(serve.url, asJson, JSON.stringify({ gate: gate.url, n: 2 })),
    ];
    await eventually(() => gate.arrivals === 2, 'two invocations waiting on the gate');
    serve.signal('SIGTERM');
    const answers = await Promise.all(stuck);
    expect(answers.map((a) => [a.status, json(a)['code'], json(a)['retryable']])).toEqual([
      [503, 'KNMESH_HOST_SHUTTING_DOWN', true],
      [503, 'KNMESH_HOST_SHUTTING_DOWN', true],
    ]);
    expect(await serve.exited).toBe(0);
    expect(await readFile(marker, 'utf8')).toBe('shutdown ran');
    expect(serve.logs.find((r) => r.msg === 'stopped')).toMatchObject({ drained: false, abandoned: 2 });
  });

  it('answers every event of a batch caught by the end of the grace period with a retryable 503 result', async () => {
    gate = await GateServer.start();
    const serve = await ServeProcess.start([fixture('lifecycle.ts'), '--grace-period-ms', '300']);
    const events = [1, 2, 3].map((n) => ({
      specversion: '1.0',
      id: `b${n}`,
      source: '/t',
      type: 't',
      data: { gate: gate.url, n },
    }));
    const pending = post(
      serve.url,
      { 'content-type': 'application/cloudevents-batch+json' },
      JSON.stringify(events),
    );
    await eventually(() => gate.arrivals === 1, 'the first event of the batch waiting on the gate');
    serve.signal('SIGTERM');
    const answer = await pending;
    expect(answer.status).toBe(200);
    const results = decodeBatchResults(answer.text, ['b1', 'b2', 'b3']);
    expect(results.map((r) => [r.id, r.status, r.error?.code])).toEqual([
      ['b1', 503, 'KNMESH_HOST_SHUTTING_DOWN'],
      ['b2', 503, 'KNMESH_HOST_SHUTTING_DOWN'],
      ['b3', 503, 'KNMESH_HOST_SHUTTING_DOWN'],
    ]);
    expect(gate.arrivals).toBe(1); // the rest of the batch was not started
    expect(await serve.exited).toBe(0);
  });

  it('stops at once on SIGTERM while still starting, without ever turning ready', async () => {
    gate = await GateServer.start();
    const serve = await ServeProcess.start([fixture('lifecycle.ts')], {
      waitFor: 'listening',
      env: { INIT_GATE: gate.url },
    });
    await eventually(() => gate.arrivals === 1, 'init() waiting on the gate');
    serve.signal('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.logs.some((r) => r.msg === 'ready')).toBe(false);
  });

  it('fails start-up when init() outlasts --start-timeout-ms', async () => {
    gate = await GateServer.start();
    const serve = await ServeProcess.start([fixture('lifecycle.ts'), '--start-timeout-ms', '300'], {
      waitFor: 'none',
      env: { INIT_GATE: gate.url },
    });
    expect(await serve.exited).toBe(1);
    expect(serve.stderr).toContain('took longer than 300 ms');
  });
});
