import { CloudEvent } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { KnmeshError } from '../../../../runtime/errors/knmesh-error.ts';
import { FunctionContext, InvocationState } from '../../../../runtime/host/function-context.ts';
import { eventRequest, testEnvironment } from './host-test-kit.ts';

function context(): { context: FunctionContext; state: InvocationState } {
  const state = new InvocationState();
  return { context: new FunctionContext(testEnvironment(), eventRequest({ a: 1 }), state), state };
}

describe('FunctionContext', () => {
  it('exposes identity, user config and secrets as Pulsar Functions do', () => {
    const { context: c } = context();
    expect([c.tenant, c.namespace, c.functionName]).toEqual(['acme', 'orders', 'enrich']);
    expect(c.getUserConfigValue('greeting')).toBe('hi');
    expect(c.getUserConfigValue('missing')).toBeUndefined();
    expect(c.getUserConfigValue('toString')).toBeUndefined(); // own keys only
    expect(c.getUserConfigValueOrDefault('missing', 7)).toBe(7);
    expect(c.getUserConfigValueOrDefault('limit', 7)).toBe(3);
    expect(c.getSecret('DB_PASSWORD')).toBe('s3cret');
    expect(c.getSecret('NOPE')).toBeUndefined();
    expect(Object.isFrozen(c.userConfig)).toBe(true);
  });

  it('carries the request as Knative Functions do', () => {
    const { context: c } = context();
    expect(c.cloudevent?.id).toBe('in-1');
    expect(c.method).toBe('POST');
    expect(c.query).toEqual({ a: '1', b: ['2', '3'] });
    expect(c.log).toBe(c.logger);
  });

  it('collects published events with topic, key and properties extensions', () => {
    const { context: c, state } = context();
    c.publish('persistent://acme/orders/audit', { n: 1 }, { key: 'k1', properties: { origin: 'test' } });
    c.publish('other', 'text');
    c.publish('bytes', Buffer.from([1]), { properties: {} });
    expect(
      state.replies.map((e) => [
        e['knmeshtopic'],
        e['partitionkey'],
        e['knmeshproperties'],
        e.datacontenttype,
      ]),
    ).toEqual([
      ['persistent://acme/orders/audit', 'k1', '{"origin":"test"}', 'application/json'],
      ['other', undefined, undefined, 'text/plain; charset=utf-8'],
      ['bytes', undefined, undefined, 'application/octet-stream'],
    ]);
    expect(state.replies.every((e) => e.source === '/knmesh/functions/acme/orders/enrich')).toBe(true);
  });

  it('publishes a CloudEvent as it is, with the routing extensions added', () => {
    const { context: c, state } = context();
    c.publish('t2', new CloudEvent({ id: 'mine', source: '/me', type: 'my.type', data: 1 }));
    expect([state.replies[0]!.id, state.replies[0]!.type, state.replies[0]!['knmeshtopic']]).toEqual([
      'mine',
      'my.type',
      't2',
    ]);
  });

  it('refuses malformed publish calls with KNMESH_FUNCTION_INVALID_PUBLISH', () => {
    const { context: c, state } = context();
    const calls: Array<() => void> = [
      () => c.publish('', 1),
      () => c.publish('has space', 1),
      () => c.publish(42 as unknown as string, 1),
      () => c.publish('t', undefined),
      () => c.publish('t', 1, { key: 5 as unknown as string }),
      () => c.publish('t', 1, { properties: { n: 1 as unknown as string } }),
      () => c.publish('t', 1, { properties: ['a'] as unknown as Record<string, string> }),
      () => c.publish('t', new CloudEvent({ id: 'x', source: '/s', type: 't', bad_name: 1 }, false)),
    ];
    for (const call of calls) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KnmeshError);
      expect((error as KnmeshError).code).toBe('KNMESH_FUNCTION_INVALID_PUBLISH');
    }
    expect(state.replies).toHaveLength(0);
  });

  it('drops publishes and aborts the signal once the invocation is closed', () => {
    const { context: c, state } = context();
    const signal = c.signal;
    expect(signal.aborted).toBe(false);
    state.close(new Error('timed out'));
    expect(signal.aborted).toBe(true);
    c.publish('t', 1);
    expect(state.replies).toHaveLength(0);
    // A signal first read after closing is already aborted.
    const late = context();
    late.state.close();
    expect(late.context.signal.aborted).toBe(true);
  });
});
