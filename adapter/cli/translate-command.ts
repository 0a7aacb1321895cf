import { parseOptions } from '../../runtime/config/parse-options.ts';
import { renderOptionsHelp } from '../../runtime/config/render-options-help.ts';
import { UsageError } from '../../runtime/errors/usage-error.ts';
import { renderManifests } from '../translate/render-manifests.ts';
import { EXIT_INVALID_INPUT, EXIT_OK, type CliIo, type Command } from './cli-io.ts';
import { translateFiles } from './translate-files.ts';
import { translateOptions } from './translate-options.ts';

function help(): string {
  return [
    'Usage: knmesh translate -f <path> [-f <path>...] [options]',
    '',
    'Translates Function Mesh objects (compute.functionmesh.io/v1alpha1 Function, Source, Sink,',
    'FunctionMesh) into Knative Services, bridge Deployments and KEDA ScaledObjects that run them',
    'serverless. The result goes to stdout, warnings to stderr. Exit status: 0 translated,',
    '1 invalid input (nothing is written to stdout), 2 usage error.',
    '',
    'Options:',
    renderOptionsHelp(translateOptions),
    '  -h, --help                           this help',
    '',
    'Examples:',
    '  # Translate one function and apply it',
    '  knmesh translate -f manifests/examples/exclamation/function.yaml | kubectl apply -f -',
    '',
    '  # Every *.yaml, *.yml and *.json under a directory, into namespace team-a',
    '  knmesh translate -f functions/ -n team-a',
    '',
    '  # From stdin, as JSON, with a pinned image',
    '  cat fn.yaml | knmesh translate -f - -o json --image registry.example.com/knmesh:0.1.0',
    '',
    '  # Fail instead of warning when a field needs a Knative feature flag',
    '  knmesh translate -f fn.yaml --strict',
    '',
    'See docs/translator.md for what each Function Mesh field becomes.',
    '',
  ].join('\n');
}

export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseOptions(translateOptions, { argv, env: io.env, allowPositionals: true });
    if (parsed.help) {
      io.stdout.write(help());
      return EXIT_OK;
    }
    const config = parsed.config;
    if (parsed.positionals.length > 0) {
      const first = parsed.positionals[0]!;
      throw new UsageError(`unexpected argument ${JSON.stringify(first)}: name inputs with -f ${first}`);
    }
    if (config.filename.length === 0) {
      throw new UsageError('option --filename (-f) is required: a file, a directory or - for stdin');
    }
    if (config.filename.filter((f) => f === '-').length > 1) {
      throw new UsageError('-f - (standard input) may be given only once');
    }

    const { objects, messages, failed } = await translateFiles(config.filename, io, {
      image: config.image,
      namespace: config.namespace,
      clusterDomain: config.clusterDomain,
      strict: config.strict,
      passthrough: config.passthrough,
    });
    if (messages.length > 0) io.stderr.write(`${messages.join('\n')}\n`);
    // Nothing on stdout unless everything translated: a partial apply is worse than none.
    if (failed) return EXIT_INVALID_INPUT;
    io.stdout.write(renderManifests(objects, config.output));
    return EXIT_OK;
  },
};
