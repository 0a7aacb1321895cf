import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { PARENT_PID_ENV } from '../../runtime/process/run-server-process.ts';

const LAUNCHER = fileURLToPath(new URL('../cli/knmesh.js', import.meta.url));

export interface ManagedProcessOptions {
  /** Short name for messages, e.g. `exclamation-bridge`. */
  readonly name: string;
  /** Arguments after `knmesh`, e.g. `['serve', 'fn.ts']`. */
  readonly args: readonly string[];
  /** The complete environment of the child (nothing is inherited implicitly). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** stdout and stderr of the child are appended here. */
  readonly logFile: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A `knmesh <command>` child process run by `knmesh dev`: started with the same Node and launcher
 * as the parent, logging to a file, probed over HTTP for readiness, and stopped with SIGTERM
 * (its own graceful shutdown) escalating to SIGKILL.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #child: ChildProcess;
  readonly #log: WriteStream;

  private constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    // Its own process group: a Ctrl-C in the terminal reaches `knmesh dev` only, which then stops the
    // children one by one, in order. If dev dies without stopping them, they notice the new parent
    // (KNMESH_PARENT_PID, see runServerProcess) and stop themselves.
    this.#child = spawn(process.execPath, [LAUNCHER, ...options.args], {
      cwd: options.cwd,
      env: { ...options.env, [PARENT_PID_ENV]: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
    this.#child.stdout?.pipe(this.#log, { end: false });
    this.#child.stderr?.pipe(this.#log, { end: false });
    this.exited = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        this.#log.write(`knmesh dev: could not start: ${error.message}\n`);
      });
      // 'close' comes after stdout and stderr are drained, so the log is complete.
      this.#child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#log.end();
        resolve(this.#exit);
      });
    });
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    return new ManagedProcess(options);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Polls `url` until it answers 2xx; rejects when the process exits first or time runs out. */
  async waitReady(url: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.#exit !== undefined) {
        throw new Error(
          `${this.name} exited (${describeExit(this.#exit)}) before it was ready${this.tail()}`,
        );
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(
      `${this.name} was not ready at ${url} after ${Math.round(timeoutMs / 1000)} s${this.tail()}`,
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs: number): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last lines of the log, for error messages. */
  tail(lines = 12): string {
    try {
      const text = readFileSync(this.logFile, 'utf8').trimEnd();
      if (text === '') return '';
      return `; last lines of ${this.logFile}:\n${text.split('\n').slice(-lines).join('\n')}`;
    } catch {
      return '';
    }
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}
