import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPortFree } from '../../net/port-availability.ts';
import { findJava } from './java-toolchain.ts';
import { ensureDistribution } from './pulsar-distribution.ts';
import { renderStandaloneConfig } from './standalone-config.ts';
import { StandaloneErrors } from './standalone-errors.ts';
import { isPulsarReady, waitForPulsar } from './wait-for-pulsar.ts';

export interface StandaloneStartOptions {
  /** Instance directory: config, data, logs and the state file live here. */
  readonly home: string;
  readonly version: string;
  readonly cacheDir: string;
  readonly brokerPort: number;
  readonly webPort: number;
  readonly deduplication: boolean;
  readonly functionsWorker: boolean;
  readonly streamStorage: boolean;
  /** JVM heap and direct memory, e.g. `1g`. */
  readonly memory: string;
  /** Delete the data of a previous run first. */
  readonly fresh: boolean;
  readonly readyTimeoutMs: number;
  /** Further broker configuration keys (e.g. token authentication for tests); kept across restarts. */
  readonly extraConfig?: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onProgress?: (line: string) => void;
  /** Gives up (and stops a half-started broker) when aborted, e.g. on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** What `instance.json` records about a broker knmesh started. */
export interface StandaloneInstance {
  readonly pid: number;
  readonly version: string;
  readonly distribution: string;
  readonly brokerUrl: string;
  readonly adminUrl: string;
  readonly startedAt: string;
  readonly options: Omit<StandaloneStartOptions, 'env' | 'onProgress' | 'fresh' | 'home' | 'signal'>;
}

export type StandaloneState =
  | { readonly state: 'stopped' }
  | { readonly state: 'running'; readonly ready: boolean; readonly instance: StandaloneInstance };

const STATE_FILE = 'instance.json';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // Guard against PID reuse: the process must still be the broker we started.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('PulsarStandaloneStarter');
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

async function readInstance(home: string): Promise<StandaloneInstance | undefined> {
  try {
    return JSON.parse(await readFile(join(home, STATE_FILE), 'utf8')) as StandaloneInstance;
  } catch {
    return undefined;
  }
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Lifecycle of a local Apache Pulsar standalone broker: `start` fetches the distribution if
 * needed, writes the configuration, launches `bin/pulsar standalone` detached (it outlives the
 * CLI) and waits for real readiness; `stop` sends SIGTERM and escalates to SIGKILL.
 */
export const PulsarStandalone = {
  async status(home: string): Promise<StandaloneState> {
    const instance = await readInstance(resolve(home));
    if (instance === undefined || !isAlive(instance.pid)) return { state: 'stopped' };
    return { state: 'running', ready: await isPulsarReady(instance.adminUrl), instance };
  },

  async start(options: StandaloneStartOptions): Promise<StandaloneInstance> {
    const home = resolve(options.home);
    const current = await PulsarStandalone.status(home);
    if (current.state === 'running') {
      if (current.ready) return current.instance;
      throw StandaloneErrors.startFailed.create(
        `a broker (pid ${current.instance.pid}) is already running in ${home} but is not ready; stop it first`,
      );
    }
    for (const [what, port] of [
      ['broker', options.brokerPort],
      ['admin (web)', options.webPort],
    ] as const) {
      if (!(await isPortFree(port))) {
        throw StandaloneErrors.portInUse.create(
          `port ${port} (${what}) on 127.0.0.1 is already in use; stop whatever holds it or choose another port`,
        );
      }
    }
    const java = await findJava(options.env);
    const distribution = await ensureDistribution({
      version: options.version,
      cacheDir: options.cacheDir,
      env: options.env,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });

    const dataDir = join(home, 'data');
    const logDir = join(home, 'logs');
    if (options.fresh) await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    await mkdir(logDir, { recursive: true });
    const confPath = join(home, 'standalone.conf');
    await writeFile(
      confPath,
      renderStandaloneConfig({
        brokerPort: options.brokerPort,
        webPort: options.webPort,
        deduplication: options.deduplication,
        ...(options.extraConfig ? { extra: options.extraConfig } : {}),
      }),
    );

    const args = [
      'standalone',
      '--config',
      confPath,
      '--metadata-dir',
      join(dataDir, 'metadata'),
      '--bookkeeper-dir',
      join(dataDir, 'bookkeeper'),
    ];
    if (!options.functionsWorker) args.push('--no-functions-worker');
    if (!options.streamStorage) args.push('--no-stream-storage');

    if (options.signal?.aborted === true) {
      throw StandaloneErrors.startFailed.create('start cancelled before the broker was launched');
    }
    const outPath = join(logDir, 'standalone.out');
    const out = openSync(outPath, 'a');
    const env: NodeJS.ProcessEnv = {
      ...options.env,
      PULSAR_STANDALONE_CONF: confPath,
      PULSAR_LOG_DIR: logDir,
      PULSAR_MEM: `-Xms256m -Xmx${options.memory} -XX:MaxDirectMemorySize=${options.memory}`,
      ...(java.javaHome ? { JAVA_HOME: java.javaHome } : {}),
    };
    options.onProgress?.(`starting Apache Pulsar ${options.version} standalone (logs: ${outPath})`);
    // bin/pulsar `exec`s the JVM, so the child's pid is the broker's pid.
    const child = spawn(join(distribution, 'bin', 'pulsar'), args, {
      cwd: distribution,
      env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `the broker process exited (${signal ?? `code ${code}`}) before it was ready`;
    });
    child.once('error', (error) => {
      exited = `the broker process could not be started: ${error.message}`;
    });
    child.unref();
    if (child.pid === undefined) {
      await sleep(50);
      throw StandaloneErrors.startFailed.create(exited ?? 'the broker process could not be started');
    }

    const brokerUrl = `pulsar://127.0.0.1:${options.brokerPort}`;
    const adminUrl = `http://127.0.0.1:${options.webPort}`;
    const instance: StandaloneInstance = {
      pid: child.pid,
      version: options.version,
      distribution,
      brokerUrl,
      adminUrl,
      startedAt: new Date().toISOString(),
      options: {
        version: options.version,
        cacheDir: options.cacheDir,
        brokerPort: options.brokerPort,
        webPort: options.webPort,
        deduplication: options.deduplication,
        functionsWorker: options.functionsWorker,
        streamStorage: options.streamStorage,
        memory: options.memory,
        readyTimeoutMs: options.readyTimeoutMs,
        ...(options.extraConfig ? { extraConfig: options.extraConfig } : {}),
      },
    };
    await writeFile(join(home, STATE_FILE), `${JSON.stringify(instance, null, 2)}\n`);

    const problem = await waitForPulsar({
      adminUrl,
      timeoutMs: options.readyTimeoutMs,
      abort: () => exited ?? (options.signal?.aborted === true ? 'start cancelled' : undefined),
    });
    if (problem !== undefined) {
      await PulsarStandalone.stop(home, { timeoutMs: 15_000 });
      throw StandaloneErrors.startFailed.create(
        `Pulsar standalone did not start: ${problem}. Last lines of ${outPath}:\n${tail(outPath, 15)}`,
      );
    }
    return instance;
  },

  /** Stops the broker of `home`; resolves false when none was running. */
  async stop(home: string, options: { readonly timeoutMs: number }): Promise<boolean> {
    const dir = resolve(home);
    const instance = await readInstance(dir);
    if (instance === undefined || !isAlive(instance.pid)) {
      await rm(join(dir, STATE_FILE), { force: true });
      return false;
    }
    process.kill(instance.pid, 'SIGTERM');
    const until = Date.now() + options.timeoutMs;
    while (isAlive(instance.pid) && Date.now() < until) await sleep(200);
    if (isAlive(instance.pid)) {
      process.kill(instance.pid, 'SIGKILL');
      const killDeadline = Date.now() + 10_000;
      while (isAlive(instance.pid) && Date.now() < killDeadline) await sleep(100);
    }
    await rm(join(dir, STATE_FILE), { force: true });
    return true;
  },

  /** Stops and starts the broker of `home` again with the same settings, keeping its data. */
  async restart(
    home: string,
    options: { readonly env: Readonly<Record<string, string | undefined>>; readonly stopTimeoutMs?: number },
  ): Promise<StandaloneInstance> {
    const instance = await readInstance(resolve(home));
    if (instance === undefined)
      throw StandaloneErrors.notRunning.create(`no broker state in ${resolve(home)}`);
    await PulsarStandalone.stop(home, { timeoutMs: options.stopTimeoutMs ?? 30_000 });
    return PulsarStandalone.start({ ...instance.options, home, fresh: false, env: options.env });
  },
};
