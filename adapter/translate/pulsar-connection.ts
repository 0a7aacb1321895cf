import type { Component } from './component.ts';
import type { Diagnostics } from './diagnostics.ts';

/** Where Function Mesh mounts the `tlsConfig` certificate Secret; knmesh keeps the same path. */
export const TLS_MOUNT_PATH = '/etc/tls/pulsar-functions';
const TLS_VOLUME = 'pulsar-tls';

export interface PulsarConnection {
  /** `envFrom` of the bridge/ingress container: the Pulsar ConfigMap, auth and TLS Secrets. */
  readonly envFrom: readonly Record<string, unknown>[];
  readonly volumes: readonly Record<string, unknown>[];
  readonly volumeMounts: readonly Record<string, unknown>[];
  /** Values of the shared pulsar connection options (`pulsarConnectionOptions`). */
  readonly options: {
    readonly tlsTrustCertsFile?: string;
    readonly tlsAllowInsecure?: boolean;
    readonly tlsHostnameVerification?: boolean;
  };
  /** The Secret with `clientAuthenticationPlugin`/`clientAuthenticationParameters`. */
  readonly authSecret: string | undefined;
  /** The CA certificate Secret key of `tlsConfig`, which KEDA can use too. */
  readonly caSecret: { readonly name: string; readonly key: string } | undefined;
}

/**
 * How a generated pod reaches Pulsar, from `spec.pulsar`, with the objects Function Mesh pods use:
 * the ConfigMap and Secrets are mounted with `envFrom` (their keys are the fallback variable names
 * of `--pulsar-url`, `--admin-url`, `--auth-plugin`, `--auth-params`, `--tls-*`), the `tlsConfig`
 * certificate Secret is mounted read-only. No credential value is ever written into a manifest.
 */
export function pulsarConnection(c: Component, d: Diagnostics): PulsarConnection {
  const pulsar = c.spec.pulsar ?? {};
  const at = (...p: string[]) => [...c.specPath, 'pulsar', ...p];
  const envFrom: Record<string, unknown>[] = [];
  if (pulsar.pulsarConfig !== undefined && pulsar.pulsarConfig !== '') {
    envFrom.push({ configMapRef: { name: pulsar.pulsarConfig } });
  }
  const authSecret = pulsar.authSecret === '' ? undefined : pulsar.authSecret;
  if (authSecret !== undefined) envFrom.push({ secretRef: { name: authSecret } });

  const tls = pulsar.tlsConfig;
  const tlsEnabled = tls !== undefined && tls.enabled !== false;
  if (pulsar.tlsSecret !== undefined && pulsar.tlsSecret !== '') {
    if (tlsEnabled) {
      d.warning({
        path: at('tlsSecret'),
        rule: 'ignored: tlsConfig replaces tlsSecret (as in Function Mesh)',
      });
    } else {
      envFrom.push({ secretRef: { name: pulsar.tlsSecret } });
    }
  }

  if (!tlsEnabled) {
    return { envFrom, volumes: [], volumeMounts: [], options: {}, authSecret, caSecret: undefined };
  }
  const options: {
    tlsTrustCertsFile?: string;
    tlsAllowInsecure?: boolean;
    tlsHostnameVerification?: boolean;
  } = {};
  if (tls.allowInsecure !== undefined) options.tlsAllowInsecure = tls.allowInsecure;
  if (tls.hostnameVerification !== undefined) options.tlsHostnameVerification = tls.hostnameVerification;
  const name = tls.certSecretName;
  const key = tls.certSecretKey;
  if ((name === undefined || name === '') !== (key === undefined || key === '')) {
    d.error({ path: at('tlsConfig'), rule: 'certSecretName and certSecretKey go together' });
  }
  if (name === undefined || name === '' || key === undefined || key === '') {
    return { envFrom, volumes: [], volumeMounts: [], options, authSecret, caSecret: undefined };
  }
  options.tlsTrustCertsFile = `${TLS_MOUNT_PATH}/${key}`;
  return {
    envFrom,
    volumes: [{ name: TLS_VOLUME, secret: { secretName: name } }],
    volumeMounts: [{ name: TLS_VOLUME, mountPath: TLS_MOUNT_PATH, readOnly: true }],
    options,
    authSecret,
    caSecret: { name, key },
  };
}
