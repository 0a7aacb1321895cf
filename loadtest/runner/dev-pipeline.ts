import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DevReadyEvent {
  readonly pulsarUrl: string;
  readonly adminUrl?: string;
  readonly ingresses: readonly { readonly url: string; readonly topic: string }[];
  readonly outputTopics: readonly string[];
  readonly processes: readonly {
    readonly name: string;
    readonly role: string;
    readonly pid?: number;
    readonly url: string;
  }[];
}

/**
 * The full local pipeline under test: a `knmesh dev -o json` child process. `start()` resolves
 * with its `ready` event; `stop()` sends SIGTERM, as Ctrl-C would, and waits for it to finish.
 */
export class DevPipeline {
  readonly #args: readonly string[];
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> | undefined;
  stderr = '';

  constructor(args: readonly string[]) {
    this.#args = args;
  }

  start(timeoutMs: number): Promise<DevReadyEvent> {
    const child = spawn(process.execPath, ['adapter/cli/knmesh.js', 'dev', '-o', 'json', ...this.#args], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.stop(); // never leave a half-started pipeline behind
        reject(new Error(`knmesh dev was not ready after ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      void this.#exited!.then((code) => {
        clearTimeout(timer);
        reject(new Error(`knmesh dev exited (code ${code}) before it was ready:\n${this.stderr}`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        let event: { event?: string } & Record<string, unknown>;
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return;
        }
        if (event.event === 'ready') {
          clearTimeout(timer);
          resolve(event as unknown as DevReadyEvent);
        }
      });
    });
  }

  async stop(timeoutMs = 60_000): Promise<number | null> {
    const child = this.#child;
    if (child === undefined || this.#exited === undefined) return null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
