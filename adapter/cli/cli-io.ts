import type { Readable, Writable } from 'node:stream';

/** The process surroundings a command may touch; injected so commands run in-process in tests. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A `knmesh <name>` sub-command. Resolves to the process exit status. */
export interface Command {
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Exit statuses shared by every command. */
export const EXIT_OK = 0;
export const EXIT_INVALID_INPUT = 1;
export const EXIT_USAGE = 2;
