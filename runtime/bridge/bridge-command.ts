import { pino } from 'pino';
import type { CliIo, Command } from '../../adapter/cli/cli-io.ts';
import { EXIT_INVALID_INPUT, EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { parseOptions } from '../config/parse-options.ts';
import { renderOptionsHelp } from '../config/render-options-help.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import { createLogger } from '../observability/create-logger.ts';
import { Bridge } from './bridge.ts';
import { bridgeOptions } from './bridge-options.ts';

const HELP = `Usage: knmesh bridge --input <topic> --subscription <name> --sink <url> [options]

Consumes Pulsar topics and delivers every message to a function as a CloudEvent over HTTP (binary,
structured or batched), publishes the function's replies, and acknowledges, retries or dead-letters
each message with Pulsar Functions' processing guarantees. Every flag can also be set through
KNMESH_<FLAG_IN_UPPER_SNAKE> (the Function Mesh ConfigMap and Secret keys work too).

Routes on --port: GET /healthz · GET /readyz · GET /metrics
Delivery semantics: docs/bridge.md. Bridge ↔ function contract: docs/reply-contract.md.

Options:
${renderOptionsHelp(bridgeOptions)}
`;

/** After the stop, leftover sockets or timers must not keep the pod alive. */
const EXIT_BACKSTOP_MS = 2000;

export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseOptions(bridgeOptions, { argv, env: io.env });
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    const config = parsed.config;
    const destination = pino.destination({ dest: 1, sync: false });
    const logger = createLogger({
      level: config.logLevel,
      base: {
        component: 'bridge',
        subscription: config.subscription,
        ...(config.name ? { function: config.name } : {}),
      },
      destination,
    });
    // Usage errors (one input form, topic names, guarantee and type) surface before anything starts.
    const bridge = new Bridge({ config, logger });

    let exitCode = EXIT_OK;
    let signalled: (reason: string) => void = () => undefined;
    const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
    const onSignal = (signal: NodeJS.Signals): void => {
      if (bridge.health.phase === 'draining') {
        logger.warn({ signal }, 'second signal while draining: exiting now');
        destination.flushSync();
        process.exit(EXIT_INVALID_INPUT);
      }
      signalled(signal);
    };
    const onFatal = (error: KnmeshError): void => {
      exitCode = EXIT_INVALID_INPUT;
      signalled(error.code);
    };
    const onRejection = (reason: unknown): void => {
      logger.error({ err: reason }, 'unhandled promise rejection (the bridge keeps running)');
    };
    const onException = (error: Error): void => {
      logger.fatal({ err: error }, 'uncaught exception: draining and exiting');
      exitCode = EXIT_INVALID_INPUT;
      signalled('uncaughtException');
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    bridge.on('fatal', onFatal);

    try {
      try {
        const address = await bridge.listen();
        logger.info({ host: address.address, port: address.port }, 'listening');
      } catch (error) {
        io.stderr.write(
          `knmesh bridge: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`,
        );
        return EXIT_INVALID_INPUT;
      }
      const started = bridge.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      const first = await Promise.race([started, stopRequested]);
      if (typeof first === 'string') {
        logger.info({ signal: first }, 'stop requested');
      } else if (first !== undefined) {
        const message = first instanceof Error ? first.message : 'the bridge could not start';
        const code = first instanceof KnmeshError ? first.code : 'KNMESH_BRIDGE_START_FAILED';
        logger.fatal({ code, err: first instanceof KnmeshError ? first.cause : first }, message);
        io.stderr.write(`knmesh bridge: ${message}\n`);
        exitCode = EXIT_INVALID_INPUT;
      } else {
        logger.info({ signal: await stopRequested }, 'stop requested');
      }
      const report = await bridge.stop();
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
