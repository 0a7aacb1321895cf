import { option } from '../config/option.ts';

/**
 * How a process reaches Pulsar. The fallback variables are the keys of Function Mesh's Pulsar
 * ConfigMap (`pulsar.pulsarConfig`), auth Secret (`pulsar.authSecret`) and TLS Secret
 * (`pulsar.tlsSecret`), which the translator mounts with `envFrom`, so a bridge or ingress pod
 * works with the same objects a Function Mesh pod uses.
 */
export const pulsarConnectionOptions = {
  pulsarUrl: option.url({
    flag: 'pulsar-url',
    description: 'Pulsar broker service URL',
    fallbackEnv: ['brokerServiceURL'],
    protocols: ['pulsar', 'pulsar+ssl'],
    placeholder: 'url',
    required: true,
  }),
  adminUrl: option.url({
    flag: 'admin-url',
    description: 'Pulsar admin (web service) URL',
    fallbackEnv: ['webServiceURL'],
    protocols: ['http', 'https'],
    placeholder: 'url',
  }),
  authToken: option.string({
    flag: 'auth-token',
    description: 'token for token authentication (prefer --auth-token-file)',
    secret: true,
    placeholder: 'jwt',
  }),
  authTokenFile: option.string({
    flag: 'auth-token-file',
    description: 'file holding the authentication token (re-read on reconnect)',
    placeholder: 'path',
  }),
  authPlugin: option.string({
    flag: 'auth-plugin',
    description: 'Pulsar client authentication plugin class (Function Mesh authSecret)',
    fallbackEnv: ['clientAuthenticationPlugin'],
    placeholder: 'class',
  }),
  authParams: option.string({
    flag: 'auth-params',
    description: 'parameters of the authentication plugin, e.g. token:... or file:///path',
    fallbackEnv: ['clientAuthenticationParameters'],
    secret: true,
    placeholder: 'params',
  }),
  tlsTrustCertsFile: option.string({
    flag: 'tls-trust-certs-file',
    description: 'CA bundle trusted for pulsar+ssl:// and https:// connections',
    fallbackEnv: ['tlsTrustCertsFilePath'],
    placeholder: 'path',
  }),
  tlsAllowInsecure: option.boolean({
    flag: 'tls-allow-insecure',
    description: 'accept any server certificate (testing only)',
    fallbackEnv: ['tlsAllowInsecureConnection'],
  }),
  tlsHostnameVerification: option.boolean({
    flag: 'tls-hostname-verification',
    description: 'check that the server certificate matches the host name',
    fallbackEnv: ['tlsHostnameVerificationEnable'],
    default: true,
  }),
};
