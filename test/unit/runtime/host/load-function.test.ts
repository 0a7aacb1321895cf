import { describe, expect, it } from 'vitest';
import { KnmeshError } from '../../../../runtime/errors/knmesh-error.ts';
import type { Context } from '../../../../runtime/host/function-context.ts';
import { resolveEntryPoints } from '../../../../runtime/host/load-function.ts';

const pulsar = (input: unknown): unknown => input;
const handle = (_context: unknown, event: unknown): unknown => event;

function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof KnmeshError) return error.code;
    throw error;
  }
  return 'none';
}

describe('resolveEntryPoints', () => {
  it('takes a default function as the Pulsar signature and handle as the Knative one', () => {
    expect(resolveEntryPoints('f', { default: pulsar }, 'auto').signature).toBe('pulsar');
    expect(resolveEntryPoints('f', { handle }, 'auto').signature).toBe('knative');
  });

  it('accepts faas-js-runtime’s module shape: a default object with handle, init and shutdown', () => {
    const init = (): void => undefined;
    const fn = resolveEntryPoints('f', { default: { handle, init } }, 'auto');
    expect(fn.signature).toBe('knative');
    expect(fn.init).toBeTypeOf('function');
  });

  it('calls handle(context, event) with the event, or the body for a plain request', () => {
    const fn = resolveEntryPoints('f', { handle }, 'auto');
    const event = { id: 'e' };
    expect(fn.invoke('body', { cloudevent: event } as unknown as Context)).toBe(event);
    expect(fn.invoke('body', { cloudevent: undefined } as unknown as Context)).toBe('body');
  });

  it('refuses a module with both entry points unless --signature chooses', () => {
    expect(errorCode(() => resolveEntryPoints('f', { default: pulsar, handle }, 'auto'))).toBe(
      'KNMESH_HOST_AMBIGUOUS_HANDLER',
    );
    expect(resolveEntryPoints('f', { default: pulsar, handle }, 'pulsar').signature).toBe('pulsar');
    expect(resolveEntryPoints('f', { default: pulsar, handle }, 'knative').signature).toBe('knative');
  });

  it('refuses a module without the entry point asked for', () => {
    expect(errorCode(() => resolveEntryPoints('f', { other: pulsar }, 'auto'))).toBe(
      'KNMESH_HOST_NO_HANDLER',
    );
    expect(errorCode(() => resolveEntryPoints('f', { default: 42 }, 'auto'))).toBe('KNMESH_HOST_NO_HANDLER');
    expect(errorCode(() => resolveEntryPoints('f', { handle }, 'pulsar'))).toBe('KNMESH_HOST_NO_HANDLER');
    expect(errorCode(() => resolveEntryPoints('f', { default: pulsar }, 'knative'))).toBe(
      'KNMESH_HOST_NO_HANDLER',
    );
  });

  it('finds init and shutdown next to a Pulsar default export', () => {
    const fn = resolveEntryPoints('f', { default: pulsar, init: () => 1, shutdown: () => 2 }, 'auto');
    expect([fn.init?.({} as never), fn.shutdown?.()]).toEqual([1, 2]);
  });
});
