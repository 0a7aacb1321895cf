import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { InputProblem, InputSource } from './input-source.ts';

const EXTENSIONS = /\.(ya?ml|json)$/i;
// Far beyond any real manifest; keeps a mistaken `-f /` or a huge file from exhausting memory.
const MAX_BYTES = 64 * 1024 * 1024;

export interface ReadInputsResult {
  readonly sources: InputSource[];
  readonly problems: InputProblem[];
}

/**
 * Reads the inputs named by `-f`: files (any name), directories (recursively, every `*.yaml`,
 * `*.yml` and `*.json`, in sorted order so output is stable) and `-` for standard input (once).
 */
export async function readInputs(
  paths: readonly string[],
  io: { readonly stdin: Readable; readonly cwd: string },
): Promise<ReadInputsResult> {
  const sources: InputSource[] = [];
  const problems: InputProblem[] = [];
  for (const given of paths) {
    if (given === '-') {
      const bytes = await readStream(io.stdin);
      if (bytes === undefined)
        problems.push({ name: '-', message: `larger than ${MAX_BYTES / 1024 / 1024} MiB` });
      else sources.push({ name: '-', bytes });
      continue;
    }
    const full = isAbsolute(given) ? given : resolve(io.cwd, given);
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      problems.push({ name: given, message: describe(error) });
      continue;
    }
    if (info.isDirectory()) {
      const found = await listFiles(full, given, problems);
      if (found.length === 0)
        problems.push({ name: given, message: 'the directory has no *.yaml, *.yml or *.json file' });
      for (const { path, name } of found) await readOne(path, name, sources, problems);
    } else {
      await readOne(full, given, sources, problems);
    }
  }
  return { sources, problems };
}

async function readOne(
  path: string,
  name: string,
  sources: InputSource[],
  problems: InputProblem[],
): Promise<void> {
  try {
    const info = await stat(path);
    if (info.size > MAX_BYTES) {
      problems.push({ name, message: `larger than ${MAX_BYTES / 1024 / 1024} MiB` });
      return;
    }
    sources.push({ name, bytes: await readFile(path) });
  } catch (error) {
    problems.push({ name, message: describe(error) });
  }
}

async function listFiles(
  dir: string,
  shown: string,
  problems: InputProblem[],
): Promise<{ path: string; name: string }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    problems.push({ name: shown, message: describe(error) });
    return [];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { path: string; name: string }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const name = join(shown, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, name, problems)));
    else if (EXTENSIONS.test(entry.name) && (entry.isFile() || entry.isSymbolicLink()))
      out.push({ path, name });
  }
  return out;
}

async function readStream(stream: Readable): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code === undefined ? 'cannot be read' : `cannot be read (${code})`;
  }
}
