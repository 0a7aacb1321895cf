import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenAuthentication } from '../../../runtime/pulsar/auth/token-authentication.ts';
import { createPulsarClientFromOptions } from '../../../runtime/pulsar/create-pulsar-client-from-options.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { PulsarErrors } from '../../../runtime/pulsar/pulsar-errors.ts';
import { eventually, receiveN } from '../support/receive-n.ts';
import { signTestToken } from '../support/sign-test-token.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';

const key = testBroker().tokenSecretKey;

describe.skipIf(key === undefined)('token authentication against a broker that checks tokens', () => {
  it.each(['file', 'token'] as const)(
    'connects, produces and consumes with a token from Function Mesh style options (%s: form)',
    async (form) => {
      const dir = await mkdtemp(join(tmpdir(), 'knmesh-token-'));
      const tokenFile = join(dir, 'token');
      const token = signTestToken('bridge', key!);
      await writeFile(tokenFile, token);
      const { client, admin } = createPulsarClientFromOptions({
        pulsarUrl: testBroker().brokerUrl,
        adminUrl: testBroker().adminUrl,
        authToken: undefined,
        authTokenFile: undefined,
        authPlugin: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
        authParams: form === 'file' ? `file://${tokenFile}` : `token:${token}`,
        tlsTrustCertsFile: undefined,
        tlsAllowInsecure: false,
        tlsHostnameVerification: true,
      });
      const topic = uniqueTopic('auth');
      expect(await admin!.ensureSubscription(topic, 'sub', 'earliest')).toBe('created');
      const producer = await client.createProducer({ topic });
      await producer.send({ payload: Buffer.from('authenticated') });
      const consumer = await client.subscribe({ topic, subscription: 'sub' });
      expect((await receiveN(consumer, 1)).map((m) => m.payload.toString())).toEqual(['authenticated']);
      const stats = await admin!.topicStats(topic);
      expect(stats.publishers?.length).toBe(1);
      await client.close();
      await admin!.close();
    },
  );

  it('fails with a typed authentication error, without the token in it, when the token is forged', async () => {
    const forged = signTestToken('intruder', randomBytes(32).toString('base64'));
    const client = new PulsarClient({
      serviceUrl: testBroker().brokerUrl,
      authentication: tokenAuthentication({ token: forged }),
      operationTimeoutMs: 10_000,
    });
    const failure = await client.createProducer({ topic: uniqueTopic('auth-bad') }).catch((e: unknown) => e);
    expect(PulsarErrors.authenticationFailed.is(failure)).toBe(true);
    expect((failure as Error).message).not.toContain(forged);
    await client.close();
  });
});

describe.skipIf(key === undefined)('token refresh (AUTH_CHALLENGE)', () => {
  it('answers the broker challenge with the rotated token file and stays connected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'knmesh-refresh-'));
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, signTestToken('bridge', key!, Date.now() + 3000));
    const events: string[] = [];
    const client = new PulsarClient({
      serviceUrl: testBroker().brokerUrl,
      authentication: tokenAuthentication({ tokenFile }),
    });
    client.on('disconnected', () => events.push('disconnected'));
    const topic = uniqueTopic('refresh');
    const consumer = await client.subscribe({ topic, subscription: 'sub' });
    const producer = await client.createProducer({ topic });
    // Kubernetes rotates the projected token in place before it expires.
    await writeFile(tokenFile, signTestToken('bridge', key!, Date.now() + 3_600_000));
    await new Promise((resolve) => setTimeout(resolve, 7000)); // past the first token's expiry
    await producer.send({ payload: Buffer.from('still here') });
    expect((await receiveN(consumer, 1)).map((m) => m.payload.toString())).toEqual(['still here']);
    expect(events).toEqual([]);
    await client.close();
  });

  it('is cut off when its token expires and nothing fresher can be read', async () => {
    const events: string[] = [];
    const client = new PulsarClient({
      serviceUrl: testBroker().brokerUrl,
      authentication: tokenAuthentication({ token: signTestToken('bridge', key!, Date.now() + 3000) }),
      backoff: { initialMs: 100, maxMs: 500 },
    });
    client.on('disconnected', () => events.push('disconnected'));
    const producer = await client.createProducer({ topic: uniqueTopic('expired') });
    expect(await eventually(() => events.includes('disconnected'), 30_000)).toBe(true);
    // Reconnecting with the expired token is refused for good: pending and new sends fail typed.
    const failure = await producer.send({ payload: Buffer.from('x') }).catch((e: unknown) => e);
    expect(PulsarErrors.authenticationFailed.is(failure)).toBe(true);
    expect(client.connected).toBe(false);
    await client.close();
  });
});

// With anonymous access on, the broker's HTTP side treats a bad token as anonymous, so the admin
// client's handling of refused credentials is checked against a small loopback server instead.
describe('admin client credentials', () => {
  it('sends the bearer token and turns 401/403 into a typed error without the token', async () => {
    const { createServer } = await import('node:http');
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok = req.headers.authorization === 'Bearer good-token';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '["persistent://public/default/t"]' : '{"reason":"Authentication required"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const { PulsarAdmin } = await import('../../../runtime/pulsar/admin/pulsar-admin.ts');
      const good = new PulsarAdmin({
        adminUrl: `http://127.0.0.1:${port}`,
        authentication: tokenAuthentication({ token: 'good-token' }),
      });
      expect(await good.subscriptions('persistent://public/default/t')).toEqual([
        'persistent://public/default/t',
      ]);
      const bad = new PulsarAdmin({
        adminUrl: `http://127.0.0.1:${port}`,
        authentication: tokenAuthentication({ token: 'bad-token' }),
      });
      const failure = await bad.subscriptions('persistent://public/default/t').catch((e: unknown) => e);
      expect(PulsarErrors.authenticationFailed.is(failure)).toBe(true);
      expect((failure as Error).message).toContain('Authentication required');
      expect((failure as Error).message).not.toContain('bad-token');
      expect(seen).toEqual(['Bearer good-token', 'Bearer bad-token']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
