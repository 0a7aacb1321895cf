import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One JSON log line of `knmesh serve`. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServeOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** What to wait for before resolving: the function ready (default), the port bound, or nothing. */
  readonly waitFor?: 'ready' | 'listening' | 'none';
}

const running = new Set<ServeProcess>();

/**
 * A real `knmesh serve` child process on a free loopback port, driven through the CLI launcher the
 * image uses. Its JSON log lines are collected for assertions.
 */
export class ServeProcess {
  readonly logs: LogRecord[] = [];
  stderr = '';
  port = 0;
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #waiters = new Set<() => void>();
  #closed = false;

  private constructor(args: readonly string[], env: Readonly<Record<string, string>>) {
    this.#child = spawn(
      process.execPath,
      [
        'adapter/cli/knmesh.js',
        'serve',
        ...args,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--log-level',
        'debug',
      ],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // 'close', not 'exit': it comes after stdout and stderr are drained, so no log line is missed.
    this.exited = new Promise((resolve) => this.#child.once('close', (code) => resolve(code)));
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.#wake();
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        return;
      }
      this.logs.push(record);
      if (record.msg === 'listening' && typeof record['port'] === 'number') this.port = record['port'];
      this.#wake();
    });
    void this.exited.then(() => {
      this.#closed = true;
      running.delete(this);
      this.#wake();
    });
    running.add(this);
  }

  static async start(args: readonly string[], options: ServeOptions = {}): Promise<ServeProcess> {
    const serve = new ServeProcess(args, options.env ?? {});
    const waitFor = options.waitFor ?? 'ready';
    if (waitFor !== 'none') {
      await serve
        .waitForLog((r) => r.msg === waitFor, 60_000)
        .catch((error: unknown) => {
          serve.kill();
          throw new Error(`knmesh serve did not log "${waitFor}": ${String(error)}\nstderr: ${serve.stderr}`);
        });
    }
    return serve;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** The first log record (past or future) matching `predicate`. */
  async waitForLog(predicate: (record: LogRecord) => boolean, timeoutMs = 30_000): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(predicate);
      if (found !== undefined) return found;
      if (this.#closed) throw new Error(`process exited (${this.#child.exitCode}) first`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for a log line`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.#waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    return this.exited;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** For afterAll: no child outlives its test file. */
export async function stopAllServeProcesses(): Promise<void> {
  const all = [...running];
  for (const serve of all) serve.kill();
  await Promise.all(all.map((s) => s.exited));
}

/** Absolute path of a fixture function. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
}

/** Polls `probe` until it returns true: bounded in count and time, never a timing assertion. */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  what: string,
  attempts = 200,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (
      await Promise.resolve()
        .then(probe)
        .catch(() => false)
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}
