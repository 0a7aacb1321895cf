import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pulsarBinding } from '../../../runtime/cloudevents/pulsar-binding.ts';
import { parseOptions } from '../../../runtime/config/parse-options.ts';
import { Ingress } from '../../../runtime/ingress/ingress.ts';
import { ingressOptions } from '../../../runtime/ingress/ingress-options.ts';
import { INGRESS_ROUTES } from '../../../runtime/ingress/ingress-routes.ts';
import { findFreePort } from '../../../runtime/net/port-availability.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { ServeProcess, stopAllServeProcesses } from '../host/serve-process.ts';
import { baseArgs, collect, drainFor, fixtureFunction, json, startBridge } from '../bridge/bridge-kit.ts';
import { brokerMaxMessageSize, testBroker, uniqueTopic } from '../support/test-broker.ts';

const CE = {
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '/sources/test',
  'ce-type': 'dev.knmesh.test',
};

let client: PulsarClient;
const ingresses: Ingress[] = [];
const consumers: Consumer[] = [];

beforeAll(() => {
  client = new PulsarClient({ serviceUrl: testBroker().brokerUrl });
});

afterAll(async () => {
  await Promise.all(ingresses.map((i) => i.stop()));
  await Promise.all(consumers.map((c) => c.close()));
  await client.close();
  await stopAllServeProcesses();
});

async function ingress(
  args: string[],
  pulsarUrl = testBroker().brokerUrl,
  ready = true,
): Promise<{ url: string; ingress: Ingress }> {
  const { config } = parseOptions(ingressOptions, {
    argv: ['--pulsar-url', pulsarUrl, '--host', '127.0.0.1', '--port', '0', ...args],
    env: {},
  });
  const i = new Ingress({ config, logger: pino({ level: 'silent' }) });
  ingresses.push(i);
  const { port } = await i.listen();
  if (ready) await i.start();
  else void i.start().catch(() => undefined);
  return { url: `http://127.0.0.1:${port}`, ingress: i };
}

async function topicReader(topic: string): Promise<Consumer> {
  const c = await client.subscribe({ topic, subscription: 'check', initialPosition: 'earliest' });
  consumers.push(c);
  return c;
}

async function post(url: string, headers: Record<string, string>, body: string | Buffer) {
  const response = await fetch(url, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url + INGRESS_ROUTES.readiness);
  return { status: response.status, body: await response.json() };
}

/** Calls `probe` every 100 ms until `done` holds for its result or `timeoutMs` passed; the last result. */
async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await probe();
  for (let i = 0; i < timeoutMs / 100 && !done(value) && Date.now() < until; i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

/**
 * A TCP proxy on loopback between an ingress and the test broker, so a test can take the broker away
 * (and give it back) without touching the broker other tests use. A standalone broker asks clients
 * to connect through the service URL, so the producer's connection goes through the proxy too.
 */
class BrokerProxy {
  /** Connections forwarded to the broker so far. */
  forwarded = 0;
  #refusing = false;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server = createServer((client) => this.#serve(client));
  readonly #broker: { host: string; port: number };

  constructor(brokerUrl: string) {
    const { hostname, port } = new URL(brokerUrl);
    this.#broker = { host: hostname, port: Number(port) };
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return `pulsar://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The broker is gone: live connections are destroyed, new ones closed as soon as accepted. */
  cut(): void {
    this.#refusing = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** The broker is back: new connections are forwarded again. */
  restore(): void {
    this.#refusing = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => undefined); // a reset is what this proxy is for
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #serve(client: Socket): void {
    this.#track(client);
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.forwarded++;
    const broker = connect(this.#broker);
    this.#track(broker);
    client.on('close', () => broker.destroy());
    broker.on('close', () => client.destroy());
    client.pipe(broker);
    broker.pipe(client);
  }
}

describe('knmesh ingress: accepted events', () => {
  it('binary mode: 202 once stored; the message is the event in the binary Pulsar binding, body byte for byte', async () => {
    const topic = uniqueTopic('in-binary');
    const reader = await topicReader(topic);
    const { url } = await ingress(['--topic', topic]);
    const body = '{"total": 12.50}';
    const answer = await post(
      `${url}/any/path`,
      { ...CE, 'ce-partitionkey': 'order-1', 'ce-note': 'Z%C3%BCrich', 'content-type': 'application/json' },
      body,
    );
    expect([answer.status, answer.body]).toEqual([202, { accepted: 1 }]);
    const [m] = await collect(reader, 1);
    expect(m!.payload.toString()).toBe(body);
    expect(m!.key).toBe('order-1');
    expect(m!.properties).toEqual({
      ce_specversion: '1.0',
      ce_id: 'evt-1',
      ce_source: '/sources/test',
      ce_type: 'dev.knmesh.test',
      ce_note: 'Zürich',
      'content-type': 'application/json',
    });
    const [event] = pulsarBinding.toEvents(m!).entries;
    expect(event).toMatchObject({ id: 'evt-1', partitionkey: 'order-1', data: { total: 12.5 } });
  });

  it('structured and batched modes: one message per event, in order, data as the payload', async () => {
    const topic = uniqueTopic('in-batch');
    const reader = await topicReader(topic);
    const { url } = await ingress(['--topic', topic]);
    const event = (id: string, extra: Record<string, unknown>) => ({
      specversion: '1.0',
      id,
      source: '/s',
      type: 't',
      ...extra,
    });
    expect(
      (
        await post(
          url,
          { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
          JSON.stringify(event('s1', { data: { a: 1 } })),
        )
      ).status,
    ).toBe(202);
    const batch = [
      event('b1', { datacontenttype: 'text/plain', data: 'hello' }),
      event('b2', { data_base64: Buffer.from([1, 2, 3]).toString('base64') }),
      event('b3', { partitionkey: 'k3', data: [1, 2] }),
    ];
    const answer = await post(
      url,
      { 'content-type': 'application/cloudevents-batch+json' },
      JSON.stringify(batch),
    );
    expect([answer.status, answer.body]).toEqual([202, { accepted: 3 }]);
    const got = await collect(reader, 4);
    expect(
      got.map((m) => [m.properties['ce_id'], m.payload.toString('hex'), m.properties['content-type'], m.key]),
    ).toEqual([
      ['s1', Buffer.from('{"a":1}').toString('hex'), 'application/json', undefined],
      ['b1', Buffer.from('hello').toString('hex'), 'text/plain', undefined],
      ['b2', '010203', undefined, undefined],
      ['b3', Buffer.from('[1,2]').toString('hex'), 'application/json', 'k3'],
    ]);
  });
});

describe('knmesh ingress: refused requests', () => {
  it('answers 400, 413, 415 and 405 with a catalogue error body, and publishes nothing', async () => {
    const topic = uniqueTopic('in-refused');
    const reader = await topicReader(topic);
    const { url } = await ingress(['--topic', topic, '--max-body-bytes', '1024']);
    const cases: [Record<string, string>, string | Buffer, number, string][] = [
      [{ 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-type': 't' }, '', 400, 'KNMESH_CE_INVALID_EVENT'],
      [{ 'content-type': 'application/json' }, '{"not":"an event"}', 400, 'KNMESH_CE_INVALID_EVENT'],
      [{ 'content-type': 'application/cloudevents+json' }, '{', 400, 'KNMESH_CE_MALFORMED_BODY'],
      [
        { 'content-type': 'application/cloudevents-batch+json' },
        JSON.stringify([
          { specversion: '1.0', id: 'ok', source: '/s', type: 't' },
          { specversion: '1.0', id: '', source: '/s', type: 't' },
        ]),
        400,
        'KNMESH_CE_INVALID_EVENT',
      ],
      [{ ...CE, 'content-type': 'text/plain' }, 'x'.repeat(2000), 413, 'KNMESH_CE_BODY_TOO_LARGE'],
      [{ 'content-type': 'application/cloudevents+xml' }, '<e/>', 415, 'KNMESH_CE_UNSUPPORTED_MEDIA_TYPE'],
      [{ ...CE, 'content-encoding': 'gzip' }, 'x', 415, 'KNMESH_CE_UNSUPPORTED_ENCODING'],
    ];
    for (const [headers, body, status, code] of cases) {
      const answer = await post(url, headers, body);
      expect([answer.status, answer.body['code'], answer.body['retryable']]).toEqual([status, code, false]);
      // A body too large is not read, so its connection is closed rather than kept.
      if (status === 413) expect(answer.headers['connection']).toBe('close');
    }
    const get = await fetch(`${url}/events`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect(await drainFor(reader, 1000)).toEqual([]);
  });

  it("answers 413 for an event over the broker's maximum message size though under --max-body-bytes, and publishes nothing", async () => {
    const brokerMax = await brokerMaxMessageSize(); // 5 MiB unless the broker configures otherwise
    const size = brokerMax + 64 * 1024;
    const topic = uniqueTopic('in-broker-max');
    const reader = await topicReader(topic);
    const { url } = await ingress([
      '--topic',
      topic,
      '--max-body-bytes',
      String(size + 1024 * 1024),
      '--send-timeout-ms',
      '10000',
    ]);
    const answer = await post(
      url,
      { ...CE, 'ce-id': 'huge', 'content-type': 'application/octet-stream' },
      randomBytes(size),
    );
    expect([
      answer.status,
      answer.body['code'],
      answer.body['retryable'],
      answer.headers['connection'],
    ]).toEqual([413, 'KNMESH_INGRESS_EVENT_TOO_LARGE', false, 'close']);
    // The producer goes on: the next event is published, and is the first and only message.
    expect((await post(url, { ...CE, 'ce-id': 'small' }, 'x')).status).toBe(202);
    expect((await collect(reader, 1)).map((m) => m.properties['ce_id'])).toEqual(['small']);
    expect(await drainFor(reader, 1000)).toEqual([]);
  });

  it('requires the bearer token from --bearer-token-file when given (probes stay open)', async () => {
    const topic = uniqueTopic('in-auth');
    const reader = await topicReader(topic);
    const dir = await mkdtemp(join(tmpdir(), 'knmesh-ingress-'));
    const file = join(dir, 'token');
    await writeFile(file, 's3cret-token\n');
    const { url } = await ingress(['--topic', topic, '--bearer-token-file', file]);
    const body = 'hi';
    const none = await post(url, CE, body);
    expect([none.status, none.headers['www-authenticate'], none.body['code']]).toEqual([
      401,
      'Bearer',
      'KNMESH_INGRESS_UNAUTHORIZED',
    ]);
    expect(JSON.stringify(none.body)).not.toContain('s3cret');
    expect((await post(url, { ...CE, authorization: 'Bearer wrong' }, body)).status).toBe(401);
    expect((await post(url, { ...CE, authorization: 'Bearer s3cret-token' }, body)).status).toBe(202);
    expect((await fetch(url + INGRESS_ROUTES.readiness)).status).toBe(200);
    expect(await collect(reader, 1)).toHaveLength(1);
  });

  it('answers 503 with Retry-After while the broker is unreachable, and is not ready', async () => {
    const { url, ingress: i } = await ingress(
      ['--topic', uniqueTopic('in-down'), '--retry-after-seconds', '7'],
      `pulsar://127.0.0.1:${await findFreePort()}`,
      false,
    );
    const answer = await post(url, CE, 'x');
    expect([
      answer.status,
      answer.headers['retry-after'],
      answer.body['code'],
      answer.body['retryable'],
    ]).toEqual([503, '7', 'KNMESH_INGRESS_UNAVAILABLE', true]);
    const ready = await fetch(url + INGRESS_ROUTES.readiness);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'starting' }]);
    expect((await fetch(url + INGRESS_ROUTES.liveness)).status).toBe(200);
    expect(await (await fetch(url + INGRESS_ROUTES.metrics)).text()).toContain(
      'knmesh_ingress_requests_total{status="503"',
    );
    expect(await i.stop()).toEqual({ drained: true, abandoned: 0 });
  });
});

describe('knmesh ingress: losing the broker', () => {
  it('a running ingress that loses its broker answers 503 + Retry-After and is not ready, and recovers when it is back', async () => {
    const topic = uniqueTopic('in-lost');
    const reader = await topicReader(topic);
    const proxy = new BrokerProxy(testBroker().brokerUrl);
    const { url, ingress: i } = await ingress(
      ['--topic', topic, '--retry-after-seconds', '3', '--send-timeout-ms', '3000'],
      await proxy.listen(),
    );
    try {
      expect((await post(url, { ...CE, 'ce-id': 'before' }, 'a')).status).toBe(202);
      expect(await readiness(url)).toEqual({ status: 200, body: { status: 'ready' } });
      const forwardedBefore = proxy.forwarded;

      proxy.cut();
      expect(
        await pollUntil(
          () => readiness(url),
          (r) => r.status !== 200,
        ),
      ).toEqual({
        status: 503,
        body: { status: 'disconnected' },
      });
      const answer = await post(url, { ...CE, 'ce-id': 'during' }, 'b');
      expect([
        answer.status,
        answer.headers['retry-after'],
        answer.body['code'],
        answer.body['retryable'],
      ]).toEqual([503, '3', 'KNMESH_INGRESS_UNAVAILABLE', true]);
      expect(await (await fetch(url + INGRESS_ROUTES.metrics)).text()).toMatch(
        /^knmesh_ingress_connected(\{[^}]*\})? 0$/m,
      );
      expect((await fetch(url + INGRESS_ROUTES.liveness)).status).toBe(200);

      proxy.restore();
      expect(
        await pollUntil(
          () => readiness(url),
          (r) => r.status === 200,
        ),
      ).toEqual({
        status: 200,
        body: { status: 'ready' },
      });
      expect(proxy.forwarded).toBeGreaterThan(forwardedBefore); // reattached through the proxy
      const after = await post(url, { ...CE, 'ce-id': 'after' }, 'c');
      expect([after.status, after.body]).toEqual([202, { accepted: 1 }]);
      // The event answered 503 was not published; the two answered 202 were, in order.
      expect((await collect(reader, 2, 20_000)).map((m) => m.properties['ce_id'])).toEqual([
        'before',
        'after',
      ]);
      expect(await drainFor(reader, 1000)).toEqual([]);
    } finally {
      await i.stop();
      await proxy.close();
    }
  });
});

describe('source → ingress → bridge → function', () => {
  it('an event posted to the ingress reaches the function with its id and type, and its reply the output', async () => {
    const fn = await ServeProcess.start([fixtureFunction('bridge-function.ts')]);
    const topic = uniqueTopic('in-e2e');
    const output = uniqueTopic('in-e2e-out');
    const out = await topicReader(output);
    const { url } = await ingress(['--topic', topic]);
    const { bridge } = await startBridge([
      ...baseArgs(fn.url),
      '--input',
      topic,
      '--subscription',
      'fn',
      '--output',
      output,
    ]);
    try {
      const answer = await post(
        url,
        { ...CE, 'ce-id': 'src-42', 'content-type': 'application/json' },
        '{"id":"e2e"}',
      );
      expect(answer.status).toBe(202);
      expect((await collect(out, 1)).map(json)).toEqual([
        expect.objectContaining({ id: 'e2e', eventId: 'src-42', eventType: 'dev.knmesh.test' }),
      ]);
    } finally {
      await bridge.stop();
    }
  });
});

describe('knmesh ingress (the command)', () => {
  it('starts from KNMESH_* variables and PORT, and exits 0 on SIGTERM', async () => {
    const port = await findFreePort();
    const child = spawn(process.execPath, ['adapter/cli/knmesh.js', 'ingress'], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env: {
        ...process.env,
        brokerServiceURL: testBroker().brokerUrl,
        KNMESH_TOPIC: uniqueTopic('in-cli'),
        PORT: String(port),
        KNMESH_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 200 && !out.includes('ingress ready'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await post(`http://127.0.0.1:${port}/`, CE, 'x')).status).toBe(202);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  });
});
