import { pino } from 'pino';
import type { CliIo, Command } from '../../adapter/cli/cli-io.ts';
import { EXIT_INVALID_INPUT, EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { parseOptions } from '../config/parse-options.ts';
import { renderOptionsHelp } from '../config/render-options-help.ts';
import { createLogger } from '../observability/create-logger.ts';
import { Ingress } from './ingress.ts';
import { ingressOptions } from './ingress-options.ts';

const HELP = `Usage: knmesh ingress --topic <topic> [options]

Accepts CloudEvents over HTTP (binary, structured and batched content modes, POST on any path) and
publishes each event to a Pulsar topic, answering 202 once the broker stored them. For Function Mesh
Sources (their K_SINK) and load tests. Every flag can also be set through KNMESH_<FLAG_IN_UPPER_SNAKE>.

Answers: 202 accepted · 400 invalid event · 401 no or wrong bearer token · 413 too large ·
415 content type or encoding · 503 + Retry-After while the broker is unreachable.
Routes: GET /healthz · GET /readyz · GET /metrics. Details: docs/ingress.md.

Options:
${renderOptionsHelp(ingressOptions)}
`;

const EXIT_BACKSTOP_MS = 2000;

export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseOptions(ingressOptions, { argv, env: io.env });
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    const config = parsed.config;
    const destination = pino.destination({ dest: 1, sync: false });
    const logger = createLogger({
      level: config.logLevel,
      base: { component: 'ingress', topic: config.topic, ...(config.name ? { name: config.name } : {}) },
      destination,
    });
    const ingress = new Ingress({ config, logger });
    let exitCode = EXIT_OK;
    let signalled: (reason: string) => void = () => undefined;
    const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
    const onSignal = (signal: NodeJS.Signals): void => {
      if (ingress.health.phase === 'draining') {
        destination.flushSync();
        process.exit(EXIT_INVALID_INPUT);
      }
      signalled(signal);
    };
    const onException = (error: Error): void => {
      logger.fatal({ err: error }, 'uncaught exception: draining and exiting');
      exitCode = EXIT_INVALID_INPUT;
      signalled('uncaughtException');
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('uncaughtException', onException);
    try {
      try {
        const address = await ingress.listen();
        logger.info({ host: address.address, port: address.port }, 'listening');
      } catch (error) {
        io.stderr.write(
          `knmesh ingress: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`,
        );
        return EXIT_INVALID_INPUT;
      }
      const started = ingress.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      const first = await Promise.race([started, stopRequested]);
      if (first instanceof Error) {
        logger.fatal({ err: first }, first.message);
        io.stderr.write(`knmesh ingress: ${first.message}\n`);
        exitCode = EXIT_INVALID_INPUT;
      } else {
        logger.info({ signal: typeof first === 'string' ? first : await stopRequested }, 'stop requested');
      }
      const report = await ingress.stop();
      logger.info(report, 'stopped');
      return exitCode;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('uncaughtException', onException);
      destination.flushSync();
      setTimeout(() => process.exit(exitCode), EXIT_BACKSTOP_MS).unref();
    }
  },
};
