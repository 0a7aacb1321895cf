import { CloudEvent } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../../../runtime/host/function-context.ts';
import { FunctionInvoker, type InvocationOutcome } from '../../../../runtime/host/function-invoker.ts';
import type { LoadedFunction } from '../../../../runtime/host/load-function.ts';
import { messageMetadataOf } from '../../../../runtime/host/message-metadata.ts';
import { NonRetryableError } from '../../../../runtime/host/non-retryable-error.ts';
import { RetryableError } from '../../../../runtime/host/retryable-error.ts';
import { PulsarErrors } from '../../../../runtime/pulsar/pulsar-errors.ts';
import { eventRequest, testEnvironment, testMetrics } from './host-test-kit.ts';

function invoker(fn: (data: unknown, context: Context) => unknown, timeoutMs = 1000): FunctionInvoker {
  const loaded: LoadedFunction = {
    file: 'f.ts',
    signature: 'pulsar',
    invoke: fn,
    init: undefined,
    shutdown: undefined,
  };
  return new FunctionInvoker(loaded, testEnvironment(), timeoutMs, testMetrics());
}

async function run(
  fn: (data: unknown, context: Context) => unknown,
  data: unknown = 'in',
): Promise<InvocationOutcome> {
  return invoker(fn).invoke(eventRequest(data));
}

function code(outcome: InvocationOutcome): string {
  return outcome.ok ? 'ok' : outcome.error.code;
}

describe('FunctionInvoker', () => {
  it('answers synchronously for a synchronous function and asynchronously otherwise', async () => {
    const sync = invoker((d) => d).invoke(eventRequest(1));
    expect(sync).not.toBeInstanceOf(Promise);
    const async = invoker((d) => Promise.resolve(d)).invoke(eventRequest(1));
    expect(async).toBeInstanceOf(Promise);
    const settled = await async;
    expect(settled.ok && settled.events).toHaveLength(1);
  });

  it('turns no result into no events, and a value into one output event keyed like the input', async () => {
    expect(await run(() => undefined)).toEqual({ ok: true, events: [] });
    expect(await run(() => null)).toEqual({ ok: true, events: [] });
    const request = eventRequest(
      'x',
      messageMetadataOf(new CloudEvent({ source: '/s', type: 't', partitionkey: 'k9' })),
    );
    const outcome = await invoker((d) => `${String(d)}!`).invoke(request);
    if (!outcome.ok) throw outcome.error;
    expect(outcome.events).toHaveLength(1);
    expect(outcome.events[0]).toMatchObject({
      specversion: '1.0',
      type: 'dev.knmesh.function.output',
      source: '/knmesh/functions/acme/orders/enrich',
      datacontenttype: 'text/plain; charset=utf-8',
      data: 'x!',
      partitionkey: 'k9',
    });
  });

  it('puts published events before the returned one, in call order', async () => {
    const outcome = await run((d, c) => {
      c.publish('a', 1);
      c.publish('b', 2);
      return d;
    });
    if (!outcome.ok) throw outcome.error;
    expect(outcome.events.map((e) => e['knmeshtopic'] ?? 'output')).toEqual(['a', 'b', 'output']);
  });

  it('sends a returned CloudEvent as it is, and refuses an invalid one', async () => {
    const mine = new CloudEvent({ id: 'mine', source: '/me', type: 'x', data: 1 });
    const outcome = await run(() => mine);
    expect(outcome.ok && outcome.events[0]).toBe(mine);
    const broken = new CloudEvent({ id: 'b', source: '/me', type: 'x', nested: { a: 1 } }, false);
    expect(code(await run(() => broken))).toBe('KNMESH_FUNCTION_INVALID_RESULT');
  });

  it('maps throws and rejections to the catalogue, keeping internal messages out of the answer', async () => {
    const failed = await run(() => {
      throw new Error('password=hunter2');
    });
    expect(code(failed)).toBe('KNMESH_FUNCTION_FAILED');
    expect(!failed.ok && failed.error.message).not.toContain('hunter2');
    expect(code(await run(() => Promise.reject(new TypeError('x'))))).toBe('KNMESH_FUNCTION_FAILED');
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- functions do reject with non-Errors
    expect(code(await run(() => Promise.reject('a string')))).toBe('KNMESH_FUNCTION_FAILED');
    // A thrown status is never used (faas-js-runtime's err.code trap).
    const withStatus = Object.assign(new Error('x'), { status: 200, statusCode: 451, code: 'ECONNREFUSED' });
    const outcome = await run(() => {
      throw withStatus;
    });
    expect(!outcome.ok && outcome.error.status).toBe(500);
  });

  it('treats a knmesh client error the function lets escape as the function failing (500, retried)', async () => {
    const escaped = await run(() => {
      throw PulsarErrors.authenticationFailed.create('the broker refused token=abc');
    });
    expect(code(escaped)).toBe('KNMESH_FUNCTION_FAILED');
    expect(!escaped.ok && escaped.error.status).toBe(500);
    expect(!escaped.ok && escaped.error.message).not.toContain('token=abc');
  });

  it('honours RetryableError and NonRetryableError, also from another copy of the classes', async () => {
    const retry = await run(() => {
      throw new RetryableError('database busy', { retryAfterMs: 1500 });
    });
    expect(retry).toMatchObject({ ok: false, retryAfterMs: 1500 });
    expect(!retry.ok && [retry.error.code, retry.error.status, retry.error.message]).toEqual([
      'KNMESH_FUNCTION_RETRY',
      503,
      'database busy',
    ]);
    const reject = await run(() => Promise.reject(new NonRetryableError('order 7 has no customer')));
    expect(!reject.ok && [reject.error.code, reject.error.status, reject.error.retryable]).toEqual([
      'KNMESH_FUNCTION_REJECTED',
      422,
      false,
    ]);
    const foreign = Object.assign(new Error('marked by hand'), {
      [Symbol.for('knmesh.disposition')]: 'dead-letter',
    });
    expect(code(await run(() => Promise.reject(foreign)))).toBe('KNMESH_FUNCTION_REJECTED');
  });

  it('discards publishes of a failed invocation', async () => {
    const outcome = await run((_d, c) => {
      c.publish('a', 1);
      throw new Error('late failure');
    });
    expect(outcome.ok).toBe(false);
  });

  it('times out, aborts the signal and drops late publishes', async () => {
    let seen: Context | undefined;
    let finish: () => void = () => undefined;
    const slow = invoker((_d, c) => {
      seen = c;
      return new Promise<void>((resolve) => (finish = resolve));
    }, 20);
    const outcome = await slow.invoke(eventRequest(1));
    expect(code(outcome)).toBe('KNMESH_FUNCTION_TIMEOUT');
    expect(seen!.signal.aborted).toBe(true);
    seen!.publish('late', 1); // dropped, not thrown
    finish();
  });

  it('answers unfinished invocations with KNMESH_HOST_SHUTTING_DOWN when aborted', async () => {
    const stuck = invoker(() => new Promise(() => undefined), 60_000);
    const pending = stuck.invoke(eventRequest(1));
    stuck.abortAll();
    expect(code(await pending)).toBe('KNMESH_HOST_SHUTTING_DOWN');
  });

  it('fails an invocation whose publish call is malformed, if the function lets the error escape', async () => {
    expect(code(await run((_d, c) => c.publish('', 1)))).toBe('KNMESH_FUNCTION_INVALID_PUBLISH');
  });
});
