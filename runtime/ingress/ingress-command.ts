import { pino } from 'pino';
import type { CliIo, Command } from '../../adapter/cli/cli-io.ts';
import { EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { parseOptions } from '../config/parse-options.ts';
import { renderOptionsHelp } from '../config/render-options-help.ts';
import { createLogger } from '../observability/create-logger.ts';
import { runServerProcess } from '../process/run-server-process.ts';
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
    return runServerProcess({
      command: 'ingress',
      server: ingress,
      start: () => ingress.start(),
      listenAddress: `${config.host}:${config.port}`,
      startFailedCode: 'KNMESH_INGRESS_START_FAILED',
      logger,
      destination,
      io,
    });
  },
};
