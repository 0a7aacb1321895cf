import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findMaven } from './java-toolchain.ts';
import { StandaloneErrors } from './standalone-errors.ts';

const run = promisify(execFile);

/** Maven colours its output even with -B on some terminals. */
function stripAnsi(text: string): string {
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
}

/** The Apache Pulsar 4.0.x LTS release fetched by default (the newest 4.0.x on Maven Central). */
export const DEFAULT_PULSAR_VERSION = '4.0.8';

/** `$KNMESH_CACHE_DIR`, else `$XDG_CACHE_HOME/knmesh`, else `~/.cache/knmesh`. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env['KNMESH_CACHE_DIR']) return env['KNMESH_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'knmesh');
  return join(homedir(), '.cache', 'knmesh');
}

export interface DistributionOptions {
  readonly version: string;
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onProgress?: (line: string) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the home of an unpacked `apache-pulsar-<version>` distribution, fetching the
 * `org.apache.pulsar:pulsar-server-distribution:<version>:tar.gz:bin` artifact through Maven on
 * first use. Unpacking happens in a scratch directory that is renamed into place, so an
 * interrupted download never leaves a half-populated distribution behind.
 */
export async function ensureDistribution(options: DistributionOptions): Promise<string> {
  const root = join(options.cacheDir, 'pulsar');
  const home = join(root, `apache-pulsar-${options.version}`);
  if (await exists(join(home, 'bin', 'pulsar'))) return home;

  const mvn = await findMaven(options.env);
  await mkdir(root, { recursive: true });
  const scratch = await mkdtemp(join(root, '.fetch-'));
  try {
    const artifact = `org.apache.pulsar:pulsar-server-distribution:${options.version}:tar.gz:bin`;
    options.onProgress?.(`fetching ${artifact} through Maven (about 250 MB on first use)`);
    try {
      await run(
        mvn,
        [
          '-B',
          '-q',
          'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
          `-Dartifact=${artifact}`,
          `-DoutputDirectory=${scratch}`,
        ],
        { timeout: 30 * 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...options.env } },
      );
    } catch (error) {
      const output = (error as { stdout?: string }).stdout ?? '';
      const reason = output.split('\n').find((l) => l.includes('[ERROR]')) ?? (error as Error).message;
      throw StandaloneErrors.downloadFailed.create(
        `could not fetch ${artifact} from Maven Central: ${stripAnsi(reason).trim()}`,
      );
    }
    const tarball = (await readdir(scratch)).find((f) => f.endsWith('.tar.gz'));
    if (tarball === undefined)
      throw StandaloneErrors.downloadFailed.create(`Maven fetched no tarball for ${artifact}`);
    options.onProgress?.(`unpacking ${tarball}`);
    await run('tar', ['xzf', join(scratch, tarball), '-C', scratch], { timeout: 10 * 60_000 });
    await rm(join(scratch, tarball));
    const unpacked = join(scratch, `apache-pulsar-${options.version}`);
    if (!(await exists(join(unpacked, 'bin', 'pulsar')))) {
      throw StandaloneErrors.downloadFailed.create(
        `the tarball did not contain apache-pulsar-${options.version}/bin/pulsar`,
      );
    }
    try {
      await rename(unpacked, home);
    } catch (error) {
      // Another process finished the same download first: theirs is as good as ours.
      if (!(await exists(join(home, 'bin', 'pulsar')))) throw error;
    }
    return home;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
