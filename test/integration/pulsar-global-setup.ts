import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../runtime/net/port-availability.ts';
import {
  DEFAULT_PULSAR_VERSION,
  defaultCacheDir,
} from '../../runtime/pulsar/standalone/pulsar-distribution.ts';
import { PulsarStandalone } from '../../runtime/pulsar/standalone/pulsar-standalone.ts';
import { makeTestCertificates } from './support/make-test-certificates.ts';
import type { TestBroker } from './support/test-broker.ts';

/**
 * One real broker for the whole integration run.
 * - default: start a fresh standalone broker on free loopback ports in `.knmesh/test-pulsar`, stop it at the end;
 * - KNMESH_TEST_PULSAR=reuse: use the broker `knmesh pulsar start` runs in `.knmesh/pulsar`, leave it running;
 * - KNMESH_TEST_PULSAR_URL + KNMESH_TEST_ADMIN_URL: use that broker (tests that restart the broker skip).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const env = process.env;
  const root = project.config.root;
  const log = (line: string): void => void process.stderr.write(`[pulsar] ${line}\n`);

  if (env['KNMESH_TEST_PULSAR_URL'] && env['KNMESH_TEST_ADMIN_URL']) {
    log(`using the external broker ${env['KNMESH_TEST_PULSAR_URL']}`);
    project.provide('pulsar', {
      brokerUrl: env['KNMESH_TEST_PULSAR_URL'],
      adminUrl: env['KNMESH_TEST_ADMIN_URL'],
      home: undefined,
      distribution: env['KNMESH_TEST_PULSAR_DISTRIBUTION'],
    } satisfies TestBroker);
    return undefined;
  }
  if (env['KNMESH_TEST_PULSAR'] === 'reuse') {
    const home = join(root, '.knmesh', 'pulsar');
    const status = await PulsarStandalone.status(home);
    if (status.state !== 'running' || !status.ready) {
      throw new Error(
        `KNMESH_TEST_PULSAR=reuse, but no ready broker runs in ${home}; run \`npx knmesh pulsar start\``,
      );
    }
    log(`reusing the broker in ${home} (pid ${status.instance.pid})`);
    project.provide('pulsar', {
      brokerUrl: status.instance.brokerUrl,
      adminUrl: status.instance.adminUrl,
      home,
      distribution: status.instance.distribution,
    } satisfies TestBroker);
    return undefined;
  }

  const home = join(root, '.knmesh', 'test-pulsar');
  await PulsarStandalone.stop(home, { timeoutMs: 30_000 }); // a leftover of an interrupted run
  const started = Date.now();
  // Token authentication on, anonymous access still allowed: auth tests present tokens (good and
  // bad) while every other test connects without credentials.
  const tokenSecretKey = randomBytes(32).toString('base64');
  // TLS listeners next to the plain ones, with a certificate from a CA made for this run.
  const certificates = await makeTestCertificates(join(home, 'tls'));
  const tlsPorts = certificates ? { broker: await findFreePort(), web: await findFreePort() } : undefined;
  const instance = await PulsarStandalone.start({
    home,
    version: env['KNMESH_PULSAR_VERSION'] ?? DEFAULT_PULSAR_VERSION,
    cacheDir: defaultCacheDir(env),
    brokerPort: await findFreePort(),
    webPort: await findFreePort(),
    deduplication: false,
    functionsWorker: false,
    streamStorage: false,
    memory: '1g',
    fresh: true,
    readyTimeoutMs: 240_000,
    extraConfig: {
      authenticationEnabled: 'true',
      authenticationProviders: 'org.apache.pulsar.broker.authentication.AuthenticationProviderToken',
      tokenSecretKey: `data:;base64,${tokenSecretKey}`,
      anonymousUserRole: 'anonymous',
      // Expired tokens are noticed within a second (AUTH_CHALLENGE tests).
      authenticationRefreshCheckSeconds: '1',
      authorizationEnabled: 'false',
      ...(certificates && tlsPorts
        ? {
            brokerServicePortTls: String(tlsPorts.broker),
            webServicePortTls: String(tlsPorts.web),
            tlsCertificateFilePath: certificates.certFile,
            tlsKeyFilePath: certificates.keyFile,
            tlsTrustCertsFilePath: certificates.caFile,
            tlsAllowInsecureConnection: 'false',
            tlsRequireTrustedClientCertOnConnect: 'false',
          }
        : {}),
    },
    env,
    onProgress: log,
  });
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${instance.brokerUrl} ${instance.adminUrl}`);
  project.provide('pulsar', {
    brokerUrl: instance.brokerUrl,
    adminUrl: instance.adminUrl,
    home,
    distribution: instance.distribution,
    tokenSecretKey,
    tls:
      certificates && tlsPorts
        ? {
            brokerUrl: `pulsar+ssl://127.0.0.1:${tlsPorts.broker}`,
            adminUrl: `https://127.0.0.1:${tlsPorts.web}`,
            caFile: certificates.caFile,
          }
        : undefined,
  } satisfies TestBroker);
  return async () => {
    await PulsarStandalone.stop(home, { timeoutMs: 30_000 });
    log('stopped');
  };
}
