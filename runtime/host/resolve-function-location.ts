import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostErrors } from './host-errors.ts';
import { FUNCTION_EXTENSIONS } from './load-function.ts';

/** A function file ready to import, and how to clean up after it. */
export interface FunctionLocation {
  readonly file: string;
  /** Removes a downloaded copy; a no-op for local files. */
  cleanup(): Promise<void>;
}

export interface ResolveOptions {
  readonly cwd: string;
  /** Overall limit of the download, all attempts included. */
  readonly timeoutMs: number;
  readonly attempts?: number;
  readonly maxBytes?: number;
}

const KNMESH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// What a downloaded function may import besides Node's built-ins (a bundle needs nothing else).
const LINKED_PACKAGES: Readonly<Record<string, string>> = {
  knmesh: KNMESH_ROOT,
  cloudevents: dirname(fileURLToPath(import.meta.resolve('cloudevents/package.json'))),
};

/**
 * Turns `knmesh serve`'s argument into a file: a path (relative to the working directory), a
 * `file://` URL, or an `http(s)://` URL that is downloaded once into a fresh temporary directory.
 * That directory gets a `node_modules` with links to `knmesh` and `cloudevents`, so a downloaded
 * function can import `knmesh/function` and the SDK like one in the image can.
 */
export async function resolveFunctionLocation(
  location: string,
  options: ResolveOptions,
): Promise<FunctionLocation> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const file = isAbsolute(location) ? location : resolve(options.cwd, location);
    return { file, cleanup: () => Promise.resolve() };
  }
  if (scheme === 'file') return { file: fileURLToPath(location), cleanup: () => Promise.resolve() };
  if (scheme !== 'http' && scheme !== 'https') {
    throw HostErrors.downloadFailed.create(
      `cannot fetch ${scheme}:// function locations; use a path, a file:// or an http(s):// URL`,
    );
  }
  let url: URL;
  let name: string;
  try {
    url = new URL(location);
    name = basename(decodeURIComponent(url.pathname));
  } catch {
    throw HostErrors.functionNotFound.create('the function URL is malformed (bad host or percent-encoding)');
  }
  if (!(FUNCTION_EXTENSIONS as readonly string[]).includes(extname(name))) {
    throw HostErrors.functionNotFound.create(
      `the URL path must end in ${FUNCTION_EXTENSIONS.join(', ')} so that the module type is known`,
    );
  }
  const body = await download(url, options);
  const dir = await mkdtemp(join(tmpdir(), 'knmesh-function-'));
  try {
    await writeFile(join(dir, name), body, { mode: 0o444 });
    await mkdir(join(dir, 'node_modules'));
    for (const [pkg, target] of Object.entries(LINKED_PACKAGES)) {
      await symlink(target, join(dir, 'node_modules', pkg), 'dir');
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { file: join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function download(url: URL, options: ResolveOptions): Promise<Buffer> {
  const attempts = options.attempts ?? 3;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const shown = `${url.origin}${url.pathname}`; // never the query string: it may carry a token
  let last = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(url, { signal: deadline, redirect: 'follow' });
      if (!response.ok) {
        await response.body?.cancel();
        last = `HTTP ${response.status}`;
        // A 4xx other than 408/429 will not change on retry.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
      } else {
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > maxBytes) throw new RangeError(`larger than ${maxBytes} bytes`);
        // Count while reading: without a Content-Length the limit must still hold.
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response.body ?? []) {
          size += (chunk as Uint8Array).byteLength;
          if (size > maxBytes) {
            await response.body?.cancel().catch(() => undefined);
            throw new RangeError(`larger than ${maxBytes} bytes`);
          }
          chunks.push(Buffer.from(chunk as Uint8Array));
        }
        return Buffer.concat(chunks);
      }
    } catch (error) {
      if (error instanceof RangeError) {
        throw HostErrors.downloadFailed.create(`cannot download ${shown}: ${error.message}`);
      }
      last = deadline.aborted ? `no answer within ${options.timeoutMs} ms` : errorText(error);
      if (deadline.aborted) break;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
  }
  throw HostErrors.downloadFailed.create(`cannot download ${shown}: ${last}`);
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
