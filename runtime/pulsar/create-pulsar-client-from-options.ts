import type { ConfigOf } from '../config/option.ts';
import type { Logger } from '../observability/create-logger.ts';
import { PulsarAdmin } from './admin/pulsar-admin.ts';
import { authenticationFromOptions } from './auth/authentication-from-options.ts';
import type { pulsarConnectionOptions } from './pulsar-connection-options.ts';
import { PulsarClient } from './pulsar-client.ts';
import type { PulsarClientOptions } from './pulsar-client-options.ts';

export type PulsarConnectionConfig = ConfigOf<typeof pulsarConnectionOptions>;

/**
 * Builds the binary client (and, when an admin URL is configured, the admin client) from the
 * parsed `pulsarConnectionOptions` of a process, so the bridge and the ingress connect exactly as
 * their flags, environment and Function Mesh secrets say.
 */
export function createPulsarClientFromOptions(
  config: PulsarConnectionConfig,
  extra: Omit<PulsarClientOptions, 'serviceUrl' | 'authentication' | 'tls'> & {
    readonly logger?: Logger;
  } = {},
): { client: PulsarClient; admin: PulsarAdmin | undefined } {
  const authentication = authenticationFromOptions({
    authToken: config.authToken,
    authTokenFile: config.authTokenFile,
    authPlugin: config.authPlugin,
    authParams: config.authParams,
  });
  const tls = {
    trustCertsFile: config.tlsTrustCertsFile,
    allowInsecure: config.tlsAllowInsecure,
    hostnameVerification: config.tlsHostnameVerification,
  };
  const client = new PulsarClient({ ...extra, serviceUrl: config.pulsarUrl, authentication, tls });
  const admin =
    config.adminUrl === undefined
      ? undefined
      : new PulsarAdmin({
          adminUrl: config.adminUrl,
          authentication,
          tls,
          ...(extra.operationTimeoutMs === undefined ? {} : { timeoutMs: extra.operationTimeoutMs }),
        });
  return { client, admin };
}
