import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  readonly caFile: string;
  readonly certFile: string;
  /** PKCS#8, as the broker wants it. */
  readonly keyFile: string;
}

/**
 * A throw-away CA and a broker certificate for 127.0.0.1 / localhost, made with the openssl CLI;
 * undefined when openssl is not installed (TLS tests then skip).
 */
export async function makeTestCertificates(dir: string): Promise<TestCertificates | undefined> {
  await mkdir(dir, { recursive: true });
  const f = (name: string): string => join(dir, name);
  const openssl = async (args: string[]): Promise<void> =>
    void (await run('openssl', args, { timeout: 60_000 }));
  try {
    await openssl(['version']);
  } catch {
    return undefined;
  }
  await writeFile(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key.pem'),
    '-out',
    f('ca.cert.pem'),
    '-days',
    '3',
    '-subj',
    '/CN=knmesh-test-ca',
  ]);
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('broker.key.pem'),
    '-out',
    f('broker.csr.pem'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    f('broker.csr.pem'),
    '-CA',
    f('ca.cert.pem'),
    '-CAkey',
    f('ca.key.pem'),
    '-CAcreateserial',
    '-out',
    f('broker.cert.pem'),
    '-days',
    '3',
    '-extfile',
    f('san.ext'),
  ]);
  await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', f('broker.key.pem'), '-out', f('broker.key-pk8.pem')]);
  return { caFile: f('ca.cert.pem'), certFile: f('broker.cert.pem'), keyFile: f('broker.key-pk8.pem') };
}
