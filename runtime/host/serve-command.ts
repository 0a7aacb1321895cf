import { basename, extname } from 'node:path';
import { pino } from 'pino';
import type { CliIo, Command } from '../../adapter/cli/cli-io.ts';
import { EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { parseOptions } from '../config/parse-options.ts';
import { renderOptionsHelp } from '../config/render-options-help.ts';
import { UsageError } from '../errors/usage-error.ts';
import { createLogger } from '../observability/create-logger.ts';
import { runServerProcess } from '../process/run-server-process.ts';
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

    return runServerProcess({
      command: 'serve',
      server: host,
      start: () => host.load(location),
      listenAddress: `${c.host}:${c.port}`,
      startFailedCode: 'KNMESH_HOST_LOAD_FAILED',
      logger,
      destination,
      io,
      onStarted: (address) => logger.info({ port: address.port }, 'ready'),
      onUnhandledRejection: () => host.metrics.unhandledRejections.inc(),
    });
  },
};

/** `fn.ts`, `./dir/fn.mjs`, `https://host/path/fn.js?token=x` → `fn`. */
function defaultName(location: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? new URL(location).pathname : location;
  const file = basename(path);
  return file.slice(0, file.length - extname(file).length) || 'function';
}
