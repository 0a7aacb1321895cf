import { resolve } from 'node:path';
import type { CliIo, Command } from '../../../adapter/cli/cli-io.ts';
import { EXIT_INVALID_INPUT, EXIT_OK } from '../../../adapter/cli/cli-io.ts';
import { option } from '../../config/option.ts';
import { parseOptions } from '../../config/parse-options.ts';
import { renderOptionsHelp } from '../../config/render-options-help.ts';
import { KnmeshError } from '../../errors/knmesh-error.ts';
import { UsageError } from '../../errors/usage-error.ts';
import { DEFAULT_PULSAR_VERSION, defaultCacheDir } from './pulsar-distribution.ts';
import { PulsarStandalone, type StandaloneInstance } from './pulsar-standalone.ts';

export const pulsarOptions = {
  home: option.string({
    flag: 'home',
    env: 'KNMESH_PULSAR_HOME',
    description: 'instance directory (config, data, logs); relative to the working directory',
    default: '.knmesh/pulsar',
    placeholder: 'dir',
  }),
  pulsarVersion: option.string({
    flag: 'pulsar-version',
    description: 'Apache Pulsar release to fetch from Maven Central',
    default: DEFAULT_PULSAR_VERSION,
    placeholder: 'x.y.z',
    check: (v) => (/^\d+\.\d+\.\d+$/.test(v) ? undefined : 'must look like 4.0.8'),
  }),
  cacheDir: option.string({
    flag: 'cache-dir',
    description:
      'where the unpacked distribution is kept (default $XDG_CACHE_HOME/knmesh or ~/.cache/knmesh)',
    placeholder: 'dir',
  }),
  brokerPort: option.integer({
    flag: 'broker-port',
    env: 'KNMESH_PULSAR_BROKER_PORT',
    description: 'binary protocol port on 127.0.0.1',
    default: 6650,
    min: 1,
    max: 65535,
  }),
  webPort: option.integer({
    flag: 'web-port',
    env: 'KNMESH_PULSAR_WEB_PORT',
    description: 'admin REST port on 127.0.0.1',
    default: 8080,
    min: 1,
    max: 65535,
  }),
  deduplication: option.boolean({
    flag: 'deduplication',
    description: 'enable broker-wide message deduplication',
  }),
  functionsWorker: option.boolean({
    flag: 'functions-worker',
    description: 'also start the Pulsar Functions worker',
  }),
  streamStorage: option.boolean({
    flag: 'stream-storage',
    description: 'also start BookKeeper stream storage',
  }),
  memory: option.string({
    flag: 'memory',
    description: 'JVM heap and direct memory size',
    default: '1g',
    check: (v) => (/^\d+[mg]$/.test(v) ? undefined : 'must look like 512m or 2g'),
  }),
  fresh: option.boolean({
    flag: 'fresh',
    description: 'delete the data of the previous run before starting',
  }),
  timeoutSeconds: option.integer({
    flag: 'timeout-seconds',
    description: 'how long to wait for readiness',
    default: 180,
    min: 1,
  }),
  output: option.enumOf(['text', 'json'], {
    flag: 'output',
    env: null,
    description: 'output format of start and status',
    default: 'text',
  }),
};

const HELP = `Usage: knmesh pulsar <start|stop|restart|status> [options]

Runs a local Apache Pulsar standalone broker for development and tests, bound to 127.0.0.1.
The server distribution is fetched once through Maven (org.apache.pulsar:pulsar-server-distribution)
and needs Java 17+ to run.

Examples:
  knmesh pulsar start                 # fetch if needed, start, wait until ready
  knmesh pulsar status -o json
  knmesh pulsar stop

Options:
${renderOptionsHelp(pulsarOptions)}
`;

function describe(instance: StandaloneInstance, ready: boolean, format: string): string {
  if (format === 'json') {
    return `${JSON.stringify({ state: 'running', ready, pid: instance.pid, version: instance.version, brokerUrl: instance.brokerUrl, adminUrl: instance.adminUrl })}\n`;
  }
  return (
    `Pulsar ${instance.version} standalone is ${ready ? 'ready' : 'running but NOT ready'} (pid ${instance.pid})\n` +
    `  broker: ${instance.brokerUrl}\n  admin:  ${instance.adminUrl}\n`
  );
}

export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseOptions(pulsarOptions, {
      argv: [...argv].map((a) => (a === '-o' ? '--output' : a)),
      env: io.env,
      allowPositionals: true,
    });
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    const [action, ...extra] = parsed.positionals;
    if (action === undefined) throw new UsageError('missing action: start, stop, restart or status');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const c = parsed.config;
    const home = resolve(io.cwd, c.home);
    const progress = (line: string): void => void io.stderr.write(`knmesh pulsar: ${line}\n`);
    try {
      switch (action) {
        case 'start': {
          const instance = await PulsarStandalone.start({
            home,
            version: c.pulsarVersion,
            cacheDir: c.cacheDir ?? defaultCacheDir(io.env),
            brokerPort: c.brokerPort,
            webPort: c.webPort,
            deduplication: c.deduplication,
            functionsWorker: c.functionsWorker,
            streamStorage: c.streamStorage,
            memory: c.memory,
            fresh: c.fresh,
            readyTimeoutMs: c.timeoutSeconds * 1000,
            env: io.env,
            onProgress: progress,
          });
          io.stdout.write(describe(instance, true, c.output));
          return EXIT_OK;
        }
        case 'restart': {
          const instance = await PulsarStandalone.restart(home, { env: io.env });
          io.stdout.write(describe(instance, true, c.output));
          return EXIT_OK;
        }
        case 'stop': {
          const stopped = await PulsarStandalone.stop(home, { timeoutMs: 30_000 });
          io.stdout.write(stopped ? 'Pulsar standalone stopped\n' : 'no Pulsar standalone was running\n');
          return EXIT_OK;
        }
        case 'status': {
          const status = await PulsarStandalone.status(home);
          if (status.state === 'stopped') {
            io.stdout.write(
              c.output === 'json' ? '{"state":"stopped"}\n' : 'Pulsar standalone is not running\n',
            );
            return EXIT_INVALID_INPUT;
          }
          io.stdout.write(describe(status.instance, status.ready, c.output));
          return status.ready ? EXIT_OK : EXIT_INVALID_INPUT;
        }
        default:
          throw new UsageError(`unknown action "${action}": use start, stop, restart or status`);
      }
    } catch (error) {
      if (error instanceof KnmeshError) {
        io.stderr.write(`knmesh pulsar: ${error.message}\n`);
        return EXIT_INVALID_INPUT;
      }
      throw error;
    }
  },
};
