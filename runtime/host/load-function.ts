import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KnmeshError } from '../errors/knmesh-error.ts';
import type { Context, InitContext } from './function-context.ts';
import { HostErrors } from './host-errors.ts';

/** Which calling convention a module follows. */
export type Signature = 'pulsar' | 'knative';

/** A loaded function module, reduced to what the host calls. */
export interface LoadedFunction {
  readonly file: string;
  readonly signature: Signature;
  /** Calls the function; returns its (possibly promised) result. */
  invoke(data: unknown, context: Context): unknown;
  readonly init: ((context: InitContext) => unknown) | undefined;
  readonly shutdown: (() => unknown) | undefined;
}

export const FUNCTION_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Imports a function module (Node runs TypeScript by stripping types) and finds its entry point:
 * - a default-exported function → Pulsar Functions style, called `(input, context)`;
 * - a `handle` export, or a default-exported object with `handle` (faas-js-runtime's shape) →
 *   Knative Functions style, called `handle(context, event)`.
 * `init` and `shutdown` are taken from the same place as `handle`, or from named exports.
 * With `signature: 'auto'`, a module exporting both entry points is refused: which one the host
 * calls must never depend on an accident of export order.
 */
export async function loadFunction(file: string, signature: Signature | 'auto'): Promise<LoadedFunction> {
  if (!(FUNCTION_EXTENSIONS as readonly string[]).includes(extname(file))) {
    throw HostErrors.functionNotFound.create(
      `${file} is not a function module: use one of ${FUNCTION_EXTENSIONS.join(', ')}`,
    );
  }
  const found = await stat(file).catch(() => undefined);
  if (found === undefined || !found.isFile()) {
    throw HostErrors.functionNotFound.create(`function file ${file} does not exist`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw HostErrors.loadFailed.create(`cannot load ${file}: ${describe(error)}`, { cause: error });
  }
  return resolveEntryPoints(file, namespace, signature);
}

export function resolveEntryPoints(
  file: string,
  namespace: Readonly<Record<string, unknown>>,
  signature: Signature | 'auto',
): LoadedFunction {
  const fallback = namespace['default'];
  const pulsar = typeof fallback === 'function' ? (fallback as AnyFunction) : undefined;
  const holder: Readonly<Record<string, unknown>> =
    typeof namespace['handle'] !== 'function' &&
    typeof fallback === 'object' &&
    fallback !== null &&
    typeof (fallback as Record<string, unknown>)['handle'] === 'function'
      ? (fallback as Record<string, unknown>)
      : namespace;
  const handle = typeof holder['handle'] === 'function' ? (holder['handle'] as AnyFunction) : undefined;
  const hook = (name: string): AnyFunction | undefined => {
    const value = holder[name] ?? namespace[name];
    return typeof value === 'function' ? (value as AnyFunction) : undefined;
  };
  let chosen: Signature;
  if (signature === 'auto') {
    if (pulsar !== undefined && handle !== undefined) {
      throw HostErrors.ambiguousHandler.create(
        `${file} exports both a default function and handle(); pass --signature pulsar or --signature knative`,
      );
    }
    if (pulsar === undefined && handle === undefined) throw noHandler(file, 'a default function or handle()');
    chosen = pulsar !== undefined ? 'pulsar' : 'knative';
  } else {
    chosen = signature;
    if (chosen === 'pulsar' && pulsar === undefined) throw noHandler(file, 'a default function');
    if (chosen === 'knative' && handle === undefined) throw noHandler(file, 'handle()');
  }
  const init = hook('init');
  const shutdown = hook('shutdown');
  if (chosen === 'pulsar') {
    const fn = pulsar!;
    return { file, signature: chosen, invoke: (data, context) => fn(data, context), init, shutdown };
  }
  const fn = handle!;
  return {
    file,
    signature: chosen,
    // Knative Functions pass the CloudEvent, or the body when the request is not an event.
    invoke: (data, context) => fn.call(holder, context, context.cloudevent ?? data),
    init: init === undefined ? undefined : (context) => init.call(holder, context),
    shutdown: shutdown === undefined ? undefined : () => shutdown.call(holder),
  };
}

function noHandler(file: string, wanted: string): KnmeshError {
  return HostErrors.noHandler.create(
    `${file} does not export ${wanted}: write \`export default async function (input, context) {...}\` ` +
      'or `export async function handle(context, event) {...}`',
  );
}

/** One line for an operator; the stack is logged separately. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  return String(error);
}
