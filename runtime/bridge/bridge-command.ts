import { pino } from 'pino';
import type { CliIo, Command } from '../../adapter/cli/cli-io.ts';
import { EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { parseOptions } from '../config/parse-options.ts';
import { renderOptionsHelp } from '../config/render-options-help.ts';
import { createLogger } from '../observability/create-logger.ts';
import { runServerProcess } from '../process/run-server-process.ts';
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

    return runServerProcess({
      command: 'bridge',
      server: bridge,
      start: () => bridge.start(),
      listenAddress: `${config.host}:${config.port}`,
      startFailedCode: 'KNMESH_BRIDGE_START_FAILED',
      logger,
      destination,
      io,
      onFatal: (listener) => bridge.on('fatal', listener),
    });
  },
};
