import type { AddressInfo } from 'node:net';
import type { CliIo } from '../../adapter/cli/cli-io.ts';
import { EXIT_INVALID_INPUT, EXIT_OK } from '../../adapter/cli/cli-io.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import type { Logger } from '../observability/create-logger.ts';

/** After the stop, leftover sockets or timers must not keep the pod alive. */
const EXIT_BACKSTOP_MS = 2000;
const PARENT_CHECK_MS = 1000;

/** Flushes the log; a closed stdout (EPIPE: the reader is gone) must not stop the exit. */
function flushQuietly(destination: { flushSync(): void }): void {
  try {
    destination.flushSync();
  } catch {
    // Nobody is left to read it.
  }
}

/** Whether a process with this pid exists (a reused pid would too: `process.ppid` is checked first). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Set by a supervising process (`knmesh dev`) to its pid: when the process's parent changes (the
 * supervisor died without stopping it), it stops as on SIGTERM instead of running on as an orphan.
 */
export const PARENT_PID_ENV = 'KNMESH_PARENT_PID';

/** What `knmesh serve`, `bridge` and `ingress` have in common: an HTTP server with a work loop behind it. */
export interface ServerProcess {
  readonly health: { readonly phase: string };
  listen(): Promise<AddressInfo>;
  stop(): Promise<object>;
}

export interface RunServerProcessOptions {
  /** The command, for messages on stderr: `knmesh <command>: …`. */
  readonly command: string;
  readonly server: ServerProcess;
  /** Starts the work once the server listens (load the function, connect to Pulsar). */
  readonly start: () => Promise<unknown>;
  /** `host:port`, for the message when the port cannot be bound. */
  readonly listenAddress: string;
  /** Code logged when `start` fails with something that is not a `KnmeshError`. */
  readonly startFailedCode: string;
  readonly logger: Logger;
  /** The logger's asynchronous destination, flushed before exiting. */
  readonly destination: { flushSync(): void };
  readonly io: CliIo;
  /** Called once `start` succeeded. */
  readonly onStarted?: (address: AddressInfo) => void;
  /** Counts unhandled rejections (the process keeps running). */
  readonly onUnhandledRejection?: () => void;
  /** Registers the listener of errors the server cannot continue after (drain, exit 1). */
  readonly onFatal?: (listener: (error: KnmeshError) => void) => void;
}

/**
 * The lifecycle of a long-running knmesh process: listen, start, run until SIGTERM/SIGINT (a second
 * signal while draining exits at once), a fatal error or an uncaught exception, then stop (drain)
 * and exit. Returns the exit code; a backstop timer exits if handles are left behind.
 */
export async function runServerProcess(o: RunServerProcessOptions): Promise<number> {
  const { logger, server, io } = o;
  let exitCode = EXIT_OK;
  let signalled: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (server.health.phase === 'draining') {
      logger.warn({ signal }, 'second signal while draining: exiting now');
      flush();
      process.exit(EXIT_INVALID_INPUT);
    }
    signalled(signal);
  };
  const onRejection = (reason: unknown): void => {
    o.onUnhandledRejection?.();
    logger.error({ err: reason }, 'unhandled promise rejection (the process keeps running)');
  };
  // The process state is unknown after an uncaught exception: stop taking work, drain, exit 1.
  const onException = (error: Error): void => {
    logger.fatal({ err: error }, 'uncaught exception: draining and exiting');
    exitCode = EXIT_INVALID_INPUT;
    signalled('uncaughtException');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  o.onFatal?.((error) => {
    exitCode = EXIT_INVALID_INPUT;
    signalled(error.code);
  });
  let orphaned = false;
  const flush = (): void => {
    if (!orphaned) flushQuietly(o.destination);
  };
  const supervisor = Number(io.env[PARENT_PID_ENV]);
  const parentCheck =
    Number.isInteger(supervisor) && supervisor > 0
      ? setInterval(() => {
          // Reparented (the supervisor died, reaped or not), or gone.
          if (process.ppid !== supervisor || !isRunning(supervisor)) {
            clearInterval(parentCheck);
            // Its stdout went to the supervisor: a synchronous flush would wait for a reader forever.
            orphaned = true;
            logger.warn({ supervisor }, 'the supervising process is gone: stopping');
            signalled('supervisor-exited');
          }
        }, PARENT_CHECK_MS).unref()
      : undefined;

  try {
    let address: AddressInfo;
    try {
      address = await server.listen();
      logger.info({ host: address.address, port: address.port }, 'listening');
    } catch (error) {
      io.stderr.write(
        `knmesh ${o.command}: cannot listen on ${o.listenAddress}: ${(error as Error).message}\n`,
      );
      exitCode = EXIT_INVALID_INPUT; // also what the backstop exits with
      return exitCode;
    }
    const started = o.start().then(
      () => undefined,
      (error: unknown) => error ?? new Error(`${o.command} could not start`),
    );
    const first = await Promise.race([started, stopRequested]);
    if (typeof first === 'string') {
      logger.info({ signal: first }, 'stop requested');
    } else if (first !== undefined) {
      const message = first instanceof Error ? first.message : `${o.command} could not start`;
      const code = first instanceof KnmeshError ? first.code : o.startFailedCode;
      logger.fatal({ code, err: first instanceof KnmeshError ? first.cause : first }, message);
      io.stderr.write(`knmesh ${o.command}: ${message}\n`);
      exitCode = EXIT_INVALID_INPUT;
    } else {
      o.onStarted?.(address);
      logger.info({ signal: await stopRequested }, 'stop requested');
    }
    const report = await server.stop();
    logger.info(report, 'stopped');
    return exitCode;
  } finally {
    clearInterval(parentCheck);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    setTimeout(() => process.exit(exitCode), EXIT_BACKSTOP_MS).unref();
    flush();
  }
}
