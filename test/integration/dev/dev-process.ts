import { readFileSync } from 'node:fs';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface DevEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A real `knmesh dev -o json` child process; its JSON events and stderr are collected. */
export class DevProcess {
  readonly events: DevEvent[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;

  /** `ownGroup`: dev leads its own process group, as in a terminal, so `signalGroup` reaches it all. */
  constructor(
    args: readonly string[],
    env: Readonly<Record<string, string | undefined>> = process.env,
    { ownGroup = false }: { ownGroup?: boolean } = {},
  ) {
    this.#child = spawn(process.execPath, ['adapter/cli/knmesh.js', 'dev', '-o', 'json', ...args], {
      cwd: ROOT,
      env: { ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownGroup,
    });
    this.exited = new Promise((resolve) => this.#child.once('close', (code) => resolve(code)));
    this.#child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as DevEvent);
      } catch {
        // not an event line
      }
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The `ready` event, or undefined when dev exited first or time ran out. */
  async ready(timeoutMs: number): Promise<DevEvent | undefined> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !exited) {
      const ready = this.events.find((e) => e.event === 'ready');
      if (ready !== undefined) return ready;
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.events.find((e) => e.event === 'ready');
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** What a terminal does on Ctrl-C: the signal goes to every process of the foreground group. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.#child.pid!, signal);
  }
}

/** Whether a process with this pid still runs (a zombie awaiting its reaper does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) STATE ..."; Z = exited, not yet reaped.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
