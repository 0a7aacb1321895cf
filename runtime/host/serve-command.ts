import { basename, extname } from 'node:path';
import { pino } from 'pino';
import type { CliIo, Command } from '../../adapter/cli/cli-io.ts';
import { EXIT_INVALID_INPUT, EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { parseOptions } from '../config/parse-options.ts';
import { renderOptionsHelp } from '../config/render-options-help.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import { UsageError } from '../errors/usage-error.ts';
import { createLogger } from '../observability/create-logger.ts';
import { FunctionHost } from './function-host.ts';
import { serveOptions } from './serve-options.ts';

const HELP = `Usage: knmesh serve <function-file-or-url> [options]

Runs a TypeScript or JavaScript function behind a CloudEvents HTTP endpoint (binary, structured and
batched content modes, and plain HTTP POSTs). The argument is a path relative to the working
directory, or an http(s):// URL downloaded once at start (.ts, .mts, .cts, .js, .mjs or .cjs).

The module exports one of:
  export default async function (input, context) { ... }   # Pulsar Functions style
  export async function handle(context, event) { ... }     # Knative Functions style
and optionally init(context) and shutdown().

Routes: POST (any path) events · GET /health/liveness · GET /health/readiness · GET /metrics
Replies and errors: docs/reply-contract.md. Authoring guide: docs/function-host.md.

Options:
${renderOptionsHelp(serveOptions)}
`;

/** After a stop, a function's leftover timers or sockets must not keep the pod alive. */
const EXIT_BACKSTOP_MS = 2000;

export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseOptions(serveOptions, { argv, env: io.env, allowPositionals: true });
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    const [location, ...extra] = parsed.positionals;
    if (location === undefined) throw new UsageError('missing the function file or URL');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const c = parsed.config;
    const functionName = c.name ?? defaultName(location);
    const destination = pino.destination({ dest: 1, sync: false });
    const logger = createLogger({
      level: c.logLevel,
      base: { component: 'host', function: `${c.tenant}/${c.namespace}/${functionName}` },
      destination,
    });
    const host = new FunctionHost({
      port: c.port,
      host: c.host,
      tenant: c.tenant,
      namespace: c.namespace,
      functionName,
      userConfig: Object.freeze(
        c.userConfig === undefined ? {} : (JSON.parse(c.userConfig) as Record<string, unknown>),
      ),
      signature: c.signature,
      bodyLimitBytes: c.bodyLimitBytes,
      timeoutMs: c.timeoutMs,
      startTimeoutMs: c.startTimeoutMs,
      gracePeriodMs: c.gracePeriodMs,
      env: io.env,
      cwd: io.cwd,
      logger,
    });

    let exitCode = EXIT_OK;
    let signalled: (reason: string) => void = () => undefined;
    const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
    const onSignal = (signal: NodeJS.Signals): void => {
      if (host.health.phase === 'draining') {
        logger.warn({ signal }, 'second signal while draining: exiting now');
        destination.flushSync();
        process.exit(EXIT_INVALID_INPUT);
      }
      signalled(signal);
    };
    const onRejection = (reason: unknown): void => {
      host.metrics.unhandledRejections.inc();
      logger.error({ err: reason }, 'unhandled promise rejection (the process keeps serving)');
    };
    // The process state is unknown after an uncaught exception: stop taking work, drain, exit 1.
    const onException = (error: Error): void => {
      logger.fatal({ err: error }, 'uncaught exception: draining and exiting');
      exitCode = EXIT_INVALID_INPUT;
      signalled('uncaughtException');
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);

    try {
      let port: number;
      try {
        const address = await host.listen();
        port = address.port;
        logger.info({ host: address.address, port }, 'listening');
      } catch (error) {
        io.stderr.write(`knmesh serve: cannot listen on ${c.host}:${c.port}: ${(error as Error).message}\n`);
        return EXIT_INVALID_INPUT;
      }
      const loaded = host.load(location).then(
        () => undefined,
        (error: unknown) => error,
      );
      const first = await Promise.race([loaded, stopRequested]);
      if (typeof first === 'string') {
        logger.info({ signal: first }, 'stop requested');
      } else if (first !== undefined) {
        const message = first instanceof Error ? first.message : 'the function could not be started';
        const code = first instanceof KnmeshError ? first.code : 'KNMESH_HOST_LOAD_FAILED';
        logger.fatal({ code, err: first instanceof KnmeshError ? first.cause : first }, message);
        io.stderr.write(`knmesh serve: ${message}\n`);
        exitCode = EXIT_INVALID_INPUT;
      } else {
        logger.info({ port }, 'ready');
        logger.info({ signal: await stopRequested }, 'stop requested');
      }
      const report = await host.stop();
      logger.info(report, 'stopped');
      return exitCode;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      destination.flushSync();
      setTimeout(() => process.exit(exitCode), EXIT_BACKSTOP_MS).unref();
    }
  },
};

/** `fn.ts`, `./dir/fn.mjs`, `https://host/path/fn.js?token=x` → `fn`. */
function defaultName(location: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? new URL(location).pathname : location;
  const file = basename(path);
  return file.slice(0, file.length - extname(file).length) || 'function';
}
