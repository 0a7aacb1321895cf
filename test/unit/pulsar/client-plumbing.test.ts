import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../runtime/observability/create-logger.ts';
import { authenticationFromOptions } from '../../../runtime/pulsar/auth/authentication-from-options.ts';
import { Backoff } from '../../../runtime/pulsar/backoff.ts';
import { ReconnectLoop } from '../../../runtime/pulsar/connection/reconnect-loop.ts';
import { parseServiceUrl } from '../../../runtime/pulsar/pulsar-client.ts';
import { PulsarErrors, isRetriableServerError, serverError } from '../../../runtime/pulsar/pulsar-errors.ts';
import { SERVER_ERRORS } from '../../../runtime/pulsar/protocol/server-error.ts';
import type { Timers } from '../../../runtime/pulsar/timers.ts';

/** A clock that only moves when a timer fires; timers run in due order. */
function fakeTimers(): Timers & { run(): Promise<void>; elapsed: number } {
  let now = 0;
  let queue: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    get elapsed() {
      return now;
    },
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      queue.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout(handle) {
      queue = queue.filter((t) => t.id !== handle);
    },
    async run() {
      for (let i = 0; i < 1000; i++) {
        await new Promise((resolve) => setImmediate(resolve)); // let pending attempts settle
        if (queue.length === 0) return;
        queue.sort((a, b) => a.at - b.at);
        const t = queue.shift()!;
        now = t.at;
        t.fn();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe('backoff', () => {
  it('doubles up to the maximum, with jitter taken off, and resets', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    b.reset();
    expect(b.next()).toBe(100);
    const jittered = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 1 });
    expect(jittered.next()).toBe(50);
  });
});

describe('reconnect loop', () => {
  it('retries retriable failures with backoff until the first attempt succeeds', async () => {
    const timers = fakeTimers();
    let attempts = 0;
    const loop = new ReconnectLoop({
      what: 'test',
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
      timers,
      logger: silentLogger(),
      firstAttemptTimeoutMs: 10_000,
      attempt: () => {
        attempts++;
        return attempts < 4
          ? Promise.reject(PulsarErrors.connectionFailed.create('down'))
          : Promise.resolve();
      },
      onFatal: () => undefined,
    });
    const started = loop.start();
    await timers.run();
    await started;
    expect(attempts).toBe(4);
    expect(timers.elapsed).toBe(100 + 200 + 400);
  });

  it('gives up at once on a non-retriable error, and on busy errors only at start', async () => {
    const timers = fakeTimers();
    const fatal = new ReconnectLoop({
      what: 'test',
      backoff: { initialMs: 100, maxMs: 1000 },
      timers,
      logger: silentLogger(),
      firstAttemptTimeoutMs: 10_000,
      fatalAtStart: (e) => e.details?.['serverError'] === 'ConsumerBusy',
      attempt: () => Promise.reject(serverError(5, 'busy', 'subscribing')),
      onFatal: () => undefined,
    });
    await expect(fatal.start()).rejects.toSatisfy((e) => PulsarErrors.serverConsumerBusy.is(e));
    const auth = new ReconnectLoop({
      what: 'test',
      backoff: { initialMs: 100, maxMs: 1000 },
      timers,
      logger: silentLogger(),
      firstAttemptTimeoutMs: 10_000,
      attempt: () => Promise.reject(serverError(3, 'bad token', 'connecting')),
      onFatal: () => undefined,
    });
    await expect(auth.start()).rejects.toSatisfy((e) => PulsarErrors.serverAuthenticationError.is(e));
    expect(timers.elapsed).toBe(0);
  });

  it('stops waiting when stopped during a backoff, so closing never hangs a creation', async () => {
    const timers = fakeTimers();
    const loop = new ReconnectLoop({
      what: 'test',
      backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 },
      timers,
      logger: silentLogger(),
      firstAttemptTimeoutMs: 600_000,
      attempt: () => Promise.reject(PulsarErrors.connectionFailed.create('down')),
      onFatal: () => undefined,
    });
    const started = loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    loop.stop();
    await expect(started).rejects.toSatisfy((e) => PulsarErrors.clientClosed.is(e));
    expect(timers.elapsed).toBe(0);
  });

  it('reattaches in the background after a lost connection and reports fatal errors', async () => {
    const timers = fakeTimers();
    const results = [
      PulsarErrors.connectionFailed.create('down'),
      undefined,
      serverError(15, 'terminated', 'x'),
    ];
    let calls = 0;
    const fatal: string[] = [];
    const loop = new ReconnectLoop({
      what: 'test',
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
      timers,
      logger: silentLogger(),
      firstAttemptTimeoutMs: 1000,
      attempt: () => {
        const r = results[calls++];
        return r === undefined ? Promise.resolve() : Promise.reject(r);
      },
      onFatal: (e) => void fatal.push(e.code),
    });
    loop.reconnect(); // fails once (retriable), then succeeds
    await timers.run();
    expect(calls).toBe(2);
    loop.reconnect(); // terminated topic: fatal
    await timers.run();
    expect(fatal).toEqual([PulsarErrors.serverTopicTerminatedError.code]);
  });
});

describe('error catalogue', () => {
  it('has one entry per ServerError with a stable code and a disposition', () => {
    for (const [code, name] of SERVER_ERRORS.entries()) {
      const error = serverError(code, 'broker text', 'doing things');
      expect(error.code).toBe(
        `KNMESH_PULSAR_SERVER_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
      );
      expect(error.message).toContain(name);
    }
    expect(isRetriableServerError(6)).toBe(true); // ServiceNotReady
    expect(isRetriableServerError(3)).toBe(false); // AuthenticationError
    expect(serverError(11, 'x', 'y').status).toBe(404);
    expect(serverError(999, 'x', 'y').code).toBe('KNMESH_PULSAR_SERVER_UNKNOWN_ERROR');
  });
});

describe('service URLs', () => {
  it('accepts host lists and default ports', () => {
    expect(parseServiceUrl('pulsar://a:6650,b:7000')).toEqual({
      tls: false,
      addresses: ['a:6650', 'b:7000'],
    });
    expect(parseServiceUrl('pulsar+ssl://broker')).toEqual({ tls: true, addresses: ['broker:6651'] });
    expect(() => parseServiceUrl('http://x:8080')).toThrowError(
      expect.objectContaining({ code: PulsarErrors.invalidConfiguration.code }),
    );
  });
});

describe('authentication from connection options', () => {
  it('reads token:, file:// and JSON forms of Function Mesh auth parameters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'knmesh-auth-'));
    const file = join(dir, 'token');
    await writeFile(file, 'file-token\n');
    const plugin = 'org.apache.pulsar.client.impl.auth.AuthenticationToken';
    const inline = authenticationFromOptions({ authPlugin: plugin, authParams: 'token:abc.def' });
    expect(inline.methodName).toBe('token');
    expect((await inline.authData()).toString()).toBe('abc.def');
    const fromFile = authenticationFromOptions({ authPlugin: plugin, authParams: `file://${file}` });
    expect((await fromFile.authData()).toString()).toBe('file-token');
    await writeFile(file, 'rotated-token');
    expect(await fromFile.httpHeaders()).toEqual({ authorization: 'Bearer rotated-token' });
    const json = authenticationFromOptions({ authPlugin: plugin, authParams: '{"token":"json-token"}' });
    expect((await json.authData()).toString()).toBe('json-token');
    expect((await authenticationFromOptions({ authTokenFile: file }).authData()).toString()).toBe(
      'rotated-token',
    );
    expect(authenticationFromOptions({}).methodName).toBe('none');
  });

  it('refuses unsupported plugins and unreadable files without echoing secrets', async () => {
    expect(() =>
      authenticationFromOptions({
        authPlugin: 'org.apache.pulsar.client.impl.auth.oauth2.AuthenticationOAuth2',
        authParams: '{}',
      }),
    ).toThrowError(/not supported yet/);
    const missing = authenticationFromOptions({ authParams: 'file:///nonexistent/secret-token' });
    await expect(missing.authData()).rejects.toSatisfy(
      (e) => PulsarErrors.authenticationFailed.is(e) && !(e as Error).message.includes('super-secret'),
    );
    try {
      authenticationFromOptions({ authPlugin: 'com.example.Custom', authParams: 'token:super-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret');
    }
  });
});
