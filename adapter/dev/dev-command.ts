import { relative, resolve } from 'node:path';
import { parseOptions } from '../../runtime/config/parse-options.ts';
import { renderOptionsHelp } from '../../runtime/config/render-options-help.ts';
import { KnmeshError } from '../../runtime/errors/knmesh-error.ts';
import { UsageError } from '../../runtime/errors/usage-error.ts';
import type { Message } from '../../runtime/pulsar/consumer/message.ts';
import { PulsarClient } from '../../runtime/pulsar/pulsar-client.ts';
import {
  DEFAULT_PULSAR_VERSION,
  defaultCacheDir,
} from '../../runtime/pulsar/standalone/pulsar-distribution.ts';
import { PulsarStandalone } from '../../runtime/pulsar/standalone/pulsar-standalone.ts';
import { StandaloneErrors } from '../../runtime/pulsar/standalone/standalone-errors.ts';
import { EXIT_INVALID_INPUT, EXIT_OK, type CliIo, type Command } from '../cli/cli-io.ts';
import { translateFiles } from '../cli/translate-files.ts';
import { DEFAULT_IMAGE } from '../cli/translate-options.ts';
import { devOptions } from './dev-options.ts';
import { DevSession, inputDirectories, type DevReady } from './dev-session.ts';
import { formatStatus, PipelineStatus } from './pipeline-status.ts';
import { ReplyFollower } from './reply-follower.ts';

const HELP = `Usage: knmesh dev -f <function.yaml> [options]

Runs a Function Mesh spec end to end on this machine, as the cluster would run its translation:
a Pulsar broker (an existing one with --pulsar-url, else the embedded one of \`knmesh pulsar\`),
\`knmesh serve\` for each function, \`knmesh bridge\` with exactly the settings the translator puts
into the bridge Deployment, and an ingress for the input topic. Ctrl-C stops everything it started.

Options:
${renderOptionsHelp(devOptions)}
  -h, --help                           this help

Examples:
  knmesh dev -f manifests/examples/exclamation/function.yaml --follow
  knmesh dev -f fn.yaml --pulsar-url pulsar://127.0.0.1:6650 --admin-url http://127.0.0.1:8080 -o json
`;

function curlFor(url: string): string {
  return (
    `curl -i ${url} -H 'ce-specversion: 1.0' -H 'ce-id: hello-1' -H 'ce-source: /knmesh/dev' ` +
    `-H 'ce-type: dev.knmesh.demo' -H 'content-type: text/plain' -d 'hello'`
  );
}

function describeReply(message: Message): Record<string, unknown> {
  return {
    topic: message.topic,
    key: message.key,
    properties: message.properties,
    payload: message.payload.toString('utf8'),
  };
}

function renderReady(ready: DevReady, cwd: string): string {
  const lines = ['', 'knmesh dev is running:'];
  for (const p of ready.processes)
    lines.push(`  ${p.role.padEnd(8)} ${p.name.padEnd(32)} ${p.url}  (log ${relative(cwd, p.logFile)})`);
  for (const i of ready.ingresses)
    lines.push('', `Send events to ${i.url} (published to ${i.topic}):`, `  ${curlFor(i.url)}`);
  if (ready.outputTopics.length > 0) lines.push('', `Replies land on ${ready.outputTopics.join(', ')}`);
  if (ready.skipped.length > 0) {
    lines.push('', 'Not run locally:');
    for (const s of ready.skipped) lines.push(`  ${s.kind} ${s.name}: ${s.reason}`);
  }
  if (ready.notes.length > 0) {
    lines.push('', 'Not reproduced locally:');
    for (const n of ready.notes) lines.push(`  ${n}`);
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  return lines.join('\n');
}

export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseOptions(devOptions, { argv, env: io.env });
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    const c = parsed.config;
    if (c.filename.length === 0)
      throw new UsageError('option --filename (-f) is required: the Function Mesh spec to run');
    if (c.adminUrl !== undefined && c.pulsarUrl === undefined) {
      throw new UsageError(
        '--admin-url belongs to --pulsar-url: give both, or neither for the embedded broker',
      );
    }
    const json = c.output === 'json';
    const emit = (event: Record<string, unknown>): void => void io.stdout.write(`${JSON.stringify(event)}\n`);
    const progress = (line: string): void => void io.stderr.write(`knmesh dev: ${line}\n`);

    const translated = await translateFiles(c.filename, io, {
      image: DEFAULT_IMAGE,
      namespace: c.namespace,
      clusterDomain: 'cluster.local',
      strict: false,
      passthrough: false,
    });
    if (translated.messages.length > 0) io.stderr.write(`${translated.messages.join('\n')}\n`);
    if (translated.failed) return EXIT_INVALID_INPUT;

    // Everything started from here on is stopped in reverse order, whatever happens.
    const cleanups: (() => Promise<void>)[] = [];
    const cleanUp = async (): Promise<void> => {
      for (const step of cleanups.reverse()) {
        try {
          await step();
        } catch (error) {
          progress(`while stopping: ${(error as Error).message}`);
        }
      }
    };
    let stopRequested: (signal: string) => void = () => undefined;
    const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
    const cancel = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      cancel.abort();
      stopRequested(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let status = EXIT_OK;
    try {
      let brokerUrl = c.pulsarUrl;
      let adminUrl = c.adminUrl;
      if (brokerUrl === undefined) {
        const home = resolve(io.cwd, c.pulsarHome);
        const current = await PulsarStandalone.status(home);
        if (current.state === 'running' && current.ready) {
          progress(
            `using the Pulsar broker already running in ${relative(io.cwd, home) || '.'} (${current.instance.brokerUrl})`,
          );
          brokerUrl = current.instance.brokerUrl;
          adminUrl = current.instance.adminUrl;
        } else {
          const instance = await PulsarStandalone.start({
            home,
            version: DEFAULT_PULSAR_VERSION,
            cacheDir: defaultCacheDir(io.env),
            brokerPort: c.pulsarBrokerPort,
            webPort: c.pulsarWebPort,
            deduplication: false,
            functionsWorker: false,
            streamStorage: false,
            memory: '1g',
            fresh: false,
            readyTimeoutMs: 180_000,
            env: io.env,
            onProgress: progress,
            signal: cancel.signal,
          });
          cleanups.push(async () => {
            progress('stopping the Pulsar broker');
            await PulsarStandalone.stop(home, { timeoutMs: 30_000 });
          });
          brokerUrl = instance.brokerUrl;
          adminUrl = instance.adminUrl;
        }
      }

      const session = new DevSession({
        objects: translated.objects,
        image: DEFAULT_IMAGE,
        inputDirs: inputDirectories(c.filename, io.cwd),
        cwd: io.cwd,
        namespace: c.namespace,
        brokerUrl,
        adminUrl,
        ingressPort: c.ingressPort,
        logDir: resolve(io.cwd, c.logDir),
        readyTimeoutMs: c.readyTimeoutSeconds * 1000,
        stopGraceMs: 30_000,
        hostEnv: io.env,
        onProgress: progress,
      });
      cleanups.push(() => session.stop());
      const started = session.start();
      const first = await Promise.race([started, stopSignal.then((s) => ({ signal: s }))]);
      if ('signal' in first) {
        started.catch(() => undefined); // its processes are stopped by the clean-up below
        progress(`${first.signal}: stopping`);
        return EXIT_OK;
      }
      const ready = first;

      let follower: ReplyFollower | undefined;
      if (c.follow && ready.outputTopics.length > 0) {
        const client = new PulsarClient({ serviceUrl: brokerUrl });
        cleanups.push(() => client.close());
        follower = new ReplyFollower(client, ready.outputTopics, (message) => {
          const reply = describeReply(message);
          if (json) emit({ event: 'reply', ...reply });
          else
            io.stdout.write(
              `← ${message.topic}${message.key ? ` [key ${message.key}]` : ''}: ${reply['payload'] as string}\n`,
            );
        });
        await follower.start();
        cleanups.push(() => follower!.stop());
      }

      if (json) {
        emit({
          event: 'ready',
          pulsarUrl: brokerUrl,
          adminUrl,
          ingresses: ready.ingresses,
          outputTopics: ready.outputTopics,
          processes: ready.processes,
          skipped: ready.skipped,
          notes: ready.notes,
        });
      } else {
        io.stdout.write(renderReady(ready, io.cwd));
      }

      const statusLine = new PipelineStatus(session.bridgeUrls);
      const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
      let ticks = 0;
      const timer = setInterval(() => {
        void statusLine.sample().then((snapshot) => {
          ticks++;
          if (json) emit({ event: 'status', ...snapshot });
          else if (tty) io.stderr.write(`\r\x1b[2K${formatStatus(snapshot)}`);
          // Without a terminal, a line every ten refreshes keeps logs readable.
          else if (ticks % 10 === 0) io.stderr.write(`${formatStatus(snapshot)}\n`);
        });
      }, c.statusIntervalMs);
      cleanups.push(() => Promise.resolve(clearInterval(timer)));

      const outcome = await Promise.race([
        stopSignal.then((s) => ({ signal: s })),
        session.failed.then((failure) => ({ failure })),
      ]);
      if (tty && !json) io.stderr.write('\n');
      if ('failure' in outcome) {
        progress(outcome.failure);
        status = EXIT_INVALID_INPUT;
      } else {
        progress(`${outcome.signal}: stopping`);
      }
      return status;
    } catch (error) {
      if (cancel.signal.aborted) return EXIT_OK; // Ctrl-C while starting: what started is stopped below
      if (StandaloneErrors.portInUse.is(error)) {
        progress(`${error.message}, or use a running broker with --pulsar-url and --admin-url`);
        return EXIT_INVALID_INPUT;
      }
      if (error instanceof KnmeshError || error instanceof Error) {
        progress(error.message);
        return EXIT_INVALID_INPUT;
      }
      throw error;
    } finally {
      await cleanUp();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (json) emit({ event: 'stopped' });
      else progress('stopped');
    }
  },
};
