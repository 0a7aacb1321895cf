import { UsageError } from '../../runtime/errors/usage-error.ts';
import { EXIT_INVALID_INPUT, EXIT_OK, EXIT_USAGE, type CliIo, type Command } from './cli-io.ts';

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

// Commands load lazily so that `knmesh translate` never pays for the runtime's dependencies.
const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  translate: {
    summary: 'translate Function Mesh CRs into Knative Services, bridge Deployments and KEDA ScaledObjects',
    load: async () => (await import('./translate-command.ts')).command,
  },
  serve: {
    summary: 'run a TypeScript/JavaScript function behind a CloudEvents HTTP endpoint',
    load: async () => (await import('../../runtime/host/serve-command.ts')).command,
  },
  bridge: {
    summary: 'deliver Pulsar messages to a function as CloudEvents and publish its replies',
    load: async () => (await import('../../runtime/bridge/bridge-command.ts')).command,
  },
  ingress: {
    summary: 'accept CloudEvents over HTTP and publish them to a Pulsar topic',
    load: async () => (await import('../../runtime/ingress/ingress-command.ts')).command,
  },
  dev: {
    summary: 'run a Function Mesh spec end to end on this machine',
    load: async () => (await import('../dev/dev-command.ts')).command,
  },
  pulsar: {
    summary: 'start, stop or check a local Apache Pulsar standalone broker',
    load: async () => (await import('../../runtime/pulsar/standalone/pulsar-command.ts')).command,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length), 8) + 4;
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return [
    'knmesh: run Apache Pulsar Functions (Function Mesh specs) serverless on Knative and KEDA',
    '',
    'Usage: knmesh <command> [options]     (also: kn mesh <command> as a kn plugin)',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `knmesh <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default;
    io.stdout.write(`knmesh ${pkg.version}\n`);
    return EXIT_OK;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    io.stderr.write(`knmesh: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`knmesh ${name}: ${error.message.replace(/\n/g, `\nknmesh ${name}: `)}\n`);
      io.stderr.write(`Run \`knmesh ${name} --help\` for usage.\n`);
      return EXIT_USAGE;
    }
    // Unexpected failures still get one readable line; the stack only on request.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`knmesh ${name}: ${message}\n`);
    if (io.env['KNMESH_DEBUG'] === '1' && error instanceof Error && error.stack)
      io.stderr.write(`${error.stack}\n`);
    return EXIT_INVALID_INPUT;
  }
}
