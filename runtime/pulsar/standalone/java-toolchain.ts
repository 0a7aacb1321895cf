import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StandaloneErrors } from './standalone-errors.ts';

const run = promisify(execFile);

export interface JavaRuntime {
  /** Path or name of the `java` executable. */
  readonly java: string;
  /** JAVA_HOME to hand to Pulsar's scripts, when known. */
  readonly javaHome: string | undefined;
  readonly majorVersion: number;
}

/** Parses `java -version` output: `openjdk version "17.0.15"` or legacy `"1.8.0_392"`. */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (match === null) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Finds Java 17+ (JAVA_HOME first, then PATH) or throws an error that says what to install. */
export async function findJava(env: Readonly<Record<string, string | undefined>>): Promise<JavaRuntime> {
  const javaHome = env['JAVA_HOME'];
  const java = javaHome ? join(javaHome, 'bin', 'java') : 'java';
  let output: string;
  try {
    const result = await run(java, ['-version'], { timeout: 30_000, env: { ...env } });
    output = `${result.stderr}${result.stdout}`;
  } catch {
    throw StandaloneErrors.javaMissing.create(
      `Java 17 or newer is needed to run the embedded Pulsar broker, but \`${java}\` could not be run` +
        (javaHome ? ` (from JAVA_HOME=${javaHome})` : ' (not on PATH)') +
        '. Install a JDK 17+ (for example `apt-get install openjdk-17-jdk-headless`) or use an existing broker with --pulsar-url.',
    );
  }
  const majorVersion = parseJavaMajorVersion(output);
  if (majorVersion === undefined || majorVersion < 17) {
    throw StandaloneErrors.javaMissing.create(
      `Java 17 or newer is needed to run the embedded Pulsar broker, but \`${java} -version\` reports ${
        majorVersion === undefined ? 'an unknown version' : `Java ${majorVersion}`
      }.`,
    );
  }
  return { java, javaHome, majorVersion };
}

/** Finds Maven (`mvn`), needed only to download the Pulsar distribution. */
export async function findMaven(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const mvn = env['KNMESH_MVN'] ?? 'mvn';
  try {
    await run(mvn, ['-v'], { timeout: 60_000, env: { ...env } });
  } catch {
    throw StandaloneErrors.mavenMissing.create(
      `Maven is needed to download the Pulsar distribution from Maven Central, but \`${mvn}\` could not be run. ` +
        'Install Maven 3.8+ (for example `apt-get install maven`), or unpack apache-pulsar-<version> into the cache directory yourself.',
    );
  }
  return mvn;
}
